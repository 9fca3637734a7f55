"""Deadlines in a year whose official schedule is not loaded yet: the statutory holidays
the law fixes are counted off provisionally, and the loaded schedule replaces them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from chinese_calendar.constants import holidays as official_holidays
from django.core.management import call_command
from django.test import Client

from governance import workdays

from .test_cases import report

SH = ZoneInfo("Asia/Shanghai")
URL = "/api/v1/calendar/deadline/"
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


def d(year, month, day):
    return datetime.date(year, month, day)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_law_gives_no_day_off_the_official_schedule_does_not(year):
    # The years the amended Measures and the official data share check the lunar dates,
    # Qingming's solar term and the weekday given back for a holiday on a weekend.
    assert set(workdays.statutory_holidays(year)) <= set(official_holidays)


def test_it_knows_the_lunar_and_solar_term_holidays_of_2027_and_2028():
    days = workdays.statutory_holidays(2027)
    assert [day for day, name in sorted(days.items()) if name == "春节"] == [
        d(2027, 2, 5),  # eve (除夕): the Spring Festival is Saturday 6 Feb
        d(2027, 2, 6),
        d(2027, 2, 7),
        d(2027, 2, 8),
    ]
    assert days[d(2027, 2, 9)] == days[d(2027, 2, 10)] == "春节补假"  # for Saturday and Sunday
    assert days[d(2027, 4, 5)] == "清明节"
    assert days[d(2027, 6, 9)] == "端午节" and days[d(2027, 9, 15)] == "中秋节"
    more = workdays.statutory_holidays(2028)
    assert more[d(2028, 1, 25)] == "春节" and more[d(2028, 4, 4)] == "清明节"
    assert more[d(2028, 10, 3)] == "中秋节、国庆节"  # Mid-autumn on National Day


@pytest.mark.parametrize(
    ("start", "working_dates"),
    [
        # 1 Jan 2027 is a Friday: New Year's Day, not the first working day.
        (at(2026, 12, 31, 10), [d(2027, 1, 4), d(2027, 1, 5), d(2027, 1, 6)]),
        # National Day Friday 1 – Sunday 3 Oct; Saturday and Sunday given back on 4–5 Oct.
        (at(2027, 9, 30, 10), [d(2027, 10, 6), d(2027, 10, 7), d(2027, 10, 8)]),
        # Spring Festival eve is Friday 5 Feb; days 1–3 are 6–8 Feb, 9–10 Feb given back.
        (at(2027, 2, 4, 10), [d(2027, 2, 11), d(2027, 2, 12), d(2027, 2, 15)]),
        # Spring Festival 2028: eve Tuesday 25 Jan, days 1–3 on 26–28 Jan.
        (at(2028, 1, 24, 10), [d(2028, 1, 31), d(2028, 2, 1), d(2028, 2, 2)]),
    ],
)
def test_a_case_reported_before_a_statutory_holiday_is_not_due_on_it(world, start, working_dates):
    # given no official schedule for 2027 or 2028
    assert not workdays.CalendarYear.objects.filter(year__in=[2027, 2028]).exists()
    # when a case is reported
    with time_machine.travel(start, tick=False):
        case = report(world)
    # then the village's three working days skip the holidays
    assert case.deadline == datetime.datetime.combine(working_dates[-1], datetime.time(23, 59, 59), tzinfo=SH)
    result = workdays.deadline(start, 3)
    assert result.days == working_dates
    assert result.provisional_years == [working_dates[-1].year]  # 2026's schedule is loaded


def test_the_api_marks_the_year_provisional(world, as_user):
    response = as_user(world.users["cadre"]).get(
        URL, {"start": "2027-09-30T10:00:00+08:00", "working_days": 3}, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.json()
    assert response.status_code == 200
    assert body["deadline"] == "2027-10-08T23:59:59+08:00"
    assert body["provisional_years"] == [2027]
    assert len(body["warnings"]) == 1
    assert "2027" in body["warnings"][0] and "provisionally" in body["warnings"][0]


def test_a_year_with_its_official_schedule_is_not_provisional(world, as_user):
    body = (
        as_user(world.users["cadre"])
        .get(URL, {"start": "2026-09-30T10:00:00+08:00", "working_days": 3})
        .json()
    )
    assert body["provisional_years"] == [] and body["warnings"] == []


def test_the_loaded_official_schedule_replaces_the_statutory_fallback(world, tmp_path):
    # given the notice for 2027 (an invented one: a long National Day week, a make-up Saturday)
    schedule = tmp_path / "2027.csv"
    schedule.write_text(
        "date,kind,name\n"
        + "".join(f"2027-10-0{n},休,国庆节\n" for n in range(1, 8))
        + "2027-10-09,班,国庆节调休\n"
    )
    before = workdays.deadline(at(2027, 9, 30, 10), 3)
    # when it is loaded
    call_command("load_calendar", str(schedule), "--year", "2027", stdout=open("/dev/null", "w"))
    # then it alone counts: the week off, Saturday 9 Oct on, and no fallback holiday left
    after = workdays.deadline(at(2027, 9, 30, 10), 3)
    assert before.days != after.days
    assert after.days == [d(2027, 10, 8), d(2027, 10, 9), d(2027, 10, 11)]
    assert after.provisional_years == [] and after.warnings == []
    # Spring Festival eve is not in this (invented) notice, so it is a working day now
    assert workdays.deadline(at(2027, 2, 4, 10), 1).days == [d(2027, 2, 5)]


def test_a_nationwide_day_entered_for_a_provisional_year_wins_over_the_fallback(world):
    workdays.CalendarDay.objects.create(date=d(2027, 10, 4), is_workday=True, kind="makeup", name="调休")
    assert d(2027, 10, 4) in workdays.deadline(at(2027, 9, 30, 10), 3).days


def test_the_admin_says_the_holidays_are_counted_provisionally(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["office"])
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        page = client.get("/admin/governance/calendarday/")
    assert page.status_code == 200
    assert b"statutory holidays provisionally" in page.content
