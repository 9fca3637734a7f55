"""Rules the contract states (DESIGN.md, "Who may do what"): the nationwide calendar is a
superuser's, a town keeps its own days, nothing is deleted for real; an update keeps a
concurrent change of another field; a move takes what hangs below along."""

import datetime

import pytest
from django.test import Client

from governance import workdays
from governance.models import AuditEntry, CalendarDay
from governance.services import governed_update
from grids.models import Grid, Household, PartyMember, Resident

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def national_day():
    return CalendarDay.objects.get(date=datetime.date(2025, 10, 1), town__isnull=True)


def test_a_town_office_cannot_change_or_delete_a_nationwide_day(world, as_user, national_day):
    client = as_user(world.users["office"])
    url = f"/api/v1/calendar/days/{national_day.pk}/"
    assert client.get(url).status_code == 200  # read by all
    assert client.patch(url, {"is_workday": True}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    national_day.refresh_from_db()
    assert national_day.is_workday is False and national_day.deleted_at is None
    created = client.post(
        "/api/v1/calendar/days/",
        {"date": "2027-01-04", "is_workday": False, "kind": "holiday", "town": None},
        format="json",
    )
    assert created.status_code == 400 and "town" in created.json()


def test_a_town_office_keeps_only_its_own_towns_days(world, as_user):
    client = as_user(world.users["office"])
    own = client.post(
        "/api/v1/calendar/days/",
        {"date": "2025-09-29", "is_workday": False, "kind": "local_closure", "town": world.town_a.pk},
        format="json",
    )
    assert own.status_code == 201
    other = client.post(
        "/api/v1/calendar/days/",
        {"date": "2025-09-29", "is_workday": False, "kind": "local_closure", "town": world.town_b.pk},
        format="json",
    )
    assert other.status_code == 400 and "town" in other.json()
    theirs = CalendarDay.objects.create(
        date=datetime.date(2025, 9, 30), is_workday=False, kind="local_closure", town=world.town_b
    )
    assert (
        client.patch(f"/api/v1/calendar/days/{theirs.pk}/", {"name": "x"}, format="json").status_code == 404
    )
    # moving its own day to the nationwide calendar is refused as well
    pk = own.json()["id"]
    assert client.patch(f"/api/v1/calendar/days/{pk}/", {"town": None}, format="json").status_code == 400


def test_a_deleted_day_is_kept_and_no_longer_counts(world, as_user):
    client = as_user(world.users["office"])
    start = datetime.datetime(2025, 9, 26, 10, tzinfo=workdays.SHANGHAI)
    before = workdays.deadline(start, 3, town_id=world.town_a.pk).at
    pk = client.post(
        "/api/v1/calendar/days/",
        {"date": "2025-09-29", "is_workday": False, "kind": "local_closure", "town": world.town_a.pk},
        format="json",
    ).json()["id"]
    assert workdays.deadline(start, 3, town_id=world.town_a.pk).at > before
    assert client.delete(f"/api/v1/calendar/days/{pk}/").status_code == 204
    day = CalendarDay.objects.get(pk=pk)
    assert day.deleted_at is not None  # kept, with its trail
    assert AuditEntry.objects.filter(object_id=str(pk), action="delete").exists()
    assert workdays.deadline(start, 3, town_id=world.town_a.pk).at == before
    assert client.get(f"/api/v1/calendar/days/{pk}/").status_code == 404
    # the same date can be entered again
    again = client.post(
        "/api/v1/calendar/days/",
        {"date": "2025-09-29", "is_workday": False, "kind": "local_closure", "town": world.town_a.pk},
        format="json",
    )
    assert again.status_code == 201


def test_in_the_admin_a_town_office_cannot_touch_nationwide_days_and_a_superuser_deletes_softly(
    world, national_day
):
    office = admin_client(world.users["office"])
    change = f"/admin/governance/calendarday/{national_day.pk}/change/"
    page = office.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        office.post(f"/admin/governance/calendarday/{national_day.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    add = office.post(
        "/admin/governance/calendarday/add/",
        {"date": "2027-01-04", "is_workday": "", "kind": "holiday", "name": "x", "town": ""},
    )
    assert add.status_code == 200 and not CalendarDay.objects.filter(date="2027-01-04").exists()
    root = admin_client(UserFactory(is_superuser=True))
    assert (
        root.post(f"/admin/governance/calendarday/{national_day.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    national_day.refresh_from_db()
    assert national_day.deleted_at is not None


def test_two_updates_of_different_fields_both_stay(world):
    office = world.users["office"]
    first_copy = Household.objects.get(pk=world.household_a1.pk)
    second_copy = Household.objects.get(pk=world.household_a1.pk)  # loaded before the first update
    governed_update(instance=first_copy, data={"address": "新地址"}, actor=office)
    governed_update(instance=second_copy, data={"head_name": "新户主"}, actor=office)
    saved = Household.objects.get(pk=world.household_a1.pk)
    assert (saved.address, saved.head_name) == ("新地址", "新户主")


def test_an_admin_change_is_saved_and_audited_field_by_field(world):
    client = admin_client(world.users["office"])
    h = world.household_a1_2
    form = {
        "grid": h.grid_id,
        "number": h.number,
        "head_name": h.head_name,
        "address": h.address,
        "phone": "",
    }
    url = f"/admin/grids/household/{h.pk}/change/"
    assert client.post(url, {**form, "head_name": "表单改的", "phone": "13711112222"}).status_code == 302
    saved = Household.objects.get(pk=h.pk)
    assert (saved.head_name, saved.phone, saved.address) == ("表单改的", "13711112222", h.address)
    entry = AuditEntry.objects.filter(object_id=str(h.pk), action="update").latest("id")
    assert set(entry.changes) == {"head_name", "phone"}


def test_a_household_moved_to_another_village_takes_its_residents_along(world, as_user):
    cadre_a1 = as_user(world.users["cadre"])
    resident = world.resident_a1  # a party member too
    assert cadre_a1.get(f"/api/v1/residents/{resident.pk}/").status_code == 200
    moved = as_user(world.users["office"]).patch(
        f"/api/v1/households/{world.household_a1.pk}/", {"grid": world.grid_a2.pk}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["village"] == world.village_a2.pk
    resident.refresh_from_db()
    assert (resident.village_id, resident.town_id) == (world.village_a2.pk, world.town_a.pk)
    member = PartyMember.objects.get(pk=world.member_a1.pk)
    assert member.village_id == world.village_a2.pk
    # the old village's cadre no longer sees them
    assert cadre_a1.get(f"/api/v1/residents/{resident.pk}/").status_code == 404
    assert cadre_a1.get(f"/api/v1/party-members/{member.pk}/").status_code == 404
    entry = AuditEntry.objects.filter(object_id=str(world.household_a1.pk), action="update").latest("id")
    assert entry.changes["moved_with_it"] == {"resident": 1, "partymember": 1}


def test_a_grid_moved_to_another_village_takes_sub_grids_households_and_residents(world, as_user):
    cadre_a1 = as_user(world.users["cadre"])
    moved = as_user(world.users["office"]).patch(
        f"/api/v1/grids/{world.grid_a1.pk}/", {"village": world.village_a2.pk}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    child = Grid.objects.get(pk=world.grid_a1_child.pk)
    assert child.village_id == world.village_a2.pk
    for household in (world.household_a1, world.household_a1_child):
        assert Household.objects.get(pk=household.pk).village_id == world.village_a2.pk
    assert Resident.objects.get(pk=world.resident_a1.pk).village_id == world.village_a2.pk
    assert cadre_a1.get(f"/api/v1/households/{world.household_a1_child.pk}/").status_code == 404
    assert cadre_a1.get(f"/api/v1/residents/{world.resident_a1.pk}/").status_code == 404
    # what stays in the old village is still the cadre's
    assert cadre_a1.get(f"/api/v1/residents/{world.resident_a1_2.pk}/").status_code == 200


def test_a_grid_move_that_would_clash_is_refused_and_moves_nothing(world, as_user):
    Household.objects.filter(pk=world.household_a2.pk).update(number=world.household_a1.number)
    response = as_user(world.users["office"]).patch(
        f"/api/v1/grids/{world.grid_a1.pk}/", {"village": world.village_a2.pk}, format="json"
    )
    assert response.status_code == 400 and "village" in response.json()
    assert Household.objects.get(pk=world.household_a1.pk).village_id == world.village_a1.pk
    assert Grid.objects.get(pk=world.grid_a1_child.pk).village_id == world.village_a1.pk
