"""The working-day calendar and GET /api/v1/calendar/deadline/."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from governance import workdays
from governance.choices import CalendarDayKind
from governance.models import CalendarDay, CalendarYear

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
URL = "/api/v1/calendar/deadline/"


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        # The spec's example: Sunday 28 Sep 2025 was a make-up working day.
        (at(2025, 9, 26, 10), 3, at(2025, 9, 30, 23, 59, 59)),
        # National Day + Mid-autumn 2025: 1–8 Oct off, Saturday 11 Oct on.
        (at(2025, 9, 30, 9), 7, at(2025, 10, 16, 23, 59, 59)),
        # Starting on a holiday counts from the next working day.
        (at(2025, 10, 3, 15), 1, at(2025, 10, 9, 23, 59, 59)),
        # Spring Festival 2026: 15–23 Feb off; Saturday 14 Feb and 28 Feb on.
        (at(2026, 2, 13, 12), 2, at(2026, 2, 24, 23, 59, 59)),
        # 0 working days: the end of the start's own day.
        (at(2025, 9, 27, 8), 0, at(2025, 9, 27, 23, 59, 59)),
        # UTC late evening is already the next day in Shanghai.
        (datetime.datetime(2025, 9, 25, 17, 0, tzinfo=datetime.UTC), 3, at(2025, 9, 30, 23, 59, 59)),
    ],
)
def test_it_counts_working_days_on_the_official_calendar(start, days, end):
    result = workdays.deadline(start, days)
    assert result.at == end and result.warnings == []


def test_the_api_answers_the_specs_example(world, as_user):
    response = as_user(world.users["cadre"]).get(
        URL, {"start": "2025-09-26T10:00:00+08:00", "working_days": 3}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["deadline"] == "2025-09-30T23:59:59+08:00"
    assert body["working_dates"] == ["2025-09-28", "2025-09-29", "2025-09-30"]
    assert body["warnings"] == [] and body["calendar_covered_until"] == 2026


def test_past_the_data_it_falls_back_to_the_statutory_holidays_and_says_so(world, as_user):
    response = as_user(world.users["cadre"]).get(
        URL, {"start": "2026-12-30T10:00:00+08:00", "working_days": 3}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["deadline"] == "2027-01-05T23:59:59+08:00"  # 31 Dec, 4 Jan, 5 Jan (1 Jan is off)
    assert body["warnings"] and "2027" in body["warnings"][0]
    assert body["provisional_years"] == [2027]


def test_loading_the_next_years_schedule_removes_the_warning_and_changes_the_answer(world, as_user, tmp_path):
    schedule = tmp_path / "2027.csv"
    schedule.write_text(
        "date,kind,name\n2027-01-01,休,元旦\n2027-01-04,holiday,元旦\n2027-01-09,班,元旦调休\n"
    )
    call_command("load_calendar", str(schedule), "--year", "2027", stdout=open("/dev/null", "w"))
    result = workdays.deadline(at(2026, 12, 30, 10), 3)
    assert result.at == at(2027, 1, 6, 23, 59, 59) and result.warnings == []  # 31 Dec, 5 Jan, 6 Jan
    assert CalendarYear.objects.filter(year=2027).exists()


def test_a_bad_schedule_file_reports_every_bad_line_and_loads_nothing():
    text = "2027-13-01,休,x\n2026-05-01,休,x\n2027-05-01,maybe,x\n2027-05-02,休,a\n2027-05-02,休,b\n"
    with pytest.raises(workdays.CalendarFileError) as exc:
        workdays.load_schedule(text, year=2027)
    assert len(exc.value.errors) == 4
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_local_closure_moves_only_that_towns_deadlines(world, as_user):
    CalendarDay.objects.create(
        date=datetime.date(2025, 9, 29),
        is_workday=False,
        kind=CalendarDayKind.LOCAL_CLOSURE,
        name="台风停工",
        town=world.town_a,
    )
    client = as_user(world.users["office"])
    params = {"start": "2025-09-26T10:00:00+08:00", "working_days": 3}
    assert client.get(URL, params).json()["deadline"] == "2025-09-30T23:59:59+08:00"
    local = client.get(URL, {**params, "town": world.town_a.pk}).json()
    assert local["deadline"] == "2025-10-09T23:59:59+08:00"
    other = client.get(URL, {**params, "town": world.town_b.pk})
    assert other.status_code == 400 and "town" in other.json()


def test_seeding_from_the_package_twice_changes_nothing():
    before = CalendarDay.objects.count()
    assert workdays.seed_from_package() == []
    assert CalendarDay.objects.count() == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"working_days": 3}, "start"),
        ({"start": "2025-09-26T10:00:00+08:00", "working_days": -1}, "working_days"),
        ({"start": "2025-09-26T10:00:00+08:00", "working_days": "abc"}, "working_days"),
        ({"start": "garbage", "working_days": 3}, "start"),
    ],
)
def test_bad_input_answers_400_with_the_field_in_the_users_language(world, as_user, params, field):
    client = as_user(world.users["cadre"])
    zh = client.get(URL, params)
    assert zh.status_code == 400 and field in zh.json()
    en = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert en.json()[field] != zh.json()[field]  # the same error, in English


def test_anonymous_users_are_refused(api):
    assert api.get(URL, {"start": "2025-09-26T10:00:00+08:00", "working_days": 3}).status_code == 401
