"""An unannounced inspection (一周一暗访) in Chromium, on the demo town: the supervisor
records it on the spot on a phone, the cadre on duty found away (脱岗), with a photo; the
inspected village's cadre does not see it; the town office publishes it; now the cadre
does, with its photo. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from duty.models import Inspection
from governance.choices import Role
from governance.models import Membership

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

# The image's width once it has loaded (0 for one that does not load).
LOADED = "img => img.decode().then(() => img.naturalWidth, () => 0)"
FINDINGS = "上午十点到村委会，值班室无人，值班电话无人接听"


def photo() -> dict:
    """A photo as a phone's camera hands it to the page."""
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (200, 120, 40)).save(out, "JPEG")
    return {"name": "值班室.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def test_an_inspection_is_recorded_on_a_phone_hidden_from_the_village_until_the_office_publishes_it(
    browser, server
):
    village = Membership.objects.get(user__username="demo_cadre", role=Role.VILLAGE_CADRE).village

    # the supervisor, at the village office, on a phone
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_supervisor")
        page.goto(f"{server}/duty/inspections/")
        page.get_by_role("link", name="记录暗访").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("记录一次暗访")
        page.get_by_label("村（社区）").select_option(str(village.pk))
        page.get_by_label("否，脱岗").check()
        page.get_by_label("办公场所扫一扫").check()
        page.get_by_label("公开栏内整一整").check()
        page.get_by_label("发现的问题").fill(FINDINGS)
        page.get_by_label("得分").fill("42")
        page.get_by_label("照片").set_input_files(photo())
        fits(page, PHONE)
        shoot(page, "inspection-form-360")
        page.get_by_role("button", name="保存草稿").click()
        expect(page.locator("#inspection-state")).to_have_text("草稿")
        inspection = Inspection.objects.get(findings=FINDINGS)
        assert not inspection.present and inspection.items_seen == [1, 7] and inspection.score == 42
        assert inspection.photos.count() == 1 and inspection.village == village
        expect(page.locator("#inspection-present")).to_contain_text("脱岗")
        expect(page.locator("#inspection-photos img")).to_have_count(1)
        assert page.locator("#inspection-photos img").evaluate(LOADED) > 0
        fits(page, PHONE)
        shoot(page, "inspection-draft-360")
    detail = f"{server}/duty/inspections/{inspection.pk}/"
    photo_url = f"{server}/duty/inspections/photos/{inspection.photos.get().pk}/"

    # the village's cadre sees nothing of it: not listed, its page and photo are not there
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/duty/inspections/")
        expect(page.get_by_role("heading", level=1)).to_have_text("一周一暗访")
        expect(page.locator(f'[data-inspection="{inspection.pk}"]')).to_have_count(0)
        assert page.goto(detail).status == 404
        assert page.goto(photo_url).status == 404

    # the town office reads the draft at its desk and publishes it
    with browsing(browser, DESK) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, server, "demo_office")
        page.goto(f"{server}/duty/inspections/?state=draft")
        row = page.locator(f'[data-inspection="{inspection.pk}"]')
        expect(row).to_contain_text("脱岗")
        fits(page, DESK)
        shoot(page, "inspections-office-1280")
        row.get_by_role("link").click()
        page.get_by_role("button", name="发布结果").click()
        expect(page.locator("#inspection-state")).to_have_text("已发布")
        expect(page.get_by_role("button", name="发布结果")).to_have_count(0)
        shoot(page, "inspection-published-1280")

    # now the cadre sees it, with its photo, and that it found the post deserted
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.locator("[data-tile=inspections-published]").click()
        expect(page.locator(f'[data-inspection="{inspection.pk}"]')).to_contain_text("脱岗")
        fits(page, PHONE)
        shoot(page, "inspections-cadre-360")
        page.locator(f'[data-inspection="{inspection.pk}"]').get_by_role("link").click()
        expect(page.locator("#inspection-findings")).to_have_text(FINDINGS)
        expect(page.locator("#inspection-score")).to_have_text("42")
        assert page.locator("#inspection-photos img").evaluate(LOADED) > 0
        expect(page.locator("#inspection-actions")).to_have_count(0)
        fits(page, PHONE)
        shoot(page, "inspection-cadre-360")

        # and on the village's duty log of that day
        page.goto(f"{server}/duty/today/")
        start = page.locator("#start-form")
        if start.count():
            reason = start.locator("input[name=off_roster_reason]")
            if reason.count():
                reason.fill("与值班干部调班")
            with page.expect_navigation():
                start.get_by_role("button").click()
        if page.locator("#log-inspections").count() == 0:  # today's log is another cadre's
            page.get_by_role("link", name="打开").click()
        expect(page.locator("#log-inspections")).to_contain_text("脱岗")
        expect(page.locator("#log-inspections")).not_to_contain_text("村里看不到")
        fits(page, PHONE)
        shoot(page, "inspection-on-the-log-360")
