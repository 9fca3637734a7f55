"""The access contract (DESIGN.md, "weekly task lists") for the task list's endpoints, as
an endpoint × role matrix (the pattern of tests/test_scoping_matrix_duty.py): the list
holds exactly the rows the contract gives the role, an object inside answers 200, outside
404, and a role that reads none of the model gets 403.

Labels: lists and their one task each: ``Ad`` a draft of town A, ``Ai`` an issued one,
``Bi`` town B's issued one. Assignments of ``Ai``: ``A1`` village A1's own, ``A1g`` and
``A1g2`` handed down to its grids GA1 and GA12, ``A2`` village A2's, ``DA`` the town's
department; ``dA1`` village A1's on the draft; ``B1`` town B's village."""

import datetime

import pytest
from rest_framework.test import APIClient

from organisation.choices import ListState
from organisation.models import Assignment, Task, TaskList

pytestmark = pytest.mark.django_db

ROLES = [
    "office",
    "supervisor",
    "cadre",
    "grid_worker",
    "department",
    "party_member",
    "client",
    "office_b",
    "nobody",
]
NO = "403"
MONDAY = datetime.date(2026, 11, 30)


@pytest.fixture
def d(world):
    def make(label, town, week, state):
        task_list = TaskList.objects.create(town=town, week=week, state=state)
        task = Task.objects.create(
            task_list=task_list, town=town, theme="safety", title=f"任务{label}", done_means="完成", due=week
        )
        return task_list, task

    ad, tad = make("Ad", world.town_a, MONDAY, ListState.DRAFT)
    ai, tai = make("Ai", world.town_a, MONDAY - datetime.timedelta(days=7), ListState.ISSUED)
    bi, tbi = make("Bi", world.town_b, MONDAY, ListState.ISSUED)

    def a(task, **kw):
        return Assignment.objects.create(task=task, town=task.town, **kw)

    a1 = a(tai, village=world.village_a1)
    assignments = {
        "A1": a1,
        "A1g": a(tai, village=world.village_a1, grid=world.grid_a1, parent=a1),
        "A1g2": a(tai, village=world.village_a1, grid=world.grid_a1_2, parent=a1),
        "A2": a(tai, village=world.village_a2),
        "DA": a(tai, department=world.dept_a),
        "dA1": a(tad, village=world.village_a1),
        "B1": a(tbi, village=world.village_b1),
    }
    return {
        "task-lists": {"Ad": ad, "Ai": ai, "Bi": bi},
        "tasks": {"Ad": tad, "Ai": tai, "Bi": tbi},
        "task-assignments": assignments,
    }


def rows(endpoint, office, supervisor, cadre, grid_worker, department, client, office_b):
    return [
        (endpoint, "office", office),
        (endpoint, "supervisor", supervisor),
        (endpoint, "cadre", cadre),
        (endpoint, "grid_worker", grid_worker),
        (endpoint, "department", department),
        (endpoint, "party_member", NO),
        (endpoint, "client", client),
        (endpoint, "office_b", office_b),
        (endpoint, "nobody", NO),
    ]


ISSUED_A = {"A1", "A1g", "A1g2", "A2", "DA"}
MATRIX = [
    # Lists and tasks: the office its town's drafts too; the town's others the issued ones.
    *rows("task-lists", {"Ad", "Ai"}, {"Ai"}, {"Ai"}, {"Ai"}, {"Ai"}, {"Ai"}, {"Bi"}),
    *rows("tasks", {"Ad", "Ai"}, {"Ai"}, {"Ai"}, {"Ai"}, {"Ai"}, {"Ai"}, {"Bi"}),
    # Assignments: each receiver its own (a village's cadres its grids' too), of issued lists.
    *rows(
        "task-assignments",
        ISSUED_A | {"dA1"},
        ISSUED_A,
        {"A1", "A1g", "A1g2"},
        {"A1g"},
        {"DA"},
        ISSUED_A,
        {"B1"},
    ),
]
ENDPOINTS = sorted({endpoint for endpoint, _role, _expected in MATRIX})


def test_the_matrix_covers_every_endpoint_and_role():
    assert len(MATRIX) == len({(e, r) for e, r, _x in MATRIX}) == len(ENDPOINTS) * len(ROLES)


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in MATRIX]
)
def test_list_and_detail_show_exactly_the_roles_scope(world, d, endpoint, role, expected):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(world.users[role])
    named = d[endpoint]
    by_id = {obj.pk: label for label, obj in named.items()}
    base = f"/api/v1/organisation/{endpoint}/"
    response = client.get(f"{base}?page_size=500")
    if expected is NO:
        assert response.status_code == 403, response.content[:300]
        for obj in [*named.values(), None]:
            pk = obj.pk if obj is not None else 999_999
            assert client.get(f"{base}{pk}/").status_code == 403
        return
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    listed = body["results"] if isinstance(body, dict) else body
    assert {by_id.get(row["id"], f"unnamed {row['id']}") for row in listed} == expected
    for label, obj in named.items():
        detail = client.get(f"{base}{obj.pk}/")
        if label in expected:
            assert detail.status_code == 200, (label, detail.status_code)
        else:
            assert detail.status_code == 404, (label, detail.status_code)
            assert set(detail.json()) == {"detail"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_nothing(d, endpoint):
    obj = next(iter(d[endpoint].values()))
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/organisation/{endpoint}/").status_code == 401
    assert anonymous.get(f"/api/v1/organisation/{endpoint}/{obj.pk}/").status_code == 401
