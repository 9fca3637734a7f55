"""Reads of rosters and duty logs: the one way out for pages, the API, home tiles and the public page.

Every read for a signed-in user goes through :func:`governance.scoping.restrict`; the
public reads give published rosters only, and of them only names and the duty phone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.scoping import VIEW, restrict
from grids.models import Village

from .choices import DEFAULT_PUBLISH_BY_DAY, SPOT_CHECKS_MIN, Item, LogState, Position, RosterState
from .models import (
    DutyFlag,
    DutyLog,
    DutySettings,
    ElderlyHelp,
    Errand,
    PatrolFinding,
    PolicyTalk,
    Roster,
    Shift,
    SpotCheck,
    Visit,
    add_months,
    month_days,
    publish_deadline,
)
from .models import parse_month as month_from


def this_month(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()).replace(day=1)


def parse_month(value: str | None, default: datetime.date) -> datetime.date:
    """``2026-10`` (or a whole date) → the month's first day; anything else: ``default``."""
    return month_from(value) or default


def live_shifts() -> QuerySet[Shift]:
    return Shift.objects.filter(deleted_at__isnull=True).select_related("person").order_by("date", "position")


def rosters_for_user(user, action: str = VIEW) -> QuerySet[Roster]:
    return restrict(Roster.objects.select_related("village__town", "published_by"), user, action)


def roster_with_days(queryset: QuerySet[Roster]) -> QuerySet[Roster]:
    return queryset.prefetch_related(Prefetch("shifts", queryset=live_shifts(), to_attr="live_shifts"))


@dataclass
class CalendarDay:
    date: datetime.date
    workday: bool
    cadre: object = None
    second: object = None
    amended: bool = False

    @property
    def weekend(self) -> bool:
        return self.date.weekday() >= 5


@dataclass
class MonthGrid:
    """A month as weeks of days (Monday first), ``None`` before the first and after the last."""

    days: list[CalendarDay]
    weeks: list[list[CalendarDay | None]] = field(default_factory=list)

    def __post_init__(self):
        lead = [None] * self.days[0].date.weekday()
        cells = lead + list(self.days)
        cells += [None] * (-len(cells) % 7)
        self.weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]


def month_grid(roster: Roster, *, shifts=None, amended_dates=(), town_id: int | None = None) -> MonthGrid:
    """The roster's month, each day with its people (from ``shifts``, live ones)."""
    from governance.workdays import CalendarView

    dates = month_days(roster.month)
    calendar = CalendarView(dates[0], dates[-1], town_id)
    by_day = {d: CalendarDay(d, calendar.is_workday(d), amended=d in amended_dates) for d in dates}
    for shift in shifts if shifts is not None else live_shifts().filter(roster=roster):
        day = by_day.get(shift.date)
        if day is not None:
            setattr(day, "cadre" if shift.position == Position.LEAD else "second", shift.person)
    return MonthGrid(list(by_day.values()))


def deadlines_by_town(town_ids) -> dict[int, int]:
    """Town id → the day of the month before by which rosters are due."""
    days = dict(
        DutySettings.objects.filter(town_id__in=list(town_ids)).values_list("town_id", "publish_by_day")
    )
    return {town_id: days.get(town_id, DEFAULT_PUBLISH_BY_DAY) for town_id in town_ids}


@dataclass
class OverviewRow:
    village: Village
    roster: Roster | None
    deadline: datetime.date

    @property
    def published(self) -> bool:
        return self.roster is not None and self.roster.state == RosterState.PUBLISHED

    @property
    def late(self) -> bool:
        """Not published by the deadline (published late, or still not published after it)."""
        if self.published:
            return timezone.localtime(self.roster.published_at).date() > self.deadline
        return timezone.localdate() > self.deadline


def month_overview(user, month: datetime.date) -> list[OverviewRow]:
    """Each village the user may see the rosters of, with its roster of ``month`` (if
    any) and its deadline: three queries, however many villages."""
    villages = list(
        restrict(Village.objects.select_related("town"), user, VIEW).order_by("town__code", "code")
    )
    rosters = {
        r.village_id: r
        for r in rosters_for_user(user).filter(month=month, village__in=[v.pk for v in villages])
    }
    days = deadlines_by_town({v.town_id for v in villages})
    return [OverviewRow(v, rosters.get(v.pk), publish_deadline(month, days[v.town_id])) for v in villages]


def unpublished_next_month(user, today: datetime.date | None = None) -> int:
    """How many of the user's villages have not published next month's roster."""
    month = add_months(this_month(today), 1)
    villages = restrict(Village.objects.all(), user, VIEW)
    published = rosters_for_user(user).filter(month=month, state=RosterState.PUBLISHED).values("village_id")
    return villages.exclude(pk__in=published).count()


