"""Writes to cases: report, every move, rating.

A move is applied from its declaration in :mod:`cases.transitions` (the sweep applies
the same declarations to sets of cases, :mod:`cases.sweeps`). Each write is atomic,
guarded against a concurrent move (compare-and-set on the state and on the conditions
the move was allowed under), and writes its event, periods and notifications in the same
transaction. Every service takes ``now`` (default: the present) so imports and the demo
can write the past.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit, workdays
from governance.choices import AuditAction, Role
from governance.models import Membership

from . import notify, photos, transitions
from .choices import LEVEL_WORKING_DAYS, CaseState, Level, Move, Satisfaction
from .models import Case, CaseAttachment, CaseEvent, CasePeriod, Rating, rating_code_matches
from .policies import report_q
from .selectors import solved_period
from .transitions import (
    ACTOR,
    NOTE,
    NOW,
    REPORTER,
    TRANSITIONS,
    Column,
    Grant,
    Param,
    SystemActor,
    Transition,
)


class MoveNotAllowed(Exception):
    """A move that the state machine does not allow now (answered with 409)."""

    def __init__(self, case: Case, move: str, allowed: list[str]):
        super().__init__(move)
        self.case, self.move, self.allowed = case, move, allowed


def level_deadline(*, start: datetime.datetime, level: str, town_id: int) -> datetime.datetime:
    """The end of the last working day a level has (LEVEL_WORKING_DAYS), on the town's calendar."""
    return workdays.deadline(start, LEVEL_WORKING_DAYS[level], town_id=town_id).at


def _user(actor):
    """The user recorded on events and as claimant or solver: none for the sweep and the
    reporter, who are not users."""
    return actor if getattr(actor, "pk", None) and not isinstance(actor, SystemActor) else None


def _tell(case: Case, event: CaseEvent | None, tells) -> None:
    notify.queue(
        [
            notify.notification(tell, case=case, event=event)
            for tell in tells
            if not tell.needs_contact or case.has_reporter_contact
        ]
    )


def _own_grid(actor, *, village_id) -> int | None:
    """A grid worker's report without a grid is in the worker's own grid (of the village
    reported), where the worker has exactly one."""
    if _user(actor) is None:
        return None
    grids = list(
        Membership.objects.filter(
            user_id=actor.pk, role=Role.GRID_WORKER, deleted_at__isnull=True, grid__village_id=village_id
        ).values_list("grid_id", flat=True)
    )
    return grids[0] if len(grids) == 1 else None


