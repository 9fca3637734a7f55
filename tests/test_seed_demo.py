"""The demo town: consistent, valid, deterministic and idempotent."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from cases.models import Case
from governance.models import Membership, User
from governance.scoping import can_see_personal
from grids import geo
from grids.demo import Plan, build_town
from grids.models import Grid, Household, PartyMember, Resident, Town, Village
from grids.selectors import grid_at_point
from grids.validators import validate_id_number

pytestmark = pytest.mark.django_db
SMALL = ["--villages", "3", "--grids-per-village", "2", "--households-per-village", "20"]


@pytest.fixture
def demo():
    call_command("seed_demo", *SMALL, stdout=open("/dev/null", "w"))
    return Town.objects.get()


def test_it_builds_a_consistent_hierarchy(demo):
    assert Village.objects.count() == 3 and Grid.objects.count() == 3 * 2 * 3
    assert Household.objects.count() == 60
    for grid in Grid.objects.select_related("parent"):
        assert (grid.level == 2) == (grid.parent_id is not None)
        assert grid.parent is None or grid.parent.village_id == grid.village_id
        assert geo.contains(grid.boundary, grid.centre_lng, grid.centre_lat)
    for h in Household.objects.select_related("grid__village"):
        assert (h.village_id, h.town_id) == (h.grid.village_id, h.grid.village.town_id)
        assert h.grid.level == 2
        assert grid_at_point(lat=h.latitude, lng=h.longitude) == h.grid
    for r in Resident.objects.select_related("household"):
        assert (r.village_id, r.town_id) == (r.household.village_id, r.household.town_id)
        validate_id_number(r.id_number)


def test_every_household_has_one_head_named_as_its_head(demo):
    heads = Resident.objects.filter(relation="户主").values("household").annotate(n=Count("id"))
    assert {row["n"] for row in heads} == {1} and len(heads) == Household.objects.count()
    for h in Household.objects.prefetch_related("residents"):
        assert [r.name for r in h.residents.all() if r.relation == "户主"] == [h.head_name]
    assert PartyMember.objects.filter(resident__residency="migrant").count() == 0


def test_it_is_idempotent_and_has_a_user_per_role(demo):
    counts = (
        Household.objects.count(),
        Resident.objects.count(),
        Case.objects.count(),
        Membership.objects.count(),
    )
    call_command("seed_demo", *SMALL, stdout=open("/dev/null", "w"))
    assert (
        Household.objects.count(),
        Resident.objects.count(),
        Case.objects.count(),
        Membership.objects.count(),
    ) == counts
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {
        "town_office",
        "supervisor",
        "village_cadre",
        "grid_worker",
        "department",
        "party_member",
        "api_client",
    }
    office, supervisor = (
        User.objects.get(username="demo_office"),
        User.objects.get(username="demo_supervisor"),
    )
    assert can_see_personal(office, demo.pk) and not can_see_personal(supervisor, demo.pk)
    assert User.objects.get(username="demo_cadre").check_password("demo12345")
    assert Case.objects.filter(town=demo).count() == 40


def test_the_same_seed_builds_the_same_people(db):
    def names(seed):
        from django.db import transaction

        with transaction.atomic():
            build_town(Plan(seed=seed, villages=2, first_level_grids=1, households_per_village=5))
            result = list(Resident.objects.order_by("id").values_list("name", "id_number_digest"))
            transaction.set_rollback(True)
        return result

    assert names(7) == names(7)
    assert names(7) != names(8)
