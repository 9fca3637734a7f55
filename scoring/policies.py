"""The scoring app's part of the access contract (DESIGN.md, "Who may do what"):

* points ledger: the town office reads and writes its town's; supervisors and REST
  clients read; a village's cadres read their village's members'; a party member reads
  their own. Rules, bars and theme party days follow the ledger's readers; the town
  office keeps rules and bars, and a village's cadres (the branch) record their theme
  party days and rectifications with the office;
* rankings and bulletins: the town office keeps its town's weights and computes and
  publishes; supervisors and REST clients read; a village's cadres read their town's
  published ones (``published_at``, a custom rule); the public reads published ones
  through the public pages only;
* red and black list: grid workers propose in their grid, cadres in their village (and
  approve there), the town office approves and publishes; supervisors read;
* year-end assessments: the town office; supervisors read; a cadre reads their own.
Which write each role may make on a row (approve, publish, reverse) is the services'
rule; this says whose rows they are.
"""

from django.db.models import Q

from governance.scoping import (
    CADRE,
    CLIENT,
    GRID_WORKER,
    MEMBER,
    OFFICE,
    SUPERVISOR,
    VIEW,
    Scope,
    register,
    scope_q_paths,
)

from .models import (
    Assessment,
    Attendance,
    Bulletin,
    ListEntry,
    PointEntry,
    PointRule,
    PointsBar,
    Rectification,
    Snapshot,
    SnapshotRow,
    ThemeDay,
    Weight,
)

_MEMBER_PATHS = [("party_member", "member_id"), ("village", "village_id"), ("town", "town_id")]
LEDGER_READERS = frozenset({OFFICE, SUPERVISOR, CADRE, MEMBER, CLIENT})

register(PointEntry, paths=_MEMBER_PATHS, view=LEDGER_READERS, change={OFFICE})
register(Rectification, paths=_MEMBER_PATHS, view=LEDGER_READERS, change={OFFICE, CADRE})
# Rules and bars are the town's: read by whoever reads a ledger of the town.
register(PointRule, paths=[("town", "town_id")], view=LEDGER_READERS, change={OFFICE})
register(PointsBar, paths=[("town", "town_id")], view=LEDGER_READERS, change={OFFICE})
register(
    ThemeDay,
    paths=[("village", "village_id"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE, CLIENT},
    change={OFFICE, CADRE},
)
register(
    Attendance,
    paths=[("party_member", "member_id"), ("village", "day__village_id"), ("town", "day__town_id")],
    view=LEDGER_READERS,
    change={OFFICE, CADRE},
)

# Rankings: weights are the town office's; snapshots are read by the town's overseers,
# and by the village's cadres once published.
register(Weight, paths=[("town", "town_id")], view={OFFICE, SUPERVISOR, CLIENT}, change={OFFICE})


def _published_rule(prefix: str = ""):
    def rule(scope: Scope, action: str) -> Q | None:
        q = scope_q_paths(
            scope,
            action,
            paths=[("town", f"{prefix}town_id")],
            view={OFFICE, SUPERVISOR, CLIENT},
            change={OFFICE},
        )
        if action == VIEW:
            cadres = scope_q_paths(
                scope, action, paths=[("town", f"{prefix}town_id")], view={CADRE}, change=()
            )
            if cadres is not None:
                cadres &= Q(**{f"{prefix}published_at__isnull": False})
                q = cadres if q is None else q | cadres
        return q

    return rule


register(Snapshot, custom=_published_rule())
register(SnapshotRow, custom=_published_rule("snapshot__"))
register(Bulletin, custom=_published_rule())

register(
    ListEntry,
    paths=[("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE, GRID_WORKER},
    change={OFFICE, CADRE, GRID_WORKER},
)


def _assessment_rule(scope: Scope, action: str) -> Q | None:
    q = scope_q_paths(scope, action, paths=[("town", "town_id")], view={OFFICE, SUPERVISOR}, change={OFFICE})
    if action == VIEW and scope.user_id and CADRE in scope.roles:
        own = Q(cadre_id=scope.user_id)
        q = own if q is None else q | own
    return q


register(Assessment, custom=_assessment_rule)
