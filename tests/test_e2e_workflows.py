"""Each daily workflow in Chromium, on the demo town, as the people who do it see it:
the grid worker reports on a phone with a photo; the cadre claims and solves; a case
passes its deadline, the sweep escalates it and the office dispatches it to a department
chosen by name; the department accepts and solves; the supervisor confirms; the reporter
rates the result with their own code.

Each test brings its own case to where its workflow starts, through the services as the
people before it would have moved it, then works in the browser only: from the home
page's tile to the list, to the case page and its buttons. After each step it checks what
the user sees: the state's label, the message, the count on the home tile.
"""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cases import services
from cases.choices import CaseState, Level, Move, Source
from cases.models import Case, CaseKind, rating_code
from cases.sweeps import run_sweep
from governance.models import User
from grids.models import Department

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

DEPARTMENT = "社保所"  # demo_department's department in the demo town
# How a case gets to where each workflow starts: (move, who makes it, what they give).
PATH = [
    (Move.ESCALATE, "demo_cadre", {"note": "需镇里协调"}),
    (Move.ASSIGN, "demo_office", {"department": DEPARTMENT}),
    (Move.ACCEPT, "demo_department", {}),
    (Move.SOLVE, "demo_department", {"note": "已联系家属，补助已发放"}),
    (Move.CONFIRM, "demo_supervisor", {}),
]


def user(username: str) -> User:
    return User.objects.get(username=username)


def photo() -> dict:
    """A photo as a phone's camera hands it to the page."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 60)).save(out, "JPEG")
    return {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def a_case(description: str, *, until: str | None = None) -> Case:
    """A case the grid worker reported in its grid, moved on through ``PATH`` by the
    people whose move it is, up to and including ``until``."""
    grid_worker = user("demo_grid")
    grid = grid_worker.memberships.get().grid
    case = services.case_report(
        actor=grid_worker,
        data={
            "village": grid.village,
            "grid": grid,
            "kind": CaseKind.objects.filter(town=None, is_active=True).order_by("code").first(),
            "source": Source.GRID_REPORT,
            "description": description,
            "reporter_name": "张秀英",
            "reporter_contact": "13800138000",
        },
    )
    for move, username, given in PATH if until else ():
        department = given.get("department")
        services.case_move(
            case=Case.objects.get(pk=case.pk),
            move=move,
            actor=user(username),
            note=given.get("note", ""),
            department=Department.objects.get(town=case.town, name=department) if department else None,
        )
        if move == until:
            break
    return Case.objects.get(pk=case.pk)


def tile(page, server: str, key: str):
    """A tile of the user's home page (opened afresh) and the count it shows."""
    page.goto(f"{server}/")
    found = page.locator("main").locator(f'[data-tile="{key}"]')
    return found, number(found.locator(".value").inner_text())


def open_from_tile(page, server: str, key: str, case: Case) -> int:
    """From the home page's tile, through its list, to the case's page; the tile's count."""
    found, count = tile(page, server, key)
    found.click()
    page.get_by_role("link", name=case.tracking_number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.tracking_number)
    return count


def state_is(page, label: str) -> None:
    """The case page's header shows the state's label."""
    expect(page.locator("main header").get_by_text(label, exact=True)).to_be_visible()


def move(page, label: str, *, fill: dict | None = None, select: dict | None = None, photos=()) -> None:
    """Press the move's button; where it asks for more, fill in its form and send it."""
    button = page.get_by_role("button", name=label, exact=True)
    if fill or select or photos:
        page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\s*…$")).click()
        form = page.locator("form").filter(has=button)
        for field, value in (fill or {}).items():
            form.get_by_label(field).fill(value)
        for field, value in (select or {}).items():
            form.get_by_label(field).select_option(label=value)
        if photos:
            form.get_by_label("照片").set_input_files(list(photos))
    # Every move posts the page and comes back with the next one; wait for it (a photo
    # is re-encoded on the way, which takes a while on a busy CI machine).
    with page.expect_navigation(timeout=30_000):
        button.click()


def told(page, *texts: str) -> None:
    """The message after a move names what was done and where the case is now."""
    message = page.get_by_role("status")
    for text in texts:
        message = message.filter(has_text=text)
    expect(message).to_be_visible()


def test_a_grid_worker_reports_a_problem_with_a_photo_on_a_phone(browser, server):
    grid_worker = user("demo_grid")
    grid = grid_worker.memberships.get().grid
    kind = CaseKind.objects.filter(town=None, is_active=True).order_by("name").first()
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_grid")
        _, open_reports = tile(page, server, "my-reports")
        # when the grid worker taps "report a problem" on the home page
        page.locator("main").get_by_role("link", name="上报问题").click()
        expect(page.get_by_role("heading", name="上报问题")).to_be_visible()
        # its only village is chosen already; it picks the grid, the kind, a photo, a few words
        expect(page.get_by_label("村（社区）")).to_have_value(str(grid.village_id))
        page.get_by_label("网格").select_option(label=grid.name)
        page.get_by_label("类别").select_option(label=kind.name)
        page.get_by_label("照片").set_input_files(photo())
        page.get_by_label("说明").fill("三组路口排水沟堵塞，雨后积水漫到路面")
        page.get_by_role("button", name="上报", exact=True).click()
        # then the case is registered with its photo, and the receipt shows its number
        case = Case.objects.get(description="三组路口排水沟堵塞，雨后积水漫到路面")
        assert (case.reported_by, case.grid, case.kind) == (grid_worker, grid, kind)
        assert case.attachments.count() == 1
        expect(page.get_by_role("heading", level=1)).to_contain_text(case.tracking_number)
        state_is(page, "已登记")
        expect(page.get_by_role("status").filter(has_text=case.tracking_number)).to_be_visible()
        expect(page.locator("main").get_by_role("img")).to_have_count(1)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the case page scrolls sideways on a phone: {width} px"
        # and the home page counts one more open report of theirs
        assert tile(page, server, "my-reports")[1] == open_reports + 1