def next_duty_day(user, today: datetime.date | None = None) -> datetime.date | None:
    """The user's next day on duty on a published roster, today included."""
    today = today or timezone.localdate()
    return (
        Shift.objects.filter(
            person=user,
            date__gte=today,
            deleted_at__isnull=True,
            roster__deleted_at__isnull=True,
            roster__state=RosterState.PUBLISHED,
        )
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


def public_roster(village: Village, month: datetime.date) -> Roster | None:
    """The published roster of a village for a month: what the public may read."""
    return (
        Roster.objects.filter(
            village=village, month=month, state=RosterState.PUBLISHED, deleted_at__isnull=True
        )
        .select_related("village__town")
        .first()
    )


# ---------------------------------------------------------------------------------------
# Duty logs
# ---------------------------------------------------------------------------------------


def _count(model, **filters):
    """A correlated count of ``model``'s rows of the outer log (one subquery)."""
    return Coalesce(
        Subquery(
            model.objects.filter(log=OuterRef("pk"), **filters)
            .order_by()
            .values("log")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def with_progress(queryset: QuerySet[DutyLog]) -> QuerySet[DutyLog]:
    """Logs with what their nine items need counted in the same query (so a list of logs,
    the town's today board included, is one query however many villages)."""
    return queryset.annotate(
        n_spot_checks=_count(SpotCheck),
        n_visits=_count(Visit, deleted_at__isnull=True),
        n_talks=_count(PolicyTalk),
        n_elderly=_count(ElderlyHelp),
        n_findings=_count(PatrolFinding),
        has_errands=Exists(Errand.objects.filter(Q(opened_in=OuterRef("pk")) | Q(done_in=OuterRef("pk")))),
    )


def items_done(log: DutyLog) -> dict[int, bool]:
    """Which of the nine items a log (from :func:`with_progress`) has done."""
    return {
        Item.CHECK_IN: log.check_in_at is not None,
        Item.ERRANDS: bool(log.has_errands),
        Item.PATROL: bool(log.patrol_route) or log.n_findings > 0,
        Item.SPOT_CHECKS: log.n_spot_checks >= SPOT_CHECKS_MIN,
        Item.VISITS: log.n_visits > 0,
        Item.TALKS: log.n_talks > 0,
        Item.BOARD: log.board_updated is not None,
        Item.ELDERLY: log.n_elderly > 0,
        Item.SIGN_OFF: log.state == LogState.SIGNED,
    }


def progress(log: DutyLog) -> int:
    return sum(items_done(log).values())


def logs_for_user(user, action: str = VIEW) -> QuerySet[DutyLog]:
    return restrict(DutyLog.objects.select_related("village__town", "cadre"), user, action)


def errands_of(log: DutyLog) -> QuerySet[Errand]:
    """The village's errands that were open on the log's day: taken on that day or
    carried over from an earlier one, until the day they were done (that day included)."""
    return (
        Errand.objects.filter(village_id=log.village_id, opened_on__lte=log.date)
        .filter(Q(done_on__isnull=True) | Q(done_on__gte=log.date))
        .order_by("opened_on", "id")
    )


def shift_today(user, today: datetime.date | None = None) -> Shift | None:
    """The user's shift today on a published roster (with its village), if any."""
    return (
        Shift.objects.filter(
            person=user,
            date=today or timezone.localdate(),
            deleted_at__isnull=True,
            roster__deleted_at__isnull=True,
            roster__state=RosterState.PUBLISHED,
        )
        .select_related("roster__village__town")
        .order_by("position")
        .first()
    )


@dataclass
class BoardRow:
    village: Village
    cadre: object
    log: DutyLog | None
    readable: bool = False  # the user reads the log itself (else its figures only)

    @property
    def done(self) -> int:
        return progress(self.log) if self.log is not None else 0


def today_board(user, day: datetime.date | None = None) -> list[BoardRow]:
    """Each village of the user's board (:func:`duty.policies.board_villages_for`: a
    cadre's whole town) with its duty today: who is on duty, when they checked in, how
    many of the nine items are done; a row links its log only where the user reads the
    log. Four queries, however many villages."""
    from .policies import board_villages_for

    day = day or timezone.localdate()
    villages = list(board_villages_for(user).select_related("town").order_by("town__code", "code"))
    ids = [v.pk for v in villages]
    cadres = {
        s.roster.village_id: s.person
        for s in Shift.objects.filter(
            date=day,
            position=Position.LEAD,
            deleted_at__isnull=True,
            roster__deleted_at__isnull=True,
            roster__state=RosterState.PUBLISHED,
            roster__village_id__in=ids,
        ).select_related("person", "roster")
    }
    # the board's figures of each village's log (its villages are the board rule's)
    today_logs = DutyLog.objects.filter(date=day, village_id__in=ids, deleted_at__isnull=True)
    logs = {log.village_id: log for log in with_progress(today_logs.select_related("cadre"))}
    readable = set(logs_for_user(user).filter(date=day, village_id__in=ids).values_list("pk", flat=True))
    return [
        BoardRow(v, cadres.get(v.pk), logs.get(v.pk), readable=v.pk in logs and logs[v.pk].pk in readable)
        for v in villages
    ]


def villages_without_log_today(user) -> int:
    """How many of the user's villages with someone on duty today (a published roster's
    cadre on duty) have no duty log begun today."""
    today = timezone.localdate()
    begun = logs_for_user(user).filter(date=today).values("village_id")
    on_duty = Shift.objects.filter(
        date=today,
        position=Position.LEAD,
        deleted_at__isnull=True,
        roster__deleted_at__isnull=True,
        roster__state=RosterState.PUBLISHED,
    ).values("roster__village_id")
    return restrict(Village.objects.filter(pk__in=on_duty), user, VIEW).exclude(pk__in=begun).count()


def open_flags(user) -> QuerySet[DutyFlag]:
    return restrict(DutyFlag.objects.filter(dismissed_at__isnull=True), user, VIEW)


def my_log_today(user, today: datetime.date | None = None) -> DutyLog | None:
    """The log the user files today, with its progress (one query)."""
    return (
        with_progress(
            DutyLog.objects.filter(cadre=user, date=today or timezone.localdate(), deleted_at__isnull=True)
        )
        .order_by("pk")
        .first()
    )
