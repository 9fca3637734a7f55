"""A cadre's duty day on a phone in Chromium, on the demo town, with the network cut
midway: the entry made offline waits on the phone, is shown as waiting, and is sent once
the connection returns, recorded exactly once."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from duty.models import DutyLog, PolicyTalk, Visit
from governance.models import User

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES


def section(page, n: int):
    """Item ``n``'s section of the log, opened."""
    item = page.locator(f"#item-{n}")
    if item.get_attribute("open") is None:
        item.locator("summary").click()
    return item


def test_a_cadre_files_the_duty_day_on_a_phone_with_the_network_cut_midway(browser, server):
    cadre = User.objects.get(username="demo_cadre")
    with browsing(browser, PHONE, mobile=True) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/duty/today/")
        start = page.locator("#start-form")
        if start.count():
            reason = start.locator("input[name=off_roster_reason]")
            if reason.count():
                reason.fill("与值班干部调班")
            with page.expect_navigation():
                start.get_by_role("button").click()
        expect(page.locator("[data-progress]")).to_have_text("0/9")

        form = section(page, 1).locator("#checkin-form")
        form.locator("input[name=check_in_reason]").fill("二维码被雨淋坏")
        form.get_by_role("button").click()
        expect(page.locator("[data-progress]")).to_have_text("1/9")

        # the village has no signal: the talk is kept on the phone and shown as waiting
        page.context.set_offline(True)
        talk = section(page, 6)
        talk.locator("input[name=topic]").fill("防范电信诈骗")
        talk.locator("input[name=audience]").fill("村里老人")
        talk.locator("input[name=people]").fill("12")
        talk.get_by_role("button", name="添加宣讲").click()
        expect(page.locator("#log-queue")).to_contain_text("1 条记录暂存在本手机上")
        assert not PolicyTalk.objects.filter(topic="防范电信诈骗").exists()
        # and a household visited (item 5), kept too
        visit = section(page, 5)
        choice = visit.locator("select[name=household] option").nth(1)
        household = choice.get_attribute("value")
        visit.locator("select[name=household]").select_option(household)
        visit.locator("textarea[name=note]").fill("老人独居，身体尚好")
        visit.get_by_role("button", name="添加走访").click()
        expect(page.locator("#log-queue")).to_contain_text("2 条记录暂存在本手机上")
        assert not Visit.objects.filter(found="老人独居，身体尚好").exists()

        # the connection returns: it is sent, once, and the page shows it
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(section(page, 6)).to_contain_text("防范电信诈骗", timeout=15_000)
        expect(section(page, 5)).to_contain_text("老人独居，身体尚好")
        expect(page.locator("#log-queue")).to_be_empty()
        assert PolicyTalk.objects.filter(topic="防范电信诈骗").count() == 1
        visits = Visit.objects.filter(found="老人独居，身体尚好")
        assert [(v.household_id, v.log.cadre_id, v.kind) for v in visits] == [
            (int(household), cadre.pk, "routine")
        ]
        expect(section(page, 5)).to_contain_text("日常走访")
        shoot(page, "duty-log-item5-360")

        # signing too early is refused with the rule's message
        page.locator("#item-9 #sign-form").evaluate("f => f.closest('details').open = true")
        page.locator("#sign-form button").click()
        expect(page.locator("#log-problems")).to_contain_text("垃圾分类每天至少抽查 5 户")
    log = DutyLog.objects.get(cadre=cadre, date=timezone.localdate())
    assert log.state == "draft" and log.check_in_reason == "二维码被雨淋坏"
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/duty/today/#item-5")
        expect(page.locator("#item-5")).to_contain_text("老人独居，身体尚好")
        shoot(page, "duty-log-item5-1280")


def test_entries_kept_over_a_lost_session_and_midnight_go_to_their_own_log(browser, server):
    """The session ends while the phone is offline: the entry is not taken by the log-in
    page, stays on the phone marked as not sent; logged in again after midnight, it is
    sent to the log it was written in, not to the new day's."""
    cadre = User.objects.get(username="demo_cadre")
    day = timezone.localdate()
    with browsing(browser, PHONE, mobile=True) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/duty/today/")
        start = page.locator("#start-form")
        if start.count():
            reason = start.locator("input[name=off_roster_reason]")
            if reason.count():
                reason.fill("与值班干部调班")
            with page.expect_navigation():
                start.get_by_role("button").click()
        log = DutyLog.objects.get(cadre=cadre, date=day)
        page.context.set_offline(True)
        talk = section(page, 6)
        talk.locator("input[name=topic]").fill("夜间防火宣传")
        talk.locator("input[name=audience]").fill("值守村民")
        talk.locator("input[name=people]").fill("5")
        talk.get_by_role("button", name="添加宣讲").click()
        expect(page.locator("#log-queue")).to_contain_text("1 条记录暂存在本手机上")

        # the session ends: the log-in page is no answer, the entry stays and says so
        page.context.clear_cookies()
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#log-queue-stuck")).to_contain_text("尚未发送")
        expect(page.locator("#log-queue")).to_contain_text("1 条记录暂存在本手机上")
        assert not PolicyTalk.objects.filter(topic="夜间防火宣传").exists()
        shoot(page, "duty-log-queue-stuck-360")

        # logged in again after midnight: the today page sends it to its own log
        after_midnight = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0, 10))
        )
        with time_machine.travel(after_midnight, tick=True):
            log_in(page, server, "demo_cadre")
            page.goto(f"{server}/duty/today/")
            expect(page.locator("#log-queue")).to_be_empty(timeout=15_000)
            talks = PolicyTalk.objects.filter(topic="夜间防火宣传")
            assert [t.log_id for t in talks] == [log.pk]
            assert not DutyLog.objects.filter(cadre=cadre, date=after_midnight.date()).exists()


def test_a_cadre_sees_every_village_of_the_town_on_the_board_on_a_phone(browser, server):
    from governance.choices import Role
    from grids.models import Village

    cadre = User.objects.get(username="demo_cadre")
    village = cadre.memberships.get(role=Role.VILLAGE_CADRE, deleted_at__isnull=True).village
    villages = Village.objects.filter(town_id=village.town_id, deleted_at__isnull=True)
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/duty/board/")
        expect(page.locator("#board > .col")).to_have_count(villages.count())
        expect(page.locator(f"#board [data-village='{village.code}']")).to_be_visible()
        own = page.locator(f"#board [data-village='{village.code}'] a[href^='/duty/logs/']")
        others = page.locator(f"#board .col:not([data-village='{village.code}']) a[href^='/duty/logs/']")
        assert own.count() <= 1 and others.count() == 0
        shoot(page, "duty-board-cadre-360")
