"""The state machine's table: each move allowed and refused, and what it writes (fields,
level periods, the event, the notification); rating through the table; the inbox is the
set of cases on which a user has a move; services write the past when told to."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from cases import services, transitions
from cases.api.serializers import MoveSerializer
from cases.choices import CaseState, Level, Move, NotificationKind
from cases.forms import PAGE_MOVES
from cases.models import Case, CaseEvent, CasePeriod, Notification, Rating
from cases.transitions import REPORTER, SWEEP, allowed_moves, inbox_moves, moves_q
from governance.scoping import restrict

from .case_states import every_state, more_users, new_case

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2025, 11, 3, 9, tzinfo=SH)  # no holiday for weeks around
TUESDAY = datetime.datetime(2025, 11, 4, 10, tzinfo=SH)


def end_of(day: int) -> datetime.datetime:
    return datetime.datetime(2025, 11, day, 23, 59, 59, tzinfo=SH)


@pytest.fixture
def users(world):
    return more_users(world)


def case_at(world, *steps, contact="13700001111", where="a1") -> Case:
    """A case reported on Monday and moved through ``steps`` (move, user, department)."""
    case = new_case(world, now=MONDAY, contact=contact, where=where)
    for move, actor, *department in steps:
        services.case_move(
            case=case,
            move=move,
            actor=actor,
            note="" if move in (Move.CLAIM, Move.ACCEPT, Move.CONFIRM, Move.CLOSE, Move.ASSIGN) else "说明",
            department=department[0] if department else None,
            now=MONDAY,
        )
    return case


def move(case, name, actor, *, note="", department=None) -> Case:
    return services.case_move(
        case=case, move=name, actor=actor, note=note, department=department, now=TUESDAY
    )


def refused(case, name, *actors, note="说明"):
    for actor in actors:
        assert name not in allowed_moves(case, actor, now=TUESDAY), actor
        with pytest.raises(services.MoveNotAllowed):
            services.case_move(case=case, move=name, actor=actor, note=note, now=TUESDAY)


def last_event(case) -> CaseEvent:
    return case.events.order_by("-id").first()


def told(case, event) -> Notification | None:
    return Notification.objects.filter(case=case, key=f"event:{event.pk}").first()


def periods(case) -> list[tuple]:
    return list(
        CasePeriod.objects.filter(case=case)
        .order_by("id")
        .values_list(
            "level", "village_id", "department_id", "started_at", "deadline", "ended_at", "met", "outcome"
        )
    )


def assert_event(case, move_name, actor, from_state, to_state, note=""):
    event = last_event(case)
    assert (event.move, event.actor, event.from_state, event.to_state, event.note, event.at) == (
        move_name,
        actor,
        from_state,
        to_state,
        note,
        TUESDAY,
    )
    return event


def assert_reporter_told(case, event, kind=NotificationKind.PROGRESS):
    notification = told(case, event)
    assert notification is not None
    assert (notification.kind, notification.recipient) == (kind, "reporter")
    assert case.tracking_number in notification.body
    assert str(CaseState(event.to_state).label) in notification.body


# -- The table --------------------------------------------------------------------------


def test_pages_and_the_api_offer_the_moves_people_make_from_the_table():
    assert transitions.USER_MOVES == (
        "claim",
        "escalate",
        "assign",
        "accept",
        "send_back",
        "solve",
        "confirm",
        "close",
        "reject",
        "reopen",
    )
    assert [m for m, _label in PAGE_MOVES] == list(transitions.USER_MOVES)
    assert list(MoveSerializer().fields["move"].choices) == list(transitions.USER_MOVES)
    assert transitions.SWEEP_MOVES == ("escalate", "supervise", "remind")


def test_the_states_that_can_be_rated_are_those_the_reporter_can_reopen_or_rate():
    table = transitions.TRANSITIONS
    assert transitions.RATABLE_STATES == table[Move.REOPEN].sources == table[Move.RATE].sources
    assert transitions.RATABLE_STATES == {CaseState.SOLVED, CaseState.CONFIRMED, CaseState.CLOSED}


# -- Each move --------------------------------------------------------------------------


def test_claim(world, users):
    case = case_at(world)
    refused(case, Move.CLAIM, users["department"], users["supervisor"], users["cadre_a2"], users["office_b"])
    refused(case, Move.CLAIM, users["grid_worker"], users["client"], users["nobody"], REPORTER, SWEEP)
    move(case, Move.CLAIM, users["cadre"])
    case.refresh_from_db()
    assert (case.state, case.claimed_by, case.updated_at) == (CaseState.CLAIMED, users["cadre"], TUESDAY)
    assert periods(case) == [(Level.VILLAGE, world.village_a1.pk, None, MONDAY, end_of(6), None, None, "")]
    event = assert_event(case, Move.CLAIM, users["cadre"], CaseState.REGISTERED, CaseState.CLAIMED)
    assert_reporter_told(case, event)
    # the town office may claim too
    other = case_at(world)
    move(other, Move.CLAIM, users["office"])
    assert other.claimed_by == users["office"]


def test_escalate_gives_the_town_its_working_days_and_opens_its_period(world, users):
    case = case_at(world, (Move.CLAIM, users["cadre"]))
    refused(case, Move.ESCALATE, users["department"], users["supervisor"], users["cadre_a2"], REPORTER)
    refused(case, Move.ESCALATE, SWEEP)  # not overdue
    move(case, Move.ESCALATE, users["cadre"], note="村里解决不了")
    case.refresh_from_db()
    assert (case.state, case.level, case.department, case.deadline) == (
        CaseState.ESCALATED,
        Level.TOWN,
        None,
        end_of(13),  # 7 working days from Tuesday
    )
    assert periods(case) == [
        (Level.VILLAGE, world.village_a1.pk, None, MONDAY, end_of(6), TUESDAY, True, Move.ESCALATE),
        (Level.TOWN, None, None, TUESDAY, end_of(13), None, None, ""),
    ]
    event = assert_event(
        case, Move.ESCALATE, users["cadre"], CaseState.CLAIMED, CaseState.ESCALATED, "村里解决不了"
    )
    assert event.data == {}
    assert_reporter_told(case, event)
    # at town level the cadre has no move left on it
    assert allowed_moves(case, users["cadre"]) == []


def test_assign(world, users):
    case = case_at(world, (Move.ESCALATE, users["cadre"]))
    refused(case, Move.ASSIGN, users["cadre"], users["department"], users["supervisor"], users["office_b"])
    with pytest.raises(ValidationError) as exc:
        move(case, Move.ASSIGN, users["office"])
    assert "department" in exc.value.message_dict
    with pytest.raises(ValidationError):
        move(case, Move.ASSIGN, users["office"], department=world.dept_b)
    move(case, Move.ASSIGN, users["office"], department=world.dept_a)
    case.refresh_from_db()
    assert (case.state, case.department) == (CaseState.ASSIGNED, world.dept_a)
    assert periods(case)[-1] == (Level.TOWN, None, world.dept_a.pk, MONDAY, end_of(12), None, None, "")
    event = assert_event(case, Move.ASSIGN, users["office"], CaseState.ESCALATED, CaseState.ASSIGNED)
    assert event.data == {"department": world.dept_a.pk}
    assert_reporter_told(case, event)


def test_accept_only_by_the_department_it_is_assigned_to(world, users):
    case = case_at(world, (Move.ESCALATE, users["cadre"]), (Move.ASSIGN, users["office"], world.dept_a))
    refused(case, Move.ACCEPT, users["department_b"], users["office"], users["cadre"], users["supervisor"])
    move(case, Move.ACCEPT, users["department"])
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.department == world.dept_a
    event = assert_event(case, Move.ACCEPT, users["department"], CaseState.ASSIGNED, CaseState.ACCEPTED)
    assert_reporter_told(case, event)


def test_send_back_needs_a_reason_and_leaves_the_town_without_a_department(world, users):
    case = case_at(
        world,
        (Move.ESCALATE, users["cadre"]),
        (Move.ASSIGN, users["office"], world.dept_a),
        (Move.ACCEPT, users["department"]),
    )
    refused(case, Move.SEND_BACK, users["office"], users["department_b"], users["cadre"])
    with pytest.raises(ValidationError) as exc:
        move(case, Move.SEND_BACK, users["department"], note="  ")
    assert "note" in exc.value.message_dict
    move(case, Move.SEND_BACK, users["department"], note="不属于本部门")
    case.refresh_from_db()
    assert (case.state, case.department) == (CaseState.ESCALATED, None)
    assert periods(case)[-1][2] is None  # the running period's holder follows
    event = assert_event(
        case, Move.SEND_BACK, users["department"], CaseState.ACCEPTED, CaseState.ESCALATED, "不属于本部门"
    )
    assert_reporter_told(case, event)


def test_solve_closes_the_period_and_asks_the_reporter_to_rate(world, users):
    case = case_at(world, (Move.CLAIM, users["cadre"]))
    refused(case, Move.SOLVE, users["department"], users["supervisor"], users["cadre_a2"])
    with pytest.raises(ValidationError) as exc:
        move(case, Move.SOLVE, users["cadre"])
    assert "note" in exc.value.message_dict
    move(case, Move.SOLVE, users["cadre"], note="已疏通")
    case.refresh_from_db()
    assert (case.state, case.solved_by, case.solved_at, case.solution) == (
        CaseState.SOLVED,
        users["cadre"],
        TUESDAY,
        "已疏通",
    )
    assert periods(case) == [
        (Level.VILLAGE, world.village_a1.pk, None, MONDAY, end_of(6), TUESDAY, True, "solve")
    ]
    event = assert_event(case, Move.SOLVE, users["cadre"], CaseState.CLAIMED, CaseState.SOLVED, "已疏通")
    assert_reporter_told(case, event, NotificationKind.RATE_REQUEST)
    assert str(transitions.PLEASE_RATE) in told(case, event).body
    # at town level: the department it is assigned to, or the office; not the cadre
    town = case_at(
        world,
        (Move.ESCALATE, users["cadre"]),
        (Move.ASSIGN, users["office"], world.dept_a),
        (Move.ACCEPT, users["department"]),
    )
    refused(town, Move.SOLVE, users["cadre"], users["department_b"])
    assert Move.SOLVE in allowed_moves(town, users["office"])
    move(town, Move.SOLVE, users["department"], note="已处理")
    assert town.solved_by == users["department"]


def test_confirm_by_anyone_allowed_but_the_one_who_solved_it(world, users):
    case = case_at(world, (Move.CLAIM, users["cadre"]), (Move.SOLVE, users["cadre"]))
    refused(case, Move.CONFIRM, users["cadre"], users["cadre_a2"], users["department"], REPORTER)
    move(case, Move.CONFIRM, users["supervisor"])
    case.refresh_from_db()
    assert case.state == CaseState.CONFIRMED
    event = assert_event(case, Move.CONFIRM, users["supervisor"], CaseState.SOLVED, CaseState.CONFIRMED)
    assert_reporter_told(case, event)
    # a village case the office solved: the cadre confirms it
    other = case_at(world, (Move.CLAIM, users["cadre"]), (Move.SOLVE, users["office"]))
    assert Move.CONFIRM in allowed_moves(other, users["cadre"])
    assert Move.CONFIRM not in allowed_moves(other, users["office"])


def test_close(world, users):
    case = case_at(
        world, (Move.CLAIM, users["cadre"]), (Move.SOLVE, users["cadre"]), (Move.CONFIRM, users["office"])
    )
    refused(case, Move.CLOSE, users["supervisor"], users["department"], users["cadre_a2"], users["office_b"])
    move(case, Move.CLOSE, users["cadre"])
    case.refresh_from_db()
    assert (case.state, case.closed_at) == (CaseState.CLOSED, TUESDAY)
    event = assert_event(case, Move.CLOSE, users["cadre"], CaseState.CONFIRMED, CaseState.CLOSED)
    assert_reporter_told(case, event)
    # a town case is closed by the town
    town = case_at(
        world,
        (Move.ESCALATE, users["cadre"]),
        (Move.SOLVE, users["office"]),
        (Move.CONFIRM, users["supervisor"]),
    )
    refused(town, Move.CLOSE, users["cadre"])
    move(town, Move.CLOSE, users["office"])


def test_reject_needs_a_reason_and_ends_the_period(world, users):
    case = case_at(world)
    refused(case, Move.REJECT, users["department"], users["supervisor"], users["cadre_a2"])
    with pytest.raises(ValidationError):
        move(case, Move.REJECT, users["cadre"])
    move(case, Move.REJECT, users["cadre"], note="不属于本村事务")
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED
    assert periods(case)[-1][-3:] == (TUESDAY, True, Move.REJECT)
    event = assert_event(
        case, Move.REJECT, users["cadre"], CaseState.REGISTERED, CaseState.REJECTED, "不属于本村事务"
    )
    assert_reporter_told(case, event)
    town = case_at(world, (Move.ESCALATE, users["cadre"]))
    refused(town, Move.REJECT, users["cadre"])
    move(town, Move.REJECT, users["office"], note="重复反映")


def test_reopen_goes_back_to_the_level_and_holder_that_solved_it(world, users):
    cadre, office, dept = users["cadre"], users["office"], users["department"]
    case = case_at(
        world, (Move.CLAIM, cadre), (Move.SOLVE, cadre), (Move.CONFIRM, office), (Move.CLOSE, cadre)
    )
    refused(case, Move.REOPEN, cadre, users["supervisor"], users["office_b"])
    with pytest.raises(ValidationError):
        move(case, Move.REOPEN, office)
    move(case, Move.REOPEN, office, note="群众反映仍未解决")
    case.refresh_from_db()
    assert (case.state, case.level, case.closed_at, case.solved_at, case.solved_by, case.deadline) == (
        CaseState.CLAIMED,
        Level.VILLAGE,
        None,
        None,
        None,
        end_of(7),  # 3 working days from Tuesday
    )
    assert periods(case)[-1] == (Level.VILLAGE, world.village_a1.pk, None, TUESDAY, end_of(7), None, None, "")
    event = assert_event(case, Move.REOPEN, office, CaseState.CLOSED, CaseState.CLAIMED, "群众反映仍未解决")
    assert_reporter_told(case, event)
    # solved by a department: back to it; solved by the office itself: back to dispatch
    escalate, assign = (Move.ESCALATE, cadre), (Move.ASSIGN, office, world.dept_a)
    by_department = case_at(world, escalate, assign, (Move.ACCEPT, dept), (Move.SOLVE, dept))
    move(by_department, Move.REOPEN, office, note="未解决")
    assert (by_department.state, by_department.department) == (CaseState.ACCEPTED, world.dept_a)
    assert periods(by_department)[-1][:3] == (Level.TOWN, None, world.dept_a.pk)
    assert Move.SOLVE in allowed_moves(by_department, dept)
    by_office = case_at(world, escalate, (Move.SOLVE, office))
    move(by_office, Move.REOPEN, office, note="未解决")
    assert (by_office.state, by_office.department) == (CaseState.ESCALATED, None)


def test_the_sweep_moves_are_the_sweeps(world, users):
    case = case_at(world)
    overdue = MONDAY + datetime.timedelta(days=7)
    assert allowed_moves(case, SWEEP, now=TUESDAY) == []
    assert allowed_moves(case, SWEEP, now=overdue) == [Move.ESCALATE]
    for name in (Move.SUPERVISE, Move.REMIND):
        refused(case, name, users["office"], users["admin"])
    services.case_move(case=case, move=Move.ESCALATE, actor=SWEEP, now=overdue)
    event = last_event(case)
    assert (event.actor, event.data) == (None, {"sweep": True})
    assert event.note == str(transitions.TRANSITIONS[Move.ESCALATE].grants[-1].note)
    assert periods(case)[0][-2:] == (False, Move.ESCALATE)  # missed


# -- Rating -----------------------------------------------------------------------------


def test_not_satisfied_reopens_through_the_table_as_the_reporter(world, users):
    case = case_at(world, (Move.CLAIM, users["cadre"]), (Move.SOLVE, users["cadre"]))
    assert allowed_moves(case, REPORTER) == [Move.REOPEN, Move.RATE]
    rating = services.case_rate(case=case, satisfaction="not_satisfied", comment="还是堵", now=TUESDAY)
    case.refresh_from_db()
    assert (case.state, case.satisfaction, case.solved_by, case.deadline) == (
        CaseState.CLAIMED,
        "not_satisfied",
        None,
        end_of(7),
    )
    assert rating.at == TUESDAY
    event = assert_event(case, Move.REOPEN, None, CaseState.SOLVED, CaseState.CLAIMED, "还是堵")
    assert event.data == {"rating": rating.pk}
    assert_reporter_told(case, event)
    assert periods(case)[-1] == (Level.VILLAGE, world.village_a1.pk, None, TUESDAY, end_of(7), None, None, "")
    # the reopened case is open again: no rating until solved again
    with pytest.raises(ValidationError):
        services.case_rate(case=case, satisfaction="satisfied")


def test_satisfied_changes_no_state_and_a_result_is_rated_once(world, users):
    case = case_at(world, (Move.CLAIM, users["cadre"]), (Move.SOLVE, users["cadre"]))
    services.case_rate(case=case, satisfaction="satisfied", now=TUESDAY)
    case.refresh_from_db()
    assert (case.state, case.satisfaction) == (CaseState.SOLVED, "satisfied")
    event = assert_event(case, Move.RATE, None, CaseState.SOLVED, CaseState.SOLVED)
    assert told(case, event) is None
    # a second rating of the same result is refused (one per solved period)
    with pytest.raises(ValidationError):
        services.case_rate(case=case, satisfaction="not_satisfied", now=TUESDAY)
    assert Case.objects.get(pk=case.pk).state == CaseState.SOLVED
    assert Rating.objects.filter(case=case).count() == 1


def test_a_rating_with_no_reason_reopens_too(world, users):
    case = case_at(world, (Move.CLAIM, users["cadre"]), (Move.SOLVE, users["cadre"]))
    services.case_rate(case=case, satisfaction="not_satisfied", now=TUESDAY)
    assert Case.objects.get(pk=case.pk).state == CaseState.CLAIMED


def test_an_open_case_cannot_be_rated(world):
    case = case_at(world)
    with pytest.raises(ValidationError):
        services.case_rate(case=case, satisfaction="not_satisfied")
    assert not Rating.objects.exists()


# -- The inbox --------------------------------------------------------------------------


@pytest.fixture
def cases(world, users):
    return every_state(world, users)


def test_the_inbox_is_exactly_the_cases_on_which_the_user_has_a_move(world, users, cases):
    for role, user in users.items():
        q = moves_q(user)
        visible = restrict(Case.objects.all(), user)
        inbox = set(visible.filter(q).values_list("id", flat=True)) if q is not None else set()
        for name, case in cases.items():
            case = Case.objects.get(pk=case.pk)
            assert (case.pk in inbox) == bool(allowed_moves(case, user)), (
                role,
                name,
                allowed_moves(case, user),
            )


def test_the_inbox_is_exactly_the_cases_that_wait_for_the_users_move(world, users, cases):
    for role, user in users.items():
        q = moves_q(user, inbox=True)
        visible = restrict(Case.objects.all(), user)
        inbox = set(visible.filter(q).values_list("id", flat=True)) if q is not None else set()
        for name, case in cases.items():
            case = Case.objects.get(pk=case.pk)
            assert (case.pk in inbox) == bool(inbox_moves(case, user)), (role, name, inbox_moves(case, user))


def test_the_office_inbox_holds_what_waits_for_the_office_not_what_it_could_stand_in_for(world, users, cases):
    office = users["office"]
    waiting = {name for name, case in cases.items() if inbox_moves(Case.objects.get(pk=case.pk), office)}
    states = {Case.objects.get(pk=cases[name].pk).state for name in waiting}
    # to dispatch, to confirm, to cross off
    assert states <= {"escalated", "solved", "confirmed"} and {"escalated", "confirmed"} <= states
    # it may still claim a registered case or reopen a closed one, from the case's page
    assert "claim" in allowed_moves(Case.objects.get(pk=cases["registered"].pk), office)
    assert "registered" not in waiting and "village_closed" not in waiting


def test_the_inbox_page_lists_the_cases_that_wait_for_the_users_move(world, users, cases):
    from django.test import Client

    for role in ("cadre", "office", "department", "supervisor", "grid_worker"):
        client = Client()
        client.force_login(users[role])
        page = client.get("/cases/?tab=inbox").content.decode()
        for name, case in cases.items():
            expected = bool(inbox_moves(Case.objects.get(pk=case.pk), users[role]))
            assert (case.tracking_number in page) == expected, (role, name)
    # the cadre of village A1: its open and solved village cases, with what waits there
    cadre = {
        name for name, case in cases.items() if inbox_moves(Case.objects.get(pk=case.pk), users["cadre"])
    }
    assert cadre == {
        "registered",
        "claimed",
        "village_solved_by_office",
        "village_confirmed",
        "reopened",
        "overdue_village",
    }


def test_the_sweeps_conditions_agree_as_queries_and_as_tests_of_a_case(world, users, cases):
    now = datetime.datetime.now(tz=SH)
    for at in (
        now,
        now - datetime.timedelta(days=35),
        now + datetime.timedelta(days=5),
        now + datetime.timedelta(days=60),
    ):
        q = moves_q(SWEEP, now=at)
        due = set(Case.objects.filter(q).values_list("id", flat=True))
        overdue = set(Case.objects.overdue(at).values_list("id", flat=True))
        for case in Case.objects.all():
            assert (case.pk in due) == bool(allowed_moves(case, SWEEP, now=at)), (case, at)
            assert (case.pk in overdue) == case.is_overdue_at(at)
    assert cases["overdue_village"].is_overdue and cases["supervised"].is_overdue
    assert not cases["registered"].is_overdue and not cases["village_closed"].is_overdue


# -- Writing the past -------------------------------------------------------------------


def test_a_report_written_for_the_past_is_dated_then(world):
    case = new_case(world, now=MONDAY)
    case.refresh_from_db()
    assert (case.created_at, case.updated_at, case.deadline) == (MONDAY, MONDAY, end_of(6))
    assert case.events.get().at == MONDAY
    assert case.periods.get().started_at == MONDAY
