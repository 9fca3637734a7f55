"""The access contract for the officers' endpoints, as an endpoint × role matrix (the way
tests/test_scoping_matrix_duty.py holds it): officers, postings, activities, night visits
and assessments, one per village (A1, A2 of town A; B1 of town B), read by every named
user of the ``world`` and by the officer posted to A1 (``officer``): the list holds exactly
the rows the contract gives, an object inside answers 200, outside 404.

Everyone signed in may hold rows of their own here (an officer's account), so a role
without any gets an empty list, not a 403."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from organisation.choices import ActivityKind, OfficerGrade, OfficerKind, Profession
from organisation.models import Activity, NightVisit, Officer, OfficerAssessment, Posting

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
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
    "officer",
]
NONE: set = set()
TOWN_A = {"A1", "A2"}


@pytest.fixture
def d(world):
    """One officer posted to each village, with an activity, a night visit and an
    assessment (straight into the tables, the membership as a posting gives it)."""
    from governance.choices import Role
    from governance.models import Membership

    account = f.UserFactory(username="officer_a1")
    world.users["officer"] = account
    villages = {"A1": world.village_a1, "A2": world.village_a2, "B1": world.village_b1}
    objects = {
        k: {} for k in ("officers", "postings", "officer-activities", "night-visits", "officer-assessments")
    }
    day = TODAY.replace(day=1)
    for label, village in villages.items():
        officer = Officer.objects.create(
            town=village.town,
            kind=OfficerKind.FIRST,
            name=f"书记{label}",
            profession=Profession.BUREAU_HEAD,
            employer="县局",
            user=account if label == "A1" else None,
        )
        objects["officers"][label] = officer
        objects["postings"][label] = Posting.objects.create(
            officer=officer, village=village, town=village.town, since=TODAY - datetime.timedelta(days=30)
        )
        objects["officer-activities"][label] = Activity.objects.create(
            officer=officer,
            village=village,
            town=village.town,
            kind=ActivityKind.MEDIATION,
            date=TODAY,
            title="调解",
            recorded_by=world.users["office"],
        )
        objects["night-visits"][label] = NightVisit.objects.create(
            officer=officer, village=village, town=village.town, date=day, station="先锋站"
        )
        objects["officer-assessments"][label] = OfficerAssessment.objects.create(
            officer=officer,
            town=village.town,
            year=TODAY.year,
            grade=OfficerGrade.COMPETENT,
            assessed_by=world.users["office"],
        )
    Membership.objects.create(user=account, role=Role.OFFICER, village=world.village_a1)
    return objects


def rows(endpoint, *, office, supervisor, cadre, client, office_b, officer) -> list:
    given = {
        "office": office,
        "supervisor": supervisor,
        "cadre": cadre,
        "client": client,
        "office_b": office_b,
        "officer": officer,
    }
    return [(endpoint, role, given.get(role, NONE)) for role in ROLES]


_WORK = dict(office=TOWN_A, supervisor=TOWN_A, cadre={"A1"}, client=TOWN_A, office_b={"B1"}, officer={"A1"})
MATRIX = [
    # Officers: the town's; those posted to a cadre's village; oneself (the posted village).
    *rows("officers", **_WORK),
    # Postings, activities, night visits: the village's readers; the officer their own.
    *rows("postings", **_WORK),
    *rows("officer-activities", **_WORK),
    *rows("night-visits", **_WORK),
    # Assessments: the office and the town's supervisors; the officer their own.
    *rows(
        "officer-assessments",
        office=TOWN_A,
        supervisor=TOWN_A,
        cadre=NONE,
        client=NONE,
        office_b={"B1"},
        officer={"A1"},
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
    assert response.status_code == 200, response.content[:300]
    listed = response.json()["results"]
    assert {by_id.get(row["id"], f"unnamed {row['id']}") for row in listed} == expected
    for label, obj in named.items():
        detail = client.get(f"{base}{obj.pk}/")
        if label in expected:
            assert detail.status_code == 200, (label, detail.status_code)
        else:
            assert detail.status_code == 404, (label, detail.status_code)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_nothing(d, endpoint):
    obj = next(iter(d[endpoint].values()))
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/organisation/{endpoint}/").status_code == 401
    assert anonymous.get(f"/api/v1/organisation/{endpoint}/{obj.pk}/").status_code == 401
