"""The state machine of a case: the one table of moves.

Each move declares where it may start (source states), who may make it and where
(grants: a role and the part of the hierarchy its reach must hold, or the sweep and the
reporter, which are not users), the state it leads to, the fields it sets, the level it
moves to and whether a new deadline follows, what it does to the level periods, whether
a note is required, and who is told.

Everything else reads this table: ``services.case_move`` applies one move to one case,
``sweeps`` applies the sweep's moves to a set of cases in SQL, ``services.case_rate``
applies the reporter's moves, the case pages and the API offer :data:`USER_MOVES`, and
the inbox of a user is :func:`moves_q`, the cases on which they have a move.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import workdays
from governance.choices import Role
from governance.scoping import resolve_scope

from .choices import OPEN_STATES, TOWN_OPEN_STATES, Level, Move, NotificationKind
from .choices import CaseState as S
from .models import Case, overdue_q

OFFICE, CADRE, DEPARTMENT, SUPERVISOR = Role.TOWN_OFFICE, Role.VILLAGE_CADRE, Role.DEPARTMENT, Role.SUPERVISOR


# -- Actors that are not users -------------------------------------------------------


@dataclass(frozen=True)
class SystemActor:
    """Who moves a case without signing in: the escalation sweep, or the reporter, who
    rates by tracking number. Events they write have no actor user; ``event_data`` marks
    them."""

    role: str
    event_data: tuple[tuple[str, object], ...] = ()
    pk = None
    is_authenticated = False
    is_superuser = False

    def __str__(self):
        return self.role


SWEEP = SystemActor("sweep", (("sweep", True),))
REPORTER = SystemActor("reporter")


# -- Conditions on a case at a moment (the sweep's) ----------------------------------


@dataclass(frozen=True, eq=False)
class Condition:
    """A condition on a case at ``now``, written as a query (sets of cases, the inbox)
    and as a test of one loaded case (``case_move``); the tests check they agree."""

    name: str
    q: Callable[[datetime.datetime], Q]
    test: Callable[[Case, datetime.datetime], bool]


def reminder_horizon(now: datetime.datetime) -> datetime.datetime:
    """Reminders go out for deadlines by the end of the next working day."""
    return workdays.deadline(now, 1).at


OVERDUE = Condition("overdue", overdue_q, lambda case, now: case.is_overdue_at(now))
NOT_SUPERVISED = Condition(
    "not supervised", lambda now: Q(supervised_at__isnull=True), lambda case, now: case.supervised_at is None
)
DUE_SOON = Condition(
    "due by the next working day, not reminded for this deadline",
    lambda now: (
        Q(deadline__gte=now, deadline__lte=reminder_horizon(now))
        & (Q(reminded_for__isnull=True) | ~Q(reminded_for=F("deadline")))
    ),
    lambda case, now: (
        case.deadline is not None
        and now <= case.deadline <= reminder_horizon(now)
        and case.reminded_for != case.deadline
    ),
)


# -- Who may make a move --------------------------------------------------------------

# The case field an actor's reach must hold, by the scope level it is named after.
AREA_FIELDS = {"village": "village_id", "department": "department_id", "town": "town_id"}


@dataclass(frozen=True)
class Grant:
    """One kind of actor that may make a move, and on which cases."""

    role: str
    # The case's village / department / town must be among this role's areas.
    area: str | None = None
    # Only cases at this level.
    level: str | None = None
    # Further conditions at the moment of the move (the sweep's).
    when: tuple[Condition, ...] = ()
    # The event note this actor writes (the sweep explains itself).
    note: str = ""
    # The note is not required from this actor (a rating is the reporter's reason).
    note_optional: bool = False
    # A case this grant may move waits in the actor's inbox. Not where the actor only
    # stands in for another (the office claiming or solving for a village) or corrects a
    # result (reopening): those cases wait for someone else.
    in_inbox: bool = True


CADRE_OF_VILLAGE = Grant(CADRE, area="village", level=Level.VILLAGE)
DEPARTMENT_ASSIGNED = Grant(DEPARTMENT, area="department")
OFFICE_OF_TOWN = Grant(OFFICE, area="town")
OFFICE_STANDING_IN = Grant(OFFICE, area="town", in_inbox=False)
SUPERVISOR_OF_TOWN = Grant(SUPERVISOR, area="town")
THE_REPORTER = Grant(REPORTER.role, note_optional=True)


# -- What a move writes ----------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A value the caller gives (the department to assign to, the satisfaction)."""

    name: str
    default: object = None
    required: bool = False


