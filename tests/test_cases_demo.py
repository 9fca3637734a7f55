"""The demo town's cases: months of history through the services, in every state."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Min

from cases.choices import CaseState, Level, Move, Satisfaction
from cases.demo import KINDS
from cases.models import Case, CaseEvent, CasePeriod, Notification, Rating

pytestmark = pytest.mark.django_db
SMALL = ["--villages", "4", "--grids-per-village", "3", "--households-per-village", "25"]
# A small town whose villages report as much as a big town's do, over a shorter history,
# so that the last few days hold every state as they do in the real demo.
BUSY = ["--cases-per-village-day", "3", "--history-days", "30"]
NOW = datetime.datetime(2026, 11, 20, 10, 30, tzinfo=datetime.UTC)


def seed(*args):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", *SMALL, *args, stdout=io.StringIO())


def test_the_demo_lives_months_of_cases_through_the_services():
    # given
    seed(*BUSY)
    # then
    in_every_state_at_every_level_across_the_villages()
    with_what_a_town_lives_through()
    with_descriptions_that_fit_their_kind_and_moves_that_follow_each_other()


def in_every_state_at_every_level_across_the_villages():
    cases = Case.objects.all()
    # then
    assert set(cases.values_list("state", flat=True)) == set(CaseState.values)
    for state in (CaseState.SOLVED, CaseState.CONFIRMED, CaseState.CLOSED):
        assert {c.level for c in cases.filter(state=state)} == {Level.VILLAGE, Level.TOWN}, state
    assert cases.values("village").distinct().count() == 4
    assert cases.values("kind").distinct().count() >= 8
    # the history's messages are not waiting to go out
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    # nothing stuck halfway: what was solved days ago has been crossed off since
    assert not cases.filter(state=CaseState.SOLVED, solved_at__lt=NOW - datetime.timedelta(days=5)).exists()
    # a history, not a batch made today
    oldest = cases.aggregate(Min("created_at"))["created_at__min"]
    assert NOW - oldest > datetime.timedelta(days=25)
    # overdue now, and supervised because of it
    with time_machine.travel(NOW, tick=False):
        overdue = Case.objects.overdue()
        assert overdue.exists()
        assert overdue.filter(level=Level.TOWN, supervised_at__isnull=False).exists()


def with_what_a_town_lives_through():
    events = CaseEvent.objects.all()
    # the sweep escalated cases the village left too long, and their village period was missed
    swept = events.filter(move=Move.ESCALATE, actor__isnull=True)
    assert swept.exists()
    assert CasePeriod.objects.filter(case__in=swept.values("case"), level=Level.VILLAGE, met=False).exists()
    # a department sent one back, the office dispatched it again
    assert events.filter(move=Move.SEND_BACK).exists()
    # cases solved in time and late at each level
    assert CasePeriod.objects.filter(level=Level.VILLAGE, met=True).exists()
    assert CasePeriod.objects.filter(level=Level.TOWN, met=True).exists()
    assert CasePeriod.objects.filter(level=Level.TOWN, met=False).exists()
    # residents rated, and an unhappy one had the case reopened
    assert set(Rating.objects.values_list("satisfaction", flat=True)) >= {
        Satisfaction.SATISFIED,
        Satisfaction.NOT_SATISFIED,
    }
    assert events.filter(move=Move.REOPEN).exists()
    assert events.filter(move=Move.SOLVE_ON_SPOT).exists()
    assert events.filter(move=Move.REJECT).exists()


def with_descriptions_that_fit_their_kind_and_moves_that_follow_each_other():
    for case in Case.objects.select_related("kind"):
        assert case.description in KINDS[case.kind.code][1], (case.kind.code, case.description)
    assert not CaseEvent.objects.filter(at__lt=F("case__created_at")).exists()
    assert not CaseEvent.objects.filter(at__gt=NOW).exists()
    for case_id, moves in (
        CaseEvent.objects.values("case").annotate(n=Count("id")).filter(n__gt=1).values_list("case", "n")[:50]
    ):
        times = list(CaseEvent.objects.filter(case_id=case_id).order_by("id").values_list("at", flat=True))
        assert times == sorted(times) and len(times) == moves


def snapshot() -> list[tuple]:
    return list(
        Case.objects.order_by("created_at", "id").values_list(
            "created_at", "village__code", "kind__code", "description", "state", "level", "deadline"
        )
    )


def test_the_same_seed_lives_the_same_history():
    with transaction.atomic():
        seed("--history-days", "20")
        first = snapshot()
        transaction.set_rollback(True)
    seed("--history-days", "20")
    assert snapshot() == first and len(first) > 10
