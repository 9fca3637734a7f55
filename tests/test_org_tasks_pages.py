"""The weekly task list's pages for each role: what is shown, 404 out of scope, the
office's drafting and issuing, the cadre's hand-down and answer, the grid worker's
answer, a stale or doubled submit as a plain message, and the public page without names
or notes."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from organisation import tasks as service
from organisation.choices import ListState, TaskState, Theme
from organisation.models import Assignment, Task, TaskList

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 30)
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _tuesday():
    with time_machine.travel(NOW, tick=False):
        yield


def browser(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def lst(world):
    task_list = service.list_create(town=world.town_a, week=MONDAY, actor=world.users["office"])
    service.task_add(
        task_list=task_list,
        theme=Theme.DISPUTES,
        title="排查邻里纠纷",
        done_means="逐户排查，台账登记",
        due=MONDAY + datetime.timedelta(days=3),
        villages=[world.village_a1.pk, world.village_a2.pk],
        departments=[world.dept_a.pk],
        actor=world.users["office"],
    )
    return task_list


def test_the_office_drafts_adds_a_task_and_issues_on_its_pages(world):
    office = browser(world.users["office"])
    page = office.get(reverse("organisation:tasklist-new"))
    assert page.status_code == 200 and "2026-11-30" in page.content.decode()
    response = office.post(
        reverse("organisation:tasklist-new"), {"town": world.town_a.pk, "week": "2026-11-30", "note": ""}
    )
    task_list = TaskList.objects.get()
    assert response.status_code == 302
    response = office.post(
        reverse("organisation:task-new", args=[task_list.pk]),
        {
            "theme": "safety",
            "title": "燃气检查",
            "done_means": "检查完毕",
            "due": "2026-12-03",
            "all_villages": "on",
            "departments": [world.dept_a.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Assignment.objects.count() == 3
    bad = office.post(
        reverse("organisation:task-new", args=[task_list.pk]),
        {"theme": "safety", "title": "x", "done_means": "y", "due": "2026-11-01"},
    )
    assert (
        bad.status_code == 200 and "不能早于" in bad.content.decode() or "due" in bad.context["form"].errors
    )
    office.post(reverse("organisation:tasklist-issue", args=[task_list.pk]))
    assert TaskList.objects.get().state == ListState.ISSUED
    page = office.get(reverse("organisation:tasklist", args=[task_list.pk])).content.decode()
    assert "燃气检查" in page and 'id="issue"' not in page and "甲一村" in page
    # a doubled issue: a plain message
    again = office.post(reverse("organisation:tasklist-issue", args=[task_list.pk]), follow=True)
    assert again.status_code == 200
    # an issued task is not edited
    task = Task.objects.get()
    assert office.get(reverse("organisation:task-edit", args=[task.pk])).status_code == 302
    # copied as next week's draft
    office.post(reverse("organisation:tasklist-copy", args=[task_list.pk]))
    assert TaskList.objects.filter(week=MONDAY + datetime.timedelta(days=7), state=ListState.DRAFT).exists()


@pytest.mark.parametrize(
    "who", ["supervisor", "cadre", "grid_worker", "department", "office_b", "party_member"]
)
def test_a_draft_is_the_offices_only(world, lst, who):
    assert browser(world.users[who]).get(reverse("organisation:tasklist", args=[lst.pk])).status_code in (
        403,
        404,
    )
    assert (
        browser(world.users[who]).post(reverse("organisation:tasklist-issue", args=[lst.pk])).status_code
        == 404
    )


def test_the_cadre_hands_down_and_answers_the_grid_worker_answers_and_the_office_sees(world, lst):
    service.list_issue(task_list=lst, actor=world.users["office"])
    own = Assignment.objects.get(village=world.village_a1, grid__isnull=True)
    cadre = browser(world.users["cadre"])
    week = cadre.get(reverse("organisation:tasks-week")).content.decode()
    assert "排查邻里纠纷" in week
    url = reverse("organisation:assignment", args=[own.pk])
    page = cadre.get(url).content.decode()
    assert 'id="hand-form"' in page and 'id="answer-form"' in page
    cadre.post(url, {"form": "hand", "grids": [world.grid_a1.pk]})
    child = Assignment.objects.get(parent=own)
    seen = service.version(Assignment.objects.get(pk=own.pk))
    response = cadre.post(url, {"form": "answer", "done": "1", "note": "已排查12户", "seen": seen})
    assert response.status_code == 302
    # the same form sent again: a plain message, the answer stands
    again = cadre.post(url, {"form": "answer", "done": "0", "note": "改", "seen": seen})
    assert again.status_code == 200 and "answer-errors" in again.content.decode()
    assert Assignment.objects.get(pk=own.pk).note == "已排查12户"

    worker = browser(world.users["grid_worker"])
    child_url = reverse("organisation:assignment", args=[child.pk])
    assert worker.get(url).status_code == 404  # the village's own is not the grid's
    page = worker.get(child_url).content.decode()
    assert 'id="hand-form"' not in page
    worker.post(child_url, {"form": "answer", "done": "0", "note": "有两户不在家"})
    assert Assignment.objects.get(pk=child.pk).state == TaskState.NOT_DONE

    overview = browser(world.users["office"]).get(reverse("organisation:tasklist", args=[lst.pk]))
    html = overview.content.decode()
    assert 'data-receiver="甲一村" data-state="done"' in html
    assert 'data-receiver="甲二村" data-state="open"' in html
    assert overview.context["view"].total.done == 1


def test_out_of_scope_is_404(world, lst):
    service.list_issue(task_list=lst, actor=world.users["office"])
    other = Assignment.objects.get(village=world.village_a2)
    cadre = browser(world.users["cadre"])
    assert cadre.get(reverse("organisation:assignment", args=[other.pk])).status_code == 404
    assert (
        browser(world.users["office_b"]).get(reverse("organisation:tasklist", args=[lst.pk])).status_code
        == 404
    )
    assert cadre.get(reverse("organisation:assignment", args=[999999])).status_code == 404
    assert cadre.get(reverse("organisation:assignment-photo", args=[other.pk])).status_code == 404


@pytest.mark.parametrize(
    "who", ["office", "supervisor", "cadre", "grid_worker", "department", "party_member", "client", "nobody"]
)
def test_every_role_opens_this_week_and_the_lists(world, lst, who):
    client = browser(world.users[who])
    assert client.get(reverse("organisation:tasks-week")).status_code == 200
    assert client.get(reverse("organisation:tasks-week") + "?week=²").status_code == 200
    assert client.get(reverse("organisation:tasklists")).status_code in (200, 403)


def test_the_public_page_shows_the_week_without_names_or_notes(world, lst):
    service.list_issue(task_list=lst, actor=world.users["office"])
    own = Assignment.objects.get(village=world.village_a1, grid__isnull=True)
    service.answer(assignment=own, done=True, note="张三家已调解", actor=world.users["cadre"])
    public = browser()
    url = reverse("organisation:public-town-week", args=[world.town_a.code])
    html = public.get(url).content.decode()
    assert "排查邻里纠纷" in html and 'data-done="1/3"' in html
    assert "张三" not in html and "甲一村" not in html
    assert str(world.users["cadre"].username) not in html
    assert public.get(url + "?week=2026-11-23").status_code == 200
    assert public.get(url + "?week=abc").status_code == 200
    assert public.get(reverse("organisation:public-town-week", args=["nosuch"])).status_code == 404
