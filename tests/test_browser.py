"""Real Chromium (Debian's package) through Playwright against the live server."""

import os
import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are still plain synchronous ones. Only for these tests: a process this
    # worker starts later (manage.py check --deploy) must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-12345678")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_it_shows_the_town_office_only_its_own_villages(world, live_server, page):
    # given the office of town A signed in to the admin
    log_in(page, live_server, world.users["office"])
    # when it opens the village list
    page.goto(f"{live_server.url}/admin/grids/village/")
    # then it sees town A's villages and not town B's
    table = page.locator("#result_list").inner_text()
    assert "甲一村" in table and "甲二村" in table
    assert "乙一村" not in table


def test_it_answers_not_found_for_a_household_outside_the_cadres_village(world, live_server, page):
    log_in(page, live_server, world.users["cadre"])
    page.goto(f"{live_server.url}/admin/grids/household/")
    assert "A1-001" in page.locator("#result_list").inner_text()
    page.goto(f"{live_server.url}/admin/grids/household/{world.household_b1.pk}/change/")
    assert "B1-001" not in page.content()
    assert page.url.endswith("/admin/")  # the admin's "does not exist" answer


def test_it_speaks_chinese_by_default_and_english_on_request(world, live_server, page):
    page.goto(f"{live_server.url}/")
    assert "登录" in page.content()
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Log in" in page.content()


def test_a_grid_worker_reports_on_a_phone_and_the_cadre_claims_it(world, live_server, browser):
    from cases.models import Case

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    try:
        log_in(page, live_server, world.users["grid_worker"])
        page.goto(f"{live_server.url}/cases/new/")
        page.select_option("#id_village", str(world.village_a1.pk))
        page.select_option("#id_grid", str(world.grid_a1.pk))
        page.select_option("#id_kind", label="沟渠堵塞")
        page.fill("#id_description", "三组路口排水沟堵塞")
        with page.expect_navigation():
            page.click("#report-form button[type=submit]")
        case = Case.objects.get(description="三组路口排水沟堵塞")
        assert case.tracking_number in page.content()
    finally:
        phone.close()
    cadre = browser.new_context(locale="zh-CN")
    page = cadre.new_page()
    try:
        log_in(page, live_server, world.users["cadre"])
        page.goto(f"{live_server.url}/cases/")
        page.click(f"text={case.tracking_number}")
        with page.expect_navigation():
            page.get_by_role("button", name="认领").click()
        assert "村已认领" in page.locator("#case-state").inner_text()
        assert "认领" in page.locator("#timeline").inner_text()
    finally:
        cadre.close()
