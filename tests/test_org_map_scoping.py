"""The access contract (DESIGN.md, "responsibility map, officers, service cards") for the
responsibility map's endpoints, as an endpoint × role matrix (the pattern of
tests/test_scoping_matrix_duty.py): each named user of the ``world`` lists exactly the
rows the contract gives the role; an object inside answers 200, outside 404.

Labels: links by level and area (V-A1 a village link, R-GA1 an area link, H-GA1 the
household link of a household of grid GA1 …; H-GA12 names the party member's account);
informant groups and informants by village (T-A: town A's taxi group; the informant of
A2 is the grid worker's account); compound posts by grid (P-GA12 names the party
member's account)."""

import datetime

import pytest
from rest_framework.test import APIClient

from organisation.choices import InformantGroupKind, Level, Post
from organisation.models import Informant, InformantGroup, Responsibility, ServicePost

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
SINCE = datetime.date(2026, 1, 1)


@pytest.fixture
def d(world):
    """One object per area, straight into the tables (the services' rules are tested elsewhere)."""
    member = world.users["party_member"]

    def link(label, village, level, **kw):
        return label, Responsibility.objects.create(
            town=village.town, village=village, level=level, name=label, since=SINCE, **kw
        )

    links = dict(
        [
            link("V-A1", world.village_a1, Level.VILLAGE),
            link("V-A2", world.village_a2, Level.VILLAGE),
            link("V-B1", world.village_b1, Level.VILLAGE),
            link("R-GA1", world.village_a1, Level.AREA, grid=world.grid_a1),
            link("R-GA12", world.village_a1, Level.AREA, grid=world.grid_a1_2),
            link("H-GA1", world.village_a1, Level.HOUSEHOLD, household=world.household_a1),
            link("H-GA1a", world.village_a1, Level.HOUSEHOLD, household=world.household_a1_child),
            link("H-GA12", world.village_a1, Level.HOUSEHOLD, household=world.household_a1_2, user=member),
            link("H-GA2", world.village_a2, Level.HOUSEHOLD, household=world.household_a2),
            link("H-GB1", world.village_b1, Level.HOUSEHOLD, household=world.household_b1),
        ]
    )
    groups = {
        "A1": InformantGroup.objects.create(
            town=world.town_a, kind=InformantGroupKind.VILLAGE, village=world.village_a1, name="A1"
        ),
        "A2": InformantGroup.objects.create(
            town=world.town_a, kind=InformantGroupKind.VILLAGE, village=world.village_a2, name="A2"
        ),
        "T-A": InformantGroup.objects.create(town=world.town_a, kind=InformantGroupKind.TAXI, name="T-A"),
        "B1": InformantGroup.objects.create(
            town=world.town_b, kind=InformantGroupKind.VILLAGE, village=world.village_b1, name="B1"
        ),
    }
    informants = {
        label: Informant.objects.create(
            town=group.town,
            group=group,
            name=label,
            since=SINCE,
            user=world.users["grid_worker"] if label == "A2" else None,
        )
        for label, group in groups.items()
    }

    def post(label, grid, **kw):
        return label, ServicePost.objects.create(
            town=grid.village.town,
            village=grid.village,
            grid=grid,
            post=Post.GATE,
            name=label,
            phone="1",
            handles="门岗",
            since=SINCE,
            **kw,
        )

    posts = dict(
        [
            post("P-GA1", world.grid_a1),
            post("P-GA1a", world.grid_a1_child),
            post("P-GA12", world.grid_a1_2, user=member),
            post("P-GA2", world.grid_a2),
            post("P-GB1", world.grid_b1),
        ]
    )
    return {
        "responsibilities": links,
        "informant-groups": groups,
        "informants": informants,
        "service-posts": posts,
    }


TOWN_A_LINKS = {"V-A1", "V-A2", "R-GA1", "R-GA12", "H-GA1", "H-GA1a", "H-GA12", "H-GA2"}
A1_LINKS = {"V-A1", "R-GA1", "R-GA12", "H-GA1", "H-GA1a", "H-GA12"}
TOWN_A_POSTS = {"P-GA1", "P-GA1a", "P-GA12", "P-GA2"}
EXPECTED = {
    "responsibilities": {
        "office": TOWN_A_LINKS,
        "supervisor": TOWN_A_LINKS,
        "cadre": A1_LINKS,
        "grid_worker": {"R-GA1", "H-GA1", "H-GA1a"},  # their grid (with its child grid)
        "department": set(),
        "party_member": {"H-GA12"},  # the link naming their account
        "client": TOWN_A_LINKS,
        "office_b": {"V-B1", "H-GB1"},
        "nobody": set(),
    },
    "informant-groups": {
        "office": {"A1", "A2", "T-A"},
        "supervisor": {"A1", "A2", "T-A"},
        "cadre": {"A1"},
        "grid_worker": {"A2"},  # an informant of it is their account
        "department": set(),
        "party_member": set(),
        "client": {"A1", "A2", "T-A"},
        "office_b": {"B1"},
        "nobody": set(),
    },
    "informants": {
        "office": {"A1", "A2", "T-A"},
        "supervisor": {"A1", "A2", "T-A"},
        "cadre": {"A1"},
        "grid_worker": {"A2"},
        "department": set(),
        "party_member": set(),
        "client": {"A1", "A2", "T-A"},
        "office_b": {"B1"},
        "nobody": set(),
    },
    "service-posts": {
        "office": TOWN_A_POSTS,
        "supervisor": TOWN_A_POSTS,
        "cadre": {"P-GA1", "P-GA1a", "P-GA12"},
        "grid_worker": {"P-GA1", "P-GA1a"},
        "department": set(),
        "party_member": {"P-GA12"},
        "client": TOWN_A_POSTS,
        "office_b": {"P-GB1"},
        "nobody": set(),
    },
}
MATRIX = [(endpoint, role, EXPECTED[endpoint][role]) for endpoint in EXPECTED for role in ROLES]


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
            assert set(detail.json()) == {"detail"}


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_anonymous_gets_nothing(d, endpoint):
    obj = next(iter(d[endpoint].values()))
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/organisation/{endpoint}/").status_code == 401
    assert anonymous.get(f"/api/v1/organisation/{endpoint}/{obj.pk}/").status_code == 401
