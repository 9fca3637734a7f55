"""The scoping contract (DESIGN.md, "Who may do what") as a matrix: every hierarchy
endpoint × every role, reading lists and single objects inside and outside scope, and
writing. Out of scope is 404, never 403 and never the object."""

import pytest

from grids.models import Household, Village

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "towns": lambda w: {"A": w.town_a, "B": w.town_b},
    "villages": lambda w: {"A1": w.village_a1, "A2": w.village_a2, "B1": w.village_b1},
    "grids": lambda w: {
        "GA1": w.grid_a1,
        "GA1a": w.grid_a1_child,
        "GA12": w.grid_a1_2,
        "GA2": w.grid_a2,
        "GB1": w.grid_b1,
    },
    "departments": lambda w: {"DA": w.dept_a, "DB": w.dept_b},
    "households": lambda w: {
        "HA1": w.household_a1,
        "HA1a": w.household_a1_child,
        "HA12": w.household_a1_2,
        "HA2": w.household_a2,
        "HB1": w.household_b1,
    },
    "residents": lambda w: {
        "RA1": w.resident_a1,
        "RA12": w.resident_a1_2,
        "RA2": w.resident_a2,
        "RB1": w.resident_b1,
    },
    "party-branches": lambda w: {"BA1": w.branch_a1, "BB1": w.branch_b1},
    "party-members": lambda w: {"MA1": w.member_a1, "MB1": w.member_b1},
}
TOWN_A = {
    "towns": {"A"},
    "villages": {"A1", "A2"},
    "grids": {"GA1", "GA1a", "GA12", "GA2"},
    "departments": {"DA"},
    "households": {"HA1", "HA1a", "HA12", "HA2"},
    "residents": {"RA1", "RA12", "RA2"},
    "party-branches": {"BA1"},
    "party-members": {"MA1"},
}
TOWN_B = {
    "towns": {"B"},
    "villages": {"B1"},
    "grids": {"GB1"},
    "departments": {"DB"},
    "households": {"HB1"},
    "residents": {"RB1"},
    "party-branches": {"BB1"},
    "party-members": {"MB1"},
}
FORBIDDEN = None  # the role may not read this model at all: 403 on the list
EXPECTED = {
    "office": TOWN_A,
    "supervisor": TOWN_A,
    "client": TOWN_A,
    "office_b": TOWN_B,
    "cadre": {
        "towns": {"A"},
        "villages": {"A1"},
        "grids": {"GA1", "GA1a", "GA12"},
        "departments": {"DA"},
        "households": {"HA1", "HA1a", "HA12"},
        "residents": {"RA1", "RA12"},
        "party-branches": {"BA1"},
        "party-members": {"MA1"},
    },
    "grid_worker": {
        "towns": {"A"},
        "villages": {"A1"},
        "grids": {"GA1", "GA1a"},
        "departments": {"DA"},
        "households": {"HA1", "HA1a"},
        "residents": {"RA1"},
        "party-branches": FORBIDDEN,
        "party-members": FORBIDDEN,
    },
    "department": {
        "towns": {"A"},
        "villages": {"A1", "A2"},
        "grids": {"GA1", "GA1a", "GA12", "GA2"},
        "departments": {"DA"},
        "households": set(),
        "residents": set(),
        "party-branches": FORBIDDEN,
        "party-members": FORBIDDEN,
    },
    "party_member": {
        "towns": FORBIDDEN,
        "villages": FORBIDDEN,
        "grids": FORBIDDEN,
        "departments": FORBIDDEN,
        "households": {"HA1"},
        "residents": {"RA1"},
        "party-branches": FORBIDDEN,
        "party-members": {"MA1"},
    },
    "nobody": dict.fromkeys(ENDPOINTS, FORBIDDEN),
}
MATRIX = [(endpoint, role) for endpoint in ENDPOINTS for role in EXPECTED]


@pytest.mark.parametrize(("endpoint", "role"), MATRIX)
def test_each_role_reads_exactly_its_scope(world, as_user, endpoint, role):
    client = as_user(world.users[role])
    objects = ENDPOINTS[endpoint](world)
    expected = EXPECTED[role][endpoint]
    response = client.get(f"/api/v1/{endpoint}/?page_size=100")
    if expected is FORBIDDEN:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    got = {row["id"] for row in response.json()["results"]}
    assert got == {objects[name].pk for name in expected}
    for name, obj in objects.items():
        detail = client.get(f"/api/v1/{endpoint}/{obj.pk}/")
        assert detail.status_code == (200 if name in expected else 404), (name, detail.status_code)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_anonymous_users_get_nothing(world, api, endpoint):
    assert api.get(f"/api/v1/{endpoint}/").status_code == 401


