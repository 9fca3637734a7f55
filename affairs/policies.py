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

from .choices import TopicState
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


def _rule(prefix: str = "", *, members: bool = True, writers=WRITERS, member_q: Q | None = None):
    """Village rows: the path rule, and a party member's own village for reading (only
    the rows ``member_q`` admits: a proposed topic is not yet theirs to read)."""

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
            if member_q is not None:
                q_member &= member_q
            q = q_member if q is None else q | q_member
        return q

    return rule


# What a party member may read of their village's council: topics published or further on.
SHOWN = [state for state in TopicState.values if state != TopicState.PROPOSED]

register(Topic, custom=_rule(member_q=Q(state__in=SHOWN)))
register(Member, custom=_rule(member_q=Q(topic__isnull=True) | Q(topic__state__in=SHOWN)))
register(Meeting, custom=_rule())
register(Suggestion, custom=_rule("topic__", member_q=Q(topic__state__in=SHOWN)))
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
