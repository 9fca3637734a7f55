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
        report(world, village=village, grid=grid, household=household)
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
# calendar years are not paginated; the public board has no user and no count.
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
    "/api/v1/public/board/town/TA/": 2,
}
