"""The responsibility map in Chromium, on the demo town: the town office sees the map's
coverage, opens a household the demo grid worker answers for, reassigns it to a party
member of the village (the old link closed, shown in the history); the grid worker, on a
360 px phone, opens "households I answer for"; the public service card of a compound
renders without log-in at 360 and 1280 px and prints on A4. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from governance.models import User
from grids.models import PartyMember
from organisation.choices import Level
from organisation.models import Responsibility, ServicePost

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

SHOTS = Path("/tmp/shots_map")


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def snap(page, name: str) -> None:
    path = shoot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_the_office_reassigns_a_household_and_the_grid_worker_sees_theirs(browser, server):
    worker = User.objects.get(username="demo_grid")
    link = (
        Responsibility.objects.filter(level=Level.HOUSEHOLD, user=worker, until__isnull=True)
        .select_related("household")
        .order_by("household__number")
        .first()
    )
    assert link is not None, "the demo links the grid worker to their grid's households"
    household = link.household
    member = PartyMember.objects.filter(village_id=household.village_id).select_related("resident").first()

    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/organisation/map/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("包联责任图")
        expect(page.locator("#map-total")).to_contain_text("100%")  # the demo: every household
        snap(page, "map-overview-1280")
        page.goto(f"{server}/organisation/map/household/{household.pk}/")
        expect(page.locator('#who-answers [data-level="household"]')).to_contain_text(link.name)
        page.locator("#reassign").click()
        expect(page.locator("#id_household_number")).to_have_value(household.number)
        page.locator("#id_party_member").select_option(str(member.pk))
        page.locator("#id_phone").fill("13905730001")
        snap(page, "map-reassign-1280")
        page.locator("#link-form").get_by_role("button", name="指定").click()
        expect(page.locator('#who-answers [data-level="household"]')).to_contain_text(member.resident.name)
        expect(page.locator('#who-answers [data-level="household"]')).to_contain_text("13905730001")
        expect(page.locator("#history tr.closed")).to_contain_text(link.name)
        expect(page.locator("#history tr.current")).to_contain_text(member.resident.name)
        snap(page, "map-household-1280")
    link.refresh_from_db()
    assert link.until is not None
    assert Responsibility.objects.filter(household=household, until__isnull=True).get().party_member == member

    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_grid")
        page.goto(f"{server}/organisation/map/mine/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("我包联的户")
        rows = page.locator("#my-households [data-household]")
        expect(rows.first).to_be_visible()
        assert rows.count() >= 1
        expect(page.locator(f'#my-households [data-household="{household.pk}"]')).to_have_count(0)
        fits(page, PHONE)
        snap(page, "map-mine-360")
        rows.first.click()
        expect(page.locator("#who-answers")).to_contain_text(str(worker))
        expect(page.locator("#reassign")).to_have_count(0)
        fits(page, PHONE)
        snap(page, "map-household-360")


def test_the_public_service_card_renders_and_prints(browser, server):
    post = ServicePost.objects.filter(until__isnull=True).select_related("grid").order_by("pk").first()
    assert post is not None, "the demo posts a compound team"
    url = f"{server}/organisation/public/card/{post.grid.code}/"
    for viewport, name in ((PHONE, "360"), (DESK, "1280")):
        with browsing(browser, viewport, mobile=viewport is PHONE) as page:
            page.goto(url)
            expect(page.locator("#card-title")).to_contain_text(post.grid.name)
            expect(page.locator("#card-posts")).to_contain_text(post.name)
            expect(page.locator("#card-posts")).to_contain_text(post.phone)
            expect(page.locator("#card-posts")).to_contain_text(post.handles)
            expect(page.locator('#card-posts [data-post="stairwell"]').first).to_be_visible()
            fits(page, viewport)
            snap(page, f"map-card-{name}")
    with browsing(browser, DESK) as page:
        page.goto(url)
        page.emulate_media(media="print")
        expect(page.get_by_role("button", name="打印")).to_be_hidden()
        expect(page.locator("#card-posts")).to_be_visible()
        snap(page, "map-card-print")
        pdf = page.pdf(format="A4", print_background=False)
        assert pdf[:4] == b"%PDF" and len(pdf) > 5000
