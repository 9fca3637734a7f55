"""The access contract (DESIGN.md, "Who may do what") for the scoring app's endpoints, as
an endpoint × role matrix, the way tests/test_scoping_matrix_duty.py holds it for duty.

The points ledger, ranking snapshots, quarterly bulletins, year-end assessments and the
red and black list, each read by every named user of the ``world``: the list holds
exactly the rows the contract gives the role, an object inside answers 200, outside 404
(never a trace of it), and a role that may not read the model at all gets 403.

Labels: ledger entries by their member's village (A1: the party_member user's own
record, A2, B1); snapshots and bulletins by town and state (Ad a draft of town A, Ap
published, Bp); assessments by cadre (A1c the world's cadre, A2c a cadre of village A2,
B1c); list entries by grid (GA1, GA12, GA2, GB1).
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance.choices import Role
from scoring.choices import ListKind, PeriodKind, PointSource
from scoring.models import Assessment, Bulletin, ListEntry, PointEntry, PointRule, Snapshot

from . import factories as f

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


@pytest.fixture
def s(world):
    """One object of each scoring model per area of the world, straight into the tables."""
    today = timezone.localdate()
    now = timezone.now()
    branch_a2 = f.PartyBranchFactory(village=world.village_a2, name="甲二村党支部")
    member_a2 = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a2, name="甲二党员"), branch=branch_a2
    )
    rules = {
        town.pk: PointRule.objects.create(
            town=town, code="manual", name="手工", source=PointSource.MANUAL, points=1, valid_from=today
        )
        for town in (world.town_a, world.town_b)
    }

    def entry(member):
        return PointEntry.objects.create(
            town=member.town,
            village=member.village,
            member=member,
            rule=rules[member.town_id],
            rule_code="manual",
            points=1,
            date=today,
            source=PointSource.MANUAL,
            reason="测试",
        )

    def snapshot(town, published):
        return Snapshot.objects.create(
            town=town,
            kind=PeriodKind.MONTH,
            start=today.replace(day=1),
            end=today,
            version=2 if published else 1,
            published_at=now if published else None,
        )

    def bulletin(town, published):
        return Bulletin.objects.create(
            town=town,
            year=2026,
            quarter=3,
            version=2 if published else 1,
            published_at=now if published else None,
        )

    other_cadre = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    b_cadre = f.member(Role.VILLAGE_CADRE, village=world.village_b1)

    def assessment(cadre, village):
        return Assessment.objects.create(town=village.town, village=village, cadre=cadre, year=2026)

    def listed(household):
        item = ListEntry(
            household=household,
            kind=ListKind.RED,
            reason="门前三包做得好",
            starts_on=today,
            ends_on=today + datetime.timedelta(days=30),
            proposed_by=world.users["grid_worker"],
        )
        item.clean()
        item.save()
        return item

    return {
        "ledger": {"A1": entry(world.member_a1), "A2": entry(member_a2), "B1": entry(world.member_b1)},
        "snapshots": {
            "Ad": snapshot(world.town_a, False),
            "Ap": snapshot(world.town_a, True),
            "Bp": snapshot(world.town_b, True),
        },
        "bulletins": {
            "Ad": bulletin(world.town_a, False),
            "Ap": bulletin(world.town_a, True),
            "Bp": bulletin(world.town_b, True),
        },
        "assessments": {
            "A1c": assessment(world.users["cadre"], world.village_a1),
            "A2c": assessment(other_cadre, world.village_a2),
            "B1c": assessment(b_cadre, world.village_b1),
        },
        "redlist": {
            "GA1": listed(world.household_a1),
            "GA12": listed(world.household_a1_2),
            "GA2": listed(world.household_a2),
            "GB1": listed(world.household_b1),
        },
    }


def rows(endpoint, office, supervisor, cadre, grid_worker, party_member, client, office_b) -> list:
    return [
        (endpoint, "office", office),
        (endpoint, "supervisor", supervisor),
        (endpoint, "cadre", cadre),
        (endpoint, "grid_worker", grid_worker),
        (endpoint, "department", NO),
        (endpoint, "party_member", party_member),
        (endpoint, "client", client),
        (endpoint, "office_b", office_b),
        (endpoint, "nobody", NO),
    ]


A = {"A1", "A2"}
MATRIX = [
    # The ledger: the town's for its office and overseers, the village's members' for its
    # cadres, a member's own.
    *rows("ledger", A, A, {"A1"}, NO, {"A1"}, A, {"B1"}),
    # Rankings and bulletins: the town's for its office, supervisors and clients; its
    # villages' cadres read the published ones.
    *rows("snapshots", {"Ad", "Ap"}, {"Ad", "Ap"}, {"Ap"}, NO, NO, {"Ad", "Ap"}, {"Bp"}),
    *rows("bulletins", {"Ad", "Ap"}, {"Ad", "Ap"}, {"Ap"}, NO, NO, {"Ad", "Ap"}, {"Bp"}),
    # Year-end assessments: the town office and supervisors; a cadre their own.
    *rows("assessments", {"A1c", "A2c"}, {"A1c", "A2c"}, {"A1c"}, NO, NO, NO, {"B1c"}),
    # The red and black list: by grid (a grid worker's own grid with its child grid).
    *rows(
        "redlist", {"GA1", "GA12", "GA2"}, {"GA1", "GA12", "GA2"}, {"GA1", "GA12"}, {"GA1"}, NO, NO, {"GB1"}
    ),
]
ENDPOINTS = sorted({endpoint for endpoint, _role, _expected in MATRIX})


def test_the_matrix_covers_every_endpoint_and_role():
    assert len(MATRIX) == len({(e, r) for e, r, _x in MATRIX}) == len(ENDPOINTS) * len(ROLES)


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in MATRIX]
)
def test_list_and_detail_show_exactly_the_roles_scope(world, s, endpoint, role, expected):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(world.users[role])
    named = s[endpoint]
    by_id = {obj.pk: label for label, obj in named.items()}
    base = f"/api/v1/scoring/{endpoint}/"
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
