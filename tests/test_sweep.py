"""The escalation sweep applies the sweep's moves of the table to sets of cases in SQL:
it writes what case_move writes for the same move, gives each town its own deadline,
touches nothing on a second run, runs a fixed number of queries, and moves each case
once with two sweeps at once."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import close_old_connections, connection

from cases import services, sweeps
from cases.choices import LEVEL_WORKING_DAYS, CaseState, Level, Move
from cases.models import Case, CaseEvent, CasePeriod, Notification
from cases.transitions import SWEEP
from governance.choices import CalendarDayKind
from governance.models import CalendarDay

from .case_states import new_case

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2025, 11, 3, 9, tzinfo=SH)
WEDNESDAY = datetime.datetime(2025, 11, 5, 9, tzinfo=SH)  # the village deadline is tomorrow
FRIDAY = datetime.datetime(2025, 11, 7, 9, tzinfo=SH)  # the village deadline has passed


def end_of(day: int) -> datetime.datetime:
    return datetime.datetime(2025, 11, day, 23, 59, 59, tzinfo=SH)


def shape(case: Case) -> dict:
    """What a move wrote for one case, without its ids and tracking number."""
    case.refresh_from_db()
    fields = (
        "state",
        "level",
        "deadline",
        "department_id",
        "claimed_by_id",
        "supervised_at",
        "reminded_for",
        "updated_at",
        "solved_at",
        "closed_at",
    )
    event_ids = list(case.events.order_by("id").values_list("id", flat=True))
    notifications = []
    for row in (
        Notification.objects.filter(case=case)
        .order_by("id")
        .values("kind", "channel", "recipient", "body", "key", "created_at", "sent_at")
    ):
        head, number, *rest = row["key"].split(":")
        number = f"<event {event_ids.index(int(number))}>" if head == "event" else "<case>"
        row["key"] = ":".join([head, number, *rest])
        row["body"] = row["body"].replace(case.tracking_number, "<number>")
        notifications.append(row)
    return {
        "case": {name: getattr(case, name) for name in fields},
        "periods": list(
            case.periods.order_by("id").values(
                "level", "village_id", "department_id", "started_at", "deadline", "ended_at", "met", "outcome"
            )
        ),
        "events": list(
            case.events.order_by("id").values(
                "at", "actor_id", "move", "from_state", "to_state", "note", "data"
            )
        ),
        "notifications": notifications,
    }


@pytest.fixture
def frozen():
    """Notifications are stamped with the wall clock when written (auto_now_add): hold it."""
    with time_machine.travel(datetime.datetime(2025, 11, 20, 12, tzinfo=SH), tick=False):
        yield


def everything() -> list:
    """Every row the sweep could write."""
    return [
        list(model.objects.order_by("id").values()) for model in (Case, CaseEvent, CasePeriod, Notification)
    ]


@pytest.mark.parametrize("contact", ["13700001111", ""])
def test_escalation_by_the_sweep_writes_what_case_move_writes(world, frozen, contact):
    # given two cases alike, claimed, past the village deadline
    by_move, by_sweep = (new_case(world, now=MONDAY, contact=contact) for _ in range(2))
    for case in (by_move, by_sweep):
        services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"], now=MONDAY)
    # when one is escalated by case_move as the sweep and the other by the sweep
    services.case_move(case=by_move, move=Move.ESCALATE, actor=SWEEP, now=FRIDAY)
    result = sweeps.run_sweep(FRIDAY)
    # then both carry the same fields, periods, events and notifications
    assert result.escalated == 1
    assert shape(by_sweep) == shape(by_move)
    written = shape(by_sweep)
    assert written["case"]["deadline"] == end_of(18)  # 7 working days from Friday
    assert written["periods"][-2:] == [
        {
            "level": Level.VILLAGE,
            "village_id": world.village_a1.pk,
            "department_id": None,
            "started_at": MONDAY,
            "deadline": end_of(6),
            "ended_at": FRIDAY,
            "met": False,
            "outcome": Move.ESCALATE,
        },
        {
            "level": Level.TOWN,
            "village_id": None,
            "department_id": None,
            "started_at": FRIDAY,
            "deadline": end_of(18),
            "ended_at": None,
            "met": None,
            "outcome": "",
        },
    ]
    assert written["events"][-1]["data"] == {"sweep": True} and written["events"][-1]["actor_id"] is None
    # the reporter is told, where they left a contact
    told = [n for n in written["notifications"] if n["key"] == "event:<event 2>"]  # report, claim, escalate
    assert len(told) == (1 if contact else 0)


def test_supervision_by_the_sweep_writes_what_case_move_writes(world, frozen):
    by_move, by_sweep = (new_case(world, now=MONDAY) for _ in range(2))
    for case in (by_move, by_sweep):
        services.case_move(case=case, move=Move.ESCALATE, actor=world.users["cadre"], now=MONDAY)
        services.case_move(
            case=case, move=Move.ASSIGN, actor=world.users["office"], department=world.dept_a, now=MONDAY
        )
    late = datetime.datetime(2025, 11, 13, 9, tzinfo=SH)  # the town's deadline was the 12th
    services.case_move(case=by_move, move=Move.SUPERVISE, actor=SWEEP, now=late)
    assert sweeps.run_sweep(late).supervised == 1
    assert shape(by_sweep) == shape(by_move)
    notification = shape(by_sweep)["notifications"][-1]
    assert (notification["kind"], notification["recipient"], notification["key"]) == (
        "supervision",
        f"supervisors:{world.town_a.pk}",
        "supervise:<case>",
    )
    assert shape(by_sweep)["case"]["supervised_at"] == late
    assert sweeps.run_sweep(late).supervised == 0


def test_a_reminder_by_the_sweep_is_what_case_move_writes(world, frozen):
    by_move, by_sweep = (new_case(world, now=MONDAY) for _ in range(2))
    services.case_move(case=by_move, move=Move.REMIND, actor=SWEEP, now=WEDNESDAY)
    assert sweeps.run_sweep(WEDNESDAY).reminded == 1
    assert shape(by_sweep) == shape(by_move)
    written = shape(by_sweep)
    assert written["case"]["reminded_for"] == end_of(6)
    assert written["case"]["updated_at"] == MONDAY  # bookkeeping: no change to the case itself
    assert [e["move"] for e in written["events"]] == ["report"]  # no event on the timeline
    notification = written["notifications"][-1]
    assert notification["recipient"] == f"village:{world.village_a1.pk}"
    assert notification["key"] == f"remind:<case>:{int(end_of(6).timestamp())}"
    assert "2025-11-06 23:59" in notification["body"]
    assert sweeps.run_sweep(WEDNESDAY).reminded == 0


def test_a_second_run_touches_nothing(world):
    # given overdue village cases (with and without a contact), an overdue town case,
    # cases due soon, and cases in the other town
    for contact in ("13700001111", "", "13700002222"):
        new_case(world, now=MONDAY, contact=contact)
    new_case(world, now=MONDAY, where="b1")
    town = new_case(world, now=MONDAY, where="a2")
    services.case_move(case=town, move=Move.ESCALATE, actor=world.users["office"], now=MONDAY)
    later = datetime.datetime(2025, 11, 12, 9, tzinfo=SH)  # the town's deadline is tonight
    for _ in range(2):
        new_case(world, now=datetime.datetime(2025, 11, 10, 9, tzinfo=SH))
    # when the sweep runs, and runs again
    first = sweeps.run_sweep(later)
    after_first = everything()
    second = sweeps.run_sweep(later)
    third = sweeps.run_sweep(later + datetime.timedelta(minutes=5))
    # then the second and third run find nothing to do and write nothing
    assert (first.escalated, first.reminded) == (4, 3)
    assert (second.escalated, second.supervised, second.reminded) == (0, 0, 0)
    assert (third.escalated, third.supervised, third.reminded) == (0, 0, 0)
    assert everything() == after_first


def test_the_new_deadline_follows_each_towns_calendar(world):
    a, b = new_case(world, now=MONDAY), new_case(world, now=MONDAY, where="b1")
    # Town A closes on Monday the 10th (a local closure): its deadline moves a day
    CalendarDay.objects.create(
        town=world.town_a,
        date=datetime.date(2025, 11, 10),
        is_workday=False,
        kind=CalendarDayKind.LOCAL_CLOSURE,
    )
    result = sweeps.run_sweep(FRIDAY)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.deadline, b.deadline) == (end_of(19), end_of(18))
    assert result.deadlines == {world.town_a.pk: end_of(19), world.town_b.pk: end_of(18)}
    assert a.periods.get(ended_at__isnull=True).deadline == end_of(19)


def test_the_new_deadline_is_the_levels_working_days(world, monkeypatch):
    case = new_case(world, now=MONDAY)
    monkeypatch.setitem(LEVEL_WORKING_DAYS, Level.TOWN, 5)
    sweeps.run_sweep(FRIDAY)
    case.refresh_from_db()
    assert case.deadline == end_of(14)


def test_the_sweep_runs_the_same_queries_for_two_cases_or_eight(world, count_queries):
    for _ in range(2):
        new_case(world, now=MONDAY)
    with count_queries() as few:
        assert sweeps.run_sweep(FRIDAY).escalated == 2
    for _ in range(8):
        new_case(world, now=datetime.datetime(2025, 11, 10, 9, tzinfo=SH))
    with count_queries() as many:
        assert sweeps.run_sweep(datetime.datetime(2025, 11, 14, 9, tzinfo=SH)).escalated == 8
    assert len(few) == len(many), few.listing() + "\n\n" + many.listing()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_move_each_case_once(world):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file or server database")
    cases = [new_case(world, now=MONDAY, contact="13700001111") for _ in range(20)]
    results, barrier = [], threading.Barrier(2)

    def sweep():
        close_old_connections()
        try:
            barrier.wait()
            results.append(sweeps.run_sweep(FRIDAY).escalated)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 20
    ids = [c.pk for c in cases]
    assert set(Case.objects.filter(pk__in=ids).values_list("state", flat=True)) == {CaseState.ESCALATED}
    assert CaseEvent.objects.filter(case_id__in=ids, move=Move.ESCALATE).count() == 20
    assert CasePeriod.objects.filter(case_id__in=ids, ended_at__isnull=True, level=Level.TOWN).count() == 20
    assert (
        Notification.objects.filter(case_id__in=ids, kind="progress", key__startswith="event:").count() == 40
    )


def test_a_deleted_local_closure_no_longer_moves_the_deadline(world):
    case = new_case(world, now=MONDAY)
    CalendarDay.objects.create(
        town=world.town_a,
        date=datetime.date(2025, 11, 10),
        is_workday=False,
        kind=CalendarDayKind.LOCAL_CLOSURE,
        deleted_at=MONDAY,
    )
    sweeps.run_sweep(FRIDAY)
    case.refresh_from_db()
    assert case.deadline == end_of(18)
