"""The quarterly bulletin in Chromium, on the demo town: the town office opens the
bulletins from its home tile, generates the last quarter's again (a new version beside
the published one), sees its page with the charts drawn, publishes it, and fetches its
PDF; the public reads it on a phone without logging in. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scoring import bulletin
from scoring.models import Bulletin

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def charts_drawn(page) -> None:
    for chart in ("#chart-ranking", "#chart-weeks", "#chart-satisfaction"):
        expect(page.locator(f"{chart} svg")).to_be_visible()
        expect(page.locator(f"{chart} svg path").first).to_be_attached()


def test_the_office_generates_and_publishes_the_quarters_bulletin_and_opens_its_pdf(browser, server):
    year, quarter = bulletin.last_quarter(timezone.localdate())
    before = Bulletin.objects.filter(year=year, quarter=quarter).count()
    assert before >= 1  # the demo's, published

    with browsing(browser, DESK) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, server, "demo_office")
        page.locator("a[data-tile=bulletin]").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("季度通报")
        page.get_by_label("季度").select_option(f"{year}-{quarter}")
        page.get_by_role("button", name="生成通报").click()
        expect(page.locator("#bulletin-title")).to_contain_text(f"{year}年第{quarter}季度村级工作通报")
        expect(page.locator("#bulletin-draft")).to_be_visible()
        made = Bulletin.objects.filter(year=year, quarter=quarter).order_by("-version").first()
        assert made.version == before + 1 and made.published_at is None
        charts_drawn(page)
        expect(page.locator("#bulletin-ranking tbody tr")).to_have_count(len(made.content["ranking"]["rows"]))
        fits(page, DESK)
        shoot(page, "bulletin-office-draft-1280")

        page.locator("#bulletin-publish").click()
        expect(page.locator("#bulletin-draft")).to_have_count(0)
        expect(page.locator("#bulletin-publish")).to_have_count(0)
        made.refresh_from_db()
        assert made.published_at is not None
        charts_drawn(page)
        shoot(page, "bulletin-office-published-1280")

        href = page.locator("#bulletin-pdf").get_attribute("href")
        pdf = page.request.get(f"{server}{href}")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF-") and len(pdf.body()) < 200_000

        page.goto(f"{server}/scoring/bulletins/")
        row = page.locator(f'#bulletin-table tr[data-bulletin="{made.pk}"]')
        expect(row).to_contain_text("已发布")
        shoot(page, "bulletin-list-1280")


def test_the_public_reads_the_published_bulletin_on_a_phone(browser, server):
    published = Bulletin.objects.filter(published_at__isnull=False).select_related("town").first()
    assert published is not None
    with browsing(browser, PHONE, mobile=True) as page:
        page.goto(f"{server}/scoring/public/bulletins/{published.town.code}/")
        link = page.locator("#public-bulletins a").first
        expect(link).to_be_visible()
        fits(page, PHONE)
        shoot(page, "bulletin-public-list-360")
        link.click()
        expect(page.locator("#bulletin-title")).to_contain_text("季度村级工作通报")
        expect(page.locator("#bulletin-publish")).to_have_count(0)
        charts_drawn(page)
        fits(page, PHONE)  # the wide tables scroll in their own boxes
        shoot(page, "bulletin-public-360")
