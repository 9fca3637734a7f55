"""An officer sent in from outside (平安书记, 第一书记) reads the villages posted to as a
supervisor does, and nothing else of the town (governance.scoping, Role.OFFICER)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from governance.choices import Role
from governance.models import AuditEntry, Membership
from governance.scoping import SUPERVISOR, resolve_scope, restrict
from grids.models import Household, Village

from . import factories as f

pytestmark = pytest.mark.django_db


def test_an_officer_reaches_the_posted_village_only_as_a_supervisor(world):
    officer = f.member(Role.OFFICER, village=world.village_a1)
    scope = resolve_scope(officer)
    assert scope.roles == {SUPERVISOR, Role.OFFICER}
    assert scope.ids("village") == {world.village_a1.pk}
    assert scope.ids("town") == set()  # the rest of the town is not theirs


def test_an_officer_sees_the_village_and_its_households_not_the_neighbours(world):
    officer = f.member(Role.OFFICER, village=world.village_a1)
    assert set(restrict(Village.objects.all(), officer).values_list("pk", flat=True)) == {world.village_a1.pk}
    households = set(restrict(Household.objects.all(), officer).values_list("pk", flat=True))
    assert world.household_a1.pk in households and world.household_a1_2.pk in households
    assert world.household_a2.pk not in households and world.household_b1.pk not in households
    # A town supervisor reads the town's audit trail; an officer posted to one village does not.
    AuditEntry.objects.create(
        town=world.town_a,
        action="update",
        content_type=ContentType.objects.get_for_model(Village),
        object_id=str(world.village_a1.pk),
        object_repr=str(world.village_a1),
    )
    assert restrict(AuditEntry.objects.all(), world.users["supervisor"]).exists()
    assert not restrict(AuditEntry.objects.all(), officer).exists()


def test_two_postings_reach_both_villages(world):
    officer = f.member(Role.OFFICER, village=world.village_a1)
    Membership.objects.create(user=officer, role=Role.OFFICER, village=world.village_b1)
    villages = set(restrict(Village.objects.all(), officer).values_list("pk", flat=True))
    assert villages == {world.village_a1.pk, world.village_b1.pk}


def test_an_officer_membership_names_a_village(world):
    membership = Membership(user=world.users["nobody"], role=Role.OFFICER, town=world.town_a)
    with pytest.raises(ValidationError) as raised:
        membership.full_clean()
    assert "village" in raised.value.message_dict
