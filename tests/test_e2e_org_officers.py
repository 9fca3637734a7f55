"""A first secretary's night visit in Chromium, on the demo town: the demo officer, on a
360 px phone, opens "my work", records the evening due as held (people received, a
summary), records a matter brought that becomes a case, follows the link to the case;
the town office, at its desk, sees the officer's night visits held and people received
in the officers' list. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organisation.models import NightVisit, NightVisitMatter, Officer

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

SHOTS = Path("/tmp/shots_officers")


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def snap(page, name: str) -> None:
    path = shoot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_the_demo_officer_records_a_night_visit_whose_matter_becomes_a_case(browser, server):
    officer = Officer.objects.get(user__username="demo_officer")
    visit = (
        NightVisit.objects.filter(officer=officer, state="scheduled", date__lte=timezone.localdate())
        .order_by("-date")
        .first()
    )
    assert visit is not None, "the demo leaves the officer's latest evening to record"

    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_officer")
        page.goto(f"{server}/organisation/officers/mine/")
        expect(page.locator("#officer-name")).to_contain_text(officer.name)
        expect(page.locator("#officer-foci")).to_be_visible()
        fits(page, PHONE)
        snap(page, "officer-mine-360")
        page.locator(f'[data-visit="{visit.pk}"] a').click()
        expect(page.locator("#visit-state")).to_have_text("已排定")
        page.get_by_label("接待群众").fill("7")
        page.get_by_label("情况概述").fill("七位村民来访，反映路灯、医保和土地流转问题。")
        fits(page, PHONE)
        snap(page, "night-visit-hold-360")
        page.get_by_role("button", name="已开展", exact=True).click()
        expect(page.locator("#visit-state")).to_have_text("已开展")
        expect(page.locator("#visit-held")).to_contain_text("7")

        page.get_by_label("反映人").fill("李阿姨")
        page.locator("#id_matter").fill("三组路口路灯坏了一个多月。")
        page.get_by_label("转为案件").check()
        page.get_by_label("案件类别").select_option(index=1)
        fits(page, PHONE)
        snap(page, "night-visit-matter-360")
        page.get_by_role("button", name="登记事项").click()
        link = page.locator("#visit-matters .case-link")
        expect(link).to_be_visible()
        matter = NightVisitMatter.objects.get(night_visit=visit, person="李阿姨")
        assert matter.case is not None and matter.case.village_id == visit.village_id
        expect(link).to_contain_text(matter.case.tracking_number)
        fits(page, PHONE)
        snap(page, "night-visit-held-360")
        link.click()
        expect(page.locator("body")).to_contain_text(matter.case.tracking_number)
        expect(page.locator("body")).to_contain_text("三组路口路灯坏了一个多月。")
        snap(page, "night-visit-case-360")

    held = NightVisit.objects.filter(officer=officer, state="held", date__year=timezone.localdate().year)
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/organisation/officers/")
        row = page.locator(f'[data-officer="{officer.pk}"]')
        expect(row.locator('[data-col="held"]')).to_have_text(str(held.count()))
        expect(row.locator('[data-col="received"]')).to_have_text(str(sum(v.people_received for v in held)))
        expect(page.locator('[data-kind="first"] [data-figure="held"]')).not_to_have_text("0")
        snap(page, "officers-list-1280")
        page.goto(f"{server}/organisation/officers/{officer.pk}/")
        expect(page.locator("#held-year")).to_have_text(str(held.count()))
        snap(page, "officer-detail-1280")
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/organisation/officers/")
        fits(page, PHONE)
        snap(page, "officers-list-360")
