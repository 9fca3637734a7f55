"""The working-day calendar: the official PRC schedule as the platform's own data.

A day is a working day by the weekday rule (Monday to Friday) unless a ``CalendarDay``
says otherwise: a statutory holiday, a make-up working day (调休), a local closure or a
correction (nationwide, or for one town, which wins). Years whose official schedule has
been entered are ``CalendarYear`` rows; for any later year the weekday rule stands alone
and every answer that relied on it carries a warning. The ``chinesecalendar`` package
seeds the years it knows (up to 2026) and is never asked about a date it lacks.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import CalendarDayKind, CalendarSource
from .models import CalendarDay, CalendarYear

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_WORKING_DAYS = 366

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class OutOfRange(ValueError):
    """The count runs past the last date the calendar can hold (9999-12-31)."""


@dataclass
class Deadline:
    start: datetime.datetime
    working_days: int
    at: datetime.datetime
    days: list[datetime.date] = field(default_factory=list)
    uncovered_years: list[int] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        if not self.uncovered_years:
            return []
        years = ", ".join(str(y) for y in self.uncovered_years)
        return [
            _(
                "The official holiday schedule for %(years)s has not been entered: weekends only "
                "were counted. Enter it in the admin (calendar years and days)."
            )
            % {"years": years}
        ]


class CalendarView:
    """Working-day answers over a date range, from one query of the overrides."""

    def __init__(self, first: datetime.date, last: datetime.date, town_id: int | None = None):
        self.first, self.last = first, last
        rows = CalendarDay.objects.filter(date__gte=first, date__lte=last, deleted_at__isnull=True).filter(
            Q(town__isnull=True) | Q(town_id=town_id) if town_id else Q(town__isnull=True)
        )
        national: dict[datetime.date, bool] = {}
        local: dict[datetime.date, bool] = {}
        for day, is_workday, row_town in rows.values_list("date", "is_workday", "town_id"):
            (local if row_town else national)[day] = is_workday
        self.overrides = {**national, **local}
        self.covered = set(CalendarYear.objects.values_list("year", flat=True))

    def is_workday(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5


def _aware(start: datetime.datetime) -> datetime.datetime:
    if start.tzinfo is None:
        start = start.replace(tzinfo=SHANGHAI)
    return start.astimezone(SHANGHAI)


def deadline(start: datetime.datetime, working_days: int, *, town_id: int | None = None) -> Deadline:
    """The end (23:59:59 Asia/Shanghai) of the n-th working day after ``start``'s day.

    With ``working_days == 0`` it is the end of the start's own day.
    """
    if not 0 <= working_days <= MAX_WORKING_DAYS:
        raise ValueError(f"working_days must be between 0 and {MAX_WORKING_DAYS}")
    try:
        return _deadline(start, working_days, town_id)
    except OverflowError as exc:
        raise OutOfRange(
            _("No deadline can be counted from this date: it would fall past the end of the calendar.")
        ) from exc


def _deadline(start: datetime.datetime, working_days: int, town_id: int | None) -> Deadline:
    local = _aware(start)
    day = local.date()
    # A generous window: n working days never span more than twice n plus a holiday week.
    view = CalendarView(day, day + datetime.timedelta(days=working_days * 2 + 30), town_id)
    counted: list[datetime.date] = []
    while len(counted) < working_days:
        day += datetime.timedelta(days=1)
        if day > view.last:
            view = CalendarView(day, day + datetime.timedelta(days=working_days * 2 + 30), town_id)
        if view.is_workday(day):
            counted.append(day)
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=SHANGHAI)
    uncovered = sorted({d.year for d in [local.date(), *counted]} - view.covered)
    return Deadline(start=local, working_days=working_days, at=end, days=counted, uncovered_years=uncovered)


def last_covered_year() -> int | None:
    return CalendarYear.objects.order_by("-year").values_list("year", flat=True).first()


@transaction.atomic
def seed_from_package(
    years: list[int] | None = None, *, day_model=CalendarDay, year_model=CalendarYear
) -> list[int]:
    """Copy the ``chinesecalendar`` data into the calendar for the years it knows.

    Years already present are left alone (the town office may have corrected them), so a
    second run changes nothing. The models can be passed in for use from a migration.
    """
    from chinese_calendar.constants import holidays, workdays

    CalendarDay, CalendarYear = day_model, year_model  # noqa: N806

    known = sorted({d.year for d in holidays} | {d.year for d in workdays})
    wanted = [y for y in known if years is None or y in years]
    present = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    todo = [y for y in wanted if y not in present]
    rows = []
    for day, name in holidays.items():
        if day.year in todo:
            rows.append(
                CalendarDay(
                    date=day,
                    is_workday=False,
                    kind=CalendarDayKind.HOLIDAY,
                    name=HOLIDAY_NAMES_ZH.get(name, name),
                )
            )
    for day, name in workdays.items():
        if day.year in todo:
            label = HOLIDAY_NAMES_ZH.get(name, name)
            rows.append(
                CalendarDay(date=day, is_workday=True, kind=CalendarDayKind.MAKEUP, name=f"{label}调休")
            )
    CalendarDay.objects.filter(town__isnull=True, date__year__in=todo).delete()
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source=CalendarSource.PACKAGE, note="chinesecalendar") for y in todo]
    )
    return todo


class CalendarFileError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


_KIND_WORDS = {
    "holiday": CalendarDayKind.HOLIDAY,
    "假日": CalendarDayKind.HOLIDAY,
    "休": CalendarDayKind.HOLIDAY,
    "makeup": CalendarDayKind.MAKEUP,
    "调休": CalendarDayKind.MAKEUP,
    "班": CalendarDayKind.MAKEUP,
    "workday": CalendarDayKind.MAKEUP,
}


@transaction.atomic
def load_schedule(text: str, *, year: int, note: str = "") -> int:
    """Load one year's official schedule from a small CSV: ``date,kind,name`` per line,
    kind ``holiday``/``休`` or ``makeup``/``班``. All or nothing: a bad line loads none.

    The year's nationwide days are replaced and the year is marked as covered.
    """
    errors: list[str] = []
    rows: list[CalendarDay] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, line in enumerate(reader, start=1):
        if not line or not line[0].strip() or line[0].strip().startswith("#") or line[0].strip() == "date":
            continue
        try:
            day = datetime.date.fromisoformat(line[0].strip())
        except ValueError:
            errors.append(
                _("line %(n)d: %(value)r is not a date (YYYY-MM-DD)") % {"n": number, "value": line[0]}
            )
            continue
        if day.year != year:
            errors.append(
                _("line %(n)d: %(day)s is not in %(year)d") % {"n": number, "day": day, "year": year}
            )
            continue
        kind = _KIND_WORDS.get((line[1] if len(line) > 1 else "").strip().lower())
        if kind is None:
            errors.append(_("line %(n)d: the kind must be holiday (休) or makeup (班)") % {"n": number})
            continue
        name = line[2].strip() if len(line) > 2 else ""
        rows.append(
            CalendarDay(date=day, is_workday=kind == CalendarDayKind.MAKEUP, kind=kind, name=name[:64])
        )
    dates = [r.date for r in rows]
    if len(dates) != len(set(dates)):
        errors.append(_("a date appears more than once"))
    if errors:
        raise CalendarFileError(errors)
    # The year's earlier nationwide days are kept, deleted, beside the new ones.
    CalendarDay.objects.filter(town__isnull=True, date__year=year, deleted_at__isnull=True).update(
        deleted_at=timezone.now()
    )
    CalendarDay.objects.bulk_create(rows)
    CalendarYear.objects.update_or_create(
        year=year, defaults={"source": CalendarSource.FILE, "note": note[:200]}
    )
    return len(rows)