@dataclass(frozen=True)
class Column:
    """The value of another column of the case (a reminder is for the current deadline)."""

    name: str


NOW, ACTOR, NOTE = "<now>", "<actor>", "<note>"

HOLDER = "<holder>"  # the village, the department, or the town that has the case now

CASE_STATE = _("Case %(number)s: %(state)s.")
PLEASE_RATE = _("Please rate the result with your rating code.")
# Only in messages a service writes (notify.notification fills these in; the sweep's SQL
# messages know number, state and deadline only).
YOUR_RATING_CODE = _("Rating code %(rating_code)s: %(rating_link)s")


@dataclass(frozen=True)
class Tell:
    """A notification a move sends: to whom, of which kind, what it says (message
    templates with ``%(number)s``, ``%(state)s`` and ``%(deadline)s``, and in those only
    services send ``%(rating_code)s`` and ``%(rating_link)s``) and its key, which
    makes it once (``{event}``, ``{case}``, ``{deadline}``, ``{town}`` are filled in)."""

    recipient: str
    kind: str
    body: tuple[str, ...]
    key: str
    # Only where the reporter left a contact.
    needs_contact: bool = False


TELL_REPORTER = Tell(
    "reporter", NotificationKind.PROGRESS, (CASE_STATE,), "event:{event}", needs_contact=True
)
ASK_REPORTER_TO_RATE = Tell(
    "reporter",
    NotificationKind.RATE_REQUEST,
    (CASE_STATE, PLEASE_RATE, YOUR_RATING_CODE),
    "event:{event}",
    needs_contact=True,
)
TELL_SUPERVISORS = Tell(
    "supervisors:{town}",
    NotificationKind.SUPERVISION,
    (_("Case %(number)s is overdue at town level."),),
    "supervise:{case}",
)
REMIND_HOLDER = Tell(
    HOLDER,
    NotificationKind.REMINDER,
    (_("Case %(number)s is due by %(deadline)s."),),
    "remind:{case}:{deadline}",
)


def back_to_solver(case) -> str:
    """Reopen: back to the level that solved it, to whoever held it there."""
    if case.level == Level.VILLAGE:
        return S.CLAIMED
    return S.ACCEPTED if case.department_id else S.ESCALATED


@dataclass(frozen=True, eq=False)
class Transition:
    move: str
    sources: frozenset[str]
    grants: tuple[Grant, ...]
    # The state it leads to: a state, a function of the case (reopen), or None (stays).
    target: str | Callable | None = None
    # The level it moves to (None: stays).
    level: str | None = None
    # Fields it sets: a value, or NOW, ACTOR, NOTE, Param(...), Column(...).
    sets: Mapping[str, object] = field(default_factory=dict)
    # A new deadline: the working days of the level the case is at afterwards.
    new_deadline: bool = False
    # The running level period ends (outcome: this move; met: by its deadline).
    closes_period: bool = False
    # A period opens at the level the case is at afterwards, held by its village (at
    # village level) or department, with the case's new deadline.
    opens_period: bool = False
    # The running period's holder follows the case's department (assign, send back).
    period_follows_department: bool = False
    # The message when a note is required and missing (None: optional).
    note_required: str | None = None
    # Nobody confirms their own solution.
    not_by_solver: bool = False
    tells: tuple[Tell, ...] = ()
    # Writes an event on the timeline (reminders do not).
    event: bool = True
    # Bookkeeping only: the case's updated_at stays (reminders).
    bookkeeping: bool = False

    def target_for(self, case) -> str:
        if self.target is None:
            return case.state
        return self.target(case) if callable(self.target) else self.target


RATABLE_STATES = frozenset({S.SOLVED, S.CONFIRMED, S.CLOSED})
GIVE_A_REASON = _("Give a reason.")


def _transitions(*transitions: Transition) -> dict[str, Transition]:
    return {t.move: t for t in transitions}


