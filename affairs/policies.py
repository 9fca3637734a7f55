"""The access contract for village affairs (DESIGN.md, "Who may do what"):

* council topics, meetings, members, major matters and their steps, public hearings: a
  village's cadres read and write their own village's; the town office reads its town's
  and reviews (一审: the review step, a services' rule) — and may record them too, as it
  stands in for a village; supervisors and REST clients read; a party member reads their
  own village's (they take part); the public reads what is published, on the public
  pages only;
* 三务 disclosures: a village's cadres write their own village's until published (the
  services' rule); the town office reads (and sees which are late), supervisors and
  REST clients read.
"""

from django.db.models import Q

from governance.scoping import CADRE, CLIENT, MEMBER, OFFICE, SUPERVISOR, VIEW, Scope, register, scope_q_paths

from .models import (
    AffairsSettings,
    Disclosure,
    Hearing,
    Matter,
    Meeting,
    Member,
    StepRecord,
    Suggestion,
    Topic,
)

READERS = frozenset({OFFICE, SUPERVISOR, CADRE, CLIENT})
WRITERS = frozenset({OFFICE, CADRE})


def _rule(prefix: str = "", *, members: bool = True, writers=WRITERS):
    """Village rows: the path rule, and a party member's own village for reading."""

    def rule(scope: Scope, action: str) -> Q | None:
        q = scope_q_paths(
            scope,
            action,
            paths=[("village", f"{prefix}village_id"), ("town", f"{prefix}town_id")],
            view=READERS,
            change=writers,
        )
        if members and action == VIEW and MEMBER in scope.roles:
            from grids.models import PartyMember

            own = PartyMember.objects.filter(pk__in=sorted(scope.ids("party_member", [MEMBER]))).values(
                "village_id"
            )
            q_member = Q(**{f"{prefix}village_id__in": own})
            q = q_member if q is None else q | q_member
        return q

    return rule


register(Topic, custom=_rule())
register(Member, custom=_rule())
register(Meeting, custom=_rule())
register(Suggestion, custom=_rule("topic__"))
register(Matter, custom=_rule())
register(StepRecord, custom=_rule("matter__"))
register(Hearing, custom=_rule())
register(Disclosure, custom=_rule(members=False, writers={CADRE}))
register(
    AffairsSettings,
    paths=[("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE},
    change={OFFICE},
)
