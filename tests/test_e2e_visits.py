"""A grid worker's household visits on a 360 px phone in Chromium, on the demo town: the
grid's due list, a visit recorded with a photo (coverage rises, the household leaves the
list), a problem found on a visit reported as a case with its tracking number; and the
town office's coverage on a desk screen."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from duty.models import Visit
from governance.models import Membership

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, number, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES


def a_photo(tmp_path) -> str:
    from PIL import Image

    path = tmp_path / "visit.jpg"
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 60)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def visited(page) -> int:
    """The "<v> of <n> households visited" figure of the grid page."""
    return number(page.locator("#coverage-counts").inner_text().split("已走访")[1])


def test_a_grid_worker_records_visits_on_a_phone_and_the_grid_s_coverage_rises(browser, server, tmp_path):
    grid_id = Membership.objects.get(user__username="demo_grid", deleted_at__isnull=True).grid_id
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_grid")
        page.goto(f"{server}/duty/visits/")
        page.locator(f'#grid-table tr[data-grid="{grid_id}"] a').click()
        expect(page.locator("#due-table")).to_be_visible()
        shoot(page, "visits-grid-phone-before")
        before = visited(page)

        # the first household due: its visit, with a photo
        row = page.locator("#due-table tbody tr[data-household]").first
        household = int(row.get_attribute("data-household"))
        row.locator("[data-record]").click()
        form = page.locator("#visit-form")
        form.locator("textarea[name=found]").fill("老人身体还好，已送去降压药")
        form.locator("input[name=photos]").set_input_files(a_photo(tmp_path))
        shoot(page, "visits-form-phone")
        form.get_by_role("button", name="保存走访记录").click()
        expect(page.locator(".alert-success")).to_contain_text("走访已记录")
        expect(page.locator("#visit-photos img")).to_have_count(1)
        shoot(page, "visits-detail-phone")

        page.goto(f"{server}/duty/visits/grid/{grid_id}/")
        assert visited(page) == before + 1
        expect(page.locator(f'#due-table tr[data-household="{household}"]')).to_have_count(0)

        # the next household: a problem found there becomes a case
        row = page.locator("#due-table tbody tr[data-household]").first
        row.locator("[data-record]").click()
        form = page.locator("#visit-form")
        form.locator("textarea[name=found]").fill("门前路灯损坏，夜间出行不便")
        form.locator("#report-box summary").click()
        form.locator("input[name=report]").check()
        form.locator("select[name=case_kind]").select_option(index=1)
        form.get_by_role("button", name="保存走访记录").click()
        expect(page.locator("#visit-case")).not_to_have_text("—")
        visit = Visit.objects.filter(found="门前路灯损坏，夜间出行不便").select_related("case").get()
        expect(page.locator("#visit-case")).to_contain_text(visit.case.tracking_number)
        shoot(page, "visits-case-phone")

        page.goto(f"{server}/duty/visits/grid/{grid_id}/")
        assert visited(page) == before + 2
        shoot(page, "visits-grid-phone-after")
    assert Visit.objects.get(household_id=household, found="老人身体还好，已送去降压药").photos.count() == 1


def test_the_town_office_sees_coverage_by_village_then_grid_on_a_desk(browser, server):
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/duty/visits/")
        expect(page.locator("#village-table tbody tr")).not_to_have_count(0)
        shoot(page, "visits-coverage-desk")
        page.locator("#village-table tbody tr a").first.click()
        expect(page.locator("#grid-table tbody tr")).not_to_have_count(0)
        expect(page.locator("#week-table")).to_be_visible()
        shoot(page, "visits-village-desk")
        page.locator("#grid-table tbody tr a").first.click()
        expect(page.locator("#due-table")).to_be_visible()
        shoot(page, "visits-grid-desk")