def test_the_cadre_claims_a_case_and_solves_it(browser, server):
    case = a_case("村口路灯不亮已有三天")
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        # when the cadre opens the new case from the inbox on the home page
        waiting = open_from_tile(page, server, "inbox", case)
        state_is(page, "已登记")
        # and claims it
        move(page, "认领")
        # then it is the village's, claimed, and still in the inbox
        state_is(page, "村已认领")
        told(page, "认领", "村已认领")
        # when the cadre solves it, saying how, with a photo of the result
        move(page, "办结", fill={"解决情况": "已更换灯泡，恢复照明"}, photos=[photo()])
        # then it is solved, the solution is on the page, and it has left the inbox
        state_is(page, "已办结")
        told(page, "办结", "已办结")
        expect(page.get_by_text("已更换灯泡，恢复照明").first).to_be_visible()
        case.refresh_from_db()
        assert (case.state, case.claimed_by, case.solved_by) == (
            CaseState.SOLVED,
            user("demo_cadre"),
            user("demo_cadre"),
        )
        assert tile(page, server, "inbox")[1] == waiting - 1


def test_the_sweep_escalates_an_overdue_case_and_the_office_dispatches_it_by_department_name(browser, server):
    # given a case the village left past its deadline
    case = a_case("河道漂浮垃圾较多，需要清理")
    past = timezone.now() - timezone.timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(deadline=past)
    case.periods.filter(ended_at__isnull=True).update(deadline=past)
    # when the sweep runs
    assert run_sweep().escalated >= 1
    case.refresh_from_db()
    assert (case.state, case.level) == (CaseState.ESCALATED, Level.TOWN)
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        # then the office finds it among the cases to dispatch, escalated by the system
        to_dispatch = open_from_tile(page, server, "dispatch", case)
        state_is(page, "已上报镇")
        expect(page.get_by_role("table").filter(has_text="上报镇").first).to_be_visible()
        # when it dispatches it to a department chosen by name
        move(page, "派单至部门", select={"部门": DEPARTMENT})
        # then the department holds it and it has left the cases to dispatch
        state_is(page, "已派单至部门")
        told(page, "派单至部门", "已派单至部门")
        expect(page.get_by_text(DEPARTMENT).first).to_be_visible()
        case.refresh_from_db()
        assert case.department.name == DEPARTMENT
        assert tile(page, server, "dispatch")[1] == to_dispatch - 1


def test_the_department_accepts_its_case_and_solves_it(browser, server):
    case = a_case("低保户王大爷的补助未到账", until=Move.ASSIGN)
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_department")
        # when the handler opens the case from the inbox and accepts it
        waiting = open_from_tile(page, server, "inbox", case)
        state_is(page, "已派单至部门")
        move(page, "接单")
        # then the department has it
        state_is(page, "部门已接单")
        told(page, "接单", "部门已接单")
        # when it solves it
        move(page, "办结", fill={"解决情况": "已核实并补发两个月补助"})
        # then it is solved and has left the inbox
        state_is(page, "已办结")
        told(page, "办结", "已办结")
        case.refresh_from_db()
        assert (case.state, case.solved_by) == (CaseState.SOLVED, user("demo_department"))
        assert tile(page, server, "inbox")[1] == waiting - 1


def test_the_supervisor_confirms_a_solved_case(browser, server):
    case = a_case("桥头护栏松动存在安全隐患", until=Move.SOLVE)
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_supervisor")
        # when the supervisor opens the solved case from the inbox
        waiting = open_from_tile(page, server, "inbox", case)
        state_is(page, "已办结")
        expect(page.get_by_text("已联系家属，补助已发放").first).to_be_visible()
        # and confirms the result
        move(page, "确认办理结果")
        # then it is confirmed and has left the inbox
        state_is(page, "已确认")
        told(page, "确认办理结果", "已确认")
        assert Case.objects.get(pk=case.pk).state == CaseState.CONFIRMED
        assert tile(page, server, "inbox")[1] == waiting - 1


def test_the_reporter_rates_the_result_with_their_own_code(browser, server):
    case = a_case("村委会门前路面坑洼", until=Move.CONFIRM)
    with browsing(browser, PHONE, mobile=True) as page:
        # when the reporter follows the case from the site's home page, by its number
        page.goto(f"{server}/")
        page.get_by_role("link", name="查询您的事项").click()
        page.get_by_label("查询编号").fill(case.tracking_number)
        page.get_by_role("button", name="查询").click()
        # then it shows where the case is
        expect(page.get_by_text("已确认", exact=True)).to_be_visible()
        # a code that is not the reporter's is refused
        page.get_by_label("评价码").fill("WRONG1")
        page.get_by_role("button", name="评价").click()
        expect(page.get_by_role("alert")).to_contain_text("评价码")
        assert not case.ratings.exists()
        # when the reporter gives the code from the receipt and rates the result
        page.get_by_label("评价码").fill(rating_code(case))
        page.get_by_role("button", name="评价").click()
        page.get_by_label("满意", exact=True).check()
        page.get_by_role("button", name="评价").click()
        # then the page thanks them and shows the rating
        expect(page.get_by_role("status").filter(has_text="感谢您的评价")).to_be_visible()
        expect(page.get_by_text(re.compile(r"已评价：\s*满意"))).to_be_visible()
        case.refresh_from_db()
        assert case.satisfaction == "satisfied"
