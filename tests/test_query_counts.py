"""Every list endpoint runs the same number of SQL queries whatever the page holds."""

import pytest
from django.contrib.contenttypes.models import ContentType

from cases.models import CaseKind
from governance.choices import Role
from governance.models import AuditEntry
from governance.scoping import forget_scope
from grids.models import Household, Resident

from . import factories as f
from .test_cases import report

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/towns/",
    "/api/v1/villages/",
    "/api/v1/grids/",
    "/api/v1/departments/",
    "/api/v1/households/",
    "/api/v1/residents/",
    "/api/v1/party-branches/",
    "/api/v1/party-members/",
    "/api/v1/calendar/days/?year=2025",
    "/api/v1/calendar/years/",
    "/api/v1/audit/",
    "/api/v1/memberships/",
    "/api/v1/cases/",
    "/api/v1/case-kinds/",
    f"/api/v1/public/board/town/{'TA'}/",
]


def grow(world, n: int) -> None:
    """n more of everything in town A."""
    for _ in range(n):
        village = f.VillageFactory(town=world.town_a)
        grid = f.GridFactory(village=village)
        household = f.HouseholdFactory(grid=grid)
        resident = f.ResidentFactory(household=household)
        branch = f.PartyBranchFactory(village=village)
        member = f.PartyMemberFactory(resident=resident, branch=branch)
        member.covered_households.set([household, world.household_a1])
        f.DepartmentFactory(town=world.town_a)
        f.member(Role.VILLAGE_CADRE, village=village)
        report(world, world.users["office"], village=village, grid=grid, household=household)
    CaseKind.objects.create(town=world.town_a, code=f"local{n}", name="本镇类别")
    AuditEntry.objects.filter(town__isnull=True).update(town=world.town_a)


def counts(client, user, count_queries) -> dict[str, int]:
    out = {}
    for url in LISTS:
        sep = "&" if "?" in url else "?"
        forget_scope(user)  # as on a fresh request: the scope is resolved again
        with count_queries() as q:
            response = client.get(f"{url}{sep}page_size=100")
        assert response.status_code == 200, (url, response.content[:300])
        out[url] = len(q)
    return out


def test_list_endpoints_run_a_fixed_number_of_queries(world, as_user, count_queries):
    # given the town office with personal-data rights (its unmasked views are audited:
    # one bulk insert per page, not one per row)
    from guardian.shortcuts import assign_perm

    office = world.users["office"]
    assign_perm("grids.view_personal_data", office, world.town_a)
    report(world)
    ContentType.objects.get_for_models(Resident, Household)  # caches every process warms once
    as_user(office).get("/api/v1/towns/")
    small = counts(as_user(office), office, count_queries)
    grow(world, 12)
    large = counts(as_user(office), office, count_queries)
    assert large == small, {url: (small[url], large[url]) for url in LISTS if small[url] != large[url]}
    assert large == EXPECTED


# Scope: memberships + personal-data grant (2); then the count and the page (2). Plus:
# households and residents, one audit insert for the unmasked page; party members, the
# covered households prefetch; cases, the reporter contact unmasked (audit insert);
# calendar years are not paginated; the public board has no user: the area, the count
# and the page.
EXPECTED = {
    "/api/v1/towns/": 4,
    "/api/v1/villages/": 4,
    "/api/v1/grids/": 4,
    "/api/v1/departments/": 4,
    "/api/v1/households/": 5,
    "/api/v1/residents/": 5,
    "/api/v1/party-branches/": 4,
    "/api/v1/party-members/": 5,
    "/api/v1/calendar/days/?year=2025": 4,
    "/api/v1/calendar/years/": 3,
    "/api/v1/audit/": 4,
    "/api/v1/memberships/": 4,
    "/api/v1/cases/": 5,
    "/api/v1/case-kinds/": 4,
    "/api/v1/public/board/town/TA/": 3,
}


# ---------------------------------------------------------------------------------------
# The same, as real requests (a token, a fresh user object each time: nothing cached),
# for the town office without the personal-data right and for the narrower scopes of a
# village cadre and a grid worker; 3 against 30 more of everything in their areas.
# ---------------------------------------------------------------------------------------

YEAR = 2035
PAGE = "page_size=50"
NO = None  # the role may not read it (403; see test_scoping_matrix)

