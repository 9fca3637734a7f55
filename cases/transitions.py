"""The state machine of a case: the one module that decides which move may happen from
which state, and for which role. Services apply moves; views only ask this module."""

from __future__ import annotations

from dataclasses import dataclass

from governance.choices import Role
from governance.scoping import resolve_scope

from .choices import CaseState as S
from .choices import Move

OFFICE, CADRE, DEPARTMENT, SUPERVISOR = Role.TOWN_OFFICE, Role.VILLAGE_CADRE, Role.DEPARTMENT, Role.SUPERVISOR


@dataclass(frozen=True)
class Transition:
    move: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_note: bool = False


def _t(move, sources, target, roles, needs_note=False) -> Transition:
    return Transition(move, frozenset(sources), target, frozenset(roles), needs_note)


# Reopen has no fixed target: the case goes back to the level that solved it.
REOPEN_TARGET = {"village": S.CLAIMED, "town": S.ACCEPTED}

TRANSITIONS: dict[str, Transition] = {
    t.move: t
    for t in [
        _t(Move.CLAIM, {S.REGISTERED}, S.CLAIMED, {CADRE, OFFICE}),
        _t(Move.ESCALATE, {S.REGISTERED, S.CLAIMED}, S.ESCALATED, {CADRE, OFFICE}),
        _t(Move.ASSIGN, {S.ESCALATED}, S.ASSIGNED, {OFFICE}),
        _t(Move.ACCEPT, {S.ASSIGNED}, S.ACCEPTED, {DEPARTMENT}),
        _t(Move.SEND_BACK, {S.ASSIGNED, S.ACCEPTED}, S.ESCALATED, {DEPARTMENT}, needs_note=True),
        _t(Move.SOLVE, {S.CLAIMED, S.ESCALATED, S.ACCEPTED}, S.SOLVED, {CADRE, OFFICE, DEPARTMENT}),
        _t(Move.CONFIRM, {S.SOLVED}, S.CONFIRMED, {CADRE, OFFICE, SUPERVISOR}),
        _t(Move.CLOSE, {S.CONFIRMED}, S.CLOSED, {CADRE, OFFICE}),
        _t(Move.REJECT, {S.REGISTERED, S.CLAIMED, S.ESCALATED}, S.REJECTED, {CADRE, OFFICE}, needs_note=True),
        _t(Move.REOPEN, {S.SOLVED, S.CONFIRMED, S.CLOSED}, S.CLAIMED, {OFFICE}, needs_note=True),
    ]
}
USER_MOVES = tuple(TRANSITIONS)

# Which states each role may act on beyond the bare table: a cadre works at village
# level, a department only on what was assigned to it, the solve of an escalated case
# (without a department) is the town office's.
_ROLE_STATES = {
    CADRE: {S.REGISTERED, S.CLAIMED, S.SOLVED, S.CONFIRMED},
    DEPARTMENT: {S.ASSIGNED, S.ACCEPTED},
}


def target_state(case, move: str) -> str:
    if move == Move.REOPEN:
        return REOPEN_TARGET[case.level]
    return TRANSITIONS[move].target


def allowed_moves(case, user) -> list[str]:
    """The moves ``user`` may make on ``case`` now (the case is already in their scope)."""
    scope = resolve_scope(user)
    roles = set(scope.roles) | ({OFFICE} if scope.is_superuser else set())
    moves = []
    for move, t in TRANSITIONS.items():
        if case.state not in t.sources:
            continue
        for role in roles & t.roles:
            states = _ROLE_STATES.get(role)
            if states is not None and case.state not in states:
                continue
            if role == DEPARTMENT and case.department_id not in scope.ids("department", [DEPARTMENT]):
                continue
            if role == CADRE and case.village_id not in scope.ids("village", [CADRE]):
                continue
            if (
                role in (OFFICE, SUPERVISOR)
                and not scope.is_superuser
                and case.town_id not in scope.ids("town", [role])
            ):
                continue
            if move == Move.CONFIRM and case.solved_by_id == user.pk:
                continue  # someone other than the one who solved it confirms
            moves.append(move)
            break
    return moves