# (role, endpoint, object, change) → status. Visible but read-only: 403; invisible: 404.
WRITES = [
    ("office", "villages", "A1", 200),
    ("office", "villages", "B1", 404),
    ("office", "households", "HA2", 200),
    ("supervisor", "households", "HA1", 403),
    ("supervisor", "households", "HB1", 404),
    ("cadre", "households", "HA1a", 200),
    ("cadre", "households", "HA2", 404),
    ("cadre", "villages", "A1", 403),
    ("grid_worker", "households", "HA1a", 200),
    ("grid_worker", "households", "HA12", 404),
    ("grid_worker", "residents", "RA1", 200),
    ("department", "households", "HA1", 404),
    ("party_member", "households", "HA1", 403),
    ("client", "households", "HA1", 403),
    ("office_b", "households", "HA1", 404),
]
CHANGES = {
    "villages": {"kind": "community"},
    "households": {"address": "新地址8号"},
    "residents": {"relation": "子"},
}


@pytest.mark.parametrize(("role", "endpoint", "name", "status"), WRITES)
def test_each_role_writes_only_inside_its_scope(world, as_user, role, endpoint, name, status):
    obj = ENDPOINTS[endpoint](world)[name]
    response = as_user(world.users[role]).patch(
        f"/api/v1/{endpoint}/{obj.pk}/", CHANGES[endpoint], format="json"
    )
    assert response.status_code == status, response.content
    obj.refresh_from_db()
    field, value = next(iter(CHANGES[endpoint].items()))
    assert (getattr(obj, field) == value) == (status == 200)


@pytest.mark.parametrize(
    ("role", "grid", "status"),
    [
        ("office", "GA2", 201),
        ("office", "GB1", 400),
        ("cadre", "GA1a", 201),
        ("cadre", "GA2", 400),
        ("grid_worker", "GA1a", 201),
        ("grid_worker", "GA12", 400),
        ("supervisor", "GA1", 403),
        ("party_member", "GA1", 403),
    ],
)
def test_creating_under_a_parent_outside_scope_is_a_field_error(world, as_user, role, grid, status):
    before = Household.objects.count()
    target = ENDPOINTS["grids"](world)[grid]
    response = as_user(world.users[role]).post(
        "/api/v1/households/", {"grid": target.pk, "number": "NEW-1", "head_name": "赵六"}, format="json"
    )
    assert response.status_code == status, response.content
    if status == 400:
        assert "grid" in response.json()
    assert Household.objects.count() == before + (1 if status == 201 else 0)


def test_a_soft_deleted_household_is_gone_for_everyone_but_kept_with_its_history(world, as_user):
    household = world.household_a2
    household.residents.update(deleted_at="2026-01-01T00:00:00+08:00")
    assert as_user(world.users["office"]).delete(f"/api/v1/households/{household.pk}/").status_code == 204
    assert Household.objects.filter(pk=household.pk, deleted_at__isnull=False).exists()
    for role in ("office", "supervisor", "client"):
        assert as_user(world.users[role]).get(f"/api/v1/households/{household.pk}/").status_code == 404
    from governance.models import AuditEntry

    assert AuditEntry.objects.filter(object_id=str(household.pk), action="delete").exists()


def test_a_village_with_live_grids_cannot_be_deleted(world, as_user):
    response = as_user(world.users["office"]).delete(f"/api/v1/villages/{world.village_a2.pk}/")
    assert response.status_code == 400
    assert "删除" in response.json()["non_field_errors"][0]
    assert Village.objects.get(pk=world.village_a2.pk).deleted_at is None


def test_locate_finds_the_most_specific_grid_in_scope(world, as_user):
    office = as_user(world.users["office"])
    inner = office.get("/api/v1/grids/locate/?lat=30.002&lng=120.002")
    assert inner.status_code == 200 and inner.json()["code"] == "GA1a"
    outer = office.get("/api/v1/grids/locate/?lat=30.008&lng=120.008")
    assert outer.json()["code"] == "GA1"
    assert office.get("/api/v1/grids/locate/?lat=31.005&lng=121.005").status_code == 404  # town B's grid
    assert (
        as_user(world.users["office_b"]).get("/api/v1/grids/locate/?lat=31.005&lng=121.005").status_code
        == 200
    )
    assert office.get("/api/v1/grids/locate/?lat=abc&lng=120").status_code == 400


def test_a_membership_in_a_deleted_area_reaches_nothing(world, as_user):
    from django.utils import timezone

    world.dept_a.__class__.objects.filter(pk=world.dept_a.pk).update(deleted_at=timezone.now())
    assert as_user(world.users["department"]).get("/api/v1/villages/").status_code == 403