TRANSITIONS: dict[str, Transition] = _transitions(
    Transition(
        Move.CLAIM,
        frozenset({S.REGISTERED}),
        (CADRE_OF_VILLAGE, OFFICE_STANDING_IN),
        target=S.CLAIMED,
        sets={"claimed_by": ACTOR},
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.ESCALATE,
        frozenset({S.REGISTERED, S.CLAIMED}),
        (
            CADRE_OF_VILLAGE,
            OFFICE_STANDING_IN,
            Grant(SWEEP.role, when=(OVERDUE,), note=_("Overdue at village level: escalated to the town.")),
        ),
        target=S.ESCALATED,
        level=Level.TOWN,
        sets={"department": None},
        new_deadline=True,
        closes_period=True,
        opens_period=True,
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.ASSIGN,
        frozenset({S.ESCALATED}),
        (OFFICE_OF_TOWN,),
        target=S.ASSIGNED,
        sets={"department": Param("department", required=True)},
        period_follows_department=True,
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.ACCEPT,
        frozenset({S.ASSIGNED}),
        (DEPARTMENT_ASSIGNED,),
        target=S.ACCEPTED,
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.SEND_BACK,
        frozenset({S.ASSIGNED, S.ACCEPTED}),
        (DEPARTMENT_ASSIGNED,),
        target=S.ESCALATED,
        sets={"department": None},
        period_follows_department=True,
        note_required=GIVE_A_REASON,
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.SOLVE,
        frozenset({S.CLAIMED, S.ESCALATED, S.ACCEPTED}),
        (CADRE_OF_VILLAGE, OFFICE_STANDING_IN, DEPARTMENT_ASSIGNED),
        target=S.SOLVED,
        sets={"solved_at": NOW, "solved_by": ACTOR, "solution": NOTE},
        closes_period=True,
        note_required=_("Say how it was solved."),
        tells=(ASK_REPORTER_TO_RATE,),
    ),
    Transition(
        Move.CONFIRM,
        frozenset({S.SOLVED}),
        (CADRE_OF_VILLAGE, OFFICE_OF_TOWN, SUPERVISOR_OF_TOWN),
        target=S.CONFIRMED,
        not_by_solver=True,
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.CLOSE,
        frozenset({S.CONFIRMED}),
        (CADRE_OF_VILLAGE, OFFICE_OF_TOWN),
        target=S.CLOSED,
        sets={"closed_at": NOW},
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.REJECT,
        frozenset({S.REGISTERED, S.CLAIMED, S.ESCALATED}),
        (CADRE_OF_VILLAGE, OFFICE_STANDING_IN),
        target=S.REJECTED,
        closes_period=True,
        note_required=GIVE_A_REASON,
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.REOPEN,
        RATABLE_STATES,
        (OFFICE_STANDING_IN, THE_REPORTER),
        target=back_to_solver,
        sets={
            "closed_at": None,
            "solved_at": None,
            "solved_by": None,
            # Not satisfied, when the reporter reopens by rating; cleared by the office.
            "satisfaction": Param("satisfaction", default=""),
        },
        new_deadline=True,
        opens_period=True,
        note_required=GIVE_A_REASON,
        tells=(TELL_REPORTER,),
    ),
    Transition(
        Move.RATE,
        RATABLE_STATES,
        (THE_REPORTER,),
        sets={"satisfaction": Param("satisfaction", required=True)},
    ),
    Transition(
        Move.SUPERVISE,
        frozenset(TOWN_OPEN_STATES),
        (
            Grant(
                SWEEP.role,
                when=(OVERDUE, NOT_SUPERVISED),
                note=_("Overdue at town level: flagged for supervision."),
            ),
        ),
        sets={"supervised_at": NOW},
        tells=(TELL_SUPERVISORS,),
    ),
    Transition(
        Move.REMIND,
        frozenset(OPEN_STATES),
        (Grant(SWEEP.role, when=(DUE_SOON,)),),
        sets={"reminded_for": Column("deadline")},
        tells=(REMIND_HOLDER,),
        event=False,
        bookkeeping=True,
    ),
)

USER_ROLES = frozenset(Role.values)
# The moves people make (pages and the API offer these), in the table's order.
USER_MOVES: tuple[str, ...] = tuple(
    move for move, t in TRANSITIONS.items() if any(g.role in USER_ROLES for g in t.grants)
)
# The sweep's moves, applied to sets of cases by cases.sweeps.
SWEEP_MOVES: tuple[str, ...] = tuple(
    move for move, t in TRANSITIONS.items() if any(g.role == SWEEP.role for g in t.grants)
)


