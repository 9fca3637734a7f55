"""The scoping contract (DESIGN.md, "Who may do what"), model by model.

Read with :mod:`governance.scoping`: ``paths`` lead from a model to the areas above it,
most specific first; ``view``/``change`` name the roles that may read or write it. Rows
outside the reach of a user's memberships do not exist for that user.
"""

from django.db.models import Q

from grids.models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village

from .choices import Role
from .models import AuditEntry, CalendarDay, CalendarYear, Membership, User
from .scoping import CHANGE, Scope, register, scope_q_paths

OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, MEMBER, CLIENT = (
    Role.TOWN_OFFICE,
    Role.SUPERVISOR,
    Role.VILLAGE_CADRE,
    Role.GRID_WORKER,
    Role.DEPARTMENT,
    Role.PARTY_MEMBER,
    Role.API_CLIENT,
)

# Towns, villages, grids: RW own town (office), R own towns (supervisor), R own village
# (cadre), R own grid (grid worker), R names (department), R token scope (REST client).
AREA_VIEW = {OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, CLIENT}
register(Town, paths=[("town", "pk")], view=AREA_VIEW, change={OFFICE})
register(Village, paths=[("village", "pk"), ("town", "town_id")], view=AREA_VIEW, change={OFFICE})
register(
    Grid,
    paths=[("grid", "pk"), ("village", "village_id"), ("town", "village__town_id")],
    view=AREA_VIEW,
    change={OFFICE},
)
register(
    Department,
    paths=[("department", "pk"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, CLIENT},
    change={OFFICE},
)

# Households and residents: RW own town (office), R (supervisor), RW own village (cadre),
# RW own grid (grid worker), own record (party member), token scope (REST client);
# department handlers read those in the cases assigned to them.
PEOPLE_VIEW = {OFFICE, SUPERVISOR, CADRE, GRID_WORKER, MEMBER, CLIENT}
PEOPLE_CHANGE = {OFFICE, CADRE, GRID_WORKER}
HOUSEHOLD_PATHS = [("household", "pk"), ("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")]
RESIDENT_PATHS = [
    ("resident", "pk"),
    ("household", "household_id"),
    ("grid", "household__grid_id"),
    ("village", "village_id"),
    ("town", "town_id"),
]


def _people_rule(paths, household_lookup):
    """The path rule, plus: a department handler reads the households (and their people)
    of the cases assigned to its department."""

    def rule(scope: Scope, action: str) -> Q | None:
        from cases.models import Case

        q = scope_q_paths(scope, action, paths=paths, view=PEOPLE_VIEW, change=PEOPLE_CHANGE)
        departments = sorted(scope.ids("department", [DEPARTMENT]))
        if action != CHANGE and departments:
            in_cases = Q(
                **{
                    f"{household_lookup}__in": Case.objects.filter(
                        department_id__in=departments, household__isnull=False, deleted_at__isnull=True
                    ).values("household_id")
                }
            )
            q = in_cases if q is None else q | in_cases
        return q

    return rule


register(Household, paths=HOUSEHOLD_PATHS, custom=_people_rule(HOUSEHOLD_PATHS, "pk"))
register(Resident, paths=RESIDENT_PATHS, custom=_people_rule(RESIDENT_PATHS, "household_id"))

# Party branches and members: kept by the town office, read by supervisors, the village
# cadres of the village, REST clients; a party member sees their own record.
register(
    PartyBranch,
    paths=[("village", "village_id"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE, CLIENT},
    change={OFFICE},
)
register(
    PartyMember,
    paths=[("party_member", "pk"), ("village", "village_id"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE, MEMBER, CLIENT},
    change={OFFICE},
)

# The audit trail: read by the town office and supervisors of the town; nobody writes it
# except the services.
register(AuditEntry, paths=[("town", "town_id")], view={OFFICE, SUPERVISOR}, change=set())


def _membership_rule(scope: Scope, action: str) -> Q | None:
    """The town office keeps the memberships of its town; everyone sees their own."""
    towns = sorted(scope.ids("town", [OFFICE]))
    in_town = (
        Q(town_id__in=towns)
        | Q(village__town_id__in=towns)
        | Q(grid__village__town_id__in=towns)
        | Q(department__town_id__in=towns)
        | Q(party_member__town_id__in=towns)
    )
    if action == CHANGE:
        return in_town if towns else None
    own = Q(user_id=scope.user_id) if scope.user_id else None
    if towns:
        return in_town | own if own else in_town
    return own


register(Membership, custom=_membership_rule)


def _user_rule(scope: Scope, action: str) -> Q | None:
    """Users as choices (a grid's leader): oneself, and for the town office the people
    holding a role in its towns. Accounts themselves are kept by superusers."""
    if scope.user_id is None or action == CHANGE:
        return None
    membership_q = _membership_rule(scope, CHANGE)
    if membership_q is None:
        return Q(pk=scope.user_id)
    return Q(pk=scope.user_id) | Q(pk__in=Membership.objects.filter(membership_q).values("user_id"))


register(User, custom=_user_rule)


def _calendar_rule(scope: Scope, action: str) -> Q | None:
    """Every signed-in user reads the calendar (deadlines depend on it); the town office
    enters the official schedule and its own town's closures and corrections."""
    if scope.user_id is None:
        return None
    towns = sorted(scope.ids("town"))
    if action == CHANGE:
        offices = sorted(scope.ids("town", [OFFICE]))
        return Q(town__isnull=True) | Q(town_id__in=offices) if offices else None
    return Q(town__isnull=True) | Q(town_id__in=towns)


register(CalendarDay, custom=_calendar_rule)


def _calendar_year_rule(scope: Scope, action: str) -> Q | None:
    """Which years carry an official schedule: read by all, loaded by the town office."""
    if scope.user_id is None:
        return None
    if action == CHANGE:
        return Q() if scope.ids("town", [OFFICE]) else None
    return Q()


register(CalendarYear, custom=_calendar_year_rule)


# Cases: RW own town (office), R + supervise (supervisor), RW own village (cadre), report
# and read own reports and own grid (grid worker), RW assigned to it (department), report
# and read within the token's scope (REST client). Which move each may make is decided by
# cases.transitions; this only says which cases exist for them.
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


def _register_cases() -> None:
    from cases.models import Case, CaseKind

    register(Case, custom=_case_rule)
    register(CaseKind, custom=_case_kind_rule)


def _case_kind_rule(scope: Scope, action: str) -> Q | None:
    """Kinds every town has, and each town's own: read by its people, kept by its office."""
    if scope.user_id is None:
        return None
    if action == CHANGE:
        offices = sorted(scope.ids("town", [OFFICE]))
        return Q(town_id__in=offices) if offices else None
    return Q(town__isnull=True) | Q(town_id__in=sorted(scope.ids("town")))


_register_cases()


def _register_case_records() -> None:
    """Notifications, ratings and attachments belong to their case and are read where the
    case is, by those who keep cases (they are written by the services only)."""
    from cases.models import CaseAttachment, Notification, Rating

    paths = [
        ("department", "case__department_id"),
        ("village", "case__village_id"),
        ("town", "case__town_id"),
    ]
    for model in (Notification, Rating, CaseAttachment):
        register(model, paths=paths, view={OFFICE, SUPERVISOR, CADRE, DEPARTMENT}, change=set())


_register_case_records()


def _register_open311() -> None:
    from cases.models import Open311Client

    register(
        Open311Client,
        paths=[("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")],
        view={OFFICE, SUPERVISOR},
        change={OFFICE},
    )


_register_open311()
