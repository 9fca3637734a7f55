"""Case pages and the public board: scoped, and no personal data in public."""

import re

import pytest
from django.test import Client

from cases import services
from cases.choices import CaseState, Move
from cases.models import Case, rating_code
from cases.transitions import USER_MOVES, allowed_moves
from governance.scoping import restrict

from .case_states import every_state, more_users
from .test_cases import report

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_the_public_board_shows_open_problems_without_personal_data(world, api):
    case = report(world, description="张三家门口排水沟堵塞，电话13700001111")
    response = api.get(f"/api/v1/public/board/village/{world.village_a1.code}/")
    assert response.status_code == 200
    row = response.json()["cases"][0]
    assert row["tracking_number"] == case.tracking_number
    body = response.content.decode()
    assert "王五" not in body and "13700001111" not in body  # reporter and contact never shown
    page = Client().get(f"/board/town/{world.town_a.code}/")
    assert page.status_code == 200 and case.tracking_number in page.content.decode()
    assert "王五" not in page.content.decode()
    assert Client().get("/board/town/NOPE/").status_code == 404


def test_anyone_follows_the_case_by_number_and_only_the_reporters_code_rates_it(world, api):
    case = report(world)
    services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    services.case_move(case=case, move=Move.SOLVE, actor=world.users["cadre"], note="已疏通")
    progress = api.get(f"/api/v1/public/track/{case.tracking_number}/").json()
    assert [e["move"] for e in progress["events"]] == ["report", "claim", "solve"] and progress["can_rate"]
    # the tracking number alone rates nothing, on the page or through the API
    page = Client().get(f"/track/{case.tracking_number}/")
    assert page.status_code == 200 and 'id="rate-form"' not in page.content.decode()
    assert (
        Client().post(f"/track/{case.tracking_number}/", {"satisfaction": "not_satisfied"}).status_code == 400
    )
    anonymous = api.post(f"/api/v1/public/track/{case.tracking_number}/", {"satisfaction": "satisfied"})
    assert anonymous.status_code == 400 and "code" in anonymous.json()
    case.refresh_from_db()
    assert (case.state, case.satisfaction, case.ratings.count()) == (CaseState.SOLVED, "", 0)
    # the reporter's code does
    response = Client().post(
        f"/track/{case.tracking_number}/",
        {"code": rating_code(case), "satisfaction": "satisfied", "comment": "好"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"
    bad = api.post(
        f"/api/v1/public/track/{case.tracking_number}/",
        {"code": rating_code(case), "satisfaction": "meh"},
        format="json",
    )
    assert bad.status_code == 400 and "satisfaction" in bad.json()
    assert api.get("/api/v1/public/track/NOSUCHCASE/").status_code == 404


def test_the_cadre_claims_and_solves_from_the_case_page(world):
    case = report(world)
    cadre = logged_in(world.users["cadre"])
    assert case.tracking_number in cadre.get("/cases/").content.decode()
    assert cadre.post(f"/cases/{case.pk}/", {"move": "claim"}).status_code == 302
    # solving needs a note: the form says so and nothing changes
    response = cadre.post(f"/cases/{case.pk}/", {"move": "solve", "note": ""})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.CLAIMED
    cadre.post(f"/cases/{case.pk}/", {"move": "solve", "note": "已疏通"})
    case.refresh_from_db()
    assert case.state == CaseState.SOLVED


def test_the_case_page_answers_404_outside_scope(world):
    case = report(world)
    assert logged_in(world.users["office_b"]).get(f"/cases/{case.pk}/").status_code == 404
    assert logged_in(world.users["party_member"]).get(f"/cases/{case.pk}/").status_code == 404


def test_the_town_office_sees_escalated_cases_to_dispatch_and_reports_from_a_phone(world):
    case = report(world)
    services.case_move(case=case, move=Move.ESCALATE, actor=world.users["cadre"], note="上报")
    office = logged_in(world.users["office"])
    assert case.tracking_number in office.get("/cases/?tab=dispatch").content.decode()
    response = office.post(f"/cases/{case.pk}/", {"move": "assign", "department": world.dept_a.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED and case.department == world.dept_a
    grid = logged_in(world.users["grid_worker"])
    before = Case.objects.count()
    response = grid.post(
        "/cases/new/",
        {
            "village": world.village_a1.pk,
            "grid": world.grid_a1.pk,
            "source": "grid_report",
            "kind": case.kind_id,
            "description": "路灯不亮",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.count() == before + 1
    # a grid outside the worker's area is not a choice
    response = grid.post(
        "/cases/new/",
        {"village": world.village_b1.pk, "source": "grid_report", "kind": case.kind_id, "description": "x"},
    )
    assert response.status_code == 200 and Case.objects.count() == before + 1


def test_every_case_page_renders_for_everyone_who_sees_it_with_the_moves_they_have(world):
    # given a case in each state at each level, and a user of each role
    users = more_users(world)
    cases = every_state(world, users)
    for role, user in users.items():
        client = logged_in(user)
        visible = set(restrict(Case.objects.all(), user).values_list("id", flat=True))
        for name, case in cases.items():
            response = client.get(f"/cases/{case.pk}/")
            if case.pk not in visible:
                assert response.status_code == 404, (role, name)
                continue
            # then the page answers, overdue shows, and it offers exactly the user's moves
            assert response.status_code == 200, (role, name)
            body = response.content.decode()
            moves = allowed_moves(Case.objects.get(pk=case.pk), user)
            assert ('id="moves"' in body) == bool(moves), (role, name)
            offered = set(re.findall(r'data-move="(\w+)"', body))
            assert offered == set(moves) and offered <= set(USER_MOVES), (role, name)
            assert ('id="countdown" class="overdue' in body) == case.is_overdue, (role, name)
        for tab in ("inbox", "dispatch", "overdue", "all", ""):
            assert client.get(f"/cases/?tab={tab}").status_code == 200, (role, tab)
    for case in cases.values():
        assert Client().get(f"/track/{case.tracking_number}/").status_code == 200
    for code in (world.town_a.code, world.town_b.code):
        page = Client().get(f"/board/town/{code}/")
        assert page.status_code == 200
    overdue_rows = Client().get(f"/board/town/{world.town_a.code}/").content.decode().count('class="overdue"')
    assert overdue_rows == 2  # the case overdue in the village, and the one supervised


def test_the_overdue_tab_and_filter_use_the_one_rule(world, as_user):
    users = more_users(world)
    cases = every_state(world, users)
    overdue = {cases["overdue_village"].tracking_number, cases["supervised"].tracking_number}
    page = logged_in(users["office"]).get("/cases/?tab=overdue").content.decode()
    assert {c.tracking_number for c in cases.values() if c.tracking_number in page} == overdue
    rows = as_user(users["office"]).get("/api/v1/cases/?overdue=true&page_size=100").json()["results"]
    assert {r["tracking_number"] for r in rows} == overdue
    rows = as_user(users["office"]).get("/api/v1/cases/?overdue=false&page_size=100").json()["results"]
    assert not overdue & {r["tracking_number"] for r in rows} and rows
    board = {
        r["tracking_number"]: r["is_overdue"]
        for r in Client().get(f"/api/v1/public/board/town/{world.town_a.code}/").json()["cases"]
    }
    assert {n for n, late in board.items() if late} == overdue
