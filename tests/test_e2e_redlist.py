"""The red and black list (红黑榜) and the year-end assessment (年终考绩) in Chromium, on
the demo town: the grid worker proposes a household on a 360 px phone, the village's
cadre approves and publishes it, and the grid's public page (no log-in) shows it with
the display name only; the town office opens a cadre's assessment sheet and prints it.
Screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.models import User
from grids.models import Household
from scoring import redlist
from scoring.models import Assessment, ListEntry

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

REASON = "雨天主动疏通村道排水沟，保障村民出行"


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def test_a_grid_worker_proposes_the_cadre_publishes_and_the_public_reads_it(browser, server):
    worker = User.objects.get(username="demo_grid")
    household = redlist.households_proposable_by(worker).order_by("-number").first()
    grid = household.grid.parent or household.grid

    # the grid worker, on a phone
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_grid")
        page.locator("[data-tile='redlist-grid']").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("红黑榜")
        page.locator("#redlist-propose").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("红黑榜提名")
        page.get_by_role("button", name="提名").click()
        expect(page.locator(".invalid-feedback").first).to_be_visible()  # nothing filled in
        page.locator("#id_household").select_option(str(household.pk))
        page.get_by_label("红榜（表扬）").check()
        page.get_by_label("理由").fill(REASON)
        page.locator("#id_rule").fill("第五条 环境卫生")
        fits(page, PHONE)
        shoot(page, "redlist-propose-360")
        page.get_by_role("button", name="提名").click()
        expect(page.locator("#entry-state")).to_contain_text("已提名")
        shoot(page, "redlist-proposed-360")
    entry = ListEntry.objects.get(reason=REASON)

    # the village's cadre, on a phone: approve, then publish
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.locator("[data-tile='redlist-waiting']").click()
        row = page.locator(f"[data-entry='{entry.pk}']")
        expect(row).to_contain_text(REASON)
        fits(page, PHONE)
        shoot(page, "redlist-approval-list-360")
        row.get_by_role("link", name="审核", exact=True).click()
        page.get_by_role("button", name="审核通过").click()
        expect(page.locator("#entry-state")).to_contain_text("村已审核")
        page.get_by_role("button", name="发布").click()
        expect(page.locator("#entry-state")).to_contain_text("正在公示")
        shoot(page, "redlist-published-360")

    # the public, without log-in, at 360 and 1280 px
    name = redlist.display_name(Household.objects.get(pk=household.pk))
    for viewport, size in ((PHONE, 360), (DESK, 1280)):
        with browsing(browser, viewport, mobile=viewport is PHONE) as page:
            page.goto(f"{server}/scoring/public/redlist/{grid.code}/")
            red = page.locator("#public-red")
            expect(red).to_contain_text(REASON)
            expect(red).to_contain_text(name)
            expect(page.locator("body")).not_to_contain_text(household.head_name)
            expect(page.locator("body")).not_to_contain_text("照顾独居老人十余年")  # the demo's expired one
            fits(page, viewport)
            shoot(page, f"redlist-public-{size}")
    with browsing(browser, DESK) as page:
        page.goto(f"{server}/scoring/public/redlist/{grid.code}/print/")
        expect(page.locator("#notice-red")).to_contain_text(REASON)
        page.emulate_media(media="print")
        shoot(page, "redlist-print-1280")


def test_the_office_prints_a_cadres_assessment_sheet(browser, server):
    graded = (
        Assessment.objects.filter(assessed_at__isnull=False, cadre__username="demo_cadre")
        .order_by("-year")
        .first()
    )
    assert graded is not None, "the demo grades the demo cadre's assessment of this year"
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/scoring/assessments/?year={graded.year}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("年终考绩")
        shoot(page, "assessments-1280")
        page.locator(f"[data-assessment='{graded.pk}']").get_by_role("link", name=str(graded.cadre)).click()
        expect(page.locator("#assessment-sheet")).to_contain_text(graded.get_grade_display())
        expect(page.locator("[data-figure='duty_days']")).to_contain_text(
            f"履职 {graded.figures['duty_days']['served']} 天"
        )
        page.emulate_media(media="print")
        expect(page.locator("#print")).to_be_hidden()
        shoot(page, "assessment-sheet-print-1280")
        page.emulate_media(media="screen")
        page.locator("[data-figure='duty_days'] a").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("按值班表履职天数")
        expect(page.locator("#evidence-logs tbody tr").first).to_be_visible()
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/scoring/assessments/{graded.pk}/")
        fits(page, PHONE)
        shoot(page, "assessment-sheet-360")
