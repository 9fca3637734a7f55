"""The case list page (filters, sort, pages, Excel export, htmx) and the public board with
its printed notice (公示), as the people using them see them."""

import datetime
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cases import lists
from cases.choices import CaseState, Level, Move
from cases.models import Case, CaseKind, new_rating_nonce, new_tracking_number
from cases.services import case_move
from governance.choices import AuditAction
from governance.models import AuditEntry

from .case_states import new_case

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def case(world, where="a1", **columns) -> Case:
    """A case reported through the service, then given ``columns`` as if time had passed."""
    made = new_case(world, where=where)
    if columns:
        Case.objects.filter(pk=made.pk).update(**columns)
        made.refresh_from_db()
    return made


def listed(client, **params) -> list[str]:
    """The tracking numbers of the rows the list shows, in their order."""
    response = client.get("/cases/", params)
    assert response.status_code == 200
    table = response.content.decode().split('id="case-list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/cases/\d+/"[^>]*>([0-9A-Z]+)</a>', table)


@pytest.fixture
def cases(world):
    """Six cases of town A told apart by each filter, and one of town B."""
    now = timezone.now()
    other_kind = CaseKind.objects.get(code="road", town=None)
    return {
        "drain": case(
            world, description="排水沟堵塞", address="东街3号", created_at=now - datetime.timedelta(days=20)
        ),
        "child_grid": case(
            world,
            grid=world.grid_a1_child,
            description="路灯不亮",
            created_at=now + datetime.timedelta(hours=1),
        ),
        "second_grid": case(world, grid=world.grid_a1_2, kind=other_kind, description="道路坑洼"),
        "a2": case(world, where="a2", description="垃圾未清运"),
        "overdue": case(world, description="井盖缺失", deadline=now - datetime.timedelta(days=2)),
        "town": case(
            world,
            description="河道漂浮物",
            state=CaseState.ESCALATED,
            level=Level.TOWN,
            supervised_at=now,
            deadline=now + datetime.timedelta(days=5),
        ),
        "b1": case(world, where="b1", description="乙镇的事"),
    }


def test_each_filter_narrows_the_list_to_what_it_names(world, cases):
    office = logged_in(world.users["office"])
    n = {name: c.tracking_number for name, c in cases.items()}
    town_a = {v for k, v in n.items() if k != "b1"}
    assert set(listed(office, tab="all")) == town_a
    assert set(listed(office, village=world.village_a2.pk)) == {n["a2"]}
    # a grid includes its child grids
    assert set(listed(office, grid=world.grid_a1.pk)) == town_a - {n["a2"], n["second_grid"]}
    assert set(listed(office, kind=cases["second_grid"].kind_id)) == {n["second_grid"]}
    assert set(listed(office, state="escalated")) == {n["town"]}
    assert set(listed(office, level="town")) == {n["town"]}
    assert set(listed(office, overdue="1")) == {n["overdue"]}
    assert set(listed(office, supervised="1")) == {n["town"]}
    assert set(listed(office, q="东街")) == {n["drain"]}  # the address
    assert set(listed(office, q="路灯")) == {n["child_grid"]}  # the description
    assert set(listed(office, q=n["a2"].lower())) == {n["a2"]}  # the tracking number
    twenty_days_ago = timezone.localdate() - datetime.timedelta(days=20)
    assert set(listed(office, to=twenty_days_ago.isoformat())) == {n["drain"]}
    assert n["drain"] not in listed(
        office, **{"from": (twenty_days_ago + datetime.timedelta(days=1)).isoformat()}
    )
    # filters combine, and the page says how many
    page = office.get("/cases/", {"village": world.village_a1.pk, "q": "井盖"}).content.decode()
    assert 'id="case-count">1 件<' in page


def test_a_link_with_filters_and_no_tab_lists_all_cases_not_the_inbox(world, cases):
    office = logged_in(world.users["office"])
    # the office's inbox holds the escalated case only; a village link means the village's cases
    assert listed(office) == [cases["town"].tracking_number]
    assert set(listed(office, village=world.village_a2.pk)) == {cases["a2"].tracking_number}
    page = office.get("/cases/", {"village": world.village_a2.pk}).content.decode()
    assert re.search(r'class="nav-link [^"]*active" href="\?village=[^"]*tab=all"', page)