# The states in which a case waits for the town office to dispatch it to a department.
DISPATCH_STATES = sorted(TRANSITIONS[Move.ASSIGN].sources)


def can_be_rated(case) -> bool:
    return case.state in RATABLE_STATES


# -- Applying the table -----------------------------------------------------------------


class _Reach:
    """An actor's roles and, per role, the areas it acts in."""

    def __init__(self, actor):
        if isinstance(actor, SystemActor):
            self.scope, self.roles, self.everywhere = None, {actor.role}, True
            return
        self.scope = resolve_scope(actor)
        self.roles = set(self.scope.roles) | ({OFFICE} if self.scope.is_superuser else set())
        self.everywhere = self.scope.is_superuser

    def ids(self, grant: Grant) -> set[int] | None:
        """The ids the case's area must be among; None: anywhere."""
        if grant.area is None or self.everywhere:
            return None
        return self.scope.ids(grant.area, [grant.role])


def grant_for(
    t: Transition, case, actor, *, now: datetime.datetime | None = None, reach: _Reach | None = None
) -> Grant | None:
    """The grant under which ``actor`` may make move ``t`` on ``case`` now, if any."""
    if case.state not in t.sources or case.deleted_at is not None:
        return None
    if t.not_by_solver and getattr(actor, "pk", None) is not None and case.solved_by_id == actor.pk:
        return None
    reach = reach or _Reach(actor)
    for grant in t.grants:
        if grant.role not in reach.roles:
            continue
        if grant.level is not None and case.level != grant.level:
            continue
        ids = reach.ids(grant)
        if ids is not None and getattr(case, AREA_FIELDS[grant.area]) not in ids:
            continue
        if grant.when and not all(c.test(case, now or timezone.now()) for c in grant.when):
            continue
        return grant
    return None


def allowed_moves(case, actor, *, now: datetime.datetime | None = None) -> list[str]:
    """The moves ``actor`` (a user, SWEEP or REPORTER) may make on ``case`` now."""
    reach = _Reach(actor)
    return [
        move for move, t in TRANSITIONS.items() if grant_for(t, case, actor, now=now, reach=reach) is not None
    ]


def inbox_moves(case, actor, *, now: datetime.datetime | None = None) -> list[str]:
    """The moves for which ``case`` waits for ``actor``: allowed under a grant that is not
    standing in for another (see ``Grant.in_inbox``)."""
    reach = _Reach(actor)
    moves = []
    for move, t in TRANSITIONS.items():
        grant = grant_for(t, case, actor, now=now, reach=reach)
        if grant is not None and grant.in_inbox:
            moves.append(move)
    return moves


def moves_q(actor, *, now: datetime.datetime | None = None, inbox: bool = False) -> Q | None:
    """The cases on which ``actor`` has a move, as a filter (None: none at all) — the
    same rule as :func:`allowed_moves`, for a set of cases. With ``inbox``, the cases
    that wait for the actor (:func:`inbox_moves`): a user's inbox."""
    reach = _Reach(actor)
    now = now or timezone.now()
    # One term per kind of grant, with the source states of all its moves.
    states: dict[tuple[Grant, bool], set[str]] = {}
    for t in TRANSITIONS.values():
        for grant in t.grants:
            if inbox and not grant.in_inbox:
                continue
            if grant.role in reach.roles:
                by_solver = t.not_by_solver and getattr(actor, "pk", None) is not None
                states.setdefault((grant, by_solver), set()).update(t.sources)
    q: Q | None = None
    for (grant, not_by_solver), sources in states.items():
        term = Q(state__in=sorted(sources))
        if grant.level is not None:
            term &= Q(level=grant.level)
        ids = reach.ids(grant)
        if ids is not None:
            if not ids:
                continue
            term &= Q(**{f"{AREA_FIELDS[grant.area]}__in": sorted(ids)})
        for condition in grant.when:
            term &= condition.q(now)
        if not_by_solver:
            term &= ~Q(solved_by_id=actor.pk)
        q = term if q is None else q | term
    return None if q is None else Q(deleted_at__isnull=True) & q
