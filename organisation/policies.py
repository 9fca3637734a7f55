"""The organisation app's part of the access contract (DESIGN.md, "Who may do what"):

* weekly task lists: the town office drafts and issues its town's; once issued they are
  read by supervisors and REST clients (the whole town) and by each receiver — a
  village's cadres their village's part (its grids' included), a grid worker their grid's,
  a department its own — who mark their part done; the public reads the week's list on
  the public page only;
* the responsibility map, informants, compound posts and officers: the town office keeps
  them; supervisors and REST clients read the town's; a village's cadres their village's;
  a grid worker their grid's; anyone whose account a link names reads that link ("which
  households are mine"), a party member included; the public reads the service cards;
* officers write their own activities and night visits (the services' rule: only for a
  village they are posted to); an officer's account reads the villages posted to as a
  supervisor does (``Role.OFFICER``, governance.scoping);
* secretaries' files: the town office; supervisors of the town read; a secretary reads
  their own file; commitments and yearly reviews: the town office; supervisors read (REST
  clients do not: DESIGN "—"); a village's cadres read their village's and record its
  commitments' progress and its yearly report; the public reads commitments and
  published review results on the public page.
"""

from __future__ import annotations

from django.db.models import Q

from governance.scoping import (
    CADRE,
    CHANGE,
    CLIENT,
    DEPARTMENT,
    GRID_WORKER,
    OFFICE,
    SUPERVISOR,
    VIEW,
    Scope,
    register,
    scope_q_paths,
)

from .choices import ListState
from .models import (
    Activity,
    Assignment,
    Commitment,
    FileEntry,
    GroupFocus,
    Informant,
    InformantGroup,
    NightVisit,
    NightVisitMatter,
    Officer,
    OfficerAssessment,
    OfficerGroup,
    Posting,
    Progress,
    Responsibility,
    Review,
    SecretaryFile,
    ServicePost,
    Task,
    TaskList,
)

READERS = frozenset({OFFICE, SUPERVISOR, CADRE, CLIENT})


def _or(*terms: Q | None) -> Q | None:
    out = None
    for term in terms:
        if term is not None:
            out = term if out is None else out | term
    return out


def _own(scope: Scope, action: str, lookup: str) -> Q | None:
    """The rows naming the user's own account (read only)."""
    if action != VIEW or scope.user_id is None:
        return None
    return Q(**{lookup: scope.user_id})


def town_level(scope: Scope, roles) -> set[int]:
    """Towns the user holds one of ``roles`` for as a whole (not a village's or grid's
    reach, which also names its town)."""
    out: set[int] = set()
    for reach in scope.reaches:
        if reach.role in roles and set(reach.ids) == {"town"}:
            out |= reach.ids["town"]
    return out


# ---------------------------------------------------------------------------------------
# Weekly task lists
# ---------------------------------------------------------------------------------------

LIST_READERS = frozenset({OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, CLIENT})


def _list_rule(prefix: str):
    """A list (or its tasks): the office's own town's, drafts included; issued lists for
    everyone else of the town."""

    def rule(scope: Scope, action: str) -> Q | None:
        office = scope_q_paths(scope, action, paths=[("town", "town_id")], view={OFFICE}, change={OFFICE})
        if action == CHANGE:
            return office
        others = scope_q_paths(
            scope, action, paths=[("town", "town_id")], view=LIST_READERS - {OFFICE}, change=()
        )
        if others is not None:
            others &= Q(**{f"{prefix}state": ListState.ISSUED})
        return _or(office, others)

    return rule


register(TaskList, custom=_list_rule(""))
register(Task, custom=_list_rule("task_list__"))

_ASSIGNMENT_PATHS = [
    ("grid", "grid_id"),
    ("village", "village_id"),
    ("department", "department_id"),
    ("town", "town_id"),
]


def _assignment_rule(scope: Scope, action: str) -> Q | None:
    office = scope_q_paths(scope, action, paths=[("town", "town_id")], view={OFFICE}, change={OFFICE})
    receivers = scope_q_paths(
        scope,
        action,
        paths=_ASSIGNMENT_PATHS,
        view=LIST_READERS - {OFFICE},
        change={CADRE, GRID_WORKER, DEPARTMENT},
    )
    if receivers is not None:
        receivers &= Q(task__task_list__state=ListState.ISSUED)
    return _or(office, receivers)


register(Assignment, custom=_assignment_rule)


# ---------------------------------------------------------------------------------------
# The responsibility map, informants, compound posts
# ---------------------------------------------------------------------------------------


def _responsibility_rule(scope: Scope, action: str) -> Q | None:
    base = scope_q_paths(
        scope, action, paths=[("village", "village_id"), ("town", "town_id")], view=READERS, change={OFFICE}
    )
    grids = None
    if action == VIEW:
        ids = sorted(scope.ids("grid", [GRID_WORKER]))
        if ids:
            grids = Q(grid_id__in=ids) | Q(household__grid_id__in=ids)
    return _or(base, grids, _own(scope, action, "user_id"))


register(Responsibility, custom=_responsibility_rule)


