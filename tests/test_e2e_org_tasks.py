"""The weekly task list (周清单) in Chromium, on the demo town: the town office drafts next
week's list at its desk, adds a task for all villages and issues it; the village's cadre,
on a 360 px phone, hands the task down to a grid and marks the village's part done with a
note; the grid worker marks the grid's part not done with the reason; the office's
overview shows both; the public page shows the week without names or notes. Screenshots
at 360 and 1280 px."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.choices import Role
from governance.models import Membership
from organisation import tasks as service
from organisation.choices import TaskState
from organisation.models import Assignment, Task, TaskList

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

TITLE = "冬季用电安全检查"
NOTE = "已检查全村32户，更换老化电线3处。"
REASON = "网格内两户外出务工，下周回来后补查。"


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def test_a_weekly_list_is_issued_handed_down_answered_and_seen(browser, server):
    village = Membership.objects.get(user__username="demo_cadre", role=Role.VILLAGE_CADRE).village
    grid = Membership.objects.get(user__username="demo_grid", role=Role.GRID_WORKER).grid
    town = village.town
    week = service.this_week() + datetime.timedelta(days=7)
    assert TaskList.objects.filter(town=town).count() == 4  # the demo's month

    # the town office, at its desk: next week's list, a task for every village, issued
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/organisation/tasks/")
        expect(page.locator("#lists-table")).to_contain_text("已下达")
        shoot(page, "tasks-lists-1280")
        page.locator("#new-list").click()
        expect(page.get_by_label("周（星期一）")).to_have_value(week.isoformat())
        page.get_by_role("button", name="起草").click()
        expect(page.locator("#list-state")).to_have_text("草稿")
        page.locator("#add-task").click()
        page.get_by_label("主题").select_option("safety")
        page.locator("#id_title").fill(TITLE)
        page.get_by_label("完成标准").fill("逐户检查用电线路，隐患当场告知并拍照")
        page.get_by_label("完成期限").fill((week + datetime.timedelta(days=3)).isoformat())
        page.get_by_label("全镇所有村（社区）").check()
        shoot(page, "tasks-task-form-1280")
        page.get_by_role("button", name="添加", exact=True).click()
        expect(page.locator("#overview")).to_contain_text(TITLE)
        page.locator("#issue").click()
        expect(page.locator("#list-state")).to_have_text("已下达")
        expect(page.locator("#issue")).to_have_count(0)
        shoot(page, "tasks-issued-1280")
    task = Task.objects.get(title=TITLE)
    assert task.task_list.week == week
    assert (
        Assignment.objects.filter(task=task).count()
        == village.town.villages.filter(deleted_at__isnull=True).count()
    )

    # the village's cadre, on a phone: hand it down to a grid, mark the village's part done
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/organisation/tasks/week/")
        expect(page.locator("#my-tasks")).to_contain_text(TITLE)
        fits(page, PHONE)
        shoot(page, "tasks-week-cadre-360")
        page.get_by_role("link", name=TITLE).click()
        expect(page.locator("#task-title")).to_have_text(TITLE)
        page.locator("#hand-form").get_by_label(grid.name, exact=True).check()
        page.locator("#hand-submit").click()
        expect(page.locator("#grid-answers")).to_contain_text(grid.name)
        page.get_by_label("已完成").check()
        page.get_by_label("说明").fill(NOTE)
        fits(page, PHONE)
        shoot(page, "tasks-answer-cadre-360")
        page.locator("#answer-submit").click()
        expect(page.locator("#assignment-state")).to_contain_text("已完成")
        expect(page.locator("#answer-note")).to_contain_text(NOTE)
        fits(page, PHONE)
        shoot(page, "tasks-answered-cadre-360")
    own = Assignment.objects.get(task=task, village=village, grid__isnull=True)
    assert own.state == TaskState.DONE and own.note == NOTE

    # the grid worker, on a phone: the grid's part, not done and why
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_grid")
        page.goto(f"{server}/organisation/tasks/week/")
        page.get_by_role("link", name=TITLE).click()
        expect(page.locator("#hand-form")).to_have_count(0)
        page.get_by_label("未完成").check()
        page.get_by_label("说明").fill(REASON)
        page.locator("#answer-submit").click()
        expect(page.locator("#assignment-state")).to_contain_text("未完成")
        fits(page, PHONE)
        shoot(page, "tasks-answered-grid-360")
    assert Assignment.objects.get(task=task, grid=grid).state == TaskState.NOT_DONE

    # the town office's overview: the village done, its grid's ✗, the others open
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/organisation/tasks/{task.task_list_id}/")
        row = page.locator(f'[data-task="{task.pk}"]')
        expect(row.locator(f'[data-receiver="{village.name}"]')).to_have_attribute("data-state", "done")
        expect(row.locator(f'[data-receiver="{village.name}"]')).to_contain_text("✗")
        expect(row.locator('[data-state="open"]').first).to_be_visible()
        shoot(page, "tasks-overview-1280")
        page.goto(f"{server}/organisation/tasks/week/?week={service.this_week().isoformat()}")
        expect(page.locator("#week-lists")).to_be_visible()
        shoot(page, "tasks-week-office-1280")

    # anyone, without log-in: the week on the public page, no names, no notes
    for viewport, name in ((PHONE, "360"), (DESK, "1280")):
        with browsing(browser, viewport, mobile=viewport is PHONE) as page:
            page.goto(f"{server}/organisation/public/{town.code}/week/?week={week.isoformat()}")
            public = page.locator("#public-week")
            expect(public).to_contain_text(TITLE)
            expect(public.locator('[data-theme="safety"]')).to_contain_text("已完成 1 个")
            expect(public).not_to_contain_text(NOTE)
            expect(public).not_to_contain_text(village.name)
            fits(page, viewport)
            shoot(page, f"tasks-public-{name}")
            page.goto(f"{server}/organisation/public/{town.code}/week/")
            expect(page.locator("#public-week section").first).to_be_visible()  # the demo's week
            shoot(page, f"tasks-public-this-week-{name}")
