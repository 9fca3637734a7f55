"""The town office's month at a glance (villages × days): for each village and day, who
was on duty on the published roster, the state of the day's log, the inspections made
and the flags still open; with each village's totals beside it.

Six queries whatever the size of the town (villages, shifts, logs, inspections, flags,
the calendar): each is one set-based read of the month, scoped like every other read,
put together in Python by (village, day).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from governance.scoping import VIEW, can, restrict
from governance.workdays import CalendarView
from grids.models import Town, Village

from .choices import LogState, Position, RosterState
from .models import DutyFlag, DutyLog, Inspection, Shift, month_bounds, month_days

# What a day of a village shows, in the order of the legend.
SIGNED, DRAFT, MISSING, WAITING, COMING, OFF = "signed", "draft", "missing", "waiting", "coming", "off"


@dataclass
class Cell:
    date: datetime.date
    workday: bool
    cadre: str = ""
    log_id: int | None = None
    log_state: str = ""
    inspections: list[tuple[int, bool]] = field(default_factory=list)  # (id, present)
    flags: list[str] = field(default_factory=list)  # kinds of the open flags
    status: str = OFF

    @property
    def absent(self) -> bool:
        """An inspection found the cadre on duty away from their post (脱岗)."""
        return any(not present for _, present in self.inspections)


@dataclass
class Row:
    village: Village
    cells: list[Cell]
    duty_days: int = 0
    signed: int = 0
    missing: int = 0
    inspections: int = 0
    absences: int = 0
    flags: int = 0


@dataclass
class TownMonth:
    town: Town | None
    month: datetime.date
    days: list[Cell]  # the month's days, for the header (workday or not)
    rows: list[Row]

    @property
    def totals(self) -> dict[str, int]:
        keys = ("duty_days", "signed", "missing", "inspections", "absences", "flags")
        return {k: sum(getattr(r, k) for r in self.rows) for k in keys}


def towns_for(user) -> list[Town]:
    """The towns whose month the user may open (those of the villages whose logs they read)."""
    if not can(user, VIEW, DutyLog):
        return []
    villages = restrict(Village.objects.all(), user, VIEW).values("town_id")
    return list(restrict(Town.objects.filter(pk__in=villages), user, VIEW).order_by("code"))


def _status(cell: Cell, today: datetime.date) -> str:
    if cell.log_state == LogState.SIGNED:
        return SIGNED
    if cell.log_state == LogState.DRAFT:
        return DRAFT if cell.date < today or not cell.cadre else WAITING
    if not cell.cadre:
        return OFF
    if cell.date < today:
        return MISSING
    return WAITING if cell.date == today else COMING


def town_month(
    user, town: Town | None, month: datetime.date, today: datetime.date | None = None
) -> TownMonth:
    today = today or timezone.localdate()
    dates = month_days(month)
    first, last = dates[0], dates[-1]
    calendar = CalendarView(first, last, town.pk if town else None)
    header = [Cell(d, calendar.is_workday(d)) for d in dates]
    if town is None:
        return TownMonth(None, month, header, [])
    villages = list(restrict(Village.objects.filter(town=town), user, VIEW).order_by("code"))
    ids = [v.pk for v in villages]
    grid = {v.pk: {d: Cell(d, h.workday) for d, h in zip(dates, header, strict=True)} for v in villages}

    shifts = restrict(
        Shift.objects.filter(
            roster__village_id__in=ids,
            roster__month=first,  # the month's roster of each village: its unique index
            roster__state=RosterState.PUBLISHED,
            roster__deleted_at__isnull=True,
            position=Position.LEAD,
            date__range=(first, last),
        ),
        user,
        VIEW,
    ).values_list("roster__village_id", "date", "person__last_name", "person__first_name", "person__username")
    for village_id, day, last_name, first_name, username in shifts:
        grid[village_id][day].cadre = f"{last_name}{first_name}" or username

    logs = restrict(DutyLog.objects.filter(village_id__in=ids, date__range=(first, last)), user, VIEW)
    for village_id, day, pk, state in logs.values_list("village_id", "date", "pk", "state"):
        cell = grid[village_id][day]
        cell.log_id, cell.log_state = pk, state

    start, end = month_bounds(first)
    inspections = restrict(  # a range on the column itself, so the (village, at) index serves it
        Inspection.objects.filter(village_id__in=ids, at__gte=start, at__lt=end), user, VIEW
    ).order_by("at")
    for pk, village_id, at, present in inspections.values_list("pk", "village_id", "at", "present"):
        cell = grid[village_id].get(timezone.localtime(at).date())
        if cell is not None:
            cell.inspections.append((pk, present))

    flags = restrict(
        DutyFlag.objects.filter(village_id__in=ids, date__range=(first, last), dismissed_at__isnull=True),
        user,
        VIEW,
    )
    for village_id, day, kind in flags.values_list("village_id", "date", "kind"):
        grid[village_id][day].flags.append(kind)

    rows = []
    for village in villages:
        cells = list(grid[village.pk].values())
        row = Row(village, cells)
        for cell in cells:
            cell.status = _status(cell, today)
            row.duty_days += bool(cell.cadre)
            row.signed += cell.status == SIGNED
            row.missing += cell.status == MISSING
            row.inspections += len(cell.inspections)
            row.absences += sum(1 for _, present in cell.inspections if not present)
            row.flags += len(cell.flags)
        rows.append(row)
    return TownMonth(town, month, header, rows)
