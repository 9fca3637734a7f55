"""The web front's frame: a home page per role with figures that match the data, the
navigation a role may use, the error pages and the language switch, in Chinese."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import path

from cases import services
from cases.choices import CaseState, Move
from cases.models import Case
from governance.workdays import SHANGHAI, countdowns

from .test_cases import report

pytestmark = pytest.mark.django_db


def logged_in(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def tiles(html: str) -> dict[str, str]:
    """The home page's figures, by tile key."""
    found = re.findall(r'data-tile="([^"]+)">\s*<div class="value">([^<]*)</div>', html)
    return dict(found)


def test_each_role_lands_on_its_own_home_page_with_its_figures(world):
    reported = report(world)
    escalated = report(world)
    services.case_move(case=escalated, move=Move.ESCALATE, actor=world.users["cadre"], note="村里解决不了")

    office = logged_in(world.users["office"]).get("/").content.decode()
    assert "镇组织办工作人员" in office
    figures = tiles(office)
    assert figures["dispatch"] == "1"  # the escalated one, waiting for a department
    assert figures["overdue"] == "0" and figures["supervised"] == "0"

    cadre = logged_in(world.users["cadre"]).get("/").content.decode()
    assert "村值班干部" in cadre or "村干部" in cadre
    assert tiles(cadre)["inbox"] == "1"  # the registered one, to claim

    grid = logged_in(world.users["grid_worker"]).get("/").content.decode()
    assert 'data-tile="report"' in grid
    assert reported.state == CaseState.REGISTERED

    department = logged_in(world.users["department"]).get("/").content.decode()
    assert tiles(department)["inbox"] == "0"  # nothing assigned yet
    services.case_move(case=escalated, move=Move.ASSIGN, actor=world.users["office"], department=world.dept_a)
    department = logged_in(world.users["department"]).get("/").content.decode()
    assert tiles(department)["inbox"] == "1"

    # Another town's office sees none of it.
    other = logged_in(world.users["office_b"]).get("/").content.decode()
    assert tiles(other)["dispatch"] == "0" and tiles(other)["inbox"] == "0"


def test_the_public_home_offers_the_boards_and_tracking_without_logging_in(world):
    html = logged_in().get("/").content.decode()
    assert "查询您的事项" in html
    assert f"/board/town/{world.town_a.code}/" in html and f"/board/town/{world.town_b.code}/" in html
    assert 'href="/cases/"' not in html  # no case list for the public


@pytest.mark.parametrize(
    ("user", "offered", "not_offered"),
    [
        ("office", ["/cases/", "/cases/new/", "/api/docs/"], []),
        ("supervisor", ["/cases/"], ["/cases/new/"]),
        ("cadre", ["/cases/", "/cases/new/"], ["/api/docs/"]),
        ("grid_worker", ["/cases/", "/cases/new/"], ["/api/docs/"]),
        ("department", ["/cases/"], ["/cases/new/"]),
        ("party_member", ["/track/"], ["/cases/", "/cases/new/"]),
        ("client", ["/api/docs/"], ["/cases/new/"]),
    ],
)
def test_the_navigation_shows_only_what_the_role_may_do(world, user, offered, not_offered):
    html = logged_in(world.users[user]).get("/").content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    for url in offered:
        assert f'href="{url}"' in nav, url
    for url in not_offered:
        assert f'href="{url}"' not in nav, url


def test_a_page_that_is_not_there_answers_the_sites_404_in_chinese(world):
    response = logged_in(world.users["office"]).get("/no/such/page/")
    assert response.status_code == 404
    assert "未找到" in response.content.decode() and "返回首页" in response.content.decode()


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom)]


@pytest.mark.urls(__name__)
def test_a_server_error_answers_the_sites_500_page(world):
    client = logged_in(world.users["office"])
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "出错了" in response.content.decode()


def test_english_is_one_switch_away_on_the_pages_and_the_browsable_api(world):
    client = logged_in(world.users["office"])
    assert 'id="language-form"' in client.get("/api/v1/", HTTP_ACCEPT="text/html").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "To dispatch" in html and "待派单" not in html


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def end_of(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=23, minute=59, second=59, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "deadline", "text"),
    [
        # Thursday 2026-09-24; Friday 25 is the Mid-autumn Festival; the National Day
        # holidays run 1-7 October 2026, and Saturday 10 October is a make-up working day.
        ("2026-09-24", "2026-09-24", "今天到期"),
        ("2026-09-23", "2026-09-24", "剩 1 个工作日"),
        ("2026-09-24", "2026-09-28", "剩 1 个工作日"),  # over the festival and the weekend
        ("2026-09-30", "2026-10-10", "剩 3 个工作日"),  # over National Day, to the make-up day
        ("2026-09-28", "2026-09-24", "超期 1 个工作日"),  # Thursday's deadline, seen on Monday
        ("2026-09-27", "2026-09-24", "已超期"),  # seen on the Sunday after: no working day lost yet
    ],
)
def test_countdowns_count_working_days_left_and_over(db, now, deadline, text):
    from django.utils import translation

    with time_machine.travel(at(now), tick=False), translation.override("zh-hans"):
        (countdown,) = countdowns([end_of(deadline)])
        assert str(countdown) == text


def test_countdowns_read_the_calendar_once_for_a_whole_page(db, django_assert_max_num_queries):
    deadlines = [end_of("2026-09-25") + datetime.timedelta(days=i) for i in range(50)] + [None]
    with time_machine.travel(at("2026-09-24"), tick=False), django_assert_max_num_queries(2):
        result = countdowns(deadlines)
    assert result[-1] is None and len(result) == 51


def test_a_case_the_home_page_counts_is_one_the_list_shows(world):
    case = report(world)
    services.case_move(case=case, move=Move.ESCALATE, actor=world.users["cadre"], note="上报")
    office = logged_in(world.users["office"])
    assert case.tracking_number in office.get("/cases/?tab=dispatch").content.decode()
    assert Case.objects.filter(state=CaseState.ESCALATED).count() == 1


def test_the_board_the_pages_and_open311_name_one_holder_the_same_way(world, api):
    from cases.selectors import board_cases, holder_name

    case = report(world)
    held = lambda: holder_name(board_cases().get(pk=case.pk))  # noqa: E731
    assert held() == world.village_a1.name  # registered: the village has it
    services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    assert held() == str(world.users["cadre"])
    services.case_move(case=case, move=Move.ESCALATE, actor=world.users["cadre"], note="村里解决不了")
    assert held() == world.town_a.name  # at the town, not yet dispatched
    services.case_move(case=case, move=Move.ASSIGN, actor=world.users["office"], department=world.dept_a)
    assert held() == world.dept_a.name
    html = logged_in().get(f"/board/town/{world.town_a.code}/").content.decode()
    assert world.dept_a.name in html


def test_a_party_member_finds_the_board_of_their_own_village_first(world):
    html = logged_in(world.users["party_member"]).get("/").content.decode()
    own = f"/board/village/{world.village_a1.code}/"
    assert own in html and html.index(own) < html.index(f"/board/town/{world.town_a.code}/")
    assert f"/board/village/{world.village_b1.code}/" not in html
