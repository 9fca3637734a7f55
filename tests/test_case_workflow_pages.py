"""A case's whole life in the browser's pages (issue 8): report on a phone with the
village and grid chosen or found from the location, the receipt, a button for each move
the table allows, each move's form with its errors beside its fields, a move someone
else made first, the printable case sheet and the public tracking page."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from cases import services
from cases.choices import CaseState, Move
from cases.models import Case, CaseEvent, CaseKind, rating_code
from cases.sweeps import run_sweep
from cases.transitions import allowed_moves
from governance.choices import Role
from governance.workdays import countdowns

from . import factories as f
from .case_states import new_case

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def named(user, last: str, first: str):
    user.last_name, user.first_name = last, first
    user.save(update_fields=["last_name", "first_name"])
    return user


def offered(body: str) -> set[str]:
    return set(re.findall(r'data-move="(\w+)"', body))


def field_error(body: str, field_id: str) -> str:
    """The error text shown beside a field (its invalid-feedback block)."""
    match = re.search(rf'id="{field_id}_error"[^>]*>(.*?)</div>', body, re.S)
    return match.group(1).strip() if match else ""


def photo(name="p.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def moved(case, *steps):
    for move, actor, *extra in steps:
        services.case_move(
            case=case, move=move, actor=actor, note="说明", department=extra[0] if extra else None
        )
    case.refresh_from_db()
    return case


# -- The moves -------------------------------------------------------------------------


def test_it_offers_a_button_for_exactly_each_move_the_table_allows(world):
    # given cases in several states, and the users who act on them
    cadre, office, dept = world.users["cadre"], world.users["office"], world.users["department"]
    registered = new_case(world)
    escalated = moved(new_case(world), (Move.ESCALATE, cadre))
    assigned = moved(new_case(world), (Move.ESCALATE, cadre), (Move.ASSIGN, office, world.dept_a))
    solved = moved(new_case(world), (Move.CLAIM, cadre), (Move.SOLVE, cadre))
    expected = [
        (cadre, registered, {"claim", "escalate", "reject"}, ["认领", "上报镇", "不予受理"]),
        (office, escalated, {"assign", "solve", "reject"}, ["派单至部门", "不予受理"]),
        (dept, assigned, {"accept", "send_back"}, ["接单", "退回"]),
        (office, solved, {"confirm", "reopen"}, ["确认办理结果", "重新办理"]),
        (cadre, solved, set(), []),  # nobody confirms their own solution
        (world.users["supervisor"], escalated, set(), []),
    ]
    for user, case, moves, labels in expected:
        # when the user opens the case's page
        body = logged_in(user).get(f"/cases/{case.pk}/").content.decode()
        # then it offers a button for each move the table allows, labelled in Chinese
        assert offered(body) == moves == set(allowed_moves(case, user)), (user, case.state)
        for label in labels:
            assert label in body
        assert ('id="moves"' in body) == bool(moves)
    # a reason is marked required on the forms that need one; claim needs no form
    body = logged_in(cadre).get(f"/cases/{registered.pk}/").content.decode()
    assert re.search(r'for="id_reject_note">理由 <span class="text-danger"', body)
    assert 'id="id_claim_note"' not in body and 'id="move-claim"' in body


def test_the_header_shows_labels_real_names_the_countdown_and_a_masked_contact(world):
    cadre = named(world.users["cadre"], "李", "村官")
    named(world.users["grid_worker"], "赵", "网格")
    case = moved(new_case(world), (Move.CLAIM, cadre))
    (countdown,) = countdowns([case.deadline], town_id=case.town_id)
    body = logged_in(world.users["office"]).get(f"/cases/{case.pk}/").content.decode()
    header = body[body.index('id="case-state"') : body.index('id="facts"')]
    assert "村已认领" in header and "村级" in header
    assert str(countdown) in header and "个工作日" in str(countdown)
    assert (
        case.deadline.astimezone(datetime.timezone(datetime.timedelta(hours=8))).strftime("%Y-%m-%d")
        in header
    )
    facts = body[body.index('id="facts"') : body.index('id="timeline"')]
    assert "赵网格" in facts  # who reported it
    assert "李村官" in body[body.index('id="holder"') :]  # who holds it now
    # the reporter's contact is masked, as the API shows it without the personal-data grant
    assert "王五 · 137****1111" in facts and "13700001111" not in body
    timeline = body[body.index('id="timeline"') :]
    assert "认领" in timeline and "已登记 → 村已认领" in timeline and "李村官" in timeline
    assert f'href="/cases/{case.pk}/sheet/"' in body


def test_an_overdue_case_shows_red_days_over_and_the_sweep_as_the_system(world):
    long_ago = timezone.now() - datetime.timedelta(days=40)
    case = new_case(world, now=long_ago)
    run_sweep(long_ago + datetime.timedelta(days=10))
    run_sweep(long_ago + datetime.timedelta(days=30))
    body = logged_in(world.users["office"]).get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r'id="countdown" class="overdue[^"]*">超期 \d+ 个工作日<', body)
    assert "督办中" in body
    timeline = body[body.index('id="timeline"') : body.index('id="periods"')]
    assert "上报镇" in timeline and "系统" in timeline
    periods = body[body.index('id="periods"') :]
    assert "甲一村" in periods and "甲镇" in periods and "✗" in periods


def test_the_office_dispatches_to_a_department_chosen_by_name(world):
    # given an escalated case
    case = moved(new_case(world), (Move.ESCALATE, world.users["cadre"]))
    office = logged_in(world.users["office"])
    body = office.get(f"/cases/{case.pk}/").content.decode()
    # the department is a list of the town's departments by name
    select = body[body.index('id="id_assign_department"') :].split("</select>")[0]
    assert f'<option value="{world.dept_a.pk}">甲镇社保所</option>' in select and "乙镇社保所" not in select
    # when the office dispatches it
    response = office.post(
        f"/cases/{case.pk}/",
        {"move": "assign", "department": world.dept_a.pk, "note": "请社保所办理"},
        follow=True,
    )
    # then it is assigned, and the page says so
    case.refresh_from_db()
    assert (case.state, case.department) == (CaseState.ASSIGNED, world.dept_a)
    body = response.content.decode()
    assert "派单至部门：已完成，事项现为“已派单至部门”。" in body
    assert "甲镇社保所" in body[body.index('id="holder"') :]


def test_a_department_outside_the_town_is_refused_beside_the_field(world):
    case = moved(new_case(world), (Move.ESCALATE, world.users["cadre"]))
    response = logged_in(world.users["office"]).post(
        f"/cases/{case.pk}/", {"move": "assign", "department": world.dept_b.pk}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert field_error(body, "id_assign_department") == "请选择事项所在镇的部门。"
    assert 'id="move-assign" class="collapse show' in body  # the form comes back open
    missing = logged_in(world.users["office"]).post(f"/cases/{case.pk}/", {"move": "assign"}).content.decode()
    assert field_error(missing, "id_assign_department") == "请选择部门。"
    case.refresh_from_db()
    assert case.state == CaseState.ESCALATED and case.department is None


def test_sending_back_needs_a_reason_beside_the_note_and_writes_nothing_without_it(world):
    dept = named(world.users["department"], "钱", "社保")
    case = moved(
        new_case(world),
        (Move.ESCALATE, world.users["cadre"]),
        (Move.ASSIGN, world.users["office"], world.dept_a),
    )
    events = CaseEvent.objects.filter(case=case).count()
    client = logged_in(dept)
    # without a reason: the error beside the note, the form open, nothing written
    response = client.post(f"/cases/{case.pk}/", {"move": "send_back", "note": "  "})
    body = response.content.decode()
    assert response.status_code == 200 and field_error(body, "id_send_back_note") == "请说明理由。"
    assert 'id="move-send_back" class="collapse show' in body
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED and CaseEvent.objects.filter(case=case).count() == events
    # with one: sent back to the town, the reason and who gave it on the timeline
    client.post(f"/cases/{case.pk}/", {"move": "send_back", "note": "不属于本所职责"})
    case.refresh_from_db()
    assert case.state == CaseState.ESCALATED and case.department is None
    office_page = logged_in(world.users["office"]).get(f"/cases/{case.pk}/").content.decode()
    timeline = office_page[office_page.index('id="timeline"') :]
    assert "退回" in timeline and "不属于本所职责" in timeline and "钱社保" in timeline


def test_solving_takes_the_solution_and_photos(world):
    cadre = world.users["cadre"]
    case = moved(new_case(world), (Move.CLAIM, cadre))
    client = logged_in(cadre)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="id_solve_photos"' in body and 'id="id_solve_department"' not in body
    empty = client.post(f"/cases/{case.pk}/", {"move": "solve", "note": ""}).content.decode()
    assert field_error(empty, "id_solve_note") == "请说明如何办结。"
    response = client.post(f"/cases/{case.pk}/", {"move": "solve", "note": "已疏通", "photos": [photo()]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SOLVED and case.solution == "已疏通"
    attachment = case.attachments.get()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/cases/photos/{attachment.pk}/"' in page


def test_a_move_someone_else_made_first_is_said_plainly(world):
    # given a case two cadres of the village both have open
    case = new_case(world)
    other = f.member(Role.VILLAGE_CADRE, village=world.village_a1)
    late = logged_in(world.users["cadre"])
    assert "claim" in offered(late.get(f"/cases/{case.pk}/").content.decode())
    services.case_move(case=case, move=Move.CLAIM, actor=other)
    # when the second one claims it too
    response = late.post(f"/cases/{case.pk}/", {"move": "claim"}, follow=True)
    # then the page says the case has moved on, and offers what is left
    body = response.content.decode()
    assert response.status_code == 200
    assert "这一步已无法进行：事项刚刚有了变动，现为“村已认领”。" in body
    assert "claim" not in offered(body)
    assert Case.objects.get(pk=case.pk).claimed_by == other
    # a move that is nobody's here, or none at all, is answered the same way
    for data in ({"move": "rate"}, {"move": "nonsense"}, {}):
        assert late.post(f"/cases/{case.pk}/", data).status_code == 302


# -- The case sheet --------------------------------------------------------------------


def test_the_case_sheet_prints_the_facts_timeline_periods_and_signature_lines(world):
    cadre = named(world.users["cadre"], "李", "村官")
    case = moved(new_case(world), (Move.CLAIM, cadre), (Move.ESCALATE, cadre))
    response = logged_in(world.users["office"]).get(f"/cases/{case.pk}/sheet/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "群众诉求办理单" in body and case.tracking_number in body
    assert "排水沟堵塞" in body and "甲一村 · 甲一村第一网格" in body and "137****1111" in body
    timeline = body[body.index('id="sheet-timeline"') : body.index('id="sheet-periods"')]
    assert timeline.count("<tr>") == 4 and "李村官" in timeline and "村已认领 → 已上报镇" in timeline
    periods = body[body.index('id="sheet-periods"') :]
    assert "村级" in periods and "镇/部门级" in periods
    assert "办理人：" in body and "审核人：" in body and "日期：" in body
    assert 'class="d-flex flex-wrap gap-2 mb-3 no-print"' in body  # its buttons do not print
    # out of scope: not found
    assert logged_in(world.users["office_b"]).get(f"/cases/{case.pk}/sheet/").status_code == 404
    assert logged_in(world.users["party_member"]).get(f"/cases/{case.pk}/sheet/").status_code == 404
    assert Client().get(f"/cases/{case.pk}/sheet/").status_code == 302  # to the log-in


# -- Reporting -------------------------------------------------------------------------


def test_locate_answers_the_users_own_grid_at_a_point(world):
    worker = logged_in(world.users["grid_worker"])
    # grid A1 is 120.0–120.01 × 30.0–30.01; its child group the south-west quarter
    inside = worker.get("/cases/locate/", {"lat": "30.008", "lng": "120.008"}).json()
    assert inside == {
        "village": {"id": world.village_a1.pk, "name": "甲一村"},
        "grid": {"id": world.grid_a1.pk, "name": "甲一村第一网格"},
    }
    child = worker.get("/cases/locate/", {"lat": "30.002", "lng": "120.002"}).json()
    assert child["grid"]["id"] == world.grid_a1_child.pk  # the most specific grid
    # a point in another town's grid: nothing, for the worker and for town A's office
    for user in ("grid_worker", "office"):
        answer = logged_in(world.users[user]).get("/cases/locate/", {"lat": "31.005", "lng": "121.005"})
        assert answer.status_code == 200 and answer.json() == {}
    assert logged_in(world.users["office_b"]).get(
        "/cases/locate/", {"lat": "31.005", "lng": "121.005"}
    ).json()["grid"] == {"id": world.grid_b1.pk, "name": "乙一村第一网格"}
    # what is not a point
    for bad in ({"lat": "abc", "lng": "120"}, {"lat": "nan", "lng": "120"}, {"lat": "91", "lng": "120"}, {}):
        assert worker.get("/cases/locate/", bad).status_code == 400, bad
    assert Client().get("/cases/locate/", {"lat": "30.008", "lng": "120.008"}).status_code == 302


def test_a_worker_with_one_village_and_one_grid_reports_with_both_chosen(world):
    # given a grid worker of a grid without groups: one village, one grid
    user = f.member(Role.GRID_WORKER, grid=world.grid_a1_2)
    client = logged_in(user)
    form = client.get("/cases/new/").content.decode()
    assert re.search(rf'<option value="{world.village_a1.pk}" selected>甲一村</option>', form)
    assert re.search(
        rf'<option value="{world.grid_a1_2.pk}" selected data-village="{world.village_a1.pk}">', form
    )
    assert 'accept="image/*"' in form and 'capture="environment"' in form and "multiple" in form
    assert "使用我的位置" in form and "更多信息" in form and "js/report.js" in form
    # the phone's first fields come before the optional ones
    assert form.index('name="kind"') < form.index('name="photos"') < form.index('name="description"')
    assert form.index('name="description"') < form.index("更多信息") < form.index('name="address"')
    # when it reports with what the form chose, a photo and its location
    kind = CaseKind.objects.get(code="drain", town=None)
    response = client.post(
        "/cases/new/",
        {
            "village": world.village_a1.pk,
            "grid": world.grid_a1_2.pk,
            "source": "grid_report",
            "kind": kind.pk,
            "description": "路灯不亮",
            "photos": [photo()],
            "latitude": "30.003",
            "longitude": "120.004",
        },
        follow=True,
    )
    # then the case is saved where it was, and the receipt shows its number and code
    case = Case.objects.get(description="路灯不亮")
    assert (case.grid, case.latitude, case.longitude) == (world.grid_a1_2, 30.003, 120.004)
    assert case.attachments.count() == 1
    receipt = response.content.decode()
    receipt = receipt[receipt.index('id="receipt"') : receipt.index("</section>")]
    assert case.tracking_number in receipt and rating_code(case) in receipt
    assert f"/track/{case.tracking_number}/" in receipt and "评价码不会再次显示" in receipt
    # the code is shown once
    assert rating_code(case) not in client.get(f"/cases/{case.pk}/").content.decode()


def test_a_report_with_half_a_location_or_a_grid_of_another_village_is_refused(world):
    client = logged_in(world.users["office"])
    kind = CaseKind.objects.get(code="drain", town=None)
    base = {"village": world.village_a2.pk, "source": "walk_in", "kind": kind.pk, "description": "x"}
    half = client.post("/cases/new/", {**base, "latitude": "30.1"}).content.decode()
    assert "纬度和经度" in half or "经度" in half
    far = client.post("/cases/new/", {**base, "latitude": "300", "longitude": "120"})
    assert far.status_code == 200
    other = client.post("/cases/new/", {**base, "grid": world.grid_a1.pk}).content.decode()
    assert field_error(other, "id_grid")
    assert not Case.objects.exists()


def test_roles_that_do_not_report_get_the_403_page(world):
    for role in ("supervisor", "department", "party_member"):
        response = logged_in(world.users[role]).get("/cases/new/")
        assert response.status_code == 403 and 'id="forbidden"' in response.content.decode(), role


# -- Tracking --------------------------------------------------------------------------


def test_the_tracking_page_shows_labels_and_the_holder_and_a_clear_404(world):
    case = moved(
        new_case(world),
        (Move.ESCALATE, world.users["cadre"]),
        (Move.ASSIGN, world.users["office"], world.dept_a),
    )
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = web.get(f"/track/{case.tracking_number}/").content.decode()
    assert "已派单至部门" in body[body.index('id="track-state"') :]
    assert "甲镇社保所" in body[body.index('id="track-holder"') :]
    timeline = body[body.index('id="track-timeline"') :]
    assert "上报" in timeline and "上报镇" in timeline and "派单至部门" in timeline
    assert "王五" not in body and "137" not in body and "说明" not in timeline  # no personal data, no notes
    missing = web.get("/track/NOSUCHCASE/")
    assert missing.status_code == 404
    assert (
        "没有这个查询编号的事项" in missing.content.decode() and 'id="not-found"' in missing.content.decode()
    )
    assert web.get("/track/", {"number": "NOSUCHCASE"}).status_code == 404


def test_the_case_page_reads_a_fixed_number_of_queries_however_long_its_timeline(world, count_queries):
    cadre, office = world.users["cadre"], world.users["office"]
    short = moved(new_case(world), (Move.CLAIM, cadre))
    long = moved(
        new_case(world),
        (Move.CLAIM, cadre),
        (Move.SOLVE, cadre),
        (Move.CONFIRM, office),
        (Move.CLOSE, cadre),
        (Move.REOPEN, office),
    )
    assert long.state == short.state == CaseState.CLAIMED
    client = logged_in(office)
    counts = []
    for case in (short, long):
        client.get(f"/cases/{case.pk}/")  # the session and the calendar warm
        with count_queries() as q:
            assert client.get(f"/cases/{case.pk}/").status_code == 200
        counts.append(len(q))
    assert counts[0] == counts[1], counts
