"""A major matter by 四议一审两公开 in Chromium, on the demo town: the village's cadre, on
a 360 px phone, puts it forward and records the proposal, the two committees' discussion
and the party members' deliberation; the town office approves it at its desk (一审); the
cadre records a resolution without quorum (refused, the numbers shown), then with it,
publishes the resolution and the result; the village's public page shows them, without
log-in. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from affairs.models import Matter
from governance.choices import Role
from governance.models import Membership

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

TITLE = "村西灌渠改造"
RESOLUTION = "决议公开：村西灌渠改造经村民代表会议表决通过。"
RESULT = "实施结果公开：灌渠已完工验收，受益耕地800亩。"


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def record(page, *, note_label: str, note: str, **numbers) -> None:
    for label, value in numbers.items():
        page.get_by_label(label).fill(str(value))  # the label and its " *"
    page.get_by_label(note_label).fill(note)
    page.get_by_role("button", name="记录本步骤").click()


def test_a_major_matter_goes_through_its_seven_steps_to_the_public_page(browser, server):
    village = Membership.objects.get(user__username="demo_cadre", role=Role.VILLAGE_CADRE).village

    # the cadre, on a phone: the matter and its first three steps
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/affairs/matters/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("重大事项")
        fits(page, PHONE)
        shoot(page, "matters-list-360")
        page.get_by_role("link", name="提出事项").click()
        page.get_by_label("类别").select_option("project")
        page.get_by_label("标题").fill(TITLE)
        page.get_by_label("说明").fill("改造村西灌渠2.3公里，预算42万元，申请上级项目资金。")
        page.get_by_label("金额（元）").fill("420000")
        fits(page, PHONE)
        page.get_by_role("button", name="提出", exact=True).click()
        expect(page.locator("#matter-title")).to_have_text(TITLE)
        matter = Matter.objects.get(title=TITLE)
        assert matter.village == village and matter.step is None

        record(page, note_label="党支部提议的内容", note="主题党日上提议改造灌渠。", 支委会组成人数=5, 出席=5)
        expect(page.locator("#matter-step")).to_contain_text("1/7")
        record(page, note_label="两委商议的结果", note="两委联席会议商议，形成方案。", 两委成员人数=9, 出席=8)
        expect(page.locator("#matter-step")).to_contain_text("2/7")
        shoot(page, "matter-step3-form-360")
        record(
            page, note_label="党员大会审议意见", note="党员大会审议同意。", 支部党员人数=42, 出席=36, 赞成=34, 反对=0, 弃权=2
        )  # fmt: skip
        expect(page.locator("#matter-waiting")).to_be_visible()
        expect(page.locator("#step-form")).to_have_count(0)
        fits(page, PHONE)
        shoot(page, "matter-waiting-review-360")

    # the town office, at its desk: the tile, the queue, the review
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        expect(page.locator('[data-tile="matters-review"] .value')).to_have_text(
            "2"
        )  # the demo road and this one
        page.locator('[data-tile="matters-review"]').click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("待镇审核")
        page.get_by_role("link", name=TITLE).click()
        page.get_by_label("同意", exact=True).check()
        page.get_by_label("镇审核意见").fill("符合政策，同意提交村民代表会议决议。")
        shoot(page, "matter-review-1280")
        page.get_by_role("button", name="记录本步骤").click()
        expect(page.locator('[data-step="4"]')).to_contain_text("同意")
        expect(page.locator("#matter-step")).to_contain_text("4/7")
        shoot(page, "matter-approved-1280")

    # the cadre again: the resolution, refused without quorum, then passed; both publications
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/affairs/matters/{matter.pk}/")
        page.get_by_label("村民代表会议", exact=True).check()
        record(page, note_label="决议内容", note="表决通过。", 应到人数=30, 出席=19, 赞成=15)
        error = page.locator("#id_present_error")
        expect(error).to_contain_text("不足法定人数")
        expect(error).to_contain_text("30")
        expect(error).to_contain_text("19")
        expect(error).to_contain_text("20")  # at least 20 of 30
        fits(page, PHONE)
        shoot(page, "matter-no-quorum-360")
        assert Matter.objects.get(pk=matter.pk).step == 4
        page.get_by_label("出席").fill("24")
        page.get_by_label("赞成").fill("21")
        page.get_by_role("button", name="记录本步骤").click()
        expect(page.locator("#matter-step")).to_contain_text("5/7")
        record(page, note_label="公开的决议内容", note=RESOLUTION)
        expect(page.locator("#matter-step")).to_contain_text("6/7")
        record(page, note_label="公开的实施结果", note=RESULT)
        expect(page.locator("#matter-done")).to_be_visible()
        fits(page, PHONE)
        shoot(page, "matter-done-360")
    assert list(Matter.objects.get(pk=matter.pk).steps.values_list("step", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]

    # anyone, without log-in: the village's public page and its A4 notice
    for viewport, name in ((PHONE, "360"), (DESK, "1280")):
        with browsing(browser, viewport, mobile=viewport is PHONE) as page:
            page.goto(f"{server}/affairs/public/{village.code}/matters/")
            expect(page.locator("#public-matters")).to_contain_text(TITLE)
            expect(page.locator("#public-matters")).to_contain_text(RESOLUTION)
            expect(page.locator("#public-matters")).to_contain_text(RESULT)
            expect(page.locator("#public-matters")).not_to_contain_text("党员大会审议同意")
            fits(page, viewport)
            shoot(page, f"matters-public-{name}")
    with browsing(browser, DESK) as page:
        page.goto(f"{server}/affairs/public/{village.code}/matters/print/")
        expect(page.locator(".notice")).to_contain_text(RESULT)
        shoot(page, "matters-print-1280")
