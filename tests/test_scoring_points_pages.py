"""The points pages: 我的积分, the ledger and its export, the manual entry and reversal
forms, the rules editor, theme party days, the bar and rectifications."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from scoring import points
from scoring.choices import PointSource
from scoring.models import Attendance, PointEntry, PointRule, PointsBar, Rectification, ThemeDay

from . import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_fixed_timezone(480)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def rules(world):
    office = world.users["office"]
    return {
        code: points.rule_create(
            town=world.town_a,
            code=code,
            name=name,
            source=source,
            points=n,
            valid_from=datetime.date(2026, 1, 1),
            actor=office,
        )
        for code, name, source, n in [
            ("volunteer", "志愿服务", PointSource.VOLUNTEERING, 2),
            ("duty", "值班日记签署", PointSource.DUTY_LOG, 2),
        ]
    }


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def record(world, rules, member=None, reason="清理河道", n=None):
    return points.entry_record(
        member=member or world.member_a1,
        rule=rules["volunteer"],
        date=datetime.date(2026, 6, 1),
        reason=reason,
        points=n,
        actor=world.users["office"],
    )


def test_a_member_sees_their_total_sources_and_rank(world, rules):
    record(world, rules)
    other = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a1), branch=world.branch_a1
    )
    record(world, rules, member=other, n=5)
    page = browser(world.users["party_member"]).get("/scoring/points/me/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-total>2<" in html and "data-rank>2<" in html
    assert "志愿服务" in html and "清理河道" in html
    assert str(other) not in html


def test_my_points_is_404_for_whoever_is_no_party_member(world):
    for who in ("office", "cadre", "nobody"):
        assert browser(world.users[who]).get("/scoring/points/me/").status_code == 404


def test_the_ledger_is_scoped_and_filtered(world, rules):
    record(world, rules)
    other_town = points.rule_create(
        town=world.town_b,
        code="v",
        name="乙镇志愿",
        source=PointSource.VOLUNTEERING,
        points=1,
        valid_from=datetime.date(2026, 1, 1),
        actor=world.users["office_b"],
    )
    points.entry_record(
        member=world.member_b1,
        rule=other_town,
        date=datetime.date(2026, 6, 1),
        reason="乙镇的",
        actor=world.users["office_b"],
    )
    for who in ("office", "cadre", "supervisor"):
        html = browser(world.users[who]).get("/scoring/points/").content.decode()
        assert "清理河道" in html and "乙镇的" not in html, who
    html = (
        browser(world.users["office"]).get(f"/scoring/points/?member={world.member_b1.pk}").content.decode()
    )
    assert "清理河道" not in html and "乙镇的" not in html
    assert browser(world.users["office"]).get("/scoring/points/?year=abc").status_code == 200
    assert browser(world.users["grid_worker"]).get("/scoring/points/").status_code == 403


def test_the_export_escapes_formula_like_cells(world, rules):
    record(world, rules, reason='=HYPERLINK("http://x","点此")')
    client = browser(world.users["office"])
    body = client.get("/scoring/points/?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and "志愿服务" in body
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/scoring/points/?format=xlsx").content))
    cells = [c for row in book.active.iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_manual_entry_form_shows_field_errors_and_records(world, rules):
    bad = {"member": world.member_a1.pk, "rule": rules["volunteer"].pk, "date": "2026-07-01", "reason": "x"}
    # The ledger is read-only for a village cadre: no form, nothing written.
    cadre = browser(world.users["cadre"])
    assert cadre.get("/scoring/points/new/").status_code == 403
    assert cadre.post("/scoring/points/new/", {**bad, "date": "2026-06-10"}).status_code == 403
    assert not PointEntry.objects.exists()
    client = browser(world.users["office"])
    page = client.post("/scoring/points/new/", bad)
    assert page.status_code == 200 and "不能是将来" in page.content.decode()
    assert not PointEntry.objects.exists()
    page = client.post("/scoring/points/new/", {**bad, "rule": rules["duty"].pk, "date": "2026-06-10"})
    assert page.status_code == 200 and not PointEntry.objects.exists()
    page = client.post("/scoring/points/new/", {**bad, "member": world.member_b1.pk, "date": "2026-06-10"})
    assert page.status_code == 200 and not PointEntry.objects.exists()
    page = client.post("/scoring/points/new/", {**bad, "date": "2026-06-10", "reason": "扶贫帮困"})
    assert page.status_code == 302
    assert PointEntry.objects.get().points == 2


def test_the_office_reverses_an_entry_from_the_ledger(world, rules):
    entry = record(world, rules)
    assert browser(world.users["cadre"]).get(f"/scoring/points/{entry.pk}/reverse/").status_code == 404
    client = browser(world.users["office"])
    assert client.post(f"/scoring/points/{entry.pk}/reverse/", {"reason": ""}).status_code == 200
    assert client.post(f"/scoring/points/{entry.pk}/reverse/", {"reason": "重复记分"}).status_code == 302
    page = client.post(f"/scoring/points/{entry.pk}/reverse/", {"reason": "再次"})
    assert page.status_code == 200 and "已经冲正" in page.content.decode()
    assert PointEntry.objects.filter(member=world.member_a1).count() == 2


def test_the_rules_page_and_a_new_version(world, rules):
    client = browser(world.users["office"])
    assert "志愿服务" in client.get("/scoring/points/rules/").content.decode()
    url = f"/scoring/points/rules/{rules['volunteer'].pk}/version/"
    data = {"name": "志愿服务", "points": 3, "cap": "", "cap_period": "month", "valid_from": "2026-01-01"}
    page = client.post(url, data)
    assert page.status_code == 200 and PointRule.objects.filter(code="volunteer").count() == 1
    assert client.post(url, {**data, "valid_from": "2026-07-01"}).status_code == 302
    assert PointRule.objects.filter(code="volunteer").count() == 2
    assert browser(world.users["cadre"]).get(url).status_code == 404
    assert browser(world.users["cadre"]).get("/scoring/points/rules/new/").status_code == 403


def test_a_cadre_records_the_theme_party_day_with_attendance(world, rules):
    client = browser(world.users["cadre"])
    page = client.get("/scoring/points/theme-days/new/")
    assert page.status_code == 200 and str(world.member_a1) in page.content.decode()
    data = {"branch": world.branch_a1.pk, "date": "2026-06-05", "topics": "村道硬化", "note": ""}
    data[f"present_{world.member_a1.pk}"] = "on"
    assert client.post("/scoring/points/theme-days/new/", data).status_code == 302
    day = ThemeDay.objects.get()
    assert Attendance.objects.get(day=day, member=world.member_a1).present
    assert client.get(f"/scoring/points/theme-days/{day.pk}/").status_code == 200
    assert browser(world.users["office_b"]).get(f"/scoring/points/theme-days/{day.pk}/").status_code == 404
    page = client.post("/scoring/points/theme-days/new/", {**data, "topics": ""})
    assert page.status_code == 200 and ThemeDay.objects.count() == 1


def test_the_bar_and_a_rectification(world, rules):
    office = browser(world.users["office"])
    assert (
        office.post("/scoring/points/bar/?year=2026", {"town": world.town_a.pk, "minimum": 10}).status_code
        == 302
    )
    assert PointsBar.objects.get().minimum == 10
    page = office.get("/scoring/points/bar/?year=2026")
    assert str(world.member_a1) in page.content.decode()
    cadre = browser(world.users["cadre"])
    url = f"/scoring/points/rectifications/new/?member={world.member_a1.pk}&year=2026"
    assert cadre.post(url, {"plan": ""}).status_code == 200
    assert cadre.post(url, {"plan": "参加两次志愿服务"}).status_code == 302
    rect = Rectification.objects.get()
    page = office.post(
        f"/scoring/points/rectifications/{rect.pk}/", {"plan": "x", "done_on": "2026-06-10", "result": ""}
    )
    assert page.status_code == 200
    assert (
        browser(world.users["cadre"]).post("/scoring/points/bar/?year=2026", {"minimum": 1}).status_code
        == 403
    )
