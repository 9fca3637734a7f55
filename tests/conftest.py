"""Named users per role and area: the world every test starts from.

Two towns. Town A has village A1 (grids A1-1 with child A1-1a, and A1-2) and village A2;
town B has village B1. Each role has a user inside town A's areas; "outsider" users hold
the same roles in town B, so every "inside" object has an "outside" twin.
"""

import importlib
from dataclasses import dataclass

import pytest
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.choices import Role

from . import factories as f


@dataclass
class World:
    town_a: object
    town_b: object
    village_a1: object
    village_a2: object
    village_b1: object
    grid_a1: object
    grid_a1_child: object
    grid_a1_2: object
    grid_a2: object
    grid_b1: object
    dept_a: object
    dept_b: object
    household_a1: object
    household_a1_child: object
    household_a1_2: object
    household_a2: object
    household_b1: object
    resident_a1: object
    resident_a1_2: object
    resident_a2: object
    resident_b1: object
    branch_a1: object
    branch_b1: object
    member_a1: object
    member_b1: object
    users: dict


def pytest_configure(config):
    # Hashing each test user's password with the production hasher costs ~0.3 s apiece.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def reference_data(request):
    """The data the migrations load (the calendar from chinesecalendar, the default case
    kinds). A transactional test flushes every table afterwards, so put them back."""
    if request.node.get_closest_marker("django_db") is None:
        if not {"db", "world"} & set(request.fixturenames):
            return
        request.getfixturevalue("db")
    from cases.models import CaseKind
    from governance import workdays

    kinds = importlib.import_module("cases.migrations.0002_case_kinds").KINDS
    if CaseKind.objects.filter(town__isnull=True).count() < len(kinds):
        for code, name, description, group, four in kinds:
            CaseKind.objects.get_or_create(
                town=None,
                code=code,
                defaults={"name": name, "description": description, "group": group, "is_four_reports": four},
            )
    workdays.seed_from_package()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks queued by the code under test run at once, in-process; the worker tests turn
    this off to send them to a real worker."""
    from governance.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


@pytest.fixture
def world(db) -> World:
    town_a = f.TownFactory(name="甲镇", code="TA")
    town_b = f.TownFactory(name="乙镇", code="TB")
    village_a1 = f.VillageFactory(town=town_a, name="甲一村", code="VA1")
    village_a2 = f.VillageFactory(town=town_a, name="甲二村", code="VA2")
    village_b1 = f.VillageFactory(town=town_b, name="乙一村", code="VB1")
    grid_a1 = f.BoxedGridFactory(village=village_a1, name="甲一村第一网格", code="GA1")
    grid_a1_child = f.GridFactory(
        village=village_a1,
        parent=grid_a1,
        name="甲一村第一网格一组",
        code="GA1a",
        boundary=f.geo.rectangle(120.0, 30.0, 120.005, 30.005),
        min_lng=120.0,
        min_lat=30.0,
        max_lng=120.005,
        max_lat=30.005,
    )
    grid_a1_2 = f.GridFactory(village=village_a1, name="甲一村第二网格", code="GA12")
    grid_a2 = f.GridFactory(village=village_a2, name="甲二村第一网格", code="GA2")
    grid_b1 = f.BoxedGridFactory(
        village=village_b1,
        name="乙一村第一网格",
        code="GB1",
        boundary=f.geo.rectangle(121.0, 31.0, 121.01, 31.01),
    )
    dept_a = f.DepartmentFactory(town=town_a, name="甲镇社保所", code="DA")
    dept_b = f.DepartmentFactory(town=town_b, name="乙镇社保所", code="DB")
    household_a1 = f.HouseholdFactory(grid=grid_a1, number="A1-001")
    household_a1_child = f.HouseholdFactory(grid=grid_a1_child, number="A1-002")
    household_a1_2 = f.HouseholdFactory(grid=grid_a1_2, number="A1-003")
    household_a2 = f.HouseholdFactory(grid=grid_a2, number="A2-001")
    household_b1 = f.HouseholdFactory(grid=grid_b1, number="B1-001")
    resident_a1 = f.ResidentFactory(household=household_a1, name="甲一居民")
    resident_a1_2 = f.ResidentFactory(household=household_a1_2, name="甲一二居民")
    resident_a2 = f.ResidentFactory(household=household_a2, name="甲二居民")
    resident_b1 = f.ResidentFactory(household=household_b1, name="乙一居民")
    branch_a1 = f.PartyBranchFactory(village=village_a1, name="甲一村党支部")
    branch_b1 = f.PartyBranchFactory(village=village_b1, name="乙一村党支部")
    member_a1 = f.PartyMemberFactory(resident=resident_a1, branch=branch_a1)
    member_b1 = f.PartyMemberFactory(resident=resident_b1, branch=branch_b1)

    users = {
        "office": f.member(Role.TOWN_OFFICE, town=town_a),
        "supervisor": f.member(Role.SUPERVISOR, town=town_a),
        "cadre": f.member(Role.VILLAGE_CADRE, village=village_a1),
        "grid_worker": f.member(Role.GRID_WORKER, grid=grid_a1),
        "department": f.member(Role.DEPARTMENT, department=dept_a),
        "party_member": f.member(Role.PARTY_MEMBER, party_member=member_a1),
        "client": f.member(Role.API_CLIENT, town=town_a),
        "office_b": f.member(Role.TOWN_OFFICE, town=town_b),
        "nobody": f.UserFactory(),
    }
    return World(
        town_a=town_a,
        town_b=town_b,
        village_a1=village_a1,
        village_a2=village_a2,
        village_b1=village_b1,
        grid_a1=grid_a1,
        grid_a1_child=grid_a1_child,
        grid_a1_2=grid_a1_2,
        grid_a2=grid_a2,
        grid_b1=grid_b1,
        dept_a=dept_a,
        dept_b=dept_b,
        household_a1=household_a1,
        household_a1_child=household_a1_child,
        household_a1_2=household_a1_2,
        household_a2=household_a2,
        household_b1=household_b1,
        resident_a1=resident_a1,
        resident_a1_2=resident_a1_2,
        resident_a2=resident_a2,
        resident_b1=resident_b1,
        branch_a1=branch_a1,
        branch_b1=branch_b1,
        member_a1=member_a1,
        member_b1=member_b1,
        users=users,
    )


@pytest.fixture
def key(world) -> str:
    """An Open311 API key bound to town A (the 12345 hotline's)."""
    from cases import open311
    from cases.models import Open311Client

    client = Open311Client(name="12345热线", town=world.town_a)
    plain = open311.issue_key(client)
    client.full_clean()
    client.save()
    return plain


@pytest.fixture
def api():
    """An API client in Simplified Chinese, as users get by default."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_user():
    return client_for


class QueryCounter(CaptureQueriesContext):
    """Counts queries; on failure the assertion message lists every query."""

    def listing(self) -> str:
        return "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(self.captured_queries, 1))


@pytest.fixture
def count_queries():
    from django.db import connection

    return lambda: QueryCounter(connection)
