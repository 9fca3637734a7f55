"""The demo step ``duty``: the demo town's duty rosters for last month, this month and
next month, made through the services by each village's cadres.

Each village's team is its cadre from the ``users`` step, and as many more of its party
members as ``TEAM`` says (see there why it is one for now). Last
and this month's rosters are published before the deadline; next month's are published
in most villages, filled but still drafts in some and not begun in others, so the town
office's "not published" tile has something to show. Where a village has a team, one
amendment shows a swap on this month's roster of the first village.

Deterministic, and built once: a roster already there is left as it is.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from governance import demo
from governance.choices import Role
from grids.demo import demo_user, town_code
from grids.models import PartyMember, Town, Village

from . import services
from .choices import RosterState
from .models import Amendment, Roster, Shift, add_months, publish_deadline
from .selectors import this_month

# The teams: the cadre of the users step, and more of the village's party members made
# cadres (the first village, demo_cadre's, nine as 双溪村).
TEAM = 3
FIRST_VILLAGE_TEAM = 9


def _team(village: Village, cadre, size: int) -> list:
    """The village's duty team: its cadre, then party members of the village made
    cadres (accounts that cannot log in)."""
    team = [cadre]
    members = (
        PartyMember.objects.filter(village=village)
        .select_related("resident")
        .exclude(resident__name=str(cadre))
        .order_by("id")[: size - 1]
    )
    for i, member in enumerate(members, start=2):
        team.append(
            demo_user(
                f"cadre_{village.code}_{i}", member.resident.name, Role.VILLAGE_CADRE, "village", village
            )
        )
    return team


def _phone(index: int) -> str:
    return f"0579-8713{index:04d}"[:14]


@demo.step("duty", after=("hierarchy", "users"))
def build_duty(run: demo.DemoRun) -> None:
    town = Town.objects.get(code=town_code(0))
    cadres = run.built["cadres"]
    today = timezone.localdate()
    months = [add_months(this_month(today), n) for n in (-1, 0, 1)]
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    with transaction.atomic():
        for index, village in enumerate(villages):
            cadre = cadres.get(village.pk)
            if cadre is None:
                continue
            team = _team(village, cadre, FIRST_VILLAGE_TEAM if index == 0 else TEAM)
            for month in months:
                if Roster.objects.filter(village=village, month=month, deleted_at__isnull=True).exists():
                    continue
                upcoming = month > this_month(today)
                if upcoming and index % 4 == 3:
                    continue  # not begun
                roster = services.roster_create(
                    village=village, month=month, duty_phone=_phone(index), actor=cadre
                )
                services.roster_fill(roster=roster, people=team, days_each=1 + index % 2, actor=cadre)
                if upcoming and index % 4 == 1:
                    continue  # filled, not yet published
                deadline = publish_deadline(month)
                at = datetime.datetime.combine(
                    deadline - datetime.timedelta(days=index % 5), datetime.time(10, index % 60)
                ).replace(tzinfo=timezone.get_current_timezone())
                services.roster_publish(roster=roster, actor=cadre, now=min(at, timezone.now()))
        _amend_first_village(villages[0] if villages else None, cadres, today)

    rosters = Roster.objects.filter(village__town=town, deleted_at__isnull=True)
    run.count("duty rosters", rosters.count())
    run.count("  published", rosters.filter(state=RosterState.PUBLISHED).count())
    run.count("duty shifts", Shift.objects.filter(roster__in=rosters, deleted_at__isnull=True).count())
    run.count("roster amendments", Amendment.objects.filter(roster__in=rosters).count())


def _amend_first_village(village: Village | None, cadres: dict, today: datetime.date) -> None:
    """A swap on this month's roster of the first village: someone else takes a day."""
    if village is None or village.pk not in cadres:
        return
    roster = Roster.objects.filter(
        village=village, month=this_month(today), state=RosterState.PUBLISHED, deleted_at__isnull=True
    ).first()
    if roster is None or roster.amendments.exists():
        return
    shifts = list(roster.shifts.filter(deleted_at__isnull=True).order_by("date"))
    if len(shifts) < 2:
        return
    first, other = shifts[0], next((s for s in shifts if s.person_id != shifts[0].person_id), None)
    if other is None:
        return
    if Shift.objects.filter(person_id=other.person_id, date=first.date, deleted_at__isnull=True).exists():
        return
    services.roster_amend(
        roster=roster,
        date=first.date,
        replaced=first.person,
        replacement=other.person,
        reason="家中有事，与同事调班",
        actor=cadres[village.pk],
    )