def test_supervised_lists_only_open_supervised_cases(world, cases):
    office = logged_in(world.users["office"])
    closed = case(world, state=CaseState.CLOSED, supervised_at=timezone.now(), closed_at=timezone.now())
    shown = listed(office, supervised="1")
    assert shown == [cases["town"].tracking_number] and closed.tracking_number not in shown
    assert "督办" in office.get("/cases/", {"tab": "all"}).content.decode().split('id="case-list"')[1]


def test_mine_lists_the_cases_the_user_reported(world, cases):
    # the grid worker reported the cases of village A1, the office those of A2
    assert listed(logged_in(world.users["office"]), mine="1") == [cases["a2"].tracking_number]
    worker = set(listed(logged_in(world.users["grid_worker"]), mine="1"))
    assert cases["a2"].tracking_number not in worker and cases["drain"].tracking_number in worker


def test_columns_sort_both_ways_and_the_heading_says_which(world, cases):
    office = logged_in(world.users["office"])
    Case.objects.filter(pk=cases["drain"].pk).update(deadline=timezone.now() + datetime.timedelta(days=30))
    by_deadline = listed(office, tab="all", sort="deadline")
    assert by_deadline[0] == cases["overdue"].tracking_number
    assert listed(office, tab="all", sort="-deadline")[-1] == cases["overdue"].tracking_number
    by_village = listed(office, tab="all", sort="-village")
    assert by_village[0] == cases["a2"].tracking_number  # VA2 after VA1
    newest = listed(office, tab="all")
    assert newest[0] == cases["child_grid"].tracking_number and newest[-1] == cases["drain"].tracking_number
    page = office.get("/cases/", {"tab": "all", "sort": "deadline"}).content.decode()
    assert 'aria-sort="ascending"' in page and "办理期限 ▲" in page
    assert "sort=-deadline" in page  # the heading's link turns the order around