# Queries per real request: office / village cadre / grid worker. Every request starts
# with 1 the token and its user (TokenAuthentication, select_related) and then resolves
# the scope: 1 the user's memberships with their areas; for the grid worker 1 more, the
# child grids of their grid; for the town office 3 more, whether it may see personal
# data (its own and its groups' global permissions, guardian's per-town grants). So the
# base is office 5, cadre 2, grid worker 3. On top of that:
#   lists: 1 COUNT + 1 page (related keys are ids; residents' party-member flag is an
#          EXISTS annotation, their household a join; audit and memberships join what
#          they name);
#   party members: + 1 prefetch of the covered households of the whole page;
#   calendar years: not paginated, 1 query, no COUNT;
#   resident export: 1 query (residents with household and grid joined), no COUNT;
#   locate: 1 candidates by bounding box + 1 the grid found;
#   /me/: the scope alone.
TOKEN_TABLE = {
    # url: (office, cadre, grid worker)
    "/api/v1/towns/": (7, 4, 5),
    "/api/v1/villages/": (7, 4, 5),
    "/api/v1/grids/": (7, 4, 5),
    "/api/v1/departments/": (7, 4, 5),
    "/api/v1/households/": (7, 4, 5),
    "/api/v1/residents/": (7, 4, 5),
    "/api/v1/party-branches/": (7, 4, NO),
    "/api/v1/party-members/": (8, 5, NO),
    f"/api/v1/calendar/days/?year={YEAR}": (7, 4, 5),
    "/api/v1/calendar/years/": (6, 3, 4),
    "/api/v1/audit/": (7, NO, NO),
    "/api/v1/memberships/": (7, 4, 5),
    "/api/v1/residents/export/": (6, 3, 4),
    "/api/v1/grids/locate/?lat=30.002&lng=120.002": (7, 4, 5),
    "/api/v1/me/": (5, 2, 3),
}
TOKEN_EXPECTED = {
    role: {url: counts[i] for url, counts in TOKEN_TABLE.items() if counts[i] is not NO}
    for i, role in enumerate(["office", "cadre", "grid_worker"])
}


def grow_areas(world, n: int, start: int = 0) -> None:
    """n more villages, grids, departments, branches, memberships, calendar days, years
    and audit entries in town A, and n more households (alternately in a new village and
    in grid GA1's child grid), each with a resident who is a party member covering two
    households."""
    import datetime

    from governance.choices import AuditAction, CalendarDayKind, CalendarSource
    from governance.models import CalendarDay, CalendarYear

    household_type = ContentType.objects.get_for_model(Household)
    office = world.users["office"]
    for i in range(start, start + n):
        village = f.VillageFactory(town=world.town_a)
        grid = f.GridFactory(village=village)
        child = f.GridFactory(village=world.village_a1, parent=world.grid_a1)
        home = grid if i % 2 else child
        household = f.HouseholdFactory(grid=home)
        resident = f.ResidentFactory(household=household)
        branch = f.PartyBranchFactory(village=home.village)
        member = f.PartyMemberFactory(resident=resident, branch=branch)
        member.covered_households.set([household, world.household_a1])
        f.DepartmentFactory(town=world.town_a)
        f.member(Role.VILLAGE_CADRE, village=village)
        f.member(Role.GRID_WORKER, grid=child)
        CalendarDay.objects.create(
            date=datetime.date(YEAR, 1, 1) + datetime.timedelta(days=i),
            is_workday=False,
            kind=CalendarDayKind.LOCAL_CLOSURE,
            town=world.town_a,
        )
        CalendarYear.objects.create(year=2100 + i, source=CalendarSource.OFFICIAL)
        AuditEntry.objects.create(
            actor=office,
            action=AuditAction.UPDATE,
            content_type=household_type,
            object_id=str(household.pk),
            object_repr=str(household),
            town=world.town_a,
        )


def token_counts(world, role, count_queries) -> dict[str, tuple[int, str, int]]:
    """url → (queries, listing, rows) for one real request each (after one request that
    fills the per-process caches: content types, guardian's permission lookups)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token, _ = Token.objects.get_or_create(user=world.users[role])
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.get("/api/v1/me/")
    out = {}
    for url in TOKEN_EXPECTED[role]:
        sep = "&" if "?" in url else "?"
        with count_queries() as q:
            response = client.get(f"{url}{sep}{PAGE}")
        assert response.status_code == 200, (url, response.content[:300])
        if response["Content-Type"].startswith("application/json"):
            body = response.json()
            rows = len(body["results"]) if isinstance(body, dict) and "results" in body else len(body)
        else:
            rows = response.content.count(b"\n")
        out[url] = (len(q), q.listing(), rows)
    return out


@pytest.mark.parametrize("role", ["office", "cadre", "grid_worker"])
def test_real_requests_run_a_fixed_number_of_queries_for_3_or_30_rows(world, role, count_queries):
    ContentType.objects.get_for_models(Resident, Household)  # caches every process warms once
    grow_areas(world, 3)
    small = token_counts(world, role, count_queries)
    grow_areas(world, 27, start=3)
    large = token_counts(world, role, count_queries)
    grew = [url for url in large if large[url][2] > small[url][2]]
    # the data did grow where this role can see it
    assert {
        "/api/v1/grids/",
        "/api/v1/households/",
        "/api/v1/residents/",
        "/api/v1/residents/export/",
    } <= set(grew), grew
    for url in large:
        assert large[url][0] == small[url][0], f"{url}: {small[url][0]} → {large[url][0]}\n{large[url][1]}"
        assert large[url][0] == TOKEN_EXPECTED[role][url], f"{url}\n{large[url][1]}"
