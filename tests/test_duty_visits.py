"""Household visits (行村制): the services' rules, the three musts, photos, coverage and the
due list (figures exact, queries constant), and the pages' scoping.

Named people: the world's cadre of village A1; its grid worker of grid A1 (with its child
grid A1-1a); the town office of town A; 外人, a grid worker of town B's grid.
"""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cases.models import Case, CaseKind
from duty import visit_selectors as vs
from duty.choices import THREE_MUSTS_DAYS, Occasion, VisitKind
from duty.models import ThreeMust, Visit, VisitPhoto
from duty.visits import three_must_add, visit_photo_add, visit_record, visit_report
from governance.choices import Role
from governance.models import AuditEntry

from . import factories as f

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)
# A Wednesday in the middle of a month, Beijing time.
NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
MONTH = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def jpeg(colour=(200, 30, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=TZ)


@pytest.fixture
def people(world):
    return {
        "cadre": world.users["cadre"],
        "grid": world.users["grid_worker"],
        "office": world.users["office"],
        "outsider": f.member(Role.GRID_WORKER, grid=world.grid_b1),
    }


# --- recording a visit --------------------------------------------------------------------


def test_a_grid_worker_records_a_visit_to_a_household_of_their_grid_with_fellow_visitors(world, people):
    visit = visit_record(
        actor=people["grid"],
        household=world.household_a1_child,
        visited_at=at(17),
        found="老人身体还好",
        visitors=[people["cadre"]],
    )
    assert (visit.town_id, visit.village_id, visit.grid_id) == (
        world.town_a.pk,
        world.village_a1.pk,
        world.grid_a1_child.pk,
    )
    assert set(visit.visitors.values_list("pk", flat=True)) == {people["grid"].pk, people["cadre"].pk}
    assert AuditEntry.objects.filter(object_id=str(visit.pk)).exists()


@pytest.mark.parametrize(
    ("who", "household"),
    [
        ("grid", "household_a1_2"),
        ("grid", "household_b1"),
        ("cadre", "household_a2"),
        ("office", "household_a1"),
    ],
)
def test_a_visit_outside_the_visitors_grid_or_village_is_refused_with_a_field_error(
    world, people, who, household
):
    with pytest.raises(ValidationError) as exc:
        visit_record(actor=people[who], household=getattr(world, household))
    assert "household" in exc.value.message_dict
    assert not Visit.objects.exists()


def test_a_visit_in_the_future_is_refused_and_nothing_is_saved(world, people):
    with pytest.raises(ValidationError) as exc:
        visit_record(
            actor=people["grid"], household=world.household_a1, visited_at=NOW + datetime.timedelta(hours=2)
        )
    assert "visited_at" in exc.value.message_dict
    assert not Visit.objects.exists()


# --- the three musts ------------------------------------------------------------------------


def test_an_occasion_made_known_is_due_within_the_three_musts_days(world, people):
    must = three_must_add(
        actor=people["grid"],
        household=world.household_a1,
        occasion=Occasion.HOSPITALISED,
        known_on=at(16).date(),
    )
    assert must.due_on == at(16).date() + datetime.timedelta(days=THREE_MUSTS_DAYS)
    assert must.grid_id == world.grid_a1.pk and must.visit is None


def test_the_town_office_makes_an_occasion_known_in_its_town_only(world, people):
    assert three_must_add(actor=people["office"], household=world.household_a2, occasion=Occasion.EMERGENCY)
    with pytest.raises(ValidationError) as exc:
        three_must_add(actor=people["office"], household=world.household_b1, occasion=Occasion.EMERGENCY)
    assert "household" in exc.value.message_dict


def test_an_occasion_known_in_the_future_or_of_no_kind_is_refused(world, people):
    with pytest.raises(ValidationError) as exc:
        three_must_add(
            actor=people["cadre"],
            household=world.household_a1,
            occasion=Occasion.EMERGENCY,
            known_on=NOW.date() + datetime.timedelta(days=1),
        )
    assert "known_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        three_must_add(actor=people["cadre"], household=world.household_a1, occasion="party")
    assert "occasion" in exc.value.message_dict
    assert not ThreeMust.objects.exists()


def test_a_three_musts_visit_answers_the_oldest_open_occasion_or_the_one_chosen(world, people):
    older = three_must_add(
        actor=people["cadre"],
        household=world.household_a1,
        occasion=Occasion.HOSPITALISED,
        known_on=at(10).date(),
    )
    newer = three_must_add(
        actor=people["cadre"],
        household=world.household_a1,
        occasion=Occasion.WEDDING_FUNERAL,
        known_on=at(15).date(),
    )
    first = visit_record(actor=people["grid"], household=world.household_a1, kind=VisitKind.THREE_MUSTS)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.visit == first and newer.visit is None
    # a routine visit answers nothing
    visit_record(actor=people["grid"], household=world.household_a1)
    newer.refresh_from_db()
    assert newer.visit is None
    # an answered occasion cannot be chosen again
    with pytest.raises(ValidationError) as exc:
        visit_record(
            actor=people["grid"], household=world.household_a1, kind=VisitKind.THREE_MUSTS, three_must=older
        )
    assert "three_must" in exc.value.message_dict
    chosen = visit_record(
        actor=people["grid"], household=world.household_a1, kind=VisitKind.THREE_MUSTS, three_must=newer
    )
    newer.refresh_from_db()
    assert newer.visit == chosen


# --- photos and cases -----------------------------------------------------------------------


def test_only_the_visitors_add_a_photo_and_it_is_prepared_and_hashed(world, people):
    visit = visit_record(actor=people["grid"], household=world.household_a1)
    photo = visit_photo_add(visit=visit, actor=people["grid"], upload=jpeg())
    assert len(photo.phash) == 16 and photo.file.name.startswith(f"visits/{visit.pk}/")
    with pytest.raises(PermissionDenied):
        visit_photo_add(visit=visit, actor=people["cadre"], upload=jpeg())
    with pytest.raises(ValidationError) as exc:
        visit_photo_add(
            visit=visit,
            actor=people["grid"],
            upload=SimpleUploadedFile("x.jpg", b"<html>not a photo</html>", content_type="image/jpeg"),
        )
    assert "photos" in exc.value.message_dict
    assert VisitPhoto.objects.count() == 1


def test_a_problem_found_on_a_visit_becomes_a_case_once(world, people):
    kind = CaseKind.objects.filter(is_active=True).order_by("id").first()
    visit = visit_record(actor=people["grid"], household=world.household_a1, found="门前排水沟堵塞")
    visit = visit_report(visit=visit, kind=kind, actor=people["grid"])
    case = Case.objects.get(pk=visit.case_id)
    assert case.household_id == world.household_a1.pk and case.description == "门前排水沟堵塞"
    with pytest.raises(ValidationError):
        visit_report(visit=visit, kind=kind, actor=people["grid"])


# --- coverage and the due list --------------------------------------------------------------


def test_coverage_counts_households_visited_at_least_once_this_month(world, people):
    grid = people["grid"]
    visit_record(actor=grid, household=world.household_a1, visited_at=at(3))
    visit_record(actor=grid, household=world.household_a1, visited_at=at(10))  # twice: one household
    visit_record(
        actor=grid, household=world.household_a1_child, visited_at=datetime.datetime(2026, 10, 30, tzinfo=TZ)
    )
    cover = vs.coverage(people["cadre"], MONTH)
    rows = {row.area.pk: row.figures for row in cover.grid_rows}
    assert (rows[world.grid_a1.pk].households, rows[world.grid_a1.pk].visited) == (2, 1)  # with its child
    assert (rows[world.grid_a1_child.pk].households, rows[world.grid_a1_child.pk].visited) == (1, 0)
    assert (rows[world.grid_a1_2.pk].households, rows[world.grid_a1_2.pk].visited) == (1, 0)
    assert rows[world.grid_a1.pk].rate == 50.0
    (village,) = cover.villages
    assert village.area == world.village_a1 and (village.figures.households, village.figures.visited) == (
        3,
        1,
    )
    assert (cover.total.households, cover.total.visited) == (3, 1)
    # last month: the child's household only
    october = vs.coverage(people["cadre"], datetime.date(2026, 10, 1))
    assert (october.total.households, october.total.visited) == (3, 1)


def test_a_grid_worker_sees_their_grids_only_and_the_office_its_town(world, people):
    mine = vs.coverage(people["grid"], MONTH)
    assert {row.area.pk for row in mine.grid_rows} == {world.grid_a1.pk, world.grid_a1_child.pk}
    assert mine.villages == [] and mine.total.households == 2
    town = vs.coverage(people["office"], MONTH)
    assert {row.area.pk for row in town.villages} == {world.village_a1.pk, world.village_a2.pk}
    assert town.total.households == 4


def test_the_due_list_puts_open_three_musts_first_then_special_households_then_the_longest_unvisited(
    world, people
):
    grid = world.grid_a1_2
    households = [f.HouseholdFactory(grid=grid, number=f"A1-1{i:02d}") for i in range(5)]
    plain_old, plain_never, special, must, visited = households
    special.is_elderly_alone = True
    special.save()
    cadre = people["cadre"]
    visit_record(actor=cadre, household=plain_old, visited_at=datetime.datetime(2026, 9, 2, tzinfo=TZ))
    visit_record(actor=cadre, household=visited, visited_at=at(2))
    visit_record(
        actor=cadre, household=world.household_a1_2, visited_at=datetime.datetime(2026, 10, 20, tzinfo=TZ)
    )
    three_must_add(actor=cadre, household=must, occasion=Occasion.HOSPITALISED, known_on=at(11).date())
    due = vs.due_list(grid, MONTH)
    assert [h.pk for h in due] == [must.pk, special.pk, plain_never.pk, plain_old.pk, world.household_a1_2.pk]
    assert due[0].must_overdue and due[0].must_occasion == Occasion.HOSPITALISED
    assert due[3].last_visit == datetime.datetime(2026, 9, 2, tzinfo=TZ)
    assert due[2].last_visit is None and not due[1].must_overdue


def test_a_household_with_an_open_occasion_stays_due_though_visited_this_month(world, people):
    visit_record(actor=people["cadre"], household=world.household_a1_2, visited_at=at(2))
    three_must_add(actor=people["cadre"], household=world.household_a1_2, occasion=Occasion.EMERGENCY)
    assert [h.pk for h in vs.due_list(world.grid_a1_2, MONTH)] == [world.household_a1_2.pk]


def test_each_visitor_s_visits_this_week(world, people):
    visit_record(
        actor=people["grid"], household=world.household_a1, visited_at=at(16), visitors=[people["cadre"]]
    )
    visit_record(actor=people["grid"], household=world.household_a1, visited_at=at(17))
    visit_record(actor=people["grid"], household=world.household_a1, visited_at=at(13))  # last week
    weeks = {row.person.pk: row.visits for row in vs.visitors_week(grid=world.grid_a1)}
    assert weeks == {people["grid"].pk: 2, people["cadre"].pk: 1}
    village = {row.person.pk: row.visits for row in vs.visitors_week(villages=[world.village_a1])}
    assert village == weeks


def _fill(world, cadre, n: int):
    for i in range(n):
        household = f.HouseholdFactory(grid=world.grid_a1_2, number=f"Q-{i:03d}", is_low_income=i % 2 == 0)
        if i % 3:
            visit_record(actor=cadre, household=household, visited_at=at(1 + i % 15))
        if i % 4 == 0:
            three_must_add(actor=cadre, household=household, occasion=Occasion.EMERGENCY)


@pytest.mark.parametrize("n", [1, 30])
def test_the_due_list_and_coverage_take_a_constant_number_of_queries(
    world, people, n, django_assert_num_queries
):
    _fill(world, people["cadre"], n)
    grid = world.grid_a1_2
    with django_assert_num_queries(2):  # the grid's ids; its households with their last visit and occasion
        vs.due_list(grid, MONTH)
    ids = vs.subtree_ids(grid)
    with django_assert_num_queries(1):
        vs.due_list(grid, MONTH, ids=ids)
    with django_assert_num_queries(1):  # the grid's memberships with their week's visits
        vs.visitors_week(grid=grid)
    office = people["office"]
    vs.coverage(office, MONTH)  # the scope is resolved once per user object
    # villages, their figures, grids, their figures
    with django_assert_num_queries(4):
        cover = vs.coverage(office, MONTH)
    assert cover.total.households == 4 + n
    with django_assert_num_queries(2):  # the office's first page: its villages only
        assert vs.coverage(office, MONTH, summary=True).grids == {}


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def as_user():
    """A browser logged in as ``user``, in Chinese."""

    def login(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return login


def test_a_grid_worker_sees_their_grid_s_due_list_and_no_other_grid(world, people, as_user):
    client = as_user(people["grid"])
    page = client.get(reverse("duty:visits-grid", args=[world.grid_a1.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.household_a1.head_name in html and world.household_a1_child.number in html
    assert f"?household={world.household_a1.pk}" in html  # the record-visit button
    assert client.get(reverse("duty:visits-grid", args=[world.grid_a1_2.pk])).status_code == 404
    assert client.get(reverse("duty:visits-grid", args=[world.grid_b1.pk])).status_code == 404
    cover = client.get(reverse("duty:visits")).content.decode()
    assert world.grid_a1.name in cover and world.grid_a1_2.name not in cover


def test_the_office_sees_its_villages_then_a_village_s_grids(world, people, as_user):
    client = as_user(people["office"])
    page = client.get(reverse("duty:visits")).content.decode()
    assert (
        world.village_a1.name in page and world.village_a2.name in page and world.village_b1.name not in page
    )
    grids = client.get(reverse("duty:visits"), {"village": world.village_a1.pk, "month": "2026-11"})
    assert world.grid_a1_2.name in grids.content.decode()
    assert client.get(reverse("duty:visits"), {"village": world.village_b1.pk}).status_code == 404


def test_the_visit_form_records_a_visit_with_a_photo_and_a_case(world, people, as_user):
    client = as_user(people["grid"])
    kind = CaseKind.objects.filter(is_active=True).order_by("id").first()
    url = reverse("duty:visit-new") + f"?household={world.household_a1.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "household": world.household_a1.pk,
            "kind": "routine",
            "visited_at": "2026-11-18T09:30",
            "found": "院墙开裂",
            "visitors": [people["cadre"].pk],
            "photos": [jpeg()],
            "report": "on",
            "case_kind": kind.pk,
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("duty:visit", args=[visit.pk])
    assert visit.photos.count() == 1 and visit.case is not None
    detail = client.get(response["Location"]).content.decode()
    assert visit.case.tracking_number in detail
    photo = visit.photos.get()
    assert client.get(reverse("duty:visit-photo", args=[photo.pk])).status_code == 200
    assert as_user(people["outsider"]).get(reverse("duty:visit-photo", args=[photo.pk])).status_code == 404
    assert as_user(people["outsider"]).get(reverse("duty:visit", args=[visit.pk])).status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"visited_at": "2026-11-19T09:30"}, "visited_at", "尚未发生"),
        ({"household": "other"}, "household", "不在您的网格"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"<svg/>", content_type="image/jpeg")]}, "photos", "照片"),
    ],
)
def test_bad_input_on_the_visit_form_is_a_field_error_in_chinese_and_nothing_is_saved(
    world, people, as_user, change, field, message
):
    client = as_user(people["cadre"])
    data = {"household": world.household_a1.pk, "kind": "routine", "visited_at": "2026-11-18T09:00", **change}
    if data["household"] == "other":
        data["household"] = world.household_a2.pk
    response = client.post(
        reverse("duty:visit-new") + f"?household={world.household_a1.pk}",
        data,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_an_occasion_is_made_known_on_the_grid_page_and_listed_first(world, people, as_user):
    client = as_user(people["cadre"])
    url = reverse("duty:visits-grid", args=[world.grid_a1_2.pk])
    bad = client.post(
        url, {"household": world.household_a1_2.pk, "occasion": "emergency", "known_on": "2026-11-20"}
    )
    assert "known_on" in bad.context["form"].errors and not ThreeMust.objects.exists()
    client.post(
        url, {"household": world.household_a1_2.pk, "occasion": "emergency", "known_on": "2026-11-18"}
    )
    assert ThreeMust.objects.get().household == world.household_a1_2
    assert "table-warning" in client.get(url).content.decode()


def test_the_cadre_s_today_page_lists_households_due_special_first(world, people, as_user):
    special = f.HouseholdFactory(grid=world.grid_a1_2, number="A1-900", is_dispute=True)
    visit_record(actor=people["cadre"], household=world.household_a1, visited_at=at(2))
    page = as_user(people["cadre"]).get(reverse("duty:today")).content.decode()
    section = page[page.index('id="households-due"') :]
    assert section.index(special.number) < section.index(world.household_a1_2.number)
    assert f"{reverse('duty:visit-new')}?household={special.pk}" in section
    assert world.household_a1.number not in section  # visited this month


def test_home_tiles_show_the_grid_worker_s_due_households_and_the_cadre_s_coverage(world, people, as_user):
    visit_record(actor=people["grid"], household=world.household_a1, visited_at=at(2))
    home = as_user(people["grid"]).get("/").content.decode()
    tile = home[home.index('data-tile="visits-due"') :][:600]
    assert ">1<" in tile.replace(" ", "").replace("\n", "") and "50%" in tile
    home = as_user(people["cadre"]).get("/").content.decode()
    tile = home[home.index('data-tile="visits-coverage"') :][:600]
    assert "33%" in tile


def test_the_map_s_visit_coverage_layer_counts_per_grid_and_village(world, people):
    from grids import layers
    from grids.models import Grid, Village

    visit_record(actor=people["grid"], household=world.household_a1_child, visited_at=at(2))
    layer = layers.get("visit_coverage")
    assert layer.higher_is_better
    by_grid = layer.grids(Grid.objects.all(), people["office"])
    assert by_grid[world.grid_a1.pk] == 50.0 and by_grid[world.grid_a1_child.pk] == 100.0
    assert by_grid[world.grid_a1_2.pk] == 0.0 and world.grid_b1.pk not in by_grid
    assert layer.villages(Village.objects.all(), people["office"]) == {
        world.village_a1.pk: 33.3,
        world.village_a2.pk: 0.0,
    }


def test_the_demo_town_has_three_months_of_visits_with_coverage_between_60_and_100_percent():
    from django.core.management import call_command

    from duty.models import add_months
    from grids.demo import town_code
    from grids.models import Grid, Town

    small = ["--villages", "3", "--grids-per-village", "4", "--households-per-village", "30"]
    call_command("seed_demo", *small, stdout=io.StringIO())
    town = Town.objects.get(code=town_code(0))
    homes = Grid.objects.filter(village__town=town, children__isnull=True)
    for month in (add_months(MONTH, -2), add_months(MONTH, -1)):
        rates = [f.rate for f in vs.grid_figures(homes, month).values()]
        assert rates and all(60 <= r <= 100 for r in rates), rates
    now = vs.grid_figures(Grid.objects.filter(village__town=town, level=1), MONTH)
    assert 0 < sum(f.visited for f in now.values()) < sum(f.households for f in now.values())
    musts = ThreeMust.objects.filter(town=town)
    assert musts.filter(visit__isnull=False).count() == 4
    assert {m.due_on < NOW.date() for m in musts.filter(visit__isnull=True)} == {True, False}
    assert Visit.objects.filter(town=town, case__isnull=False).count() == 1
    before = Visit.objects.count()
    call_command("seed_demo", *small, stdout=io.StringIO())  # built once
    assert Visit.objects.count() == before
