"""Party-member points (党员积分制) in Chromium, on the demo town: a party member opens
我的积分 on a phone and sees the year's total, where the points came from and their rank
in the branch; the town office reverses one of their entries in the ledger, and the
member's total goes down by its points. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import User
from scoring import points
from scoring.models import PointEntry

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def test_a_member_sees_their_points_and_rank_and_the_office_reverses_an_entry(browser, server):
    member = points.member_of_user(User.objects.get(username="demo_member"))
    year = timezone.localdate().year
    standing = points.branch_standing(member, year)
    assert standing.total > 0, "the demo gives demo_member a year of points"
    entry = (
        PointEntry.objects.filter(
            member=member, date__year=year, reverses__isnull=True, reversed_by__isnull=True
        )
        .order_by("-points", "-date")
        .first()
    )

    # the member, on a phone
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_member")
        expect(page.locator("[data-tile='points-rank']")).to_contain_text(f"{standing.rank}/{standing.of}")
        page.locator("[data-tile='points-mine']").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("我的积分")
        expect(page.locator("[data-total]")).to_have_text(str(standing.total))
        expect(page.locator("[data-rank]")).to_contain_text(f"{standing.rank}/{standing.of}")
        expect(page.locator("#points-sources")).to_contain_text("参加主题党日")
        expect(page.locator(f"[data-entry='{entry.pk}']")).to_be_visible()
        fits(page, PHONE)
        shoot(page, "points-me-360")

    # the town office, at a desk: the member's entries in the ledger, one reversed
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/scoring/points/?member={member.pk}&year={year}")
        expect(page.get_by_role("heading", level=1)).to_have_text("党员积分")
        shoot(page, "points-ledger-1280")
        page.locator(f"[data-entry='{entry.pk}']").get_by_role("link", name="冲正").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("冲正一条记录")
        page.get_by_role("button", name="冲正").click()
        expect(page.locator(".invalid-feedback")).to_be_visible()  # a reason is needed
        page.get_by_label("理由").fill("重复记分，予以冲正")
        page.get_by_role("button", name="冲正").click()
        expect(page.locator(f"[data-entry='{entry.pk}']")).to_contain_text("已冲正")
        expect(page.locator("#ledger-table")).to_contain_text("重复记分，予以冲正")

    # the member sees the lower total
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_member")
        page.goto(f"{server}/scoring/points/me/")
        expect(page.locator("[data-total]")).to_have_text(str(standing.total - entry.points))
        expect(page.locator("#points-entries")).to_contain_text("重复记分，予以冲正")
        shoot(page, "points-me-reversed-360")
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_member")
        page.goto(f"{server}/scoring/points/me/")
        shoot(page, "points-me-1280")


def test_the_office_pages_at_both_widths(browser, server):
    for viewport, suffix, mobile in [(PHONE, "360", True), (DESK, "1280", False)]:
        with browsing(browser, viewport, mobile=mobile) as page:
            log_in(page, server, "demo_office")
            for path, name in [
                ("/scoring/points/rules/", "points-rules"),
                ("/scoring/points/theme-days/", "points-theme-days"),
                ("/scoring/points/bar/", "points-bar"),
            ]:
                page.goto(f"{server}{path}")
                expect(page.get_by_role("heading", level=1)).to_be_visible()
                fits(page, viewport)
                shoot(page, f"{name}-{suffix}")
            page.goto(f"{server}/scoring/points/theme-days/")
            page.locator("#theme-days-table a").first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("主题党日")
            expect(page.locator("#present-count")).to_be_visible()
            fits(page, viewport)
            shoot(page, f"points-theme-day-{suffix}")
        with browsing(browser, viewport, mobile=mobile) as page:
            log_in(page, server, "demo_cadre")
            page.goto(f"{server}/")
            expect(page.locator("[data-tile='theme-day-next']")).to_be_visible()
            shoot(page, f"points-cadre-home-{suffix}")
