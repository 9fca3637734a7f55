"""The access contract (DESIGN.md, "Who may do what") for the duty app's endpoints, as an
endpoint × role matrix, the way tests/test_scoping_matrix.py holds it for the ground floor.

Rosters, duty logs, visits, three-musts occasions, inspections and flags, each read by
every named user of the ``world``: the list holds exactly the rows the contract gives the
role, an object inside answers 200, outside 404 (never a trace of it), and a role that
may not read the model at all gets 403 for the list and every object alike.

Labels: rosters, logs and flags by village (A1, A2, B1); visits and occasions by grid
(GA1, GA1a — the child grid of GA1 —, GA12, GA2, GB1); inspections by village and state
(A1d a draft of village A1, A1p, A2p, B1p published).
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from duty.choices import FlagKind, InspectionState, LogState, Occasion
from duty.models import DutyFlag, DutyLog, Inspection, Roster, ThreeMust, Visit

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
TOWN_A_VISITS = {"GA1", "GA1a", "GA12", "GA2"}


@pytest.fixture
def d(world):
    """One object of each duty model per area of the world (straight into the tables:
    the services would add audit rows and check rules this matrix does not test)."""
    today = timezone.localdate()
    month = today.replace(day=1)
    cadre = world.users["cadre"]
    villages = {"A1": world.village_a1, "A2": world.village_a2, "B1": world.village_b1}
    grids = {
        "GA1": world.household_a1,
        "GA1a": world.household_a1_child,
        "GA12": world.household_a1_2,
        "GA2": world.household_a2,
        "GB1": world.household_b1,
    }
    objects = {
        "rosters": {k: Roster.objects.create(village=v, month=month) for k, v in villages.items()},
        "logs": {
            k: DutyLog.objects.create(village=v, date=today, cadre=cadre, state=LogState.DRAFT)
            for k, v in villages.items()
        },
        "flags": {
            k: DutyFlag.objects.create(kind=FlagKind.MISSING_LOG, village=v, date=today, reason="无")
            for k, v in villages.items()
        },
        "visits": {},
        "three-musts": {},
        "inspections": {},
    }
    for label, household in grids.items():
        visit = Visit(household=household, visited_at=timezone.now(), by=cadre)
        visit.full_clean()
        visit.save()
        objects["visits"][label] = visit
        must = ThreeMust(
            household=household,
            occasion=Occasion.HOSPITALISED,
            known_on=today,
            due_on=today + datetime.timedelta(days=3),
            reported_by=cadre,
        )
        must.clean()
        must.save()
        objects["three-musts"][label] = must
    for label, village, state in [
        ("A1d", world.village_a1, InspectionState.DRAFT),
        ("A1p", world.village_a1, InspectionState.PUBLISHED),
        ("A2p", world.village_a2, InspectionState.PUBLISHED),
        ("B1p", world.village_b1, InspectionState.PUBLISHED),
    ]:
        objects["inspections"][label] = Inspection.objects.create(
            village=village,
            town=village.town,
            at=timezone.now() - datetime.timedelta(hours=2),
            inspectors="纪委",
            present=True,
            score=90,
            state=state,
            published_at=timezone.now() if state == InspectionState.PUBLISHED else None,
        )
    return objects


def rows(endpoint: str, town_a: set, cadre: set, grid_worker, client, office_b: set) -> list:
    return [
        (endpoint, "office", town_a),
        (endpoint, "supervisor", town_a),
        (endpoint, "cadre", cadre),
        (endpoint, "grid_worker", grid_worker),
        (endpoint, "department", NO),
        (endpoint, "party_member", NO),
        (endpoint, "client", client),
        (endpoint, "office_b", office_b),
        (endpoint, "nobody", NO),
    ]


MATRIX = [
    # Rosters: a village's cadres and grid workers read their own village's.
    *rows("rosters", {"A1", "A2"}, {"A1"}, {"A1"}, {"A1", "A2"}, {"B1"}),
    # Duty logs: not for grid workers (a log names households of the whole village).
    *rows("logs", {"A1", "A2"}, {"A1"}, NO, {"A1", "A2"}, {"B1"}),
    # Flags: the town office and those who oversee it.
    *rows("flags", {"A1", "A2"}, NO, NO, {"A1", "A2"}, {"B1"}),
    # Visits and occasions: by the household's grid (a grid worker's with its child grid).
    *rows("visits", TOWN_A_VISITS, {"GA1", "GA1a", "GA12"}, {"GA1", "GA1a"}, TOWN_A_VISITS, {"GB1"}),
    *rows("three-musts", TOWN_A_VISITS, {"GA1", "GA1a", "GA12"}, {"GA1", "GA1a"}, TOWN_A_VISITS, {"GB1"}),
    # Inspections: the town's inspectors all; the village's cadres its published ones.
    *rows("inspections", {"A1d", "A1p", "A2p"}, {"A1p"}, NO, NO, {"B1p"}),
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
    base = f"/api/v1/duty/{endpoint}/"
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
    assert anonymous.get(f"/api/v1/duty/{endpoint}/").status_code == 401
    assert anonymous.get(f"/api/v1/duty/{endpoint}/{obj.pk}/").status_code == 401
