"""The working-day calendar: the official PRC schedule as the platform's own data.

A day is a working day by the weekday rule (Monday to Friday) unless a ``CalendarDay``
says otherwise: a statutory holiday, a make-up working day (调休), a local closure or a
correction (nationwide, or for one town, which wins). Years whose official schedule has
been entered are ``CalendarYear`` rows. For a year without one, the statutory holidays
the law fixes are counted off provisionally (``statutory_holidays``), without the
make-up working days only the year's official notice sets, and every answer that relied
on them says so; loading the official schedule replaces them. The ``chinesecalendar``
package seeds the years it knows (up to 2026) and is never asked about a date it lacks.
"""

from __future__ import annotations

import csv
import datetime
import functools
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
# The working-day calendar is the People's Republic's. (Before 1901 the zone's offset is
# local mean time, +08:05:43, which no ISO 8601 date-time can write.)
FIRST_DAY = datetime.date(1949, 10, 1)

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


# 国务院《全国年节及纪念日放假办法》as amended in 2025 (in force from 1 January 2025): the
# holidays of all citizens, which the fallback counts for a year without an official
# schedule. Earlier years are the official data's (chinesecalendar), or weekends only.
STATUTORY_SINCE = 2025


@functools.lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The days off the law fixes in ``year``, before the State Council's notice for it:
    New Year's Day (1 Jan); Spring Festival eve and days 1–3 of the first lunar month;
    Qingming (the day of the solar term); Labour Day (1–2 May); Dragon Boat (5th of the
    5th lunar month); Mid-autumn (15th of the 8th); National Day (1–3 Oct). A holiday on a
    Saturday or Sunday is given back on the next weekday not already off (the Measures:
    全体公民放假的假日，如果适逢周六、周日，应当在工作日补假). No make-up working days:
    only the year's notice sets those.

    Lunar dates and the solar term come from ``lunar_python`` (astronomical, no tables).
    """
    from lunar_python import Lunar, Solar

    def solar(lunar) -> datetime.date:
        s = lunar.getSolar()
        return datetime.date(s.getYear(), s.getMonth(), s.getDay())

    new_year = Lunar.fromYmd(year, 1, 1)
    qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    days: dict[datetime.date, str] = {datetime.date(year, 1, 1): "元旦"}
    days[solar(new_year.next(-1))] = "春节"  # 除夕: the last day of the 12th lunar month
    for offset in range(3):
        days[solar(new_year.next(offset))] = "春节"
    days[datetime.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days[datetime.date(year, 5, 1)] = days[datetime.date(year, 5, 2)] = "劳动节"
    days[solar(Lunar.fromYmd(year, 5, 5))] = "端午节"
    mid_autumn = solar(Lunar.fromYmd(year, 8, 15))
    for offset in range(3):
        days[datetime.date(year, 10, 1 + offset)] = "国庆节"
    days[mid_autumn] = "中秋节、国庆节" if mid_autumn in days else "中秋节"
    given_back: dict[datetime.date, str] = {}
    for day in sorted(days):
        if day.weekday() >= 5:
            back = day + datetime.timedelta(days=1)
            while back.weekday() >= 5 or back in days or back in given_back:
                back += datetime.timedelta(days=1)
            given_back[back] = f"{days[day]}补假"
    return {day: name for day, name in {**days, **given_back}.items() if day.year == year}


class OutOfRange(ValueError):
    """The count starts before the calendar (FIRST_DAY) or runs past the last date it can
    hold (9999-12-31)."""


@dataclass
class Deadline:
    start: datetime.datetime
    working_days: int
    at: datetime.datetime
    days: list[datetime.date] = field(default_factory=list)
    # Years counted without their official schedule: ``provisional_years`` on the
    # statutory holidays (statutory_holidays), the rest on weekends only.
    uncovered_years: list[int] = field(default_factory=list)
    provisional_years: list[int] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        messages = []
        if self.provisional_years:
            messages.append(
                _(
                    "The official holiday schedule for %(years)s has not been entered: the statutory "
                    "holidays were counted provisionally (New Year's Day, Spring Festival eve and days "
                    "1–3, Qingming, Labour Day, Dragon Boat, Mid-autumn, National Day, and a weekday "
                    "for each that falls on a weekend), without make-up working days. Enter the "
                    "official schedule in the admin (calendar years and days) to replace them."
                )
                % {"years": ", ".join(str(y) for y in self.provisional_years)}
            )
        weekends_only = [y for y in self.uncovered_years if y not in self.provisional_years]
        if weekends_only:
            messages.append(
                _(
                    "The official holiday schedule for %(years)s has not been entered: weekends only "
                    "were counted. Enter it in the admin (calendar years and days)."
                )
                % {"years": ", ".join(str(y) for y in weekends_only)}
            )
        return messages


class CalendarView:
    """Working-day answers over a date range, from one query of the overrides.

    In a year without its official schedule the statutory holidays stand in for the
    nationwide days; a nationwide or local row entered for that year still wins.
    """

    def __init__(self, first: datetime.date, last: datetime.date, town_id: int | None = None):
        self.first, self.last = first, last
        rows = CalendarDay.objects.filter(date__gte=first, date__lte=last, deleted_at__isnull=True).filter(
            Q(town__isnull=True) | Q(town_id=town_id) if town_id else Q(town__isnull=True)
        )
        national: dict[datetime.date, bool] = {}
        local: dict[datetime.date, bool] = {}
        for day, is_workday, row_town in rows.values_list("date", "is_workday", "town_id"):
            (local if row_town else national)[day] = is_workday
        self.covered = set(CalendarYear.objects.values_list("year", flat=True))
        self.provisional = {
            year
            for year in range(max(first.year, STATUTORY_SINCE), last.year + 1)
            if year not in self.covered
        }
        statutory = {
            day: False
            for year in sorted(self.provisional)
            for day in statutory_holidays(year)
            if first <= day <= last
        }
        self.overrides = {**statutory, **national, **local}

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
    if day < FIRST_DAY:
        raise OutOfRange(
            _("No deadline can be counted from before %(day)s: the working-day calendar starts there.")
            % {"day": FIRST_DAY.isoformat()}
        )
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
    return Deadline(
        start=local,
        working_days=working_days,
        at=end,
        days=counted,
        uncovered_years=uncovered,
        provisional_years=[y for y in uncovered if y >= STATUTORY_SINCE],
    )


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


# -- Countdowns: "剩 2 个工作日" -----------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """Working days from today to a deadline: ``left`` after today (0: due today), or
    ``over`` since the deadline's day (an overdue deadline)."""

    left: int = 0
    over: int = 0
    overdue: bool = False

    def __str__(self) -> str:
        from django.utils.translation import ngettext

        if self.overdue:
            if not self.over:
                return _("Overdue")
            return ngettext("%(n)s working day overdue", "%(n)s working days overdue", self.over) % {
                "n": self.over
            }
        if not self.left:
            return _("Due today")
        return ngettext("%(n)s working day left", "%(n)s working days left", self.left) % {"n": self.left}


def countdowns(
    deadlines: list[datetime.datetime | None],
    *,
    town_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[Countdown | None]:
    """The countdown to each deadline, from one reading of the calendar (a list page's
    deadlines together); ``None`` for a missing deadline."""
    today = _aware(now or timezone.now()).date()
    days = [_aware(d).date() for d in deadlines if d is not None]
    if not days:
        return [None] * len(deadlines)
    first, last = min([today, *days]), max([today, *days])
    view = CalendarView(first, last, town_id)
    workdays = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    workdays = [d for d in workdays if view.is_workday(d)]

    def between(start: datetime.date, end: datetime.date) -> int:
        """Working days d with start < d <= end."""
        return sum(1 for d in workdays if start < d <= end)

    now_at = now or timezone.now()
    out: list[Countdown | None] = []
    for deadline_at in deadlines:
        if deadline_at is None:
            out.append(None)
        elif deadline_at < now_at:
            out.append(Countdown(over=between(_aware(deadline_at).date(), today), overdue=True))
        else:
            out.append(Countdown(left=between(today, _aware(deadline_at).date())))
    return out
