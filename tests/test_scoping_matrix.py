"""The access contract (DESIGN.md, "Who may do what") as an endpoint × role matrix.

Every list endpoint under /api/v1/ is read by every named user of the ``world`` (and by
nobody signed in); each must return exactly the rows the contract gives that role. A
single object inside the user's area answers 200, outside it 404 — never 403, never the
object. Writes: the roles that may write succeed and delete softly; read-only roles get
403 on what they can see; everybody gets 404 on what they cannot; a new object pointing
at a parent outside scope is a 400 on that field with nothing written. The same scope
holds for the grid locator, the resident export, /me/ and the Django admin.

Labels: towns A/B; villages A1, A2, B1 (A1, A2 in town A); grids GA1 with its child GA1a,
GA12 (village A1), GA2, GB1; households HA1, HA1a, HA12, HA2, HB1 and their residents RA1,
RA1a, RA12, RA2, RB1 (named after their grids); branches BA1, BB1; party members MA1 (the
party_member user's own record), MB1; departments DA, DB; calendar days CN (nationwide),
CA, CB (closures of towns A and B), year Y35; audit entries AA, AB (towns A and B) and A0
(no town); memberships named by their user's role. Department DA has a case about HA2.
"""

import csv
import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from rest_framework.test import APIClient

from cases.choices import Source
from cases.models import Case, CaseKind
from governance.choices import AuditAction, CalendarDayKind, CalendarSource
from governance.models import AuditEntry, CalendarDay, CalendarYear, Membership
from grids.models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village

from .factories import ResidentFactory

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
YEAR = 2035  # past chinesecalendar's data: only this module's calendar rows are in it


@pytest.fixture
def w(world):
    """The conftest world, plus what it lacks for the matrix: calendar days and a year,
    audit entries per town, and a case assigned to department DA about household HA2."""
    world.day_national = CalendarDay.objects.create(
        date=datetime.date(YEAR, 1, 1), is_workday=False, kind=CalendarDayKind.HOLIDAY, name="元旦"
    )
    world.day_a = CalendarDay.objects.create(
        date=datetime.date(YEAR, 3, 5),
        is_workday=False,
        kind=CalendarDayKind.LOCAL_CLOSURE,
        name="甲镇台风停工",
        town=world.town_a,
    )
    world.day_b = CalendarDay.objects.create(
        date=datetime.date(YEAR, 3, 6),
        is_workday=False,
        kind=CalendarDayKind.LOCAL_CLOSURE,
        name="乙镇台风停工",
        town=world.town_b,
    )
    world.resident_a1_child = ResidentFactory(household=world.household_a1_child, name="甲一组居民")
    world.year = CalendarYear.objects.create(year=YEAR, source=CalendarSource.OFFICIAL, note="测试")
    household_type = ContentType.objects.get_for_model(Household)

    def entry(town, household):
        return AuditEntry.objects.create(
            action=AuditAction.UPDATE,
            content_type=household_type,
            object_id=str(household.pk),
            object_repr=str(household),
            town=town,
        )

    world.audit_a = entry(world.town_a, world.household_a1)
    world.audit_b = entry(world.town_b, world.household_b1)
    world.audit_none = entry(None, world.household_a2)
    # Straight into the table: the service would add audit entries and notifications.
    world.case_a2 = Case.objects.create(
        town=world.town_a,
        village=world.village_a2,
        grid=world.grid_a2,
        household=world.household_a2,
        source=Source.WALK_IN,
        kind=CaseKind.objects.filter(town=None).first(),
        description="田埂纠纷",
        department=world.dept_a,
    )
    return world


def objects(w, endpoint: str) -> dict:
    """Label → object, for every object of the endpoint's model in the world."""
    memberships = {role: Membership.objects.get(user=w.users[role]) for role in ROLES if role != "nobody"}
    return {
        "towns": {"A": w.town_a, "B": w.town_b},
        "villages": {"A1": w.village_a1, "A2": w.village_a2, "B1": w.village_b1},
        "grids": {
            "GA1": w.grid_a1,
            "GA1a": w.grid_a1_child,
            "GA12": w.grid_a1_2,
            "GA2": w.grid_a2,
            "GB1": w.grid_b1,
        },
        "departments": {"DA": w.dept_a, "DB": w.dept_b},
        "households": {
            "HA1": w.household_a1,
            "HA1a": w.household_a1_child,
            "HA12": w.household_a1_2,
            "HA2": w.household_a2,
            "HB1": w.household_b1,
        },
        "residents": {
            "RA1": w.resident_a1,
            "RA1a": w.resident_a1_child,
            "RA12": w.resident_a1_2,
            "RA2": w.resident_a2,
            "RB1": w.resident_b1,
        },
        "party-branches": {"BA1": w.branch_a1, "BB1": w.branch_b1},
        "party-members": {"MA1": w.member_a1, "MB1": w.member_b1},
        "calendar/days": {"CN": w.day_national, "CA": w.day_a, "CB": w.day_b},
        "calendar/years": {"Y35": w.year},
        "audit": {"AA": w.audit_a, "AB": w.audit_b, "A0": w.audit_none},
        "memberships": memberships,
    }[endpoint]


