"""The scoping contract (DESIGN.md, "Who may do what") for duty rosters.

Rosters: the town office reads and keeps its town's; supervisors read; a village's
cadres read and keep their own village's; grid workers read their own village's; a REST
client reads within its token's scope. Departments and party members see rosters only on
the public page. Which
writes a roster still takes (a draft is edited, a published one only amended) is the
services' rule (:mod:`duty.services`); this only says whose rosters they are.
"""

from django.db.models import Q

from governance.scoping import (
    CADRE,
    CLIENT,
    GRID_WORKER,
    OFFICE,
    SUPERVISOR,
    VIEW,
    Scope,
    register,
    scope_q_paths,
)

from .choices import InspectionState
from .models import (
    Amendment,
    DutyFlag,
    DutyLog,
    DutySettings,
    ElderlyHelp,
    Errand,
    Inspection,
    InspectionPhoto,
    LogAmendment,
    LogPhoto,
    LogSubmission,
    OfficeCode,
    PatrolFinding,
    PolicyTalk,
    Roster,
    Shift,
    SpotCheck,
    ThreeMust,
    Visit,
    VisitPhoto,
)

ROSTER_READERS = frozenset({OFFICE, SUPERVISOR, CADRE, GRID_WORKER, CLIENT})
ROSTER_KEEPERS = frozenset({OFFICE, CADRE})

