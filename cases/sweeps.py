"""The escalation sweep: overdue village cases go to the town with a new deadline,
overdue town cases are flagged for supervision (督办), and a reminder goes out one
working day before each deadline.

Set-based and safe to repeat: each batch locks its rows (``skip_locked`` on PostgreSQL,
the IMMEDIATE write lock on SQLite) and every update is guarded by the old state, so two
workers, or the same sweep twice, move each case once and remind once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import workdays

from . import notify
from .choices import TOWN_OPEN_STATES, VILLAGE_OPEN_STATES, CaseState, Level, Move, NotificationKind
from .models import Case, CaseEvent, CasePeriod, Notification

BATCH = 5000


@dataclass
class SweepResult:
    escalated: int = 0
    supervised: int = 0
    reminded: int = 0
    deadlines: dict = field(default_factory=dict)


def _locked_ids(queryset, limit: int) -> list[int]:
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.order_by("deadline", "id").values_list("id", flat=True)[:limit])


def _town_deadlines(town_ids, now) -> dict[int, datetime.datetime]:
    """The new 7-working-day deadline, once per town (local closures differ by town)."""
    return {town_id: workdays.deadline(now, 7, town_id=town_id).at for town_id in town_ids}


def escalate_overdue(now: datetime.datetime, batch: int = BATCH) -> int:
    total = 0
    while True:
        with transaction.atomic():
            due = Case.objects.filter(
                state__in=VILLAGE_OPEN_STATES, deadline__lt=now, deleted_at__isnull=True
            )
            ids = _locked_ids(due, batch)
            if not ids:
                return total
            rows = list(Case.objects.filter(id__in=ids).values_list("id", "town_id", "state"))
            by_town: dict[int, list[int]] = {}
            for case_id, town_id, _state in rows:
                by_town.setdefault(town_id, []).append(case_id)
            deadlines = _town_deadlines(by_town, now)
            moved = 0
            for town_id, new_deadline in deadlines.items():
                moved += Case.objects.filter(
                    id__in=by_town[town_id], state__in=VILLAGE_OPEN_STATES, deadline__lt=now
                ).update(
                    state=CaseState.ESCALATED,
                    level=Level.TOWN,
                    department=None,
                    deadline=new_deadline,
                    updated_at=now,
                )
            CasePeriod.objects.filter(case_id__in=ids, ended_at__isnull=True).update(
                ended_at=now, met=False, outcome=Move.ESCALATE
            )
            CasePeriod.objects.bulk_create(
                [
                    CasePeriod(case_id=i, level=Level.TOWN, started_at=now, deadline=deadlines[t])
                    for i, t, _s in rows
                ],
                batch_size=1000,
            )
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(
                        case_id=i,
                        move=Move.ESCALATE,
                        from_state=s,
                        to_state=CaseState.ESCALATED,
                        note=_("Overdue at village level: escalated to the town."),
                        data={"sweep": True},
                    )
                    for i, _t, s in rows
                ],
                batch_size=1000,
            )
            total += moved
        if len(ids) < batch:
            return total


def supervise_overdue(now: datetime.datetime, batch: int = BATCH) -> int:
    total = 0
    while True:
        with transaction.atomic():
            due = Case.objects.filter(
                state__in=TOWN_OPEN_STATES,
                deadline__lt=now,
                supervised_at__isnull=True,
                deleted_at__isnull=True,
            )
            ids = _locked_ids(due, batch)
            if not ids:
                return total
            total += Case.objects.filter(id__in=ids, supervised_at__isnull=True).update(supervised_at=now)
            rows = list(
                Case.objects.filter(id__in=ids).values_list("id", "state", "town_id", "tracking_number")
            )
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(
                        case_id=i,
                        move=Move.SUPERVISE,
                        from_state=s,
                        to_state=s,
                        note=_("Overdue at town level: flagged for supervision."),
                        data={"sweep": True},
                    )
                    for i, s, _t, _n in rows
                ],
                batch_size=1000,
            )
            notify.queue(
                [
                    Notification(
                        case_id=i,
                        kind=NotificationKind.SUPERVISION,
                        recipient=f"supervisors:{t}",
                        body=_("Case %(number)s is overdue at town level.") % {"number": n},
                        key=f"supervise:{i}",
                    )
                    for i, _s, t, n in rows
                ]
            )
        if len(ids) < batch:
            return total


def remind_due(now: datetime.datetime, batch: int = BATCH) -> int:
    """Cases whose deadline falls by the end of the next working day, not yet reminded
    for this deadline."""
    horizon = workdays.deadline(now, 1).at
    total = 0
    while True:
        with transaction.atomic():
            due = Case.objects.filter(
                Q(reminded_for__isnull=True) | ~Q(reminded_for=F("deadline")),
                state__in=(*VILLAGE_OPEN_STATES, *TOWN_OPEN_STATES),
                deadline__gte=now,
                deadline__lte=horizon,
                deleted_at__isnull=True,
            )
            ids = _locked_ids(due, batch)
            if not ids:
                return total
            rows = list(
                Case.objects.filter(id__in=ids).values_list(
                    "id", "deadline", "tracking_number", "level", "village_id", "department_id"
                )
            )
            total += Case.objects.filter(id__in=ids).update(reminded_for=F("deadline"))
            notify.queue(
                [
                    Notification(
                        case_id=i,
                        kind=NotificationKind.REMINDER,
                        recipient=f"department:{d}"
                        if lvl == Level.TOWN and d
                        else (f"village:{v}" if lvl == Level.VILLAGE else "town"),
                        body=_("Case %(number)s is due by %(deadline)s.")
                        % {"number": n, "deadline": timezone.localtime(dl).strftime("%Y-%m-%d %H:%M")},
                        key=f"remind:{i}:{dl.isoformat()}",
                    )
                    for i, dl, n, lvl, v, d in rows
                ]
            )
        if len(ids) < batch:
            return total


def run_sweep(now: datetime.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    result.escalated = escalate_overdue(now)
    result.supervised = supervise_overdue(now)
    result.reminded = remind_due(now)
    return result