def api(w, role) -> APIClient:
    """An API client signed in as the world's user of ``role`` (as conftest's as_user)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(w.users[role])
    return client


def list_url(endpoint: str) -> str:
    extra = f"&year={YEAR}" if endpoint == "calendar/days" else ""
    return f"/api/v1/{endpoint}/?page_size=500{extra}"


# ---------------------------------------------------------------------------------------
# (a) + (b): the list and the single objects, endpoint × role.
# ---------------------------------------------------------------------------------------

NO = "403"  # the role may not read this model at all: 403 for the list and every object
EVERY = "every"  # every row of the table (calendar years: the same for all signed-in users)

LIST_MATRIX = [
    # endpoint          role            expected labels
    ("towns", "office", {"A"}),
    ("towns", "supervisor", {"A"}),
    ("towns", "cadre", {"A"}),
    ("towns", "grid_worker", {"A"}),
    ("towns", "department", {"A"}),
    ("towns", "party_member", NO),
    ("towns", "client", {"A"}),
    ("towns", "office_b", {"B"}),
    ("towns", "nobody", NO),
    ("villages", "office", {"A1", "A2"}),
    ("villages", "supervisor", {"A1", "A2"}),
    ("villages", "cadre", {"A1"}),
    ("villages", "grid_worker", {"A1"}),
    ("villages", "department", {"A1", "A2"}),
    ("villages", "party_member", NO),
    ("villages", "client", {"A1", "A2"}),
    ("villages", "office_b", {"B1"}),
    ("villages", "nobody", NO),
    ("grids", "office", {"GA1", "GA1a", "GA12", "GA2"}),
    ("grids", "supervisor", {"GA1", "GA1a", "GA12", "GA2"}),
    ("grids", "cadre", {"GA1", "GA1a", "GA12"}),
    ("grids", "grid_worker", {"GA1", "GA1a"}),
    ("grids", "department", {"GA1", "GA1a", "GA12", "GA2"}),
    ("grids", "party_member", NO),
    ("grids", "client", {"GA1", "GA1a", "GA12", "GA2"}),
    ("grids", "office_b", {"GB1"}),
    ("grids", "nobody", NO),
    ("departments", "office", {"DA"}),
    ("departments", "supervisor", {"DA"}),
    ("departments", "cadre", {"DA"}),
    ("departments", "grid_worker", {"DA"}),
    ("departments", "department", {"DA"}),
    ("departments", "party_member", NO),
    ("departments", "client", {"DA"}),
    ("departments", "office_b", {"DB"}),
    ("departments", "nobody", NO),
    ("households", "office", {"HA1", "HA1a", "HA12", "HA2"}),
    ("households", "supervisor", {"HA1", "HA1a", "HA12", "HA2"}),
    ("households", "cadre", {"HA1", "HA1a", "HA12"}),  # village A1 incl. child grid
    ("households", "grid_worker", {"HA1", "HA1a"}),  # GA1 and its child GA1a, not GA12
    ("households", "department", {"HA2"}),  # only the household of its assigned case
    ("households", "party_member", {"HA1"}),
    ("households", "client", {"HA1", "HA1a", "HA12", "HA2"}),
    ("households", "office_b", {"HB1"}),
    ("households", "nobody", NO),
    ("residents", "office", {"RA1", "RA1a", "RA12", "RA2"}),
    ("residents", "supervisor", {"RA1", "RA1a", "RA12", "RA2"}),
    ("residents", "cadre", {"RA1", "RA1a", "RA12"}),
    ("residents", "grid_worker", {"RA1", "RA1a"}),  # incl. the child grid
    ("residents", "department", {"RA2"}),
    ("residents", "party_member", {"RA1"}),
    ("residents", "client", {"RA1", "RA1a", "RA12", "RA2"}),
    ("residents", "office_b", {"RB1"}),
    ("residents", "nobody", NO),
    ("party-branches", "office", {"BA1"}),
    ("party-branches", "supervisor", {"BA1"}),
    ("party-branches", "cadre", {"BA1"}),
    ("party-branches", "grid_worker", NO),
    ("party-branches", "department", NO),
    ("party-branches", "party_member", NO),
    ("party-branches", "client", {"BA1"}),
    ("party-branches", "office_b", {"BB1"}),
    ("party-branches", "nobody", NO),
    ("party-members", "office", {"MA1"}),
    ("party-members", "supervisor", {"MA1"}),
    ("party-members", "cadre", {"MA1"}),
    ("party-members", "grid_worker", NO),
    ("party-members", "department", NO),
    ("party-members", "party_member", {"MA1"}),
    ("party-members", "client", {"MA1"}),
    ("party-members", "office_b", {"MB1"}),
    ("party-members", "nobody", NO),
    # The calendar: nationwide days for every signed-in user, closures of the towns they reach.
    ("calendar/days", "office", {"CN", "CA"}),
    ("calendar/days", "supervisor", {"CN", "CA"}),
    ("calendar/days", "cadre", {"CN", "CA"}),
    ("calendar/days", "grid_worker", {"CN", "CA"}),
    ("calendar/days", "department", {"CN", "CA"}),
    ("calendar/days", "party_member", {"CN"}),  # a party member reaches no town
    ("calendar/days", "client", {"CN", "CA"}),
    ("calendar/days", "office_b", {"CN", "CB"}),
    ("calendar/days", "nobody", {"CN"}),
    *[("calendar/years", role, EVERY) for role in ROLES],
    # The audit trail: own town, for the town office and supervisors only.
    ("audit", "office", {"AA"}),
    ("audit", "supervisor", {"AA"}),
    ("audit", "cadre", NO),
    ("audit", "grid_worker", NO),
    ("audit", "department", NO),
    ("audit", "party_member", NO),
    ("audit", "client", NO),
    ("audit", "office_b", {"AB"}),
    ("audit", "nobody", NO),
    # Memberships: the town office those of its town; everyone their own.
    (
        "memberships",
        "office",
        {"office", "supervisor", "cadre", "grid_worker", "department", "party_member", "client"},
    ),
    ("memberships", "supervisor", {"supervisor"}),
    ("memberships", "cadre", {"cadre"}),
    ("memberships", "grid_worker", {"grid_worker"}),
    ("memberships", "department", {"department"}),
    ("memberships", "party_member", {"party_member"}),
    ("memberships", "client", {"client"}),
    ("memberships", "office_b", {"office_b"}),
    ("memberships", "nobody", set()),
]
ENDPOINTS = sorted({endpoint for endpoint, _role, _expected in LIST_MATRIX})


def test_the_matrix_covers_every_endpoint_and_role():
    assert len(LIST_MATRIX) == len({(e, r) for e, r, _x in LIST_MATRIX}) == len(ENDPOINTS) * len(ROLES)
    assert len(ENDPOINTS) == 12


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in LIST_MATRIX],
)
def test_list_and_detail_show_exactly_the_roles_scope(w, endpoint, role, expected):
    client = api(w, role)
    named = objects(w, endpoint)
    model = next(iter(named.values()))._meta.model
    key = "year" if endpoint == "calendar/years" else "id"
    by_key = {getattr(obj, key): label for label, obj in named.items()}

    response = client.get(list_url(endpoint))
    if expected is NO:
        assert response.status_code == 403, response.content[:300]
        # …and every object, existing or not, answers alike: nothing leaks.
        for obj in [*named.values(), None]:
            pk = obj.pk if obj is not None else 999_999
            assert client.get(f"/api/v1/{endpoint}/{pk}/").status_code == 403
        return

    assert response.status_code == 200, response.content[:300]
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    got = {by_key.get(row[key], f"unnamed {model.__name__} {row[key]}") for row in rows}
    if expected is EVERY:
        everything = {
            by_key.get(k, f"unnamed {model.__name__} {k}") for k in model.objects.values_list(key, flat=True)
        }
        assert got == everything and "Y35" in got
        expected = set(named)
    else:
        assert got == expected
        if isinstance(body, dict):
            assert body["count"] == len(expected)

    for label, obj in named.items():
        detail = client.get(f"/api/v1/{endpoint}/{obj.pk}/")
        if label in expected:
            assert detail.status_code == 200, (label, detail.status_code)
            assert detail.json()[key] == getattr(obj, key)
        else:
            assert detail.status_code == 404, (label, detail.status_code)
            assert set(detail.json()) == {"detail"}  # not a trace of the object


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_nothing(w, endpoint):
    anonymous = APIClient()
    obj = next(iter(objects(w, endpoint).values()))
    assert anonymous.get(list_url(endpoint)).status_code == 401
    assert anonymous.get(f"/api/v1/{endpoint}/{obj.pk}/").status_code == 401
    assert anonymous.post(f"/api/v1/{endpoint}/", {}, format="json").status_code == 401
    assert anonymous.delete(f"/api/v1/{endpoint}/{obj.pk}/").status_code == 401
    assert obj._meta.model.objects.filter(pk=obj.pk).exists()


# ---------------------------------------------------------------------------------------
# (c) Writes.
# ---------------------------------------------------------------------------------------

MODELS = {
    "towns": Town,
    "villages": Village,
    "grids": Grid,
    "departments": Department,
    "households": Household,
    "residents": Resident,
    "party-branches": PartyBranch,
    "party-members": PartyMember,
    "calendar/days": CalendarDay,
}

# (role, endpoint, new object, change): create → 201, change → 200, delete → 204.
LIFECYCLE = [
    (
        "office",
        "villages",
        lambda w: {"town": w.town_a.pk, "name": "甲三村", "code": "VA3"},
        {"kind": "community"},
    ),
    (
        "office",
        "grids",
        lambda w: {"village": w.village_a2.pk, "name": "甲二村第二网格", "code": "GA22"},
        {"name": "甲二村二格"},
    ),
    (
        "office",
        "grids",
        lambda w: {
            "village": w.village_a1.pk,
            "parent": w.grid_a1.pk,
            "name": "甲一村一格二组",
            "code": "GA1b",
        },
        {"name": "甲一村一格乙组"},
    ),
    (
        "office",
        "departments",
        lambda w: {"town": w.town_a.pk, "name": "甲镇城管中队", "code": "DA2"},
        {"phone": "0571-8888"},
    ),
    (
        "office",
        "households",
        lambda w: {"grid": w.grid_a2.pk, "number": "A2-009", "head_name": "赵六"},
        {"address": "新地址8号"},
    ),
    ("office", "residents", lambda w: {"household": w.household_a2.pk, "name": "赵七"}, {"relation": "子"}),
    (
        "office",
        "party-branches",
        lambda w: {"village": w.village_a2.pk, "name": "甲二村党支部"},
        {"name": "甲二村第一党支部"},
    ),
    (
        "office",
        "party-members",
        lambda w: {
            "resident": w.resident_a2.pk,
            "branch": w.branch_a1.pk,
            "covered_households": [w.household_a2.pk],
        },
        {"is_central_household": True},
    ),
    (
        "office",
        "calendar/days",
        lambda w: {
            "date": f"{YEAR}-06-01",
            "is_workday": False,
            "kind": "local_closure",
            "name": "暴雨",
            "town": w.town_a.pk,
        },
        {"name": "暴雨停工"},
    ),
    (
        "cadre",
        "households",
        lambda w: {"grid": w.grid_a1_child.pk, "number": "A1-009", "head_name": "钱八"},
        {"address": "村口1号"},
    ),
    ("cadre", "residents", lambda w: {"household": w.household_a1_2.pk, "name": "钱九"}, {"relation": "女"}),
    (
        "grid_worker",
        "households",
        lambda w: {"grid": w.grid_a1_child.pk, "number": "A1-010", "head_name": "孙十"},
        {"address": "塘边2号"},
    ),
    (
        "grid_worker",
        "residents",
        lambda w: {"household": w.household_a1_child.pk, "name": "孙十一"},
        {"relation": "妻"},
    ),
]


@pytest.mark.parametrize(
    ("role", "endpoint", "payload", "change"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}-{i}") for i, row in enumerate(LIFECYCLE)],
)
def test_writers_create_change_and_softly_delete_inside_their_area(w, role, endpoint, payload, change):
    client = api(w, role)
    model = MODELS[endpoint]

    created = client.post(f"/api/v1/{endpoint}/", payload(w), format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert AuditEntry.objects.filter(object_id=str(pk), action=AuditAction.CREATE).exists()
    assert client.get(f"/api/v1/{endpoint}/{pk}/").status_code == 200

    changed = client.patch(f"/api/v1/{endpoint}/{pk}/", change, format="json")
    assert changed.status_code == 200, changed.content
    field, value = next(iter(change.items()))
    assert changed.json()[field] == value
    assert getattr(model.objects.get(pk=pk), field) == value

    deleted = client.delete(f"/api/v1/{endpoint}/{pk}/")
    assert deleted.status_code == 204, deleted.content
    if hasattr(model, "deleted_at"):  # governed data: the row stays, marked deleted
        assert model.objects.get(pk=pk).deleted_at is not None
    else:  # configuration (calendar days) is deleted for real, its last state in the trail
        assert not model.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(
        object_id=str(pk), action=AuditAction.DELETE, content_type__model=model._meta.model_name
    )
    assert entry.actor == w.users[role]

    # Gone for everyone: not in any list, 404 (or 403 where the role reads no such thing).
    readable = {r for e, r, x in LIST_MATRIX if e == endpoint and x is not NO}
    for someone in ROLES:
        other = api(w, someone)
        assert other.get(f"/api/v1/{endpoint}/{pk}/").status_code == (404 if someone in readable else 403)
        if someone in readable:
            rows = other.get(list_url(endpoint)).json()["results"]
            assert pk not in {row["id"] for row in rows}
    assert client.delete(f"/api/v1/{endpoint}/{pk}/").status_code == 404


CHANGES = {
    "towns": {"county": "新县"},
    "villages": {"kind": "community"},
    "grids": {"name": "改名网格"},
    "departments": {"phone": "0571-1234"},
    "households": {"address": "新地址8号"},
    "residents": {"relation": "子"},
    "party-branches": {"name": "改名党支部"},
    "party-members": {"is_central_household": True},
    "calendar/days": {"name": "改名"},
    "audit": {"object_repr": "改"},
    "memberships": {"role": "town_office"},
    "calendar/years": {"note": "改"},
}

# (role, method, endpoint, label, status): 200/204 inside and writable, 403 visible but
# read-only, 404 not visible; nothing changes unless 200/204.
WRITE_MATRIX = [
    # Allowed: the town office on everything in its town, cadre and grid worker on people.
    ("office", "patch", "towns", "A", 200),
    ("office", "patch", "villages", "A1", 200),
    ("office", "patch", "grids", "GA12", 200),
    ("office", "patch", "departments", "DA", 200),
    ("office", "patch", "households", "HA2", 200),
    ("office", "patch", "residents", "RA2", 200),
    ("office", "patch", "party-branches", "BA1", 200),
    ("office", "patch", "party-members", "MA1", 200),
    ("office", "patch", "calendar/days", "CA", 200),
    ("office", "delete", "residents", "RA1a", 204),
    ("office", "delete", "residents", "RA12", 204),
    ("office", "delete", "calendar/days", "CA", 204),
    ("cadre", "patch", "households", "HA1a", 200),
    ("cadre", "patch", "households", "HA12", 200),
    ("cadre", "patch", "residents", "RA12", 200),
    ("cadre", "delete", "residents", "RA12", 204),
    ("grid_worker", "patch", "households", "HA1", 200),
    ("grid_worker", "patch", "households", "HA1a", 200),
    ("grid_worker", "patch", "residents", "RA1", 200),
    ("grid_worker", "delete", "residents", "RA1a", 204),
    # Inside, but live records still hang off it: a delete is refused (nothing changes).
    ("grid_worker", "delete", "households", "HA1a", 400),  # its resident RA1a
    ("office", "delete", "party-members", "MA1", 400),  # the party_member user's membership
    ("office", "delete", "departments", "DA", 400),  # the department user's membership, a case
    ("office", "delete", "grids", "GA1a", 400),  # household HA1a
    ("office_b", "patch", "households", "HB1", 200),
    # Visible but read-only: 403, nothing changed.
    ("supervisor", "patch", "towns", "A", 403),
    ("supervisor", "patch", "villages", "A1", 403),
    ("supervisor", "patch", "households", "HA1", 403),
    ("supervisor", "delete", "households", "HA1a", 403),
    ("supervisor", "patch", "residents", "RA1", 403),
    ("supervisor", "patch", "party-members", "MA1", 403),
    ("supervisor", "patch", "calendar/days", "CA", 403),
    ("cadre", "patch", "towns", "A", 403),
    ("cadre", "patch", "villages", "A1", 403),
    ("cadre", "patch", "grids", "GA1", 403),
    ("cadre", "delete", "grids", "GA1a", 403),
    ("cadre", "patch", "departments", "DA", 403),
    ("cadre", "patch", "party-branches", "BA1", 403),
    ("cadre", "delete", "party-members", "MA1", 403),
    ("cadre", "patch", "calendar/days", "CA", 403),
    ("grid_worker", "patch", "villages", "A1", 403),
    ("grid_worker", "patch", "grids", "GA1", 403),
    ("grid_worker", "delete", "grids", "GA1a", 403),
    ("department", "patch", "villages", "A1", 403),
    ("department", "patch", "departments", "DA", 403),
    ("department", "patch", "households", "HA2", 403),  # read through its case, not written
    ("department", "delete", "residents", "RA2", 403),
    ("party_member", "patch", "households", "HA1", 403),
    ("party_member", "patch", "residents", "RA1", 403),
    ("party_member", "delete", "party-members", "MA1", 403),
    ("client", "patch", "towns", "A", 403),
    ("client", "patch", "households", "HA1", 403),
    ("client", "delete", "residents", "RA1", 403),
    ("client", "patch", "party-branches", "BA1", 403),
    ("nobody", "patch", "calendar/days", "CN", 403),
    # Not visible: 404, whether or not the role could write such a thing elsewhere.
    ("office", "patch", "towns", "B", 404),
    ("office", "patch", "villages", "B1", 404),
    ("office", "delete", "grids", "GB1", 404),
    ("office", "patch", "departments", "DB", 404),
    ("office", "patch", "households", "HB1", 404),
    ("office", "delete", "households", "HB1", 404),
    ("office", "patch", "residents", "RB1", 404),
    ("office", "patch", "party-branches", "BB1", 404),
    ("office", "delete", "party-members", "MB1", 404),
    ("office", "patch", "calendar/days", "CB", 404),
    ("office_b", "patch", "households", "HA1", 404),
    ("office_b", "delete", "residents", "RA1", 404),
    ("office_b", "patch", "villages", "A1", 404),
    ("supervisor", "patch", "households", "HB1", 404),
    ("cadre", "patch", "villages", "A2", 404),
    ("cadre", "patch", "households", "HA2", 404),
    ("cadre", "delete", "households", "HB1", 404),
    ("cadre", "patch", "residents", "RA2", 404),
    ("grid_worker", "patch", "grids", "GA12", 404),
    ("grid_worker", "patch", "households", "HA12", 404),
    ("grid_worker", "delete", "residents", "RA12", 404),
    ("department", "patch", "households", "HA1", 404),
    ("department", "patch", "departments", "DB", 404),
    ("party_member", "patch", "households", "HA1a", 404),
    ("party_member", "patch", "residents", "RA12", 404),
    ("party_member", "delete", "party-members", "MB1", 404),
    ("client", "patch", "households", "HB1", 404),
    ("nobody", "patch", "households", "HA1", 404),
    ("nobody", "delete", "villages", "A1", 404),
]


@pytest.mark.parametrize(
    ("role", "method", "endpoint", "label", "status"),
    [pytest.param(*row, id="-".join(map(str, row))) for row in WRITE_MATRIX],
)
def test_writes_follow_the_contract(w, role, method, endpoint, label, status):
    obj = objects(w, endpoint)[label]
    model = type(obj)
    trail = AuditEntry.objects.count()
    url = f"/api/v1/{endpoint}/{obj.pk}/"
    if method == "patch":
        response = api(w, role).patch(url, CHANGES[endpoint], format="json")
    else:
        response = api(w, role).delete(url)
    assert response.status_code == status, response.content[:300]

    after = model.objects.filter(pk=obj.pk).first()
    field, value = next(iter(CHANGES[endpoint].items()))
    if status == 200:
        assert getattr(after, field) == value
    elif status == 204:  # soft for governed data; calendar days go, their state in the trail
        assert after.deleted_at is not None if hasattr(model, "deleted_at") else after is None
        assert AuditEntry.objects.filter(object_id=str(obj.pk), action=AuditAction.DELETE).exists()
    else:
        assert after is not None and getattr(after, "deleted_at", None) is None
        assert getattr(after, field) != value
        assert AuditEntry.objects.count() == trail
        if status == 404:
            assert set(response.json()) == {"detail"}


def test_an_area_is_not_deleted_under_a_membership_that_reaches_through_it(w):
    """A department (grid, village, party member record) that users hold a role in cannot
    be deleted while the membership is live: else its handlers would keep reaching their
    town through an area that no longer exists."""
    w.case_a2.delete()  # only the membership still hangs off DA
    office = api(w, "office")
    refused = office.delete(f"/api/v1/departments/{w.dept_a.pk}/")
    assert refused.status_code == 400, refused.content
    assert "任职" in refused.json()["non_field_errors"][0]  # names the memberships
    assert Department.objects.get(pk=w.dept_a.pk).deleted_at is None
    membership = Membership.objects.get(user=w.users["department"])
    membership.deleted_at = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    membership.save(update_fields=["deleted_at"])
    assert office.delete(f"/api/v1/departments/{w.dept_a.pk}/").status_code == 204
    w.users["department"].__dict__.pop("_governance_scope", None)
    for endpoint in ("towns", "villages", "grids", "departments", "households"):
        assert api(w, "department").get(list_url(endpoint)).status_code == 403


# (role, endpoint, payload) for creating where the role may not write that model: 403.
CREATE_FORBIDDEN = [
    ("supervisor", "households", lambda w: {"grid": w.grid_a1.pk, "number": "X-1", "head_name": "甲"}),
    ("supervisor", "villages", lambda w: {"town": w.town_a.pk, "name": "X村", "code": "VX1"}),
    ("client", "households", lambda w: {"grid": w.grid_a1.pk, "number": "X-1", "head_name": "甲"}),
    ("client", "residents", lambda w: {"household": w.household_a1.pk, "name": "甲"}),
    ("department", "households", lambda w: {"grid": w.grid_a2.pk, "number": "X-1", "head_name": "甲"}),
    ("department", "villages", lambda w: {"town": w.town_a.pk, "name": "X村", "code": "VX1"}),
    ("party_member", "residents", lambda w: {"household": w.household_a1.pk, "name": "甲"}),
    ("cadre", "villages", lambda w: {"town": w.town_a.pk, "name": "X村", "code": "VX1"}),
    ("cadre", "grids", lambda w: {"village": w.village_a1.pk, "name": "X格", "code": "GX1"}),
    ("cadre", "party-members", lambda w: {"resident": w.resident_a1_2.pk, "branch": w.branch_a1.pk}),
    (
        "grid_worker",
        "grids",
        lambda w: {"village": w.village_a1.pk, "parent": w.grid_a1.pk, "name": "X格", "code": "GX1"},
    ),
    (
        "grid_worker",
        "calendar/days",
        lambda w: {
            "date": f"{YEAR}-07-01",
            "is_workday": False,
            "kind": "local_closure",
            "town": w.town_a.pk,
        },
    ),
    ("nobody", "households", lambda w: {"grid": w.grid_a1.pk, "number": "X-1", "head_name": "甲"}),
    # A town is not inside a town: the office cannot create one (superusers do).
    ("office", "towns", lambda w: {"name": "丙镇", "code": "TC"}),
]


@pytest.mark.parametrize(
    ("role", "endpoint", "payload"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in CREATE_FORBIDDEN],
)
def test_read_only_roles_cannot_create(w, role, endpoint, payload):
    model = MODELS[endpoint]
    rows, trail = model.objects.count(), AuditEntry.objects.count()
    response = api(w, role).post(f"/api/v1/{endpoint}/", payload(w), format="json")
    assert response.status_code == 403, response.content[:300]
    assert model.objects.count() == rows and AuditEntry.objects.count() == trail


@pytest.mark.parametrize(
    ("role", "endpoint", "label"),
    [
        ("office", "audit", "AA"),
        ("office", "memberships", "cadre"),
        ("office", "calendar/years", "Y35"),
        ("supervisor", "audit", "AA"),
    ],
)
def test_read_only_endpoints_take_no_writes(w, role, endpoint, label):
    obj = objects(w, endpoint)[label]
    model = type(obj)
    rows, trail = model.objects.count(), AuditEntry.objects.count()
    client = api(w, role)
    assert client.post(f"/api/v1/{endpoint}/", {}, format="json").status_code in (403, 405)
    assert client.patch(f"/api/v1/{endpoint}/{obj.pk}/", CHANGES[endpoint], format="json").status_code == 405
    assert client.delete(f"/api/v1/{endpoint}/{obj.pk}/").status_code == 405
    assert model.objects.count() == rows and AuditEntry.objects.count() == trail
    obj.refresh_from_db()
    field, value = next(iter(CHANGES[endpoint].items()))
    assert getattr(obj, field) != value


# (role, endpoint, payload, field): a parent outside the role's area is "does not exist"
# on that field: 400, and nothing is written.
OUT_OF_SCOPE_PARENT = [
    ("office", "households", lambda w: {"grid": w.grid_b1.pk, "number": "X-1", "head_name": "甲"}, "grid"),
    ("office", "residents", lambda w: {"household": w.household_b1.pk, "name": "甲"}, "household"),
    ("office", "villages", lambda w: {"town": w.town_b.pk, "name": "X村", "code": "VX1"}, "town"),
    ("office", "grids", lambda w: {"village": w.village_b1.pk, "name": "X格", "code": "GX1"}, "village"),
    (
        "office",
        "grids",
        lambda w: {"village": w.village_a1.pk, "parent": w.grid_b1.pk, "name": "X格", "code": "GX1"},
        "parent",
    ),
    ("office", "departments", lambda w: {"town": w.town_b.pk, "name": "X所", "code": "DX1"}, "town"),
    ("office", "party-branches", lambda w: {"village": w.village_b1.pk, "name": "X支部"}, "village"),
    (
        "office",
        "party-members",
        lambda w: {"resident": w.resident_b1.pk, "branch": w.branch_a1.pk},
        "resident",
    ),
    ("office", "party-members", lambda w: {"resident": w.resident_a2.pk, "branch": w.branch_b1.pk}, "branch"),
    (
        "office",
        "party-members",
        lambda w: {
            "resident": w.resident_a2.pk,
            "branch": w.branch_a1.pk,
            "covered_households": [w.household_b1.pk],
        },
        "covered_households",
    ),
    (
        "office",
        "calendar/days",
        lambda w: {
            "date": f"{YEAR}-07-01",
            "is_workday": False,
            "kind": "local_closure",
            "town": w.town_b.pk,
        },
        "town",
    ),
    ("office_b", "households", lambda w: {"grid": w.grid_a1.pk, "number": "X-1", "head_name": "甲"}, "grid"),
    ("cadre", "households", lambda w: {"grid": w.grid_a2.pk, "number": "X-1", "head_name": "甲"}, "grid"),
    ("cadre", "households", lambda w: {"grid": w.grid_b1.pk, "number": "X-1", "head_name": "甲"}, "grid"),
    ("cadre", "residents", lambda w: {"household": w.household_a2.pk, "name": "甲"}, "household"),
    (
        "grid_worker",
        "households",
        lambda w: {"grid": w.grid_a1_2.pk, "number": "X-1", "head_name": "甲"},
        "grid",
    ),
    ("grid_worker", "residents", lambda w: {"household": w.household_a1_2.pk, "name": "甲"}, "household"),
]


@pytest.mark.parametrize(
    ("role", "endpoint", "payload", "field"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}-{row[3]}-{i}") for i, row in enumerate(OUT_OF_SCOPE_PARENT)],
)
def test_a_parent_outside_scope_is_a_field_error_and_nothing_is_written(w, role, endpoint, payload, field):
    model = MODELS[endpoint]
    rows, trail = model.objects.count(), AuditEntry.objects.count()
    response = api(w, role).post(f"/api/v1/{endpoint}/", payload(w), format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json(), response.json()
    assert model.objects.count() == rows and AuditEntry.objects.count() == trail


@pytest.mark.parametrize(
    ("role", "endpoint", "label", "change", "field"),
    [
        ("cadre", "households", "HA1", lambda w: {"grid": w.grid_a2.pk}, "grid"),
        ("grid_worker", "households", "HA1a", lambda w: {"grid": w.grid_a1_2.pk}, "grid"),
        ("grid_worker", "residents", "RA1", lambda w: {"household": w.household_a1_2.pk}, "household"),
        ("office", "households", "HA2", lambda w: {"grid": w.grid_b1.pk}, "grid"),
        ("office", "grids", "GA12", lambda w: {"village": w.village_b1.pk}, "village"),
    ],
)
def test_moving_an_object_out_of_scope_is_a_field_error(w, role, endpoint, label, change, field):
    obj = objects(w, endpoint)[label]
    before = {f: getattr(obj, f"{f}_id") for f in change(w)}
    trail = AuditEntry.objects.count()
    response = api(w, role).patch(f"/api/v1/{endpoint}/{obj.pk}/", change(w), format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    obj.refresh_from_db()
    assert {f: getattr(obj, f"{f}_id") for f in before} == before
    assert AuditEntry.objects.count() == trail


# ---------------------------------------------------------------------------------------
# The grid locator, the resident export, /me/.
# ---------------------------------------------------------------------------------------

INNER = (30.002, 120.002)  # inside GA1a (and so inside GA1): the second-level grid wins
OUTER = (30.008, 120.008)  # inside GA1 only
TOWN_B_POINT = (31.005, 121.005)  # inside GB1
NOWHERE = (10.0, 100.0)


@pytest.mark.parametrize(
    ("role", "point", "expected"),
    [
        ("office", INNER, "GA1a"),
        ("office", OUTER, "GA1"),
        ("office", TOWN_B_POINT, 404),
        ("office", NOWHERE, 404),
        ("supervisor", INNER, "GA1a"),
        ("cadre", INNER, "GA1a"),
        ("cadre", OUTER, "GA1"),
        ("grid_worker", INNER, "GA1a"),
        ("grid_worker", OUTER, "GA1"),
        ("grid_worker", TOWN_B_POINT, 404),
        ("department", INNER, "GA1a"),
        ("client", INNER, "GA1a"),
        ("client", TOWN_B_POINT, 404),
        ("office_b", TOWN_B_POINT, "GB1"),
        ("office_b", INNER, 404),
        ("office_b", OUTER, 404),
        ("party_member", INNER, 403),
        ("nobody", INNER, 403),
        ("anonymous", INNER, 401),
    ],
)
def test_locate_finds_the_most_specific_grid_in_scope(w, role, point, expected):
    client = APIClient() if role == "anonymous" else api(w, role)
    lat, lng = point
    response = client.get(f"/api/v1/grids/locate/?lat={lat}&lng={lng}")
    if isinstance(expected, int):
        assert response.status_code == expected, response.content[:300]
        assert "code" not in response.json()
    else:
        assert response.status_code == 200, response.content[:300]
        assert response.json()["code"] == expected
        assert response.json()["id"] == objects(w, "grids")[expected].pk


def test_locate_ignores_soft_deleted_grids(w):
    w.grid_a1_child.deleted_at = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    w.grid_a1_child.save(update_fields=["deleted_at"])
    response = api(w, "office").get(f"/api/v1/grids/locate/?lat={INNER[0]}&lng={INNER[1]}")
    assert response.status_code == 200 and response.json()["code"] == "GA1"


@pytest.mark.parametrize("role", ROLES)
def test_the_resident_export_is_scoped_like_the_list(w, role):
    client = api(w, role)
    listed = client.get(list_url("residents"))
    exported = client.get("/api/v1/residents/export/?file_format=csv")
    assert exported.status_code == listed.status_code
    if listed.status_code != 200:
        assert exported.status_code == 403
        return
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    names = {obj.name: label for label, obj in objects(w, "residents").items()}
    expected = LIST_MATRIX_BY_KEY[("residents", role)]
    assert {names[row["姓名"]] for row in rows} == expected
    assert {row["id"] for row in listed.json()["results"]} == {
        objects(w, "residents")[label].pk for label in expected
    }
    # Without the personal-data permission every ID number is masked.
    for row in rows:
        assert row["身份证号"] == "" or "*" in row["身份证号"]


LIST_MATRIX_BY_KEY = {(e, r): x for e, r, x in LIST_MATRIX}


@pytest.mark.parametrize(
    ("role", "roles", "towns", "villages", "grids", "departments"),
    [
        ("office", ["town_office"], ["A"], [], [], []),
        ("supervisor", ["supervisor"], ["A"], [], [], []),
        ("cadre", ["village_cadre"], ["A"], ["A1"], [], []),
        ("grid_worker", ["grid_worker"], ["A"], ["A1"], ["GA1", "GA1a"], []),
        ("department", ["department"], ["A"], [], [], ["DA"]),
        ("party_member", ["party_member"], [], [], [], []),
        ("client", ["api_client"], ["A"], [], [], []),
        ("office_b", ["town_office"], ["B"], [], [], []),
        ("nobody", [], [], [], [], []),
    ],
)
def test_me_tells_each_user_what_they_reach(w, role, roles, towns, villages, grids, departments):
    body = api(w, role).get("/api/v1/me/").json()

    def ids(endpoint, labels):
        return sorted(objects(w, endpoint)[label].pk for label in labels)

    assert body["username"] == w.users[role].username
    assert body["roles"] == roles
    assert body["towns"] == ids("towns", towns)
    assert body["villages"] == ids("villages", villages)
    assert body["grids"] == ids("grids", grids)
    assert body["departments"] == ids("departments", departments)


def test_me_needs_a_signed_in_user():
    assert APIClient().get("/api/v1/me/").status_code == 401


# ---------------------------------------------------------------------------------------
# The Django admin: the same scope.
# ---------------------------------------------------------------------------------------


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


ADMIN_MATRIX = [
    # (role, changelist, endpoint whose labels to use, expected labels)
    ("office", "household", "households", {"HA1", "HA1a", "HA12", "HA2"}),
    ("cadre", "household", "households", {"HA1", "HA1a", "HA12"}),
    ("grid_worker", "household", "households", {"HA1", "HA1a"}),
    ("office_b", "household", "households", {"HB1"}),
    ("office", "resident", "residents", {"RA1", "RA1a", "RA12", "RA2"}),
    ("cadre", "resident", "residents", {"RA1", "RA1a", "RA12"}),
    ("grid_worker", "resident", "residents", {"RA1", "RA1a"}),
    ("office", "village", "villages", {"A1", "A2"}),
    ("cadre", "village", "villages", {"A1"}),
    ("office", "grid", "grids", {"GA1", "GA1a", "GA12", "GA2"}),
    ("cadre", "grid", "grids", {"GA1", "GA1a", "GA12"}),
]


def admin_text(obj) -> str:
    return getattr(obj, "number", None) or obj.name


@pytest.mark.parametrize(("role", "model", "endpoint", "expected"), ADMIN_MATRIX)
def test_admin_changelists_and_change_pages_are_scoped(w, role, model, endpoint, expected):
    client = admin_client(w.users[role])
    named = objects(w, endpoint)
    label_of = {obj.pk: label for label, obj in named.items()}

    page = client.get(f"/admin/grids/{model}/")
    assert page.status_code == 200
    changelist = page.context["cl"]
    assert {label_of.get(obj.pk, obj.pk) for obj in changelist.queryset} == expected
    assert {label_of.get(obj.pk, obj.pk) for obj in changelist.result_list} == expected
    text = page.content.decode()
    for label, obj in named.items():
        assert (admin_text(obj) in text) == (label in expected), label

    for label, obj in named.items():
        url = f"/admin/grids/{model}/{obj.pk}/change/"
        response = client.get(url)
        if label in expected:
            assert response.status_code == 200, label
            assert admin_text(obj) in response.content.decode()
        else:
            # Django's answer for an object that does not exist: back to the index, with
            # a message naming only the id that was asked for.
            assert response.status_code == 302, (label, response.status_code)
            assert response["Location"] == "/admin/"
            followed = client.get(url, follow=True)
            assert followed.status_code == 200
            body = followed.content.decode()
            assert admin_text(obj) not in body
            messages = [str(m) for m in followed.context["messages"]]
            assert any(str(obj.pk) in m for m in messages), messages
