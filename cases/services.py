"""Writes to cases: report, every move, rating. Each is atomic, guarded against a
concurrent move (compare-and-set on the state), and writes its event in the same
transaction."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit, workdays
from governance.choices import AuditAction
from governance.services import ensure_in_scope

from . import notify, transitions
from .choices import LEVEL_WORKING_DAYS, CaseState, Level, Move, NotificationKind, Satisfaction
from .models import Case, CaseAttachment, CaseEvent, CasePeriod, Notification, Rating


class MoveNotAllowed(Exception):
    """A move that the state machine does not allow now (answered with 409)."""

    def __init__(self, case: Case, move: str, allowed: list[str]):
        super().__init__(move)
        self.case, self.move, self.allowed = case, move, allowed


def level_deadline(*, start: datetime.datetime, level: str, town_id: int) -> datetime.datetime:
    return workdays.deadline(start, LEVEL_WORKING_DAYS[level], town_id=town_id).at


def _event(case, move, actor, from_state, to_state, note="", data=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        move=move,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )


def _tell_reporter(case: Case, event: CaseEvent) -> None:
    if not case.reporter_contact:
        return
    kind = NotificationKind.RATE_REQUEST if event.to_state == CaseState.SOLVED else NotificationKind.PROGRESS
    body = _("Case %(number)s: %(state)s.") % {
        "number": case.tracking_number,
        "state": case.get_state_display(),
    }
    if kind == NotificationKind.RATE_REQUEST:
        body += " " + _("Please rate the result with your tracking number.")
    notify.queue(
        [Notification(case=case, kind=kind, recipient="reporter", body=body, key=f"event:{event.pk}")]
    )


@transaction.atomic
def case_report(
    *, actor, data: dict, attachments=(), solved_on_spot: bool = False, solution: str = ""
) -> Case:
    """Register a case at village level with its 3-working-day deadline, or record one
    solved on the spot (registered and solved in one step)."""
    now = timezone.now()
    contact = data.pop("reporter_contact", "")
    case = Case(**data)
    case.reporter_contact = contact
    case.reported_by = actor if getattr(actor, "pk", None) else None
    case.full_clean()
    case.deadline = level_deadline(start=now, level=Level.VILLAGE, town_id=case.town_id)
    if solved_on_spot:
        if not solution:
            raise ValidationError({"solution": _("Say how it was solved on the spot.")})
        case.state, case.solved_at, case.solution = CaseState.SOLVED, now, solution
        case.solved_by = case.reported_by
    case.save()
    CasePeriod.objects.create(
        case=case,
        level=Level.VILLAGE,
        village_id=case.village_id,
        started_at=now,
        deadline=case.deadline,
        ended_at=now if solved_on_spot else None,
        met=True if solved_on_spot else None,
        outcome=Move.SOLVE_ON_SPOT if solved_on_spot else "",
    )
    move = Move.SOLVE_ON_SPOT if solved_on_spot else Move.REPORT
    event = _event(case, move, actor, "", case.state, note=solution)
    for upload in attachments:
        CaseAttachment.objects.create(case=case, event=event, file=upload)
    audit.record(action=AuditAction.CREATE, instance=case, actor=actor, after=audit.snapshot(case))
    if actor is not None and getattr(actor, "pk", None):
        ensure_in_scope(instance=case, actor=actor, action="view")
    _tell_reporter(case, event)
    return case


def _close_period(case: Case, now, outcome: str) -> None:
    period = CasePeriod.objects.filter(case=case, ended_at__isnull=True).first()
    if period is not None:
        period.ended_at, period.outcome = now, outcome
        period.met = now <= period.deadline
        period.save(update_fields=["ended_at", "outcome", "met"])


@transaction.atomic
def case_move(*, case: Case, move: str, actor, note: str = "", department=None, attachments=()) -> Case:
    """Apply one move of the state machine for ``actor``.

    The state change is a compare-and-set: of two people claiming at once, exactly one
    row update matches the old state; the other gets MoveNotAllowed (409).
    """
    allowed = transitions.allowed_moves(case, actor)
    if move not in allowed:
        raise MoveNotAllowed(case, move, allowed)
    t = transitions.TRANSITIONS[move]
    if t.needs_note and not note.strip():
        raise ValidationError({"note": _("Give a reason.")})
    now = timezone.now()
    from_state, to_state = case.state, transitions.target_state(case, move)
    changes: dict = {"state": to_state, "updated_at": now}
    if move == Move.CLAIM:
        changes["claimed_by"] = actor
    elif move == Move.ESCALATE:
        changes.update(
            level=Level.TOWN,
            department=None,
            deadline=level_deadline(start=now, level=Level.TOWN, town_id=case.town_id),
        )
    elif move == Move.ASSIGN:
        if department is None:
            raise ValidationError({"department": _("Choose the department.")})
        if department.town_id != case.town_id or department.deleted_at is not None:
            raise ValidationError({"department": _("Choose a department of the case's town.")})
        changes["department"] = department
    elif move == Move.SEND_BACK:
        changes["department"] = None
    elif move == Move.SOLVE:
        if not note.strip():
            raise ValidationError({"note": _("Say how it was solved.")})
        changes.update(solved_at=now, solved_by=actor, solution=note)
    elif move == Move.CLOSE:
        changes["closed_at"] = now
    elif move == Move.REOPEN:
        changes.update(
            closed_at=None,
            solved_at=None,
            solved_by=None,
            satisfaction="",
            deadline=level_deadline(start=now, level=case.level, town_id=case.town_id),
        )
    updated = Case.objects.filter(pk=case.pk, state=from_state, deleted_at__isnull=True).update(**changes)
    if updated != 1:
        case.refresh_from_db()
        raise MoveNotAllowed(case, move, transitions.allowed_moves(case, actor))
    for name, value in changes.items():
        setattr(case, name, value)
    if move in (Move.ESCALATE, Move.SOLVE, Move.REJECT):
        _close_period(case, now, move)
    if move == Move.ESCALATE:
        CasePeriod.objects.create(case=case, level=Level.TOWN, started_at=now, deadline=case.deadline)
    elif move in (Move.ASSIGN, Move.SEND_BACK):
        CasePeriod.objects.filter(case=case, ended_at__isnull=True).update(department=changes["department"])
    elif move == Move.REOPEN:
        CasePeriod.objects.create(
            case=case,
            level=case.level,
            started_at=now,
            deadline=case.deadline,
            village_id=case.village_id if case.level == Level.VILLAGE else None,
            department_id=case.department_id,
        )
    event = _event(
        case,
        move,
        actor,
        from_state,
        to_state,
        note=note,
        data={"department": department.pk} if department is not None else {},
    )
    for upload in attachments:
        CaseAttachment.objects.create(case=case, event=event, file=upload)
    _tell_reporter(case, event)
    return case


@transaction.atomic
def case_rate(*, case: Case, satisfaction: str, comment: str = "", actor=None) -> Rating:
    """The reporter (by tracking number) rates a solved or closed case. Not satisfied
    reopens it at the level that solved it."""
    if case.state not in (CaseState.SOLVED, CaseState.CONFIRMED, CaseState.CLOSED):
        raise ValidationError({"satisfaction": _("Only a solved case can be rated.")})
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose satisfied, basically satisfied or not satisfied.")})
    rating = Rating.objects.create(case=case, satisfaction=satisfaction, comment=comment)
    now = timezone.now()
    from_state = case.state
    if satisfaction == Satisfaction.NOT_SATISFIED:
        to_state = transitions.REOPEN_TARGET[case.level]
        deadline = level_deadline(start=now, level=case.level, town_id=case.town_id)
        updated = Case.objects.filter(pk=case.pk, state=from_state).update(
            state=to_state,
            satisfaction=satisfaction,
            closed_at=None,
            solved_at=None,
            solved_by=None,
            deadline=deadline,
            updated_at=now,
        )
        if updated != 1:
            raise ValidationError({"satisfaction": _("The case changed meanwhile; reload and rate again.")})
        case.state, case.deadline, case.satisfaction = to_state, deadline, satisfaction
        CasePeriod.objects.create(
            case=case,
            level=case.level,
            started_at=now,
            deadline=deadline,
            village_id=case.village_id if case.level == Level.VILLAGE else None,
            department_id=case.department_id,
        )
        _event(case, Move.REOPEN, actor, from_state, to_state, note=comment, data={"rating": rating.pk})
    else:
        Case.objects.filter(pk=case.pk).update(satisfaction=satisfaction, updated_at=now)
        case.satisfaction = satisfaction
        _event(case, Move.RATE, actor, from_state, from_state, note=comment, data={"rating": rating.pk})
    return rating