register(
    Roster,
    paths=[("village", "village_id"), ("town", "village__town_id")],
    view=ROSTER_READERS,
    change=ROSTER_KEEPERS,
)
# Shifts and amendments belong to their roster: read where it is, written by the roster
# services only (through the roster's own endpoints and pages).
register(
    Shift,
    paths=[("village", "roster__village_id"), ("town", "roster__village__town_id")],
    view=ROSTER_READERS,
    change=ROSTER_KEEPERS,
)
register(
    Amendment,
    paths=[("village", "roster__village_id"), ("town", "roster__village__town_id")],
    view=ROSTER_READERS,
    change=ROSTER_KEEPERS,
)
# A town's deadline: set by its office, read by those who keep or read its rosters.
register(
    DutySettings,
    paths=[("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE},
    change={OFFICE},
)


def villages_kept_by(user):
    """The villages whose rosters ``user`` may begin and keep: the roster rule's change
    scope, asked of villages (a roster that does not exist yet has no row to restrict)."""
    from governance.scoping import CHANGE, resolve_scope, scope_q_paths
    from grids.models import Village

    scope = resolve_scope(user)
    villages = Village.objects.filter(deleted_at__isnull=True)
    if scope.is_superuser:
        return villages
    q = scope_q_paths(
        scope, CHANGE, paths=[("village", "pk"), ("town", "town_id")], view=(), change=ROSTER_KEEPERS
    )
    return villages.filter(q) if q is not None else villages.none()


def deadline_town_ids(user) -> set[int]:
    """The towns whose roster deadline ``user`` sets (their town office's)."""
    from governance.scoping import resolve_scope
    from grids.models import Town

    scope = resolve_scope(user)
    if scope.is_superuser:
        return set(Town.objects.values_list("id", flat=True))
    return scope.ids("town", [OFFICE])


# ---------------------------------------------------------------------------------------
# Duty logs (DESIGN.md: duty logs — office R and flag, supervisor R, village cadre W own
# and R own village, grid worker R own grid's, REST client R)
# ---------------------------------------------------------------------------------------


# A log is its village's duty day. Grid workers do not read them: a log names households
# of the whole village (spot checks, visits), and a grid worker sees their own grid's
# only. Which cadre may write which log (the one on duty, or another with a reason) is
# the services' rule; this says whose village it is. A log's visits (item 5) are
# household visits, read by the visit rule below.
LOG_READERS = frozenset({OFFICE, SUPERVISOR, CADRE, CLIENT})
LOG_WRITERS = frozenset({CADRE})
_LOG_PATHS = [("village", "village_id"), ("town", "village__town_id")]
_ROW_PATHS = [("village", "log__village_id"), ("town", "log__village__town_id")]

register(DutyLog, paths=_LOG_PATHS, view=LOG_READERS, change=LOG_WRITERS)
register(Errand, paths=_LOG_PATHS, view=LOG_READERS, change=LOG_WRITERS)
for _row in (SpotCheck, PolicyTalk, ElderlyHelp, PatrolFinding, LogPhoto):
    register(_row, paths=_ROW_PATHS, view=LOG_READERS, change=LOG_WRITERS)
register(LogAmendment, paths=_ROW_PATHS, view=LOG_READERS, change=LOG_WRITERS)
register(LogSubmission, paths=_ROW_PATHS, view=LOG_WRITERS, change=LOG_WRITERS)
# The office code's token is the office's secret: its town office prints it and posts it
# in the village office; nobody else reads it (a cadre holding the image could check in
# from anywhere).
register(OfficeCode, paths=_LOG_PATHS, view={OFFICE}, change={OFFICE})
# Flags are for the town office (it dismisses them) and those who oversee it.
register(DutyFlag, paths=_LOG_PATHS, view={OFFICE, SUPERVISOR, CLIENT}, change={OFFICE})


def board_villages_for(user):
    """The villages whose row of the town's today board ``user`` reads: the villages they
    read, and for a village cadre every village of their town, so villages see each
    other's progress (形成比拼追赶态势). A row is the village's name, who is on duty, the
    check-in time and the items done: never the log itself, which stays its village's
    (DutyLog's rule above)."""
    from governance.scoping import resolve_scope, restrict
    from grids.models import Village

    villages = Village.objects.filter(deleted_at__isnull=True)
    readable = restrict(villages, user, VIEW)
    scope = resolve_scope(user)
    towns = sorted(scope.ids("town", [CADRE])) if not scope.is_superuser else []
    if not towns:
        return readable
    return villages.filter(Q(pk__in=readable.values("pk")) | Q(town_id__in=towns))


def villages_on_duty_for(user):
    """The villages whose logs ``user`` may file (the cadres of the village)."""
    from governance.scoping import CHANGE, resolve_scope, scope_q_paths
    from grids.models import Village

    scope = resolve_scope(user)
    villages = Village.objects.filter(deleted_at__isnull=True)
    if scope.is_superuser:
        return villages
    q = scope_q_paths(scope, CHANGE, paths=[("village", "pk")], view=(), change=LOG_WRITERS)
    return villages.filter(q) if q is not None else villages.none()


# ---------------------------------------------------------------------------------------
# Household visits (DESIGN.md: visits — office R, supervisor R, village cadre W own and R
# own village, grid worker W own visits and R own grid, REST client R)
# ---------------------------------------------------------------------------------------

# A visit (and a three-musts occasion waiting for one) is its household's: read where the
# household's grid, village or town is reached. Who may record which visit (a cadre in
# their village, a grid worker in their grid) and who may change one (its recorder) is
# the services' rule.
VISIT_READERS = frozenset({OFFICE, SUPERVISOR, CADRE, GRID_WORKER, CLIENT})
VISIT_WRITERS = frozenset({CADRE, GRID_WORKER})
_GRID_PATHS = [("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")]
register(Visit, paths=_GRID_PATHS, view=VISIT_READERS, change=VISIT_WRITERS)
register(ThreeMust, paths=_GRID_PATHS, view=VISIT_READERS, change=VISIT_WRITERS | {OFFICE})
register(
    VisitPhoto,
    paths=[("grid", "visit__grid_id"), ("village", "visit__village_id"), ("town", "visit__town_id")],
    view=VISIT_READERS,
    change=VISIT_WRITERS,
)


# ---------------------------------------------------------------------------------------
# Inspections (DESIGN.md: office RW, supervisor RW, village cadre R own village once
# published)
# ---------------------------------------------------------------------------------------

INSPECTORS = frozenset({OFFICE, SUPERVISOR})


def _inspection_rule(scope: Scope, action: str, *, prefix: str = "") -> Q | None:
    """The town's inspectors read and write their town's; the inspected village's cadres
    read its published ones only (an unannounced inspection stays unannounced)."""
    q = scope_q_paths(scope, action, paths=[("town", f"{prefix}town_id")], view=INSPECTORS, change=INSPECTORS)
    if action == VIEW:
        village = scope_q_paths(
            scope, action, paths=[("village", f"{prefix}village_id")], view={CADRE}, change=()
        )
        if village is not None:
            village &= Q(**{f"{prefix}state": InspectionState.PUBLISHED})
            q = village if q is None else q | village
    return q


register(Inspection, custom=_inspection_rule)
register(InspectionPhoto, custom=lambda scope, action: _inspection_rule(scope, action, prefix="inspection__"))


def households_visitable_by(user):
    """The households ``user`` may record a visit to: a cadre's village's, a grid
    worker's grid's (with its second-level grids). The visit rule's change scope, asked
    of households (a visit not yet made has no row to restrict); a household has the
    same ``town_id``/``village_id``/``grid_id`` columns a visit has."""
    from governance.scoping import CHANGE, resolve_scope
    from grids.models import Household

    scope = resolve_scope(user)
    households = Household.objects.filter(deleted_at__isnull=True)
    if scope.is_superuser:
        return households
    q = scope_q_paths(scope, CHANGE, paths=_GRID_PATHS, view=(), change=VISIT_WRITERS)
    return households.filter(q) if q is not None else households.none()
