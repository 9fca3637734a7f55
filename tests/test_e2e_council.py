"""The villagers' council and a public hearing in Chromium, on the demo town: the
village's cadre, on a 360 px phone, reads the counts, proposes a topic, publishes it,
records a suggestion adopted and closes the topic; reads the demo's hearing with its case;
the village's public page shows the topic without log-in. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from affairs.choices import TopicState
from affairs.models import Hearing, Topic
from governance.choices import Role
from governance.models import Membership

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

TITLE = "村小学门口减速带"


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def test_a_topic_from_proposal_to_the_public_page_and_a_hearing(browser, server):
    village = Membership.objects.get(user__username="demo_cadre", role=Role.VILLAGE_CADRE).village

    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/affairs/topics/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("村民议事厅")
        expect(page.locator("#council-counts")).to_contain_text(village.name)
        fits(page, PHONE)
        shoot(page, "council-topics-360")
        page.get_by_role("link", name="提出议题").click()
        page.get_by_label("标题").fill(TITLE)
        page.get_by_label("说明").fill("学生上下学车辆车速过快，建议设置减速带。")
        fits(page, PHONE)
        page.get_by_role("button", name="保存").click()
        page.get_by_role("button", name="向村民公开").click()
        expect(page.locator("#topic-state")).to_contain_text("已向村民公示")
        form = page.locator("#suggestion-form")
        form.locator("#id_s-by").fill("村民代表")
        form.locator("#id_s-text").fill("设置两道减速带并加装警示牌")
        form.locator("#id_s-adopted").select_option("1")
        form.get_by_role("button", name="保存").click()
        expect(page.locator("#suggestions-table")).to_contain_text("已采纳")
        close = page.locator("#close-form")
        close.get_by_role("button", name="议题办结").click()  # no outcome: refused, in Chinese
        expect(close).to_contain_text("必填")
        close.locator("#id_c-outcome").fill("减速带已设置")
        close.get_by_role("button", name="议题办结").click()
        expect(page.locator("#topic-outcome")).to_contain_text("减速带已设置")
        fits(page, PHONE)
        shoot(page, "council-topic-360")
        assert Topic.objects.get(title=TITLE).state == TopicState.CLOSED

        hearing = Hearing.objects.get(village=village)
        page.goto(f"{server}/affairs/hearings/")
        fits(page, PHONE)
        page.get_by_role("link", name=hearing.title).click()
        expect(page.locator("#hearing-case")).to_contain_text(hearing.case.tracking_number)
        expect(page.locator("#hearing-panel")).to_contain_text("人大代表")
        fits(page, PHONE)
        shoot(page, "council-hearing-360")
        page.goto(f"{server}/affairs/hearings/new/")
        fits(page, PHONE)
        shoot(page, "council-hearing-new-360")
        page.goto(f"{server}/affairs/council/")
        fits(page, PHONE)
        shoot(page, "council-members-360")

    for viewport, name in ((PHONE, "360"), (DESK, "1280")):
        with browsing(browser, viewport, mobile=viewport is PHONE) as page:
            page.goto(f"{server}/affairs/public/{village.code}/topics/")
            expect(page.locator("#public-topics")).to_contain_text(TITLE)
            expect(page.locator("#public-topics")).to_contain_text("设置两道减速带")
            expect(page.locator("#public-topics")).not_to_contain_text("村民代表")
            fits(page, viewport)
            shoot(page, f"council-public-{name}")
