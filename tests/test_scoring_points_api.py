"""The points endpoints: /api/v1/scoring/ledger/ (manual entries, reversals, export),
rules with versions, theme days with attendance, bars, rectifications; and the task."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from duty.choices import LogState
from duty.models import DutyLog
from governance.choices import Role
from scoring import points
from scoring.choices import PointSource
from scoring.models import PointEntry, PointRule, ThemeDay

from . import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_fixed_timezone(480)
LEDGER = "/api/v1/scoring/ledger/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def rules(world):
    office = world.users["office"]
    made = {}
    for code, source, n in [("volunteer", PointSource.VOLUNTEERING, 2), ("duty", PointSource.DUTY_LOG, 2)]:
        made[code] = points.rule_create(
            town=world.town_a,
            code=code,
            name=code,
            source=source,
            points=n,
            valid_from=datetime.date(2026, 1, 1),
            actor=office,
        )
    return made


def entry(world, rules, member=None, reason="清理河道"):
    return points.entry_record(
        member=member or world.member_a1,
        rule=rules["volunteer"],
        date=datetime.date(2026, 6, 1),
        reason=reason,
        actor=world.users["office"],
    )


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_ledger_is_scoped_per_role(world, rules, as_user, count_queries):
    mine = entry(world, rules)
    other = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a2),
        branch=f.PartyBranchFactory(village=world.village_a2),
    )
    theirs = entry(world, rules, member=other)
    assert ids(as_user(world.users["party_member"]).get(LEDGER)) == {mine.pk}
    assert ids(as_user(world.users["cadre"]).get(LEDGER)) == {mine.pk}
    assert ids(as_user(world.users["client"]).get(LEDGER)) == {mine.pk, theirs.pk}
    assert ids(as_user(world.users["office_b"]).get(LEDGER)) == set()
    assert as_user(world.users["office_b"]).get(f"{LEDGER}{mine.pk}/").status_code == 404
    assert ids(as_user(world.users["office"]).get(f"{LEDGER}?village={world.village_a2.pk}")) == {theirs.pk}
    assert ids(as_user(world.users["office"]).get(f"{LEDGER}?year=2025")) == set()
    client = as_user(world.users["office"])
    client.get(LEDGER)
    with count_queries() as few:
        client.get(LEDGER)
    for _ in range(5):
        entry(world, rules, member=other)
    with count_queries() as more:
        client.get(LEDGER)
    assert len(more) == len(few), more.listing()


def test_a_manual_entry_through_the_api(world, rules, as_user):
    body = {"member": world.member_a1.pk, "rule": rules["volunteer"].pk, "date": "2026-06-10", "reason": ""}
    # The ledger is read-only for a village cadre: refused, nothing written.
    refused = as_user(world.users["cadre"]).post(LEDGER, {**body, "reason": "扶贫帮困"}, format="json")
    assert refused.status_code == 403 and not PointEntry.objects.exists()
    client = as_user(world.users["office"])
    bad = client.post(LEDGER, body, format="json")
    assert bad.status_code == 400 and "原因" in bad.json()["reason"][0]
    assert (
        client.post(LEDGER, {**body, "reason": "x", "member": world.member_b1.pk}, format="json").status_code
        == 400
    )
    made = client.post(LEDGER, {**body, "reason": "扶贫帮困"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["points"] == 2 and made.json()["source"] == "volunteering"
    wrong = client.post(LEDGER, {**body, "reason": "x", "rule": rules["duty"].pk}, format="json")
    assert wrong.status_code == 400 and "rule" in wrong.json()


def test_a_reversal_through_the_api(world, rules, as_user):
    e = entry(world, rules)
    assert as_user(world.users["cadre"]).post(f"{LEDGER}{e.pk}/reverse/", {"reason": "x"}).status_code == 404
    client = as_user(world.users["office"])
    assert client.post(f"{LEDGER}{e.pk}/reverse/", {"reason": ""}, format="json").status_code == 400
    done = client.post(f"{LEDGER}{e.pk}/reverse/", {"reason": "记错"}, format="json")
    assert done.status_code == 201 and done.json()["points"] == -2 and done.json()["reverses"] == e.pk
    again = client.post(f"{LEDGER}{e.pk}/reverse/", {"reason": "再次"}, format="json")
    assert again.status_code == 400 and "已经冲正" in str(again.json())


def test_the_export_escapes_formulas(world, rules, as_user):
    entry(world, rules, reason="@SUM(A1:A9)")
    response = as_user(world.users["office"]).get(f"{LEDGER}export/?file_format=csv")
    assert response.status_code == 200
    assert "'@SUM(A1:A9)" in response.content.decode("utf-8-sig")
    assert as_user(world.users["office"]).get(f"{LEDGER}export/?file_format=pdf").status_code == 400
    assert as_user(world.users["office"]).get(f"{LEDGER}export/?file_format=xlsx").status_code == 200


def test_rules_and_their_versions(world, rules, as_user):
    client = as_user(world.users["office"])
    listed = client.get("/api/v1/scoring/rules/?current=true").json()["results"]
    assert {r["code"] for r in listed} == {"volunteer", "duty"}
    url = f"/api/v1/scoring/rules/{rules['duty'].pk}/versions/"
    made = client.post(url, {"valid_from": "2026-07-01", "points": 4}, format="json")
    assert made.status_code == 201 and made.json()["points"] == 4
    assert client.post(url, {"valid_from": "2026-07-01"}, format="json").status_code == 400
    assert PointRule.objects.get(pk=rules["duty"].pk).valid_until == datetime.date(2026, 6, 30)
    new = {"town": world.town_a.pk, "code": "x", "name": "新规则", "source": "manual", "points": 1}
    assert (
        client.post("/api/v1/scoring/rules/", {**new, "valid_from": "2026-06-01"}, format="json").status_code
        == 201
    )
    assert (
        as_user(world.users["cadre"]).post(url, {"valid_from": "2026-08-01"}, format="json").status_code
        == 404
    )


def test_theme_days_with_attendance(world, rules, as_user):
    client = as_user(world.users["cadre"])
    body = {
        "branch": world.branch_a1.pk,
        "date": "2026-06-05",
        "topics": "村道硬化",
        "attendance": [{"member": world.member_a1.pk, "present": True}],
    }
    made = client.post("/api/v1/scoring/theme-days/", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["attendance"][0]["present"] is True
    day = ThemeDay.objects.get()
    changed = client.patch(
        f"/api/v1/scoring/theme-days/{day.pk}/",
        {"attendance": [{"member": world.member_a1.pk, "present": False, "note": "请假"}]},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["attendance"][0]["present"] is False
    other = as_user(world.users["office_b"])
    assert other.get(f"/api/v1/scoring/theme-days/{day.pk}/").status_code == 404
    assert (
        client.post(
            "/api/v1/scoring/theme-days/", {**body, "branch": world.branch_b1.pk}, format="json"
        ).status_code
        == 400
    )


def test_bars_and_rectifications(world, rules, as_user):
    office = as_user(world.users["office"])
    assert (
        office.post(
            "/api/v1/scoring/bars/", {"town": world.town_a.pk, "year": 2026, "minimum": 10}
        ).status_code
        == 201
    )
    assert (
        office.post(
            "/api/v1/scoring/bars/", {"town": world.town_a.pk, "year": 2026, "minimum": 12}
        ).status_code
        == 201
    )
    assert office.get("/api/v1/scoring/bars/").json()["results"][0]["minimum"] == 12
    cadre = as_user(world.users["cadre"])
    made = cadre.post(
        "/api/v1/scoring/rectifications/", {"member": world.member_a1.pk, "year": 2026, "plan": "学习"}
    )
    assert made.status_code == 201, made.content
    url = f"/api/v1/scoring/rectifications/{made.json()['id']}/"
    assert cadre.patch(url, {"done_on": "2026-06-10"}, format="json").status_code == 400
    assert cadre.patch(url, {"done_on": "2026-06-10", "result": "已整改"}, format="json").status_code == 200
    assert as_user(world.users["party_member"]).get(url).status_code == 200
    assert as_user(world.users["office_b"]).get(url).status_code == 404


def test_the_task_collects_yesterdays_points_once(world, rules):
    from scoring.tasks import collect_points

    member = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a1), branch=world.branch_a1
    )
    f.MembershipFactory(user=world.users["cadre"], role=Role.PARTY_MEMBER, party_member=member)
    DutyLog.objects.create(
        village=world.village_a1,
        date=datetime.date(2026, 6, 14),
        cadre=world.users["cadre"],
        state=LogState.SIGNED,
        signed_at=timezone.now(),
    )
    assert collect_points.delay().get() == {"duty_log": 1}
    assert collect_points.delay(days=7).get() == {}
    assert PointEntry.objects.get().member == member


def test_an_attendance_member_out_of_scope_answers_like_an_unknown_one(world, rules, as_user):
    client = as_user(world.users["cadre"])
    body = {"branch": world.branch_a1.pk, "date": "2026-06-05", "topics": "学习"}

    def answer(member_id):
        page = client.post(
            "/api/v1/scoring/theme-days/",
            {**body, "attendance": [{"member": member_id, "present": True}]},
            format="json",
        )
        assert page.status_code == 400, page.content
        return str(page.json()["attendance"]).replace(str(member_id), "ID")

    assert answer(world.member_b1.pk) == answer(99999999)
    assert not ThemeDay.objects.exists()
