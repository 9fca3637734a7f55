"""Cases: report, every move, deadlines across holidays, the claim race, the sweep."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import close_old_connections, connection

from cases import services, sweeps
from cases.choices import CaseState, Level, Move, Source
from cases.models import Case, CaseEvent, CaseKind, CasePeriod, Notification
from governance.choices import Role

from . import factories as f

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def report(world, actor=None, **extra):
    data = {
        "village": world.village_a1,
        "grid": world.grid_a1,
        "source": Source.GRID_REPORT,
        "kind": CaseKind.objects.get(code="drain", town=None),
        "description": "排水沟堵塞",
        "reporter_name": "王五",
        "reporter_contact": "13700001111",
        **extra,
    }
    return services.case_report(actor=actor or world.users["grid_worker"], data=data)


def test_it_registers_a_case_with_a_three_working_day_deadline_across_a_makeup_day(world):
    # given Friday 2025-09-26, before the National Day holiday; Sunday 28th is a make-up day
    with time_machine.travel(at(2025, 9, 26, 10), tick=False):
        case = report(world)
    # then the village has until the end of Tuesday 30th
    assert case.state == CaseState.REGISTERED and case.level == Level.VILLAGE
    assert case.deadline == at(2025, 9, 30, 23, 59, 59)
    period = case.periods.get()
    assert period.level == Level.VILLAGE and period.ended_at is None


def test_it_gives_the_town_seven_working_days_from_escalation_over_the_holiday(world):
    with time_machine.travel(at(2025, 9, 30, 9), tick=False):
        case = report(world)
        services.case_move(case=case, move=Move.ESCALATE, actor=world.users["cadre"], note="村里解决不了")
    case.refresh_from_db()
    # Oct 1–8 are off, Oct 11 (Saturday) is a make-up day: 9, 10, 11, 13, 14, 15, 16.
    assert case.deadline == at(2025, 10, 16, 23, 59, 59)
    assert case.state == CaseState.ESCALATED and case.level == Level.TOWN
    levels = list(CasePeriod.objects.filter(case=case).values_list("level", "met", "outcome"))
    assert levels == [(Level.VILLAGE, True, Move.ESCALATE), (Level.TOWN, None, "")]


def test_it_runs_the_whole_life_of_a_case_through_the_town_and_a_department(world):
    office, dept_user = world.users["office"], f.member(Role.DEPARTMENT, department=world.dept_a)
    case = report(world)
    services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    services.case_move(case=case, move=Move.ESCALATE, actor=world.users["cadre"], note="需要镇里协调")
    services.case_move(case=case, move=Move.ASSIGN, actor=office, department=world.dept_a)
    services.case_move(case=case, move=Move.SEND_BACK, actor=dept_user, note="不属于本部门")
    services.case_move(case=case, move=Move.ASSIGN, actor=office, department=world.dept_a)
    services.case_move(case=case, move=Move.ACCEPT, actor=dept_user)
    services.case_move(case=case, move=Move.SOLVE, actor=dept_user, note="已疏通")
    # the one who solved it cannot confirm it; someone else can
    assert Move.CONFIRM not in services.transitions.allowed_moves(case, dept_user)
    services.case_move(case=case, move=Move.CONFIRM, actor=office)
    services.case_move(case=case, move=Move.CLOSE, actor=office)
    moves = list(CaseEvent.objects.filter(case=case).values_list("move", flat=True))
    assert moves == [
        "report",
        "claim",
        "escalate",
        "assign",
        "send_back",
        "assign",
        "accept",
        "solve",
        "confirm",
        "close",
    ]
    assert case.state == CaseState.CLOSED
    assert Notification.objects.filter(case=case, recipient="reporter").count() == len(moves)


def test_it_refuses_an_illegal_move_with_the_allowed_ones(world):
    case = report(world)
    with pytest.raises(services.MoveNotAllowed) as exc:
        services.case_move(case=case, move=Move.ACCEPT, actor=world.users["cadre"])
    assert set(exc.value.allowed) == {Move.CLAIM, Move.ESCALATE, Move.REJECT}


def test_it_reopens_a_case_the_reporter_is_not_satisfied_with(world):
    case = report(world)
    services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    services.case_move(case=case, move=Move.SOLVE, actor=world.users["cadre"], note="已处理")
    services.case_rate(case=case, satisfaction="not_satisfied", comment="还是堵")
    case.refresh_from_db()
    assert case.state == CaseState.CLAIMED and case.satisfaction == "not_satisfied"
    assert CasePeriod.objects.filter(case=case, ended_at__isnull=True).count() == 1


def test_it_records_a_case_solved_on_the_spot_in_one_step(world):
    case = services.case_report(
        actor=world.users["cadre"],
        data={
            "village": world.village_a1,
            "source": Source.PATROL,
            "kind": CaseKind.objects.get(code="bins", town=None),
            "description": "垃圾桶倒了",
        },
        solved_on_spot=True,
        solution="已扶正",
    )
    assert case.state == CaseState.SOLVED
    assert case.periods.get().met is True


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_claims_win(world):
    if connection.vendor == "sqlite" and "memory" in (connection.settings_dict["NAME"] or "memory"):
        pytest.skip("threads need a file or server database")
    case = report(world)
    other = f.member(Role.VILLAGE_CADRE, village=world.village_a1)
    results, barrier = [], threading.Barrier(2)

    def claim(user):
        close_old_connections()
        try:
            mine = Case.objects.get(pk=case.pk)
            barrier.wait()
            services.case_move(case=mine, move=Move.CLAIM, actor=user)
            results.append("won")
        except services.MoveNotAllowed:
            results.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (world.users["cadre"], other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "won"]
    assert CaseEvent.objects.filter(case=case, move=Move.CLAIM).count() == 1


def test_it_also_refuses_a_stale_claim_in_one_thread(world):
    # given two copies of the same case loaded before either claim
    case = report(world)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    other = f.member(Role.VILLAGE_CADRE, village=world.village_a1)
    services.case_move(case=first, move=Move.CLAIM, actor=world.users["cadre"])
    # when the second claims from its stale copy, the guarded update matches nothing
    with pytest.raises(services.MoveNotAllowed):
        services.case_move(case=second, move=Move.CLAIM, actor=other)
    assert CaseEvent.objects.filter(case=case, move=Move.CLAIM).count() == 1


def test_the_sweep_escalates_overdue_village_cases_once_even_when_run_twice(world):
    with time_machine.travel(at(2025, 9, 26, 10), tick=False):
        overdue = report(world)
    with time_machine.travel(at(2025, 9, 30, 10), tick=False):
        fresh = report(world)
    # when the sweep runs after the first deadline (end of 30 Sep), twice
    now = at(2025, 10, 9, 9)
    first = sweeps.run_sweep(now)
    second = sweeps.run_sweep(now)
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert (first.escalated, second.escalated) == (1, 0)
    # fresh is due at the end of Saturday 11 Oct (a make-up day): reminded on the 10th, once
    assert fresh.state == CaseState.REGISTERED and fresh.deadline == at(2025, 10, 11, 23, 59, 59)
    assert (first.reminded, second.reminded) == (0, 0)
    assert sweeps.run_sweep(at(2025, 10, 10, 9)).reminded == 1
    assert sweeps.run_sweep(at(2025, 10, 10, 9, 5)).reminded == 0
    assert overdue.state == CaseState.ESCALATED and overdue.deadline == at(2025, 10, 17, 23, 59, 59)
    assert CaseEvent.objects.filter(case=overdue, move=Move.ESCALATE).count() == 1
    assert CasePeriod.objects.filter(case=overdue, level=Level.VILLAGE, met=False).count() == 1


def test_the_sweep_flags_overdue_town_cases_and_reminds_once(world):
    with time_machine.travel(at(2025, 11, 3, 9), tick=False):  # Monday
        case = report(world)
        services.case_move(case=case, move=Move.ESCALATE, actor=world.users["cadre"], note="上报")
    case.refresh_from_db()
    assert case.deadline == at(2025, 11, 12, 23, 59, 59)
    # a working day before the deadline: one reminder, however often the sweep runs
    sweeps.run_sweep(at(2025, 11, 11, 9))
    sweeps.run_sweep(at(2025, 11, 11, 9, 5))
    assert Notification.objects.filter(case=case, kind="reminder").count() == 1
    # after it: flagged for supervision once
    assert sweeps.run_sweep(at(2025, 11, 13, 9)).supervised == 1
    assert sweeps.run_sweep(at(2025, 11, 13, 9, 5)).supervised == 0
    assert Notification.objects.filter(case=case, kind="supervision").count() == 1


def test_the_api_reports_moves_and_answers_409_for_an_illegal_move(world, as_user):
    kind = CaseKind.objects.get(code="road", town=None)
    response = as_user(world.users["grid_worker"]).post(
        "/api/v1/cases/",
        {
            "village": world.village_a1.pk,
            "grid": world.grid_a1.pk,
            "source": "grid_report",
            "kind": kind.pk,
            "description": "村道有坑",
            "reporter_contact": "13700002222",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    cadre = as_user(world.users["cadre"])
    assert cadre.get(f"/api/v1/cases/{case_id}/").json()["allowed_moves"] == ["claim", "escalate", "reject"]
    assert cadre.post(f"/api/v1/cases/{case_id}/move/", {"move": "claim"}, format="json").status_code == 200
    again = cadre.post(f"/api/v1/cases/{case_id}/move/", {"move": "claim"}, format="json")
    assert again.status_code == 409
    assert again.json()["allowed_moves"] == ["escalate", "solve", "reject"]
    # out of scope: town B's office does not see it
    assert as_user(world.users["office_b"]).get(f"/api/v1/cases/{case_id}/").status_code == 404


def test_pending_notifications_are_delivered_once(world, caplog):
    case = report(world)
    services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    from cases import notify

    with caplog.at_level("INFO", logger="cases.notify"):
        assert notify.deliver_pending() == 2
        assert notify.deliver_pending() == 0
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert sum("notify progress" in r.getMessage() for r in caplog.records) == 2


def test_it_rejects_with_a_reason_and_the_office_reopens_a_closed_case(world):
    case = report(world)
    with pytest.raises(services.ValidationError) as exc:
        services.case_move(case=case, move=Move.REJECT, actor=world.users["cadre"], note=" ")
    assert "note" in exc.value.message_dict
    services.case_move(case=case, move=Move.REJECT, actor=world.users["cadre"], note="不属于本村事务")
    assert case.state == CaseState.REJECTED and case.periods.get().outcome == Move.REJECT
    other = report(world)
    services.case_move(case=other, move=Move.CLAIM, actor=world.users["cadre"])
    services.case_move(case=other, move=Move.SOLVE, actor=world.users["cadre"], note="已处理")
    services.case_move(case=other, move=Move.CONFIRM, actor=world.users["office"])
    services.case_move(case=other, move=Move.CLOSE, actor=world.users["cadre"])
    assert Move.REOPEN not in services.transitions.allowed_moves(other, world.users["cadre"])
    services.case_move(case=other, move=Move.REOPEN, actor=world.users["office"], note="群众反映仍未解决")
    other.refresh_from_db()
    assert other.state == CaseState.CLAIMED and other.closed_at is None
    assert other.periods.filter(ended_at__isnull=True).count() == 1
