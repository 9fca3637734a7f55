"""The village ranking in Chromium, on the demo town: the supervisor opens the ranking,
sorts it by an indicator, opens a village's explanation and sees its trend chart; the
table stays readable on a phone (it scrolls sideways with the village's name kept).
Screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from scoring.choices import PeriodKind
from scoring.models import Snapshot

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def values(page, indicator: str) -> list[float]:
    cells = page.locator(f'#ranking-table tbody td[data-indicator="{indicator}"]')
    return [float(v) for v in cells.evaluate_all("cells => cells.map(c => c.dataset.value)")]


def test_a_supervisor_sorts_the_ranking_and_reads_a_villages_explanation_and_trend(browser, server):
    latest = (
        Snapshot.objects.filter(kind=PeriodKind.WEEK, published_at__isnull=False).order_by("-start").first()
    )
    assert latest is not None and latest.rows.exists()

    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_supervisor")
        page.get_by_role("button", name="考评").click()  # the scoring pages' drop-down menu
        page.get_by_role("link", name="村排名").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("村排名")
        page.get_by_label("周期").select_option("week")
        expect(page.locator("#ranking-table")).to_be_visible()
        rows = page.locator("#ranking-table tbody tr")
        assert rows.count() == latest.rows.count()
        # sort by the duty-log column: highest first, then lowest first
        heading = page.locator('#ranking-table th[data-indicator="log_completeness"] button')
        heading.click()
        expect(page.locator('#ranking-table th[data-indicator="log_completeness"]')).to_have_attribute(
            "aria-sort", "descending"
        )
        shown = values(page, "log_completeness")
        assert shown == sorted(shown, reverse=True)
        heading.click()
        shown = values(page, "log_completeness")
        assert shown == sorted(shown)
        fits(page, DESK)
        shoot(page, "ranking-supervisor-1280")
        first = rows.first.locator("th.village a")
        name = first.inner_text()
        first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        expect(page.locator("#indicators [data-indicator]")).to_have_count(9)
        expect(page.locator("#trend-chart svg")).to_be_visible()
        expect(page.locator("#trend-chart svg path").first).to_be_attached()
        fits(page, DESK)
        shoot(page, "ranking-village-1280")

    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_supervisor")
        page.goto(f"{server}/scoring/ranking/?kind=week")
        table = page.locator("#ranking-table")
        expect(table).to_be_visible()
        fits(page, PHONE)  # the table scrolls in its own box, the page does not
        village = page.locator("#ranking-table tbody tr").first.locator("th.village")
        box = village.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        page.locator(".ranking-scroll").evaluate("el => el.scrollLeft = 400")
        box = village.bounding_box()  # sticky: the name stays in view while the figures scroll
        assert box is not None and 0 <= box["x"] < PHONE["width"] / 2
        shoot(page, "ranking-supervisor-360")
        village.locator("a").click()
        expect(page.locator("#trend-chart svg")).to_be_visible()
        fits(page, PHONE)
        shoot(page, "ranking-village-360")


def test_a_cadre_sees_the_published_ranking_and_not_the_draft(browser, server):
    draft = Snapshot.objects.filter(published_at__isnull=True).first()
    assert draft is not None
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        expect(page.locator("[data-tile=ranking-village]")).to_be_visible()
        shoot(page, "ranking-cadre-home-360")
        row = draft.rows.first()
        assert page.goto(f"{server}/scoring/ranking/{draft.pk}/village/{row.village_id}/").status == 404
