"""The weekly task list's API: filters (week, state, theme, village), the actions (issue
by the office, hand down by the village's cadres, answer by the receiver) through the
same services as the pages, and bad input as 400 field errors, never a 500."""

import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from organisation import tasks as service
from organisation.choices import ListState, TaskState, Theme
from organisation.models import Assignment

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 30)
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
BASE = "/api/v1/organisation"


@pytest.fixture(autouse=True)
def _tuesday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lst(world):
    task_list = service.list_create(town=world.town_a, week=MONDAY, actor=world.users["office"])
    service.task_add(
        task_list=task_list,
        theme=Theme.ENVIRONMENT,
        title="河道清理",
        done_means="无垃圾",
        due=MONDAY + datetime.timedelta(days=3),
        villages=[world.village_a1.pk, world.village_a2.pk],
        actor=world.users["office"],
    )
    return task_list


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(user)
    return client


def test_the_office_issues_through_the_api_others_may_not(world, lst):
    assert api(world.users["supervisor"]).post(f"{BASE}/task-lists/{lst.pk}/issue/").status_code == 404
    assert api(world.users["office_b"]).post(f"{BASE}/task-lists/{lst.pk}/issue/").status_code == 404
    response = api(world.users["office"]).post(f"{BASE}/task-lists/{lst.pk}/issue/")
    assert response.status_code == 200 and response.json()["state"] == ListState.ISSUED
    again = api(world.users["office"]).post(f"{BASE}/task-lists/{lst.pk}/issue/")
    assert again.status_code == 400
    assert api(world.users["cadre"]).post(f"{BASE}/task-lists/{lst.pk}/issue/").status_code == 403


def test_filters_by_week_state_theme_and_village(world, lst):
    office = api(world.users["office"])
    assert len(office.get(f"{BASE}/task-lists/?week=2026-12-02").json()["results"]) == 1
    assert len(office.get(f"{BASE}/task-lists/?week=2026-12-09").json()["results"]) == 0
    assert office.get(f"{BASE}/task-lists/?week=nonsense").status_code == 400
    assert len(office.get(f"{BASE}/task-lists/?state=draft").json()["results"]) == 1
    assert len(office.get(f"{BASE}/tasks/?theme=environment").json()["results"]) == 1
    assert len(office.get(f"{BASE}/tasks/?theme=safety").json()["results"]) == 0
    rows = office.get(f"{BASE}/task-assignments/?village={world.village_a2.pk}").json()["results"]
    assert [r["village"] for r in rows] == [world.village_a2.pk]
    assert office.get(f"{BASE}/task-assignments/?village={world.village_b1.pk}").json()["results"] == []
    for bad in ("task=1e30", "task=abc", "task_list=" + "9" * 30, "state=nosuch", "week=9999-99-99"):
        assert office.get(f"{BASE}/task-assignments/?{bad}").status_code in (200, 400), bad


def test_a_cadre_hands_down_and_the_grid_worker_answers_through_the_api(world, lst):
    service.list_issue(task_list=lst, actor=world.users["office"])
    own = Assignment.objects.get(village=world.village_a1, grid__isnull=True)
    cadre = api(world.users["cadre"])
    response = cadre.post(
        f"{BASE}/task-assignments/{own.pk}/hand-down/", {"grids": [world.grid_a1.pk]}, format="json"
    )
    assert response.status_code == 201, response.content
    child = response.json()[0]
    assert child["grid"] == world.grid_a1.pk and child["parent"] == own.pk
    assert (
        cadre.post(
            f"{BASE}/task-assignments/{own.pk}/hand-down/", {"grids": [world.grid_a2.pk]}, format="json"
        )
    ).status_code == 400
    assert (
        cadre.post(f"{BASE}/task-assignments/{own.pk}/hand-down/", {"grids": []}, format="json")
    ).status_code == 400
    worker = api(world.users["grid_worker"])
    answered = worker.post(
        f"{BASE}/task-assignments/{child['id']}/answer/",
        {"done": True, "note": "已清理", "seen": child["version"]},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["state"] == TaskState.DONE
    stale = worker.post(
        f"{BASE}/task-assignments/{child['id']}/answer/",
        {"done": False, "note": "改", "seen": child["version"]},
        format="json",
    )
    assert stale.status_code == 400
    # not the grid worker's to answer: the village's own
    assert (
        worker.post(f"{BASE}/task-assignments/{own.pk}/answer/", {"done": True, "note": "x"}).status_code
        == 404
    )
    # the office reads it but does not answer
    office = api(world.users["office"])
    assert (
        office.post(f"{BASE}/task-assignments/{own.pk}/answer/", {"done": True, "note": "x"}).status_code
        == 403
    )


def test_bad_answers_are_field_errors(world, lst):
    service.list_issue(task_list=lst, actor=world.users["office"])
    own = Assignment.objects.get(village=world.village_a1, grid__isnull=True)
    cadre = api(world.users["cadre"])
    url = f"{BASE}/task-assignments/{own.pk}/answer/"
    assert "note" in cadre.post(url, {"done": False}, format="json").json()
    assert cadre.post(url, {"done": "perhaps"}, format="json").status_code == 400
    assert cadre.post(url, {"note": "x"}, format="json").status_code == 400
    assert cadre.post(url, {"done": True, "note": "x" * 3000}, format="json").status_code == 400
    # a form without ``done`` is not read as "not done"
    missing = cadre.post(url, {"note": "已清理"}, format="multipart")
    assert missing.status_code == 400 and "done" in missing.json()
    assert Assignment.objects.get(pk=own.pk).state == TaskState.OPEN


def test_lists_and_the_overview_run_a_constant_number_of_queries(world, lst):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    service.list_issue(task_list=lst, actor=world.users["office"])
    office = api(world.users["office"])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert office.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [f"{BASE}/task-assignments/", f"{BASE}/tasks/", f"{BASE}/task-lists/"]
    before = [count(u) for u in urls]
    with CaptureQueriesContext(connection) as ctx:
        service.overview(lst, world.users["office"])
    overview_before = len(ctx.captured_queries)
    for n in range(4):
        service.task_add(
            task_list=lst,
            theme=Theme.SAFETY,
            title=f"更正{n}",
            done_means="完成",
            due=MONDAY + datetime.timedelta(days=2),
            all_villages=True,
            departments=[world.dept_a.pk],
            actor=world.users["office"],
        )
    assert [count(u) for u in urls] == before
    with CaptureQueriesContext(connection) as ctx:
        service.overview(lst, world.users["office"])
    assert len(ctx.captured_queries) == overview_before
