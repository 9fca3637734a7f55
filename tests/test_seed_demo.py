"""The demo town: consistent, valid, deterministic and idempotent."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from guardian.models import UserObjectPermission
from rest_framework.authtoken.models import Token

from cases.models import Case
from governance.models import Membership, User
from governance.scoping import can_see_personal
from grids import geo
from grids.demo import (
    COUNTY_CODE,
    FLAG_RATES,
    MIGRANT_REGIONS,
    REFERENCE_DATE,
    Plan,
    generate_town,
    town_code,
)
from grids.models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village
from grids.selectors import grid_at_point
from grids.validators import id_number_facts, validate_id_number

pytestmark = pytest.mark.django_db
SMALL = ["--villages", "4", "--grids-per-village", "3", "--households-per-village", "25"]
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    seed()
    return Town.objects.get(code=town_code(0))


def age(resident) -> int:
    return (REFERENCE_DATE - resident.birth_date).days // 365


def fingerprint() -> dict:
    models = [Town, Village, Grid, Department, Household, Resident, PartyBranch, PartyMember, Case]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["covered"] = PartyMember.covered_households.through.objects.count()
    counts["users"] = User.objects.count()
    counts["memberships"] = Membership.objects.count()
    counts["tokens"] = Token.objects.count()
    counts["object permissions"] = UserObjectPermission.objects.count()
    return counts


def test_the_hierarchy_nests_and_its_derived_columns_are_what_clean_would_make(demo):
    assert Village.objects.count() == 4 and Grid.objects.count() == 4 * 3
    assert Household.objects.count() == 4 * 25
    areas = [demo, *Village.objects.all(), *Grid.objects.select_related("parent", "village")]
    for area in areas:
        box = (area.min_lng, area.min_lat, area.max_lng, area.max_lat)
        assert geo.bounding_box(area.boundary) == box
        assert geo.contains(area.boundary, area.centre_lng, area.centre_lat)
        before = (box, area.centre_lng, area.centre_lat, getattr(area, "level", None))
        area.full_clean()
        assert (area.min_lng, area.min_lat, area.max_lng, area.max_lat) == box
        assert (box, area.centre_lng, area.centre_lat, getattr(area, "level", None)) == before

    def inside(inner, outer):
        return (
            outer.min_lng <= inner.min_lng <= inner.max_lng <= outer.max_lng
            and outer.min_lat <= inner.min_lat <= inner.max_lat <= outer.max_lat
        )

    for village in Village.objects.all():
        assert village.town_id == demo.pk and village.code.startswith(demo.code) and inside(village, demo)
    for grid in Grid.objects.select_related("parent", "village"):
        assert grid.level == (1 if grid.parent_id is None else 2)
        assert inside(grid, grid.village) and grid.code.startswith(grid.village.code)
        if grid.parent:
            assert grid.parent.level == 1 and grid.parent.village_id == grid.village_id
            assert inside(grid, grid.parent) and grid.code.startswith(grid.parent.code)
    assert Grid.objects.filter(level=1, children__isnull=True).count() == 0  # 1 + 2 each
    assert Department.objects.filter(town=demo, name="社保所").exists()


def test_households_sit_in_their_grid_and_agree_with_its_chain(demo):
    households = list(Household.objects.select_related("grid__village"))
    for h in households:
        assert (h.village_id, h.town_id) == (h.grid.village_id, h.grid.village.town_id)
        assert not Grid.objects.filter(parent=h.grid).exists()  # the most specific grid
        assert grid_at_point(lat=h.latitude, lng=h.longitude) == h.grid
        assert h.address.startswith(h.grid.village.name)
        assert h.phone == "" or MOBILE.match(h.phone)
        h.full_clean()
        assert (h.village_id, h.town_id) == (h.grid.village_id, h.grid.village.town_id)
    assert len({h.address for h in households}) == len(households)


def test_every_household_has_one_head_named_as_its_head(demo):
    heads = Resident.objects.filter(relation="户主").values("household").annotate(n=Count("id"))
    assert {row["n"] for row in heads} == {1} and len(heads) == Household.objects.count()
    for h in Household.objects.prefetch_related("residents"):
        assert [r.name for r in h.residents.all() if r.relation == "户主"] == [h.head_name]
        assert len({r.residency for r in h.residents.all()}) == 1


def test_residents_have_valid_consistent_id_numbers_and_phones(demo):
    residents = list(Resident.objects.select_related("household"))
    assert len({r.id_number for r in residents}) == len(residents)
    for r in residents:
        validate_id_number(r.id_number)
        assert id_number_facts(r.id_number) == {"birth_date": r.birth_date, "gender": r.gender}
        region = r.id_number[:6]
        assert region == COUNTY_CODE if r.residency == "registered" else region in MIGRANT_REGIONS
        assert r.phone == "" or MOBILE.match(r.phone)
        assert 2 <= len(r.name) <= 3
        assert (r.village_id, r.town_id) == (r.household.village_id, r.household.town_id)
        r.full_clean()


def test_party_members_are_registered_adults_covering_their_own_village(demo):
    members = list(PartyMember.objects.select_related("resident", "branch"))
    assert members
    for m in members:
        assert m.resident.residency == "registered" and age(m.resident) >= 18
        assert (m.village_id, m.town_id) == (m.resident.village_id, m.resident.town_id)
        assert m.branch.village_id == m.village_id and m.branch.town_id == m.town_id
        covered = list(m.covered_households.all())
        assert 1 <= len(covered) <= 12 and {h.village_id for h in covered} == {m.village_id}
    assert PartyBranch.objects.filter(kind="village").count() == Village.objects.count()
    per_village = Counter(m.village_id for m in members)
    assert all(per_village[v.pk] >= 3 for v in Village.objects.all())


def test_it_makes_a_user_per_role_with_the_right_area(demo):
    village = Village.objects.get(code=f"{demo.code}001")
    expected = {
        "demo_office": ("town_office", "town", demo),
        "demo_supervisor": ("supervisor", "town", demo),
        "demo_cadre": ("village_cadre", "village", village),
        "demo_department": ("department", "department", Department.objects.get(town=demo, name="社保所")),
        "demo_api": ("api_client", "town", demo),
    }
    for username, (role, field, area) in expected.items():
        # the demo's cadre is also a party member (points): one membership per role
        membership = User.objects.get(username=username).memberships.get(role=role)
        assert (membership.role, getattr(membership, field)) == (role, area)
        membership.full_clean()
    grid = User.objects.get(username="demo_grid").memberships.get(role="grid_worker").grid
    assert grid.village == village and grid.level == 1 and grid.children.exists()
    member = User.objects.get(username="demo_member").memberships.get(role="party_member").party_member
    assert member.village == village
    assert set(Membership.objects.values_list("role", flat=True)) == {
        "town_office",
        "supervisor",
        "village_cadre",
        "grid_worker",
        "department",
        "party_member",
        "api_client",
        "officer",  # the demo first secretary's posting (organisation_officers)
    }
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="demo_cadre").check_password("demo12345")
    assert Token.objects.filter(user__username="demo_api").exists()
    office, supervisor = (
        User.objects.get(username="demo_office"),
        User.objects.get(username="demo_supervisor"),
    )
    assert can_see_personal(office, demo.pk) and not can_see_personal(supervisor, demo.pk)
    assert str(User.objects.get(username="demo_office")) == "王丽萍"  # people are shown by name
    for village in Village.objects.filter(town=demo):
        # Each village's duty team: the first village's cadre logs in (demo_cadre).
        team = [m.user for m in Membership.objects.filter(role="village_cadre", village=village)]
        assert team and all(str(cadre) != cadre.username for cadre in team)
        assert village.code.endswith("001") or not any(cadre.has_usable_password() for cadre in team)


def test_a_second_run_builds_nothing_again_and_resets_the_passwords(demo):
    before = fingerprint()
    cadre = User.objects.get(username="demo_cadre")
    cadre.set_password("changed")
    cadre.save()
    out = seed("--password", "another1")
    assert "already there" in out and "another1" in out
    assert fingerprint() == before
    assert User.objects.get(username="demo_cadre").check_password("another1")


def test_a_second_run_keeps_the_printed_api_token(demo):
    token = Token.objects.get(user__username="demo_api").key
    out = seed()
    assert Token.objects.get(user__username="demo_api").key == token and token in out


def test_the_same_seed_generates_the_same_town():
    plan = Plan(seed=7, villages=3, grids_per_village=4, households_per_village=30)
    first, again = generate_town(plan), generate_town(plan)
    assert first == again
    assert [r.name for r in first.residents[:50]] == [r.name for r in again.residents[:50]]
    other = generate_town(Plan(seed=8, villages=3, grids_per_village=4, households_per_village=30))
    assert [r.name for r in first.residents[:50]] != [r.name for r in other.residents[:50]]
    next_town = generate_town(Plan(seed=7, town_index=1, villages=3, grids_per_village=4))
    assert next_town.code != first.code and next_town.name != first.name


def test_a_generated_town_has_realistic_proportions():
    spec = generate_town(Plan(villages=12, grids_per_village=15, households_per_village=333))
    n = len(spec.households)
    assert n == 12 * 333 and len(spec.grids) == 12 * 15
    assert 2.2 <= len(spec.residents) / n <= 2.8
    migrants = sum(r.residency == "migrant" for r in spec.residents) / len(spec.residents)
    assert 0.28 <= migrants <= 0.45
    for flag, (rate, _registered_only) in FLAG_RATES.items():
        share = sum(h.flags[flag] for h in spec.households) / n
        assert rate * 0.4 <= share <= rate * 1.8 + 0.002, flag
    adults = [r for r in spec.residents if r.residency == "registered" and age(r) >= 18]
    assert 0.03 <= len(spec.members) / len(adults) <= 0.055
    assert Counter(r.relation for r in spec.residents)["户主"] == n
    assert len({r.id_number for r in spec.residents}) == len(spec.residents)
    assert len({v.name for v in spec.villages}) == 12
    assert {v.kind for v in spec.villages} == {"village", "community"}
    assert spec.villages[0].kind == "village"
    assert 9 <= sum(len(m.covered) for m in spec.members) / len(spec.members) <= 11


def test_a_county_has_towns_side_by_side_with_their_own_id_numbers():
    out = seed("--scale", "county", "--towns", "2")
    assert "[1/2]" in out and "[2/2]" in out
    first, second = Town.objects.order_by("code")
    assert (first.code, second.code) == (town_code(0), town_code(1))
    assert first.max_lng <= second.min_lng or first.max_lat <= second.min_lat
    assert Resident.objects.values("id_number_digest").distinct().count() == Resident.objects.count()
    assert Membership.objects.get(user__username="demo_office").town == first


def test_it_refuses_a_county_too_big_for_unique_id_numbers():
    with pytest.raises(CommandError):
        seed("--scale", "county", "--towns", "40")
