"""阳光三务 in Chromium on the demo town: the demo cadre, on a 360 px phone, drafts the
last quarter's finance disclosure with its items (a row added), has it signed off,
publishes it and confirms the board with a photo; the public page and the printed notice
show it; the town office, on a desk screen, no longer sees the village late."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from affairs import disclosures as ds
from affairs.models import Disclosure
from governance.choices import Role
from governance.models import Membership

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

# Past the last quarter's due day (the period's end and ten days), the village is late.
LATE = ds.timezone.localdate() > ds.due_date(
    ds.AffairsSettings(), ds.last_ended("quarterly", ds.timezone.localdate())[1]
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES


def a_photo(tmp_path) -> str:
    from PIL import Image

    path = tmp_path / "board.jpg"
    out = io.BytesIO()
    Image.new("RGB", (480, 360), (200, 190, 160)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_cadre_publishes_the_quarters_finances_on_a_phone_and_the_town_sees_it(browser, server, tmp_path):
    village = Membership.objects.get(
        user__username="demo_cadre", role=Role.VILLAGE_CADRE, deleted_at__isnull=True
    ).village
    row = f'#overview-table tr[data-village="{village.code}"]'

    # the town office: the village has not published its finances of the last quarter
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        expect(page.locator('[data-tile="disclosures-late"]')).to_be_visible()
        page.goto(f"{server}/affairs/disclosures/")
        cell = page.locator(f'{row} td[data-kind="finance"]')
        expect(cell).to_have_attribute("data-status", re.compile("^(late|waiting)$"))
        expect(page.locator(row)).to_have_class(re.compile("table-danger") if LATE else re.compile(".*"))
        shoot(page, "disclosures-office-desk-before")

    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        expect(page.locator('[data-tile="disclosures-due"]')).to_be_visible()
        page.locator('[data-tile="disclosures-due"]').click()
        due = page.locator('#own-due a[data-kind="finance"]')
        expect(due).to_have_attribute("data-status", re.compile("^(late|waiting)$"))
        shoot(page, "disclosures-cadre-phone")
        due.click()

        form = page.locator("#disclosure-form")
        expect(form.locator("select[name=kind]")).to_have_value("finance")
        form.locator("input[name=title]").fill("第三季度财务公开")
        form.locator("textarea[name=body]").fill("本季度村集体收支如下，已经村务监督委员会审核。")
        rows = form.locator(".item-row")
        rows.nth(0).locator("input[name=item_name]").fill("土地发包收入")
        rows.nth(0).locator("input[name=item_income]").fill("86000")
        rows.nth(1).locator("input[name=item_name]").fill("道路维修")
        rows.nth(1).locator("input[name=item_spending]").fill("18500.50")
        before = rows.count()
        form.locator("#add-item").click()
        expect(rows).to_have_count(before + 1)
        rows.nth(before).locator("input[name=item_name]").fill("保洁员工资")
        rows.nth(before).locator("input[name=item_spending]").fill("9600")
        shoot(page, "disclosures-form-phone")
        form.locator("#save-draft").click()

        # a draft without the supervision committee's sign-off cannot be published
        expect(page.locator("#state")).to_contain_text("草稿")
        expect(page.locator("#total-income")).to_have_text("86000.00")
        expect(page.locator("#total-spending")).to_have_text("28100.50")
        expect(page.locator("#total-balance")).to_have_text("57899.50")
        expect(page.locator("#publish-problems")).to_contain_text("村务监督委员会")
        expect(page.locator("#publish")).to_be_disabled()
        page.locator("#edit").click()
        form = page.locator("#disclosure-form")
        form.locator("input[name=signed_off_by]").fill("王建国")
        form.locator("input[name=signed_off_on]").fill(f"{ds.timezone.localdate():%Y-%m-%d}")
        form.locator("#save-draft").click()
        expect(page.locator("#sign-off")).to_contain_text("王建国")
        page.locator("#publish").click()
        expect(page.locator(".alert-success")).to_contain_text("已公开")
        expect(page.locator("#state")).to_contain_text("公开于")
        expect(page.locator("#edit")).to_have_count(0)

        # the board, with a photo
        page.locator("#board-form input[name=photo]").set_input_files(a_photo(tmp_path))
        page.locator("#board-form").get_by_role("button", name="确认公开栏已更新").click()
        expect(page.locator("#board-confirmed")).to_be_visible()
        shoot(page, "disclosures-detail-phone")

        disclosure = Disclosure.objects.get(village=village, kind="finance", title="第三季度财务公开")
        assert disclosure.published_at and disclosure.board_photo and len(disclosure.items) == 3

        # the public page and the printed notice, without log-in
        page.context.clear_cookies()
        page.goto(f"{server}/affairs/public/{village.code}/disclosures/")
        card = page.locator(f"#disclosure-{disclosure.pk}")
        expect(card).to_contain_text("第三季度财务公开")
        expect(card.locator("[data-total-balance]")).to_have_text("57899.50")
        shoot(page, "disclosures-public-phone")

    with browsing(browser, DESK) as page:
        page.goto(f"{server}/affairs/public/{village.code}/disclosures/{disclosure.pk}/print/")
        expect(page.locator("#notice-title")).to_contain_text(village.name)
        expect(page.locator("#items-table")).to_contain_text("保洁员工资")
        expect(page.locator("#sign-off")).to_contain_text("王建国")
        shoot(page, "disclosures-print-desk")
        page.goto(f"{server}/affairs/public/{village.code}/disclosures/")
        shoot(page, "disclosures-public-desk")

        # the town office: the village is no longer late
        log_in(page, server, "demo_office")
        page.goto(f"{server}/affairs/disclosures/")
        expect(page.locator(f'{row} td[data-kind="finance"]')).to_have_attribute(
            "data-status", "published_late" if LATE else "published"
        )
        expect(page.locator(row)).not_to_have_class("table-danger")
        shoot(page, "disclosures-office-desk-after")
        page.goto(f"{server}/affairs/disclosures/{disclosure.pk}/")
        expect(page.locator("#board-confirmed")).to_be_visible()
        shoot(page, "disclosures-detail-desk")

        # the demo's correction: the corrected one says when, and links to it
        correction = Disclosure.objects.filter(corrects__isnull=False, published_at__isnull=False).first()
        page.goto(f"{server}/affairs/disclosures/{correction.corrects_id}/")
        expect(page.locator("#corrected-by")).to_contain_text("更正于")
        page.locator("#corrected-by a").click()
        expect(page.locator("#corrects")).to_contain_text(correction.correction_reason)
        shoot(page, "disclosures-correction-desk")

    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/affairs/disclosures/")
        expect(page.locator(f'{row} td[data-kind="finance"]')).to_have_attribute(
            "data-status", re.compile("^published")
        )
        shoot(page, "disclosures-office-phone")
