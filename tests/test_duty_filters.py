"""The duty API's filters: month and cadre on every list, a bad month a 400 with a field
error in Chinese (one month parser), an id past the database's integers a field error
or ignored, never a 500; and the one month_bounds()."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from duty.choices import FlagKind, LogState
from duty.models import (
    Amendment,
    DutyFlag,
    DutyLog,
    Inspection,
    LogAmendment,
    Roster,
    Shift,
    ThreeMust,
    Visit,
    month_bounds,
    parse_month,
)
from duty.selectors import parse_month as parse_month_or
from governance.choices import Role

from . import factories as f

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)
NOV = datetime.date(2026, 11, 1)
HUGE = "99999999999999999999"
MONTH_ERROR = "请按 YYYY-MM 格式填写月份。"


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def rows(world):
    """Two of each duty row in village A1: one in October by the cadre, one in November
    by another cadre."""
    cadre, other = world.users["cadre"], f.member(Role.VILLAGE_CADRE, village=world.village_a1)
    made = {"cadre": cadre, "other": other}
    for month, person in ((OCT, cadre), (NOV, other)):
        day = month.replace(day=12)
        roster = Roster.objects.create(village=world.village_a1, month=month, duty_phone="1")
        Shift.objects.create(roster=roster, person=person, date=day)
        Amendment.objects.create(
            roster=roster, date=day, replaced=person, replacement=person, reason="调班", by=person
        )
        log = DutyLog.objects.create(
            village=world.village_a1, date=day, cadre=person, state=LogState.SIGNED, signed_at=aware(day, 18)
        )
        LogAmendment.objects.create(log=log, item=1, reason="更正", correction="x", by=person)
        DutyFlag.objects.create(
            kind=FlagKind.MISSING_LOG, village=world.village_a1, date=day, reason="无日记"
        )
        Inspection.objects.create(
            town=world.town_a,
            village=world.village_a1,
            at=aware(day),
            inspectors="镇纪委",
            on_duty=person,
            present=True,
            score=90,
        )
        Visit.objects.create(
            town=world.town_a,
            village=world.village_a1,
            grid=world.grid_a1,
            household=world.household_a1,
            visited_at=aware(day),
            by=person,
        ).visitors.add(person)
        ThreeMust.objects.create(
            town=world.town_a,
            village=world.village_a1,
            grid=world.grid_a1,
            household=world.household_a1,
            occasion="hospital",
            known_on=day,
            due_on=day,
            reported_by=person,
        )
    return made


LISTS = [
    "rosters",
    "shifts",
    "amendments",
    "logs",
    "log-amendments",
    "flags",
    "inspections",
    "visits",
    "three-musts",
]


@pytest.mark.parametrize("name", LISTS)
def test_each_list_filters_by_month_and_cadre(world, rows, as_user, name):
    client = as_user(world.users["office"])
    everything = client.get(f"/api/v1/duty/{name}/?page_size=100")
    assert everything.status_code == 200, everything.content
    assert everything.json()["count"] == 2
    october = client.get(f"/api/v1/duty/{name}/?month=2026-10")
    assert october.json()["count"] == 1
    by_other = client.get(f"/api/v1/duty/{name}/?cadre={rows['other'].pk}")
    assert by_other.json()["count"] == 1
    both = client.get(f"/api/v1/duty/{name}/?cadre={rows['other'].pk}&month=2026-10")
    assert both.json()["count"] == 0


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("month", ["2026-13", "abc", "99999-01", "1999-12"])
def test_a_bad_month_is_a_field_error_in_chinese(world, rows, as_user, name, month):
    response = as_user(world.users["office"]).get(f"/api/v1/duty/{name}/?month={month}")
    assert response.status_code == 400
    assert response.json()["month"] == [MONTH_ERROR]


@pytest.mark.parametrize("name", LISTS)
def test_a_huge_cadre_is_a_field_error(world, rows, as_user, name):
    response = as_user(world.users["office"]).get(f"/api/v1/duty/{name}/?cadre={HUGE}")
    assert response.status_code == 400
    assert "cadre" in response.json()


@pytest.mark.parametrize(
    "query",
    [
        f"visits/?grid={HUGE}",
        f"visits/?household={HUGE}",
        f"visits/?visitor={HUGE}",
        f"three-musts/?grid={HUGE}",
        f"three-musts/?household={HUGE}",
        f"coverage/?village={HUGE}",
        f"coverage/?grid={HUGE}",
    ],
)
def test_huge_ids_are_field_errors_not_500(world, rows, as_user, query):
    response = as_user(world.users["office"]).get(f"/api/v1/duty/{query}")
    assert response.status_code == 400
    assert query.split("?")[1].split("=")[0] in response.json()


def test_the_visits_page_takes_a_huge_village(world, rows, client):
    client.force_login(world.users["office"])
    response = client.get(f"/duty/visits/?village={HUGE}")
    assert response.status_code == 200


@pytest.mark.parametrize("month", ["2026-13", "abc"])
def test_coverage_refuses_a_bad_month(world, as_user, month):
    response = as_user(world.users["office"]).get(f"/api/v1/duty/coverage/?month={month}")
    assert response.status_code == 400
    assert response.json()["month"] == [MONTH_ERROR]


def test_coverage_reads_a_good_month(world, rows, as_user):
    response = as_user(world.users["office"]).get("/api/v1/duty/coverage/?month=2026-10")
    assert response.status_code == 200
    assert {row["month"] for row in response.json()} == {"2026-10"}


def test_inspections_of_a_month_are_a_range_on_at(world, rows, as_user, django_assert_num_queries):
    # the last instant of October in Beijing is October's; midnight is November's
    Inspection.objects.create(
        town=world.town_a,
        village=world.village_a1,
        at=aware(datetime.date(2026, 10, 31), 23) + datetime.timedelta(minutes=59),
        inspectors="镇纪委",
        present=False,
        score=50,
    )
    Inspection.objects.create(
        town=world.town_a,
        village=world.village_a1,
        at=aware(NOV, 0),
        inspectors="镇纪委",
        present=False,
        score=50,
    )
    from duty.inspections import InspectionFilter

    queryset = InspectionFilter({"month": "2026-10"}, queryset=Inspection.objects.all()).qs
    assert queryset.count() == 2
    assert "__date" not in str(queryset.query).lower() and "django_datetime_cast_date" not in str(
        queryset.query
    )


def test_one_month_parser_and_bounds():
    assert parse_month("2026-10") == OCT
    assert parse_month("2026-10-15") == OCT
    for bad in ("2026-13", "", None, "1999-12", "2100-01", "99999999999999999999-1", "x-y"):
        assert parse_month(bad) is None
    assert parse_month_or("2026-13", NOV) == NOV
    start, end = month_bounds(datetime.date(2026, 12, 9))
    assert (start.date(), end.date()) == (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    assert start.utcoffset() == datetime.timedelta(hours=8)
    with time_machine.travel(aware(OCT), tick=False):
        assert timezone.localtime(start).hour == 0