def test_the_rows_show_place_holder_deadline_and_working_days_left(world, cases):
    page = logged_in(world.users["office"]).get("/cases/", {"tab": "all"}).content.decode()
    row = page.split(cases["town"].tracking_number, 1)[1].split("</tr>", 1)[0]
    assert "甲一村 · 甲一村第一网格" in row and "河道漂浮物" in row
    assert "已上报镇" in row and "镇/部门级" in row and ">督办<" in row  # labels, not codes
    assert "escalated" not in row and "个工作日" in row
    overdue_row = page.split(cases["overdue"].tracking_number, 1)[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in overdue_row
    assert page.count('class="overdue"') == 1
    # each cell carries its heading for the phone's card layout
    assert 'class="table table-sm table-hover align-middle stack"' in page and 'data-label="办理期限"' in page


def test_claimed_cases_show_the_cadres_real_name(world, cases):
    cadre = world.users["cadre"]
    cadre.last_name, cadre.first_name = "李", "四"
    cadre.save()
    case_move(case=cases["drain"], move=Move.CLAIM, actor=cadre)
    page = logged_in(world.users["office"]).get("/cases/", {"tab": "all"}).content.decode()
    row = page.split(cases["drain"].tracking_number, 1)[1].split("</tr>", 1)[0]
    assert "李四" in row and cadre.username not in row


def test_the_choices_and_rows_are_only_the_users_own(world, cases):
    office_b = logged_in(world.users["office_b"])
    page = office_b.get("/cases/", {"tab": "all"}).content.decode()
    form = page.split('id="case-filters"', 1)[1].split("</form>", 1)[0]
    assert "乙一村" in form and "甲一村" not in form and "甲二村" not in form and "甲一村第一网格" not in form
    assert listed(office_b, tab="all") == [cases["b1"].tracking_number]
    # town A's office asking for town B's village, grid or case: nothing, and nothing named
    office = logged_in(world.users["office"])
    for params in (
        {"village": world.village_b1.pk},
        {"grid": world.grid_b1.pk},
        {"q": cases["b1"].tracking_number},
    ):
        response = office.get("/cases/", {"tab": "all", **params})
        body = response.content.decode()
        assert response.status_code == 200 and listed(office, tab="all", **params) == []
        assert "乙一村" not in body and 'id="case-count">0 件<' in body
    # a village cadre is offered its own village and grids only
    form = logged_in(world.users["cadre"]).get("/cases/").content.decode().split('id="case-filters"', 1)[1]
    assert "甲一村第一网格" in form and "甲二村" not in form and "乙一村" not in form


@pytest.mark.parametrize(
    "params",
    [
        {"village": "abc"},
        {"village": "99999999999999999999999"},
        {"grid": "-1"},
        {"kind": "1.5"},
        {"state": "nonsense"},
        {"from": "not-a-date"},
        {"to": "99999-01-01"},
        {"sort": "password"},
        {"page": "last"},
        {"page": "99999999999999999999"},
        {"overdue": "maybe"},
        {"q": "x" * 500},
    ],
)
def test_bad_filter_values_never_fail_and_never_leak(world, cases, params):
    office = logged_in(world.users["office"])
    response = office.get("/cases/", {"tab": "all", **params})
    assert response.status_code == 200
    assert cases["b1"].tracking_number not in response.content.decode()
    export = office.get("/cases/", {"tab": "all", "format": "xlsx", **params})
    assert export.status_code == 200 and export["Content-Type"] == XLSX


def test_a_bad_date_is_an_error_beside_its_field_and_lists_nothing(world, cases):
    page = (
        logged_in(world.users["office"]).get("/cases/", {"tab": "all", "from": "2025-13-45"}).content.decode()
    )
    assert "部分筛选条件无效" in page and "有效的日期" in page and 'class="form-control is-invalid"' in page
    assert 'id="case-count">0 件<' in page


def test_pages_keep_the_filters(world, cases, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    office = logged_in(world.users["office"])
    first = office.get("/cases/", {"village": world.village_a1.pk, "sort": "deadline"}).content.decode()
    assert 'id="case-count">5 件<' in first and "下一页" in first
    assert f"?village={world.village_a1.pk}&amp;sort=deadline&amp;page=2" in first
    seen = listed(office, village=world.village_a1.pk, sort="deadline")
    seen += listed(office, village=world.village_a1.pk, sort="deadline", page=2)
    seen += listed(office, village=world.village_a1.pk, sort="deadline", page=3)
    assert len(seen) == 5 == len(set(seen)) and cases["a2"].tracking_number not in seen


def test_an_htmx_request_gets_only_the_results(world, cases):
    office = logged_in(world.users["office"])
    response = office.get(
        "/cases/",
        {"tab": "all", "village": world.village_a2.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="case-results",
    )
    body = response.content.decode()
    assert (
        body.lstrip().startswith('<div id="case-results"')
        and "<html" not in body
        and '<nav class="navbar' not in body
    )
    assert cases["a2"].tracking_number in body and cases["drain"].tracking_number not in body
    assert 'id="case-filters"' not in body and "HX-Request" in response["Vary"]
    # the export button in the partial carries the same filters
    assert f"village={world.village_a2.pk}&amp;format=xlsx" in body
    # the full page carries the form that asks for that partial
    page = office.get("/cases/").content.decode()
    assert 'hx-get="/cases/"' in page and 'hx-target="#case-results"' in page and 'hx-push-url="true"' in page


def test_the_export_holds_every_matching_case_with_chinese_headers_and_is_audited(world, cases, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)  # the export is not the page
    office = world.users["office"]
    response = logged_in(office).get(
        "/cases/", {"village": world.village_a1.pk, "sort": "deadline", "format": "xlsx"}
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'attachment; filename="cases-' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("查询编号", "反映时间", "村（社区）", "网格") and "办理期限" in rows[0]
    numbers = [r[0] for r in rows[1:]]
    assert len(numbers) == 5 and numbers[0] == cases["overdue"].tracking_number
    assert cases["a2"].tracking_number not in numbers and cases["b1"].tracking_number not in numbers
    town_row = next(r for r in rows[1:] if r[0] == cases["town"].tracking_number)
    assert {"河道漂浮物", "是", "已上报镇", "镇/部门级"} <= set(town_row)
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == office and entry.town_id == world.town_a.pk
    assert entry.changes["count"] == 5 and sorted(entry.changes["ids"]) == sorted(
        Case.objects.filter(village=world.village_a1).values_list("id", flat=True)
    )
    assert entry.changes["filters"] == {"village": str(world.village_a1.pk), "sort": "deadline"}


def test_a_formula_in_a_description_is_exported_as_text(world):
    case(world, description='=HYPERLINK("http://example.com","点此")')
    response = logged_in(world.users["office"]).get("/cases/", {"tab": "all", "format": "xlsx"})
    cell = load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=6)
    assert cell.data_type == "s" and cell.quotePrefix


def _copies(world, count: int) -> None:
    """``count`` more cases like the first, in one statement (the rows, not the services,
    are what a query count looks at)."""
    first = Case.objects.filter(village=world.village_a1).first()
    rows = []
    for i in range(count):
        copy = Case.objects.get(pk=first.pk)
        copy.pk = None
        copy.tracking_number = new_tracking_number()
        copy.rating_nonce = new_rating_nonce()
        copy.description = f"复制的事项 {i}"
        rows.append(copy)
    Case.objects.bulk_create(rows)


def test_the_page_and_the_export_run_as_many_queries_for_50_rows_as_for_5(world, count_queries):
    office = logged_in(world.users["office"])
    claimed = case(world)
    case_move(case=claimed, move=Move.CLAIM, actor=world.users["cadre"])
    _copies(world, 4)
    counts = {}
    for rows in (5, 50):
        if rows == 50:
            _copies(world, 45)
        for params in (
            {"tab": "all"},
            {"tab": "all", "format": "xlsx"},
            {"tab": "overdue", "village": world.village_a1.pk},
        ):
            office.get("/cases/", params)  # warm: the session, content types
            with count_queries() as q:
                response = office.get("/cases/", params)
            assert response.status_code == 200
            counts[(rows, tuple(params))] = (len(q), q.listing())
    for key in [k for k in counts if k[0] == 5]:
        five, fifty = counts[key], counts[(50, key[1])]
        assert five[0] == fifty[0], f"{key}: {five[0]} vs {fifty[0]}\n{fifty[1]}"
    assert Case.objects.count() == 50


def test_the_board_is_styled_stacked_and_links_to_its_notice(world, cases):
    page = Client().get(f"/board/village/{world.village_a1.code}/").content.decode()
    assert 'class="table table-sm align-middle stack"' in page and 'data-label="查询编号"' in page
    assert f'href="/board/village/{world.village_a1.code}/print/"' in page and "打印公示" in page
    assert cases["drain"].tracking_number in page and "王五" not in page and "13700001111" not in page
    assert cases["b1"].tracking_number not in page


def test_the_printed_notice_lists_the_boards_cases_with_counts_and_the_tracking_address(world, cases):
    closed_long_ago = case(
        world,
        state=CaseState.CLOSED,
        closed_at=timezone.now() - datetime.timedelta(days=60),
        description="旧事",
    )
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/board/village/{world.village_a1.code}/print/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲一村群众诉求办理情况公示" in page and "甲镇" in page
    assert f"截至 {timezone.localdate():%Y-%m-%d}" in page
    shown = {c.tracking_number for c in cases.values() if c.tracking_number in page}
    assert shown == {
        cases[k].tracking_number for k in ("drain", "child_grid", "second_grid", "overdue", "town")
    }
    assert closed_long_ago.tracking_number not in page
    assert "共 5 件" in page and "已登记 4" in page and "已上报镇 1" in page
    assert "http://testserver/track/" in page
    assert "王五" not in page and "13700001111" not in page and 'class="navbar' not in page
    town = Client().get(f"/board/town/{world.town_a.code}/print/").content.decode()
    assert "甲镇群众诉求办理情况公示" in town and cases["a2"].tracking_number in town


def test_the_printed_notice_says_when_it_is_cut_short(world, cases, monkeypatch):
    monkeypatch.setattr(lists, "NOTICE_MAX_ROWS", 2)
    page = Client().get(f"/board/town/{world.town_a.code}/print/").content.decode()
    assert "仅列出最新的 2 件" in page and "共 6 件" in page
    rows = page.split('id="notice-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert rows == 2


def test_the_printed_notice_is_404_for_an_unknown_or_deleted_area(world):
    assert Client().get("/board/village/NOSUCH/print/").status_code == 404
    assert Client().get("/board/town/NOSUCH/print/").status_code == 404
    world.village_a2.deleted_at = timezone.now()
    world.village_a2.save(update_fields=["deleted_at"])
    assert Client().get(f"/board/village/{world.village_a2.code}/print/").status_code == 404
    assert Client().get(f"/board/village/{world.village_a1.code}/print/").status_code == 200
