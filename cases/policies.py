"""The scoping contract (DESIGN.md, "Who may do what") for cases and their records.

Cases: RW own town (office), R + supervise (supervisor), RW own village (cadre), report
and read own reports and own grid (grid worker), RW assigned to it (department), report
and read within the token's scope (REST client). Which move each may make is decided by
:mod:`cases.transitions`; this only says which cases exist for them.
"""

from django.db.models import Q

from governance.scoping import (
    CADRE,
    CHANGE,
    CLIENT,
    DEPARTMENT,
    GRID_WORKER,
    OFFICE,
    SUPERVISOR,
    Scope,
    grant,
    register,
    resolve_scope,
    scope_q_paths,
)
from grids.models import Household, Resident

from .models import Case, CaseAttachment, CaseKind, Notification, Open311Client, Rating


def _case_rule(scope: Scope, action: str) -> Q | None:
    base = scope_q_paths(
        scope,
        action,
        paths=[
            ("department", "department_id"),
            ("grid", "grid_id"),
            ("village", "village_id"),
            ("town", "town_id"),
        ],
        view={OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, CLIENT},
        change={OFFICE, CADRE, DEPARTMENT},
    )
    if action != CHANGE and scope.user_id and {GRID_WORKER, CLIENT} & scope.roles:
        own = Q(reported_by_id=scope.user_id)
        return own if base is None else base | own
    return base


register(Case, custom=_case_rule)

# Who may report a case, and where (DESIGN.md): the town office in its town, a village
# cadre in its village, a grid worker in its grid, a REST client in its token's scope.
# Supervisors read and supervise; departments solve what is assigned to them; residents
# (party members among them) report through the public doors.
REPORTERS = frozenset({OFFICE, CADRE, GRID_WORKER, CLIENT})


def report_q(user) -> Q | None:
    """The cases ``user`` may report, as a filter on where they are (None: nowhere)."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return Q()
    return scope_q_paths(
        scope,
        CHANGE,
        paths=[("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")],
        view=frozenset(),
        change=REPORTERS,
    )


def _case_kind_rule(scope: Scope, action: str) -> Q | None:
    """Kinds every town has, and each town's own: read by its people, kept by its office."""
    if scope.user_id is None:
        return None
    if action == CHANGE:
        offices = sorted(scope.ids("town", [OFFICE]))
        return Q(town_id__in=offices) if offices else None
    return Q(town__isnull=True) | Q(town_id__in=sorted(scope.ids("town")))


register(CaseKind, custom=_case_kind_rule)

# Notifications, ratings and attachments belong to their case and are read where the case
# is, by those who keep cases (they are written by the services only).
for _model in (Notification, Rating, CaseAttachment):
    register(
        _model,
        paths=[
            ("department", "case__department_id"),
            ("village", "case__village_id"),
            ("town", "case__town_id"),
        ],
        view={OFFICE, SUPERVISOR, CADRE, DEPARTMENT},
        change=set(),
    )

register(
    Open311Client,
    paths=[("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR},
    change={OFFICE},
)


def _households_of_department_cases(household_lookup: str):
    """A department handler reads the households (and their people) of the cases
    assigned to its department; it changes none of them."""

    def rule(scope: Scope, action: str) -> Q | None:
        departments = sorted(scope.ids("department", [DEPARTMENT]))
        if action == CHANGE or not departments:
            return None
        cases = Case.objects.filter(
            department_id__in=departments, household__isnull=False, deleted_at__isnull=True
        )
        return Q(**{f"{household_lookup}__in": cases.values("household_id")})

    return rule


grant(Household, _households_of_department_cases("pk"))
grant(Resident, _households_of_department_cases("household_id"))
