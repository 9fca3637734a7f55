"""The API of household visits: /api/v1/duty/visits/ (with /report/), /three-musts/ and
/coverage/ — scoped, filterable, the services' rules as field errors in Chinese, and a
constant number of queries per list."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from cases.models import CaseKind
from duty.choices import Occasion
from duty.models import ThreeMust, Visit
from duty.visits import three_must_add, visit_record
from governance.choices import Role

from . import factories as f

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)
NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
VISITS = "/api/v1/duty/visits/"
MUSTS = "/api/v1/duty/three-musts/"
COVERAGE = "/api/v1/duty/coverage/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=TZ)


@pytest.fixture
def people(world):
    return {
        "cadre": world.users["cadre"],
        "grid": world.users["grid_worker"],
        "office": world.users["office"],
        "b1": f.member(Role.VILLAGE_CADRE, village=world.village_b1),
    }


@pytest.fixture
def visits(world, people):
    return {
        "a1": visit_record(actor=people["grid"], household=world.household_a1, visited_at=at(16)),
        "a1_2": visit_record(actor=people["cadre"], household=world.household_a1_2, visited_at=at(2)),
        "b1": visit_record(actor=people["b1"], household=world.household_b1, visited_at=at(3)),
        "october": visit_record(
            actor=people["cadre"],
            household=world.household_a1_child,
            visited_at=at(3) - datetime.timedelta(days=10),
        ),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_each_role_lists_the_visits_of_its_own_area(world, people, visits, as_user):
    assert ids(as_user(people["grid"]).get(VISITS)) == {visits["a1"].pk, visits["october"].pk}
    assert ids(as_user(people["cadre"]).get(VISITS)) == {
        visits["a1"].pk,
        visits["a1_2"].pk,
        visits["october"].pk,
    }
    assert ids(as_user(people["office"]).get(VISITS)) == {
        visits["a1"].pk,
        visits["a1_2"].pk,
        visits["october"].pk,
    }
    assert as_user(people["grid"]).get(f"{VISITS}{visits['a1_2'].pk}/").status_code == 404
    assert as_user(people["office"]).get(f"{VISITS}{visits['b1'].pk}/").status_code == 404
    assert as_user(world.users["department"]).get(VISITS).status_code == 403


def test_visits_filter_by_month_grid_kind_and_visitor(world, people, visits, as_user):
    client = as_user(people["office"])
    assert ids(client.get(VISITS, {"month": "2026-11"})) == {visits["a1"].pk, visits["a1_2"].pk}
    assert ids(client.get(VISITS, {"grid": world.grid_a1.pk})) == {visits["a1"].pk, visits["october"].pk}
    assert ids(client.get(VISITS, {"visitor": people["grid"].pk})) == {visits["a1"].pk}
    assert ids(client.get(VISITS, {"kind": "phone"})) == set()
    assert ids(client.get(VISITS, {"household": world.household_a1_2.pk})) == {visits["a1_2"].pk}
    assert client.get(VISITS, {"month": "11/2026"}).status_code == 400


def test_a_visit_is_recorded_with_fellow_visitors_through_the_api(world, people, as_user):
    response = as_user(people["grid"]).post(
        VISITS,
        {"household": world.household_a1.pk, "found": "一切正常", "visitors": [people["cadre"].pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["grid"] == world.grid_a1.pk and sorted(body["visitors"]) == sorted(
        [people["grid"].pk, people["cadre"].pk]
    )
    assert body["case"] is None and body["case_number"] is None and body["answers"] is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"visited_at": "2026-11-19T09:00:00+08:00"}, "visited_at", "尚未发生"),
        ({"household": "a2"}, "household", "不存在"),  # another village's: not there for the cadre
        ({"visitors": "b1"}, "visitors", ""),
    ],
)
def test_bad_visits_are_refused_with_a_field_error_and_nothing_saved(
    world, people, as_user, data, field, message
):
    body = {"household": world.household_a1.pk, **data}
    actor = people["grid"]
    if body["household"] == "a2":
        body["household"], actor = world.household_a2.pk, people["cadre"]
    if data.get("visitors") == "b1":
        body["visitors"] = [people["b1"].pk]
    response = as_user(actor).post(VISITS, body, format="json")
    assert response.status_code == 400
    assert field in response.json() and message in str(response.json()[field])
    assert not Visit.objects.exists()


def test_a_fellow_visitor_from_another_grid_of_the_village_is_refused(world, people, as_user):
    other = f.member(Role.GRID_WORKER, grid=world.grid_a1_2)
    response = as_user(people["cadre"]).post(
        VISITS, {"household": world.household_a1.pk, "visitors": [other.pk]}, format="json"
    )
    assert response.status_code == 400 and "visitors" in response.json()
    assert not Visit.objects.exists()


def test_a_three_musts_occasion_is_made_known_and_answered_through_the_api(world, people, as_user):
    office = as_user(people["office"])
    made = office.post(MUSTS, {"household": world.household_a1.pk, "occasion": "hospitalised"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["due_on"] == "2026-11-21" and made.json()["visit"] is None
    future = office.post(
        MUSTS,
        {"household": world.household_a1.pk, "occasion": "emergency", "known_on": "2026-11-19"},
        format="json",
    )
    assert future.status_code == 400 and "known_on" in future.json()
    visit = as_user(people["grid"]).post(
        VISITS, {"household": world.household_a1.pk, "kind": "three_musts"}, format="json"
    )
    assert visit.json()["answers"] == made.json()["id"]
    assert ids(office.get(MUSTS, {"open": "true"})) == set()
    assert ids(office.get(MUSTS, {"open": "false"})) == {made.json()["id"]}
    assert ids(as_user(people["b1"]).get(MUSTS)) == set()


def test_an_overdue_occasion_says_so(world, people, as_user):
    three_must_add(
        actor=people["cadre"],
        household=world.household_a1_2,
        occasion=Occasion.EMERGENCY,
        known_on=at(10).date(),
    )
    (row,) = as_user(people["cadre"]).get(MUSTS).json()["results"]
    assert row["overdue"] is True and row["occasion_display"]


def test_a_visit_s_problem_is_reported_as_a_case_once(world, people, visits, as_user):
    kind = CaseKind.objects.filter(is_active=True).order_by("id").first()
    client = as_user(people["grid"])
    url = f"{VISITS}{visits['a1'].pk}/report/"
    response = client.post(url, {"kind": kind.pk, "description": "路灯不亮"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["case_number"]
    assert client.post(url, {"kind": kind.pk}, format="json").status_code == 400
    # not a visitor of it: 403; out of scope: 404
    assert as_user(people["cadre"]).post(url, {"kind": kind.pk}, format="json").status_code == 403
    assert as_user(people["b1"]).post(url, {"kind": kind.pk}, format="json").status_code == 404


def test_coverage_per_grid_for_a_month(world, people, visits, as_user):
    rows = {r["grid"]: r for r in as_user(people["cadre"]).get(COVERAGE, {"month": "2026-11"}).json()}
    assert set(rows) == {world.grid_a1.pk, world.grid_a1_child.pk, world.grid_a1_2.pk}
    assert (rows[world.grid_a1.pk]["households"], rows[world.grid_a1.pk]["visited"]) == (2, 1)
    assert rows[world.grid_a1.pk]["rate"] == 50.0 and rows[world.grid_a1_2.pk]["rate"] == 100.0
    october = {r["grid"]: r for r in as_user(people["cadre"]).get(COVERAGE, {"month": "2026-10"}).json()}
    assert october[world.grid_a1_child.pk]["visited"] == 1 and october[world.grid_a1_2.pk]["visited"] == 0
    mine = as_user(people["grid"]).get(COVERAGE).json()
    assert {r["grid"] for r in mine} == {world.grid_a1.pk, world.grid_a1_child.pk}
    office = as_user(people["office"]).get(COVERAGE, {"village": world.village_a2.pk}).json()
    assert [r["grid"] for r in office] == [world.grid_a2.pk] and office[0]["rate"] == 0.0
    assert as_user(people["office"]).get(COVERAGE, {"village": world.village_b1.pk}).json() == []
    assert as_user(world.users["department"]).get(COVERAGE).status_code == 403


@pytest.mark.parametrize("n", [1, 20])
def test_the_visit_list_takes_a_constant_number_of_queries(
    world, people, as_user, n, django_assert_max_num_queries
):
    for i in range(n):
        household = f.HouseholdFactory(grid=world.grid_a1_2, number=f"Q-{i:03d}")
        visit_record(actor=people["cadre"], household=household, visited_at=at(1 + i % 15), visitors=[])
    client = as_user(people["office"])
    client.get(VISITS)  # warm: the session, the scope
    # auth, scope, count, page, visitors, photos
    with django_assert_max_num_queries(10):
        assert len(client.get(VISITS).json()["results"]) == n
    assert ThreeMust.objects.count() == 0


def test_coverage_answers_in_json_by_its_format_suffix_too(world, people, as_user):
    response = as_user(people["cadre"]).get("/api/v1/duty/coverage.json")
    assert response.status_code == 200 and len(response.json()) == 3


def test_a_report_names_a_kind_of_the_user_s_scope_only(world, people, visits, as_user):
    """Another town's own kind is "does not exist", exactly as an unknown id."""
    theirs = CaseKind.objects.create(town=world.town_b, code="b-only", name="乙镇专有类别")
    ours = CaseKind.objects.create(town=world.town_a, code="a-only", name="甲镇专有类别")
    client = as_user(people["grid"])
    url = f"{VISITS}{visits['a1'].pk}/report/"
    other_town = client.post(url, {"kind": theirs.pk}, format="json")
    unknown = client.post(url, {"kind": 99_999_999}, format="json")
    assert (other_town.status_code, unknown.status_code) == (400, 400)
    assert other_town.json()["kind"][0].replace(str(theirs.pk), "N") == unknown.json()["kind"][0].replace(
        "99999999", "N"
    )
    assert not Visit.objects.get(pk=visits["a1"].pk).case_id
    answer = client.post(url, {"kind": ours.pk, "description": "路灯不亮"}, format="json")
    assert answer.status_code == 200, answer.content