@transaction.atomic
def case_report(
    *,
    actor,
    data: dict,
    attachments=(),
    solved_on_spot: bool = False,
    solution: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """Register a case at village level with its 3-working-day deadline, or record one
    solved on the spot (registered and solved in one step)."""
    stamped = now is not None
    now = now or timezone.now()
    attachments = [photos.prepare(upload) for upload in attachments]  # before any write
    contact = data.pop("reporter_contact", "")
    case = Case(**data)
    case.reporter_contact = contact
    case.reported_by = _user(actor)
    if not case.grid_id and not case.household_id:
        case.grid_id = _own_grid(actor, village_id=case.village_id)
    case.full_clean()
    case.deadline = level_deadline(start=now, level=Level.VILLAGE, town_id=case.town_id)
    if solved_on_spot:
        if not solution:
            raise ValidationError({"solution": _("Say how it was solved on the spot.")})
        case.state, case.solved_at, case.solution = CaseState.SOLVED, now, solution
        case.solved_by = case.reported_by
    case.save()
    if stamped:
        # created_at / updated_at fill themselves in on save (auto_now_add, auto_now):
        # a report written for the past says when it was made.
        Case.objects.filter(pk=case.pk).update(created_at=now, updated_at=now)
        case.created_at = case.updated_at = now
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
    event = CaseEvent.objects.create(
        case=case,
        at=now,
        actor=case.reported_by,
        move=Move.SOLVE_ON_SPOT if solved_on_spot else Move.REPORT,
        from_state="",
        to_state=case.state,
        note=solution,
    )
    for upload in attachments:
        CaseAttachment.objects.create(case=case, event=event, file=upload)
    audit.record(action=AuditAction.CREATE, instance=case, actor=actor, after=audit.snapshot(case))
    if _user(actor) is not None:
        # Inside the transaction: a case reported outside the actor's area, or by someone
        # who does not report (a supervisor), is not saved.
        where = report_q(actor)
        if where is None or not Case.objects.filter(where, pk=case.pk).exists():
            raise PermissionDenied(_("You may not report a case here."))
    tell = transitions.ASK_REPORTER_TO_RATE if solved_on_spot else transitions.TELL_REPORTER
    _tell(case, event, [tell])
    return case


@transaction.atomic
def case_move(
    *,
    case: Case,
    move: str,
    actor,
    note: str = "",
    department=None,
    attachments=(),
    now: datetime.datetime | None = None,
) -> Case:
    """Apply one move of the state machine for ``actor`` (a user, or transitions.SWEEP).

    The state change is a compare-and-set: of two people claiming at once, exactly one
    row update matches the old state; the other gets MoveNotAllowed (409).
    """
    now = now or timezone.now()
    t = TRANSITIONS.get(move)
    grant = transitions.grant_for(t, case, actor, now=now) if t is not None else None
    if grant is None:
        raise MoveNotAllowed(case, move, transitions.allowed_moves(case, actor, now=now))
    return apply_move(
        case,
        t,
        grant,
        actor=actor,
        note=note,
        params={"department": department},
        data={"department": department.pk} if department is not None else {},
        attachments=attachments,
        now=now,
    )


def _param(case: Case, spec: Param, params: dict):
    value = params.get(spec.name, spec.default)
    if spec.name == "department" and spec.required:
        if value is None:
            raise ValidationError({"department": _("Choose the department.")})
        if value.town_id != case.town_id or value.deleted_at is not None:
            raise ValidationError({"department": _("Choose a department of the case's town.")})
    elif spec.required and value in (None, ""):
        raise ValidationError({spec.name: _("This field is required.")})
    return spec.default if value is None else value


def move_changes(
    t: Transition,
    *,
    now: datetime.datetime,
    deadline: datetime.datetime | None = None,
    to_state: str | None = None,
    user=None,
    note: str = "",
    values: dict | None = None,
) -> dict:
    """The case fields move ``t`` writes, for ``QuerySet.update``: the target state, the
    level, the declared fields (another column as ``F``), the new deadline, updated_at.
    The sweep writes these to a set of cases (cases.sweeps)."""
    changes: dict = {}
    if t.target is not None:
        if to_state is None and callable(t.target):
            raise ValueError(f"{t.move}: the target depends on the case")
        changes["state"] = to_state or t.target
    if t.level is not None:
        changes["level"] = t.level
    for name, spec in t.sets.items():
        if spec is NOW:
            changes[name] = now
        elif spec is ACTOR:
            changes[name] = user
        elif spec is NOTE:
            changes[name] = note
        elif isinstance(spec, Param):
            if values is None or spec.name not in values:
                raise ValueError(f"{t.move}: {spec.name} is not given")
            changes[name] = values[spec.name]
        elif isinstance(spec, Column):
            changes[name] = F(spec.name)
        else:
            changes[name] = spec
    if t.new_deadline:
        if deadline is None:
            raise ValueError(f"{t.move}: a new deadline is needed")
        changes["deadline"] = deadline
    if not t.bookkeeping:
        changes["updated_at"] = now
    return changes


def period_met(now: datetime.datetime) -> ExpressionWrapper:
    """Whether the period that ends ``now`` met its deadline."""
    return ExpressionWrapper(Q(deadline__gte=now), output_field=BooleanField())


def apply_move(
    case: Case,
    t: Transition,
    grant: Grant,
    *,
    actor,
    now: datetime.datetime,
    note: str = "",
    params: dict | None = None,
    data: dict | None = None,
    attachments=(),
) -> Case:
    """Write move ``t``, allowed under ``grant``, to ``case``: what cases.sweeps writes
    for a set of cases, for one. The caller has checked the grant."""
    if t.note_required and not grant.note_optional and not note.strip():
        raise ValidationError({"note": str(t.note_required)})
    attachments = [photos.prepare(upload) for upload in attachments]  # before any write
    params = params or {}
    user = _user(actor)
    from_state, to_state = case.state, t.target_for(case)
    values = {spec.name: _param(case, spec, params) for spec in t.sets.values() if isinstance(spec, Param)}
    deadline = None
    if t.new_deadline:
        deadline = level_deadline(start=now, level=t.level or case.level, town_id=case.town_id)
    changes = move_changes(
        t, now=now, deadline=deadline, to_state=to_state, user=user, note=note, values=values
    )
    # Compare-and-set: the case is still in the state the move was allowed from, and
    # still meets the grant's conditions (the sweep's: overdue, not yet flagged, …).
    guard = Q(pk=case.pk, state=from_state, deleted_at__isnull=True)
    for condition in grant.when:
        guard &= condition.q(now)
    if Case.objects.filter(guard).update(**changes) != 1:
        case.refresh_from_db()
        raise MoveNotAllowed(case, t.move, transitions.allowed_moves(case, actor, now=now))
    for name, value in [(n, getattr(case, v.name) if isinstance(v, F) else v) for n, v in changes.items()]:
        setattr(case, name, value)

    running = CasePeriod.objects.filter(case=case, ended_at__isnull=True)
    if t.closes_period:
        running.update(ended_at=now, outcome=t.move, met=period_met(now))
    if t.opens_period:
        CasePeriod.objects.create(
            case=case,
            level=case.level,
            village_id=case.village_id if case.level == Level.VILLAGE else None,
            department_id=case.department_id,
            started_at=now,
            deadline=case.deadline,
        )
    if t.period_follows_department:
        running.update(department_id=case.department_id)

    event = None
    if t.event:
        event = CaseEvent.objects.create(
            case=case,
            at=now,
            actor=user,
            move=t.move,
            from_state=from_state,
            to_state=to_state,
            note=note or str(grant.note),
            data={**dict(getattr(actor, "event_data", ())), **(data or {})},
        )
        for upload in attachments:
            CaseAttachment.objects.create(case=case, event=event, file=upload)
    _tell(case, event, t.tells)
    return case


class WrongRatingCode(ValidationError):
    """The code given to rate a case is not the reporter's."""


@transaction.atomic
def case_rate(
    *,
    case: Case,
    satisfaction: str,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Rating:
    """The reporter rates a solved or closed case: the reporter's moves of the table,
    rate, or reopen when not satisfied (back to the level that solved it).

    One rating per solution: a second rating of the same solved period is refused, also
    when both come at once (the unique constraint on case and period decides). The
    caller has established that the rating is the reporter's: the public doors call
    :func:`case_rate_with_code`; the demo and imports call this.
    """
    now = now or timezone.now()
    if not transitions.can_be_rated(case):
        raise ValidationError({"satisfaction": _("Only a solved case can be rated.")})
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose satisfied, basically satisfied or not satisfied.")})
    t = TRANSITIONS[Move.REOPEN if satisfaction == Satisfaction.NOT_SATISFIED else Move.RATE]
    grant = transitions.grant_for(t, case, REPORTER, now=now)
    period = solved_period(case)
    if grant is None or period is None:
        raise ValidationError({"satisfaction": _("Only a solved case can be rated.")})
    try:
        # A savepoint: the losing insert of a race fails alone, and answers.
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case, period=period, satisfaction=satisfaction, comment=comment, at=now
            )
    except IntegrityError:
        raise ValidationError({"satisfaction": _("This result has already been rated.")}) from None
    try:
        apply_move(
            case,
            t,
            grant,
            actor=REPORTER,
            note=comment,
            params={"satisfaction": satisfaction},
            data={"rating": rating.pk},
            now=now,
        )
    except MoveNotAllowed:
        raise ValidationError(
            {"satisfaction": _("The case changed meanwhile; reload and rate again.")}
        ) from None
    return rating


def case_rate_with_code(
    *,
    case: Case,
    code: str,
    satisfaction: str,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Rating:
    """A rating through a public door (the tracking page, the public API): only with the
    reporter's rating code, which the receipt and the request to rate carry."""
    if not rating_code_matches(case, code):
        raise WrongRatingCode(
            {"code": _("This rating code is not right for this case. Use the code from your receipt.")},
            code="wrong_rating_code",
        )
    return case_rate(case=case, satisfaction=satisfaction, comment=comment, now=now)