def _informant_rule(prefix: str):
    def rule(scope: Scope, action: str) -> Q | None:
        base = scope_q_paths(
            scope,
            action,
            paths=[("village", f"{prefix}village_id"), ("town", "town_id")],
            view=READERS,
            change={OFFICE},
        )
        own = None
        if action == VIEW and scope.user_id is not None:
            mine = Informant.objects.filter(user_id=scope.user_id, deleted_at__isnull=True)
            own = Q(pk__in=mine.values("pk" if prefix else "group_id"))
        return _or(base, own)

    return rule


register(InformantGroup, custom=_informant_rule(""))
register(Informant, custom=_informant_rule("group__"))


def _post_rule(scope: Scope, action: str) -> Q | None:
    base = scope_q_paths(
        scope,
        action,
        paths=[("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")],
        view=READERS | {GRID_WORKER},
        change={OFFICE},
    )
    return _or(base, _own(scope, action, "user_id"))


register(ServicePost, custom=_post_rule)


# ---------------------------------------------------------------------------------------
# Officers
# ---------------------------------------------------------------------------------------


def _officer_rule(scope: Scope, action: str) -> Q | None:
    """Officers: the town's (office, supervisors, clients); those posted to a village (its
    cadres, and whoever reads the village as a supervisor); oneself."""
    town = scope_q_paths(scope, action, paths=[("town", "town_id")], view={OFFICE, CLIENT}, change={OFFICE})
    towns = sorted(town_level(scope, {SUPERVISOR}))
    supervisors = Q(town_id__in=towns) if towns and action == VIEW else None
    villages = None
    if action == VIEW:
        ids = sorted(scope.ids("village", [CADRE, SUPERVISOR]))
        if ids:
            villages = Q(
                pk__in=Posting.objects.filter(village_id__in=ids, deleted_at__isnull=True).values(
                    "officer_id"
                )
            )
    return _or(town, supervisors, villages, _own(scope, action, "user_id"))


register(Officer, custom=_officer_rule)


def _officer_work_rule(prefix: str = ""):
    """Postings, activities and night visits: the village's readers; the office writes;
    the officer reads their own (and writes them: the services check the posting)."""

    def rule(scope: Scope, action: str) -> Q | None:
        base = scope_q_paths(
            scope,
            action,
            paths=[("village", f"{prefix}village_id"), ("town", f"{prefix}town_id")],
            view=READERS,
            change={OFFICE},
        )
        own = Q(**{f"{prefix}officer__user_id": scope.user_id}) if scope.user_id else None
        return _or(base, own)

    return rule


register(Posting, custom=_officer_work_rule())
register(Activity, custom=_officer_work_rule())
register(NightVisit, custom=_officer_work_rule())
register(NightVisitMatter, custom=_officer_work_rule("night_visit__"))


def _town_rule(*, readers, own: str | None = None):
    """Rows of the town as a whole: the office writes, ``readers`` of the whole town read
    (not a village's reach), and the account ``own`` names reads its own."""

    def rule(scope: Scope, action: str) -> Q | None:
        office = scope_q_paths(scope, action, paths=[("town", "town_id")], view={OFFICE}, change={OFFICE})
        towns = sorted(town_level(scope, readers)) if action == VIEW else []
        return _or(office, Q(town_id__in=towns) if towns else None, _own(scope, action, own) if own else None)

    return rule


def _group_rule(scope: Scope, action: str) -> Q | None:
    """Officers' groups: the town's; an officer reads their own group."""
    town = _town_rule(readers={SUPERVISOR, CLIENT})(scope, action)
    own = None
    if action == VIEW and scope.user_id is not None:
        own = Q(
            pk__in=Officer.objects.filter(user_id=scope.user_id, deleted_at__isnull=True).values("group_id")
        )
    return _or(town, own)


def _focus_rule(scope: Scope, action: str) -> Q | None:
    groups = _group_rule(scope, action)
    return (
        None if groups is None else Q(group__in=OfficerGroup.objects.filter(groups, deleted_at__isnull=True))
    )


register(OfficerGroup, custom=_group_rule)
register(GroupFocus, custom=_focus_rule)
register(OfficerAssessment, custom=_town_rule(readers={SUPERVISOR}, own="officer__user_id"))


# ---------------------------------------------------------------------------------------
# Secretaries' files, commitments and reviews
# ---------------------------------------------------------------------------------------

register(SecretaryFile, custom=_town_rule(readers={SUPERVISOR}, own="user_id"))


def _entry_rule(scope: Scope, action: str) -> Q | None:
    files = _town_rule(readers={SUPERVISOR}, own="user_id")(scope, action)
    return None if files is None else Q(file__in=SecretaryFile.objects.filter(files, deleted_at__isnull=True))


register(FileEntry, custom=_entry_rule)


def _village_rule(prefix: str = ""):
    """Commitments and reviews: the town office and the town's supervisors; a village's
    cadres their own village's (they record its progress and write its report). REST
    clients none (DESIGN: "—"); the public reads commitments and published results on the
    public page only."""

    def rule(scope: Scope, action: str) -> Q | None:
        return scope_q_paths(
            scope,
            action,
            paths=[("village", f"{prefix}village_id"), ("town", f"{prefix}town_id")],
            view={OFFICE, SUPERVISOR, CADRE},
            change={OFFICE, CADRE},
        )

    return rule


register(Commitment, custom=_village_rule())
register(Progress, custom=_village_rule("commitment__"))
register(Review, custom=_village_rule())
