"""The town office's month grid (villages × days): what each cell says, who sees which
villages and inspections, and a constant number of queries whatever the town's size."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from duty import services
from duty.choices import FlagKind, LogState
from duty.models import DutyFlag, DutyLog, Inspection

from . import factories as f
from .test_duty_log import named

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 18, 15, 0, tzinfo=BEIJING)  # a Wednesday
MON, TUE, WED, THU = (datetime.date(2026, 11, d) for d in (16, 17, 18, 19))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def published(village, person, days, actor):
    roster = services.roster_create(village=village, month=MON.replace(day=1), duty_phone="1", actor=actor)
    services.roster_set_days(roster=roster, days={d: services.Day(person) for d in days}, actor=actor)
    return services.roster_publish(roster=roster, actor=actor)


@pytest.fixture
def month(world):
    cadre = named(world.users["cadre"], "黄马甲")
    published(world.village_a1, cadre, [MON, TUE, WED, THU], world.users["office"])
    DutyLog.objects.create(
        village=world.village_a1, date=MON, cadre=cadre, state=LogState.SIGNED, signed_at=NOW
    )
    Inspection.objects.create(
        village=world.village_a1,
        town=world.town_a,
        at=datetime.datetime(2026, 11, 16, 10, 0, tzinfo=BEIJING),
        inspectors="纪委 王",
        present=False,
        score=40,
    )
    DutyFlag.objects.create(kind=FlagKind.MISSING_LOG, village=world.village_a1, date=TUE, reason="无日记")
    DutyFlag.objects.create(
        kind=FlagKind.CHECK_IN_LATE, village=world.village_a1, date=MON, reason="晚", dismissed_at=NOW
    )
    return cadre


def row_of(html: str, code: str) -> str:
    match = re.search(rf'<tr data-village="{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def cell(row: str, day: int) -> str:
    """The day's cell of a row: its classes, then what it shows."""
    cells = re.findall(r'<td class="([^"]*)"[^>]*>(.*?)</td>', row, re.S)
    classes, inner = cells[day - 1]
    return classes + "|" + inner


def test_the_office_sees_each_village_and_day_at_a_glance(world, month):
    page = browser(world.users["office"]).get("/duty/month/")
    assert page.status_code == 200
    html = page.content.decode()
    a1 = row_of(html, "VA1")
    assert cell(a1, 16).startswith("signed") and "✓" in cell(a1, 16)
    assert "脱" in cell(a1, 16)  # the inspection found nobody at the post (a draft: the office sees it)
    assert cell(a1, 17).startswith("missing") and "✗" in cell(a1, 17) and ">!<" in cell(a1, 17)
    assert cell(a1, 18).startswith("waiting")
    assert cell(a1, 19).startswith("coming")
    assert cell(a1, 21).startswith("off off")  # a Saturday, nobody on the roster
    assert 'title="黄马甲"' in a1 and f'href="/duty/logs/{DutyLog.objects.get().pk}/"' in cell(a1, 16)
    assert f'href="/duty/inspections/{Inspection.objects.get().pk}/"' in cell(a1, 16)
    assert ">!<" not in cell(a1, 16)  # the dismissed flag is not shown
    assert 'data-village="VA2"' in html and 'data-village="VB1"' not in html
    assert "缺日记 1 天" in html and "脱岗 1 次" in html and "待处理标记 1 条" in html


def test_a_cadre_sees_their_own_village_and_no_unpublished_inspection(world, month):
    html = browser(month).get("/duty/month/").content.decode()
    assert 'data-village="VA1"' in html and 'data-village="VA2"' not in html
    assert "脱" not in cell(row_of(html, "VA1"), 16)
    Inspection.objects.update(state="published")
    html = browser(month).get("/duty/month/").content.decode()
    assert "脱" in cell(row_of(html, "VA1"), 16)


@pytest.mark.parametrize("role", ["grid_worker", "department", "party_member", "nobody"])
def test_those_who_read_no_duty_logs_are_refused(world, role):
    assert browser(world.users[role]).get("/duty/month/").status_code == 403


def test_another_towns_month_does_not_exist_for_the_office(world, month):
    client = browser(world.users["office"])
    assert client.get(f"/duty/month/?town={world.town_b.pk}").status_code == 404
    assert client.get("/duty/month/?town=abc").status_code == 404
    assert client.get(f"/duty/month/?town={world.town_a.pk}&month=2026-13").status_code == 200


def test_the_grid_answers_in_a_constant_number_of_queries(world, month):
    client = browser(world.users["office"])
    client.get("/duty/month/")  # sessions and caches warm
    with CaptureQueriesContext(connection) as small:
        assert client.get("/duty/month/").status_code == 200
    for n in range(6):
        village = f.VillageFactory(town=world.town_a, name=f"加村{n}", code=f"VX{n}")
        cadre = f.member("village_cadre", village=village)
        published(village, cadre, [MON, TUE], world.users["office"])
        DutyLog.objects.create(village=village, date=MON, cadre=cadre, state=LogState.DRAFT)
        DutyFlag.objects.create(kind=FlagKind.MISSING_LOG, village=village, date=TUE, reason="无")
    with CaptureQueriesContext(connection) as big:
        html = client.get("/duty/month/").content.decode()
    assert html.count("<tr data-village=") == 8
    assert len(big) == len(small), [q["sql"][:80] for q in big]
