"""The red and black list (红黑榜): who may propose, approve, reject and publish (the
proposer never approves their own), bad input as Chinese field errors with nothing saved,
scoping of the pages and the API, and the public page: published entries in their period
only, the household's display name and nothing personal."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from governance.choices import AuditAction, Role
from governance.models import AuditEntry
from governance.workdays import SHANGHAI
from scoring import redlist
from scoring.choices import ListKind, ListState
from scoring.models import ListEntry

from . import factories as f

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)
API = "/api/v1/scoring/redlist/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def propose(world, who="grid_worker", household=None, **kw):
    data = {
        "kind": ListKind.RED,
        "reason": "主动清理房前屋后卫生",
        "rule": "第五条 环境卫生",
        "starts_on": TODAY,
        "ends_on": TODAY + datetime.timedelta(days=30),
        **kw,
    }
    actor = world.users[who] if isinstance(who, str) else who
    return redlist.entry_propose(household=household or world.household_a1, actor=actor, **data)


@pytest.fixture
def cadre2(world):
    return f.member(Role.VILLAGE_CADRE, village=world.village_a1)


def test_the_display_name_is_the_surname_only(world):
    h = world.household_a1
    h.head_name = "王建国"
    assert redlist.display_name(h) == "王某家"
    h.head_name = "欧阳明"
    assert redlist.display_name(h) == "欧阳某家"


def test_the_workflow_proposer_village_and_office(world, cadre2):
    # the grid worker proposes in their grid; the village's cadre approves and publishes
    entry = propose(world)
    assert entry.state == ListState.PROPOSED and entry.grid_id == world.grid_a1.pk
    redlist.entry_approve(entry=entry, actor=world.users["cadre"])
    redlist.entry_publish(entry=entry, actor=world.users["cadre"])
    entry.refresh_from_db()
    assert (
        entry.state == ListState.PUBLISHED and entry.published_at and entry.decided_by == world.users["cadre"]
    )
    assert AuditEntry.objects.filter(object_id=str(entry.pk), action=AuditAction.UPDATE).count() == 2
    # a cadre proposes in their village: not approved by themself, by the other cadre yes
    own = propose(world, "cadre", world.household_a1_2)
    with pytest.raises(PermissionDenied):
        redlist.entry_approve(entry=own, actor=world.users["cadre"])
    with pytest.raises(PermissionDenied):
        redlist.entry_reject(entry=own, note="不妥", actor=world.users["cadre"])
    redlist.entry_approve(entry=own, actor=cadre2)
    # the town office approves and publishes too; a supervisor and another town do not
    third = propose(world, household=world.household_a1_child)
    for who in ("supervisor", "grid_worker", "office_b"):
        with pytest.raises(PermissionDenied):
            redlist.entry_approve(entry=third, actor=world.users[who])
    redlist.entry_approve(entry=third, actor=world.users["office"])
    with pytest.raises(PermissionDenied):
        redlist.entry_publish(entry=third, actor=world.users["grid_worker"])
    redlist.entry_publish(entry=third, actor=world.users["office"])
    with pytest.raises(ValidationError):
        redlist.entry_publish(entry=third, actor=world.users["office"])  # once


def test_who_may_propose_what(world):
    with pytest.raises(ValidationError) as exc:
        propose(world, household=world.household_a1_2)  # another grid of the village
    assert "本网格或本村" in exc.value.message_dict["household"][0]
    with pytest.raises(ValidationError):
        propose(world, "cadre", world.household_a2)  # another village
    for who in ("office", "supervisor", "party_member"):
        with pytest.raises(PermissionDenied):
            propose(world, who)
    assert propose(world, household=world.household_a1_child).grid_id == world.grid_a1_child.pk
    assert ListEntry.objects.count() == 1


def test_a_rejection_needs_a_note(world):
    entry = propose(world)
    with pytest.raises(ValidationError) as exc:
        redlist.entry_reject(entry=entry, note=" ", actor=world.users["cadre"])
    assert "驳回理由" in exc.value.message_dict["note"][0]
    redlist.entry_reject(entry=entry, note="情况不属实", actor=world.users["cadre"])
    entry.refresh_from_db()
    assert entry.state == ListState.REJECTED and entry.decision_note == "情况不属实"
    with pytest.raises(ValidationError):
        redlist.entry_approve(entry=entry, actor=world.users["office"])


def test_bad_input_is_a_chinese_field_error_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as exc:
        propose(world, kind="pink", reason="", ends_on=TODAY - datetime.timedelta(days=1))
    errors = exc.value.message_dict
    assert set(errors) == {"kind", "reason", "ends_on"}
    assert (
        "红榜或黑榜" in errors["kind"][0] and "早于" in errors["ends_on"][0] or "结束" in errors["ends_on"][0]
    )
    with pytest.raises(ValidationError) as exc:
        propose(world, ends_on=TODAY + datetime.timedelta(days=400))
    assert "一年" in exc.value.message_dict["ends_on"][0]
    assert not ListEntry.objects.exists()
    page = browser(world.users["grid_worker"]).post("/scoring/redlist/new/", {"kind": "red", "reason": ""})
    assert page.status_code == 200 and "该字段是必填项" in page.content.decode()
    assert not ListEntry.objects.exists()


# ---------------------------------------------------------------------------------------
# The public page
# ---------------------------------------------------------------------------------------


def test_the_public_page_shows_published_entries_in_their_period_and_nothing_personal(world):
    h = world.household_a1
    h.head_name = "王建国"
    h.save()
    live = propose(world, reason="照顾独居老人十余年")
    redlist.entry_approve(entry=live, actor=world.users["cadre"])
    redlist.entry_publish(entry=live, actor=world.users["cadre"])
    child = propose(world, household=world.household_a1_child, kind=ListKind.BLACK, reason="乱倒建筑垃圾")
    redlist.entry_approve(entry=child, actor=world.users["cadre"])
    redlist.entry_publish(entry=child, actor=world.users["cadre"])
    propose(world, reason="尚未审核的事迹")
    approved = propose(world, reason="审核未公布的事迹")
    redlist.entry_approve(entry=approved, actor=world.users["cadre"])
    expired = propose(world, reason="已过期的事迹")
    redlist.entry_approve(entry=expired, actor=world.users["cadre"])
    redlist.entry_publish(entry=expired, actor=world.users["cadre"])
    ListEntry.objects.filter(pk=expired.pk).update(
        starts_on=TODAY - datetime.timedelta(days=60), ends_on=TODAY - datetime.timedelta(days=1)
    )
    later = propose(world, reason="下月起公示的事迹", starts_on=TODAY + datetime.timedelta(days=3))
    redlist.entry_approve(entry=later, actor=world.users["cadre"])
    redlist.entry_publish(entry=later, actor=world.users["cadre"])

    public = browser()  # no log-in
    page = public.get(f"/scoring/public/redlist/{world.grid_a1.code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "照顾独居老人十余年" in html and "王某家" in html and "乱倒建筑垃圾" in html
    )  # the child grid's too
    for hidden in ("尚未审核", "审核未公布", "已过期的事迹", "下月起公示"):
        assert hidden not in html
    for personal in ("王建国", h.number, h.phone, h.address, "13800001234", "测试路"):
        assert personal not in html
    printed = public.get(f"/scoring/public/redlist/{world.grid_a1.code}/print/").content.decode()
    assert "照顾独居老人十余年" in printed and "王建国" not in printed and "window.print()" in printed
    village = public.get(f"/scoring/public/redlist/village/{world.village_a1.code}/").content.decode()
    assert "照顾独居老人十余年" in village and "已过期的事迹" not in village
    assert public.get("/scoring/public/redlist/nosuch/").status_code == 404
    # the day after its period, the live entry is gone too
    with time_machine.travel(datetime.datetime(2026, 7, 16, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert (
            "照顾独居老人十余年"
            not in public.get(f"/scoring/public/redlist/{world.grid_a1.code}/").content.decode()
        )


# ---------------------------------------------------------------------------------------
# Pages and API
# ---------------------------------------------------------------------------------------


def test_the_pages_propose_approve_and_publish(world, cadre2):
    worker = browser(world.users["grid_worker"])
    form = worker.get("/scoring/redlist/new/").content.decode()
    assert world.household_a1.number in form and world.household_a1_2.number not in form  # scoped
    made = worker.post(
        "/scoring/redlist/new/",
        {
            "household": world.household_a1.pk,
            "kind": "black",
            "reason": "占道堆放杂物",
            "rule": "第六条",
            "starts_on": "2026-06-15",
            "ends_on": "2026-08-31",
        },
    )
    entry = ListEntry.objects.get()
    assert made.status_code == 302 and entry.proposed_by == world.users["grid_worker"]
    cadre = browser(world.users["cadre"])
    listed = cadre.get("/scoring/redlist/").content.decode()
    assert f'data-entry="{entry.pk}"' in listed and "审核" in listed
    bad = cadre.post(f"/scoring/redlist/{entry.pk}/", {"action": "reject", "note": ""})
    assert bad.status_code == 200 and "驳回理由" in bad.content.decode()
    assert cadre.post(f"/scoring/redlist/{entry.pk}/", {"action": "approve"}).status_code == 302
    assert cadre.post(f"/scoring/redlist/{entry.pk}/", {"action": "publish"}).status_code == 302
    entry.refresh_from_db()
    assert entry.state == ListState.PUBLISHED
    assert browser(world.users["office_b"]).get(f"/scoring/redlist/{entry.pk}/").status_code == 404
    assert browser(world.users["party_member"]).get("/scoring/redlist/").status_code == 403
    assert browser(world.users["office"]).get("/scoring/redlist/new/").status_code == 403


def test_the_api_proposes_decides_and_scopes(world, cadre2, as_user):
    worker = as_user(world.users["grid_worker"])
    body = {
        "household": world.household_a1.pk,
        "kind": "red",
        "reason": "带头拆除违章搭建",
        "starts_on": "2026-06-15",
        "ends_on": "2026-09-30",
    }
    bad = worker.post(API, {**body, "household": world.household_a2.pk, "reason": ""}, format="json")
    assert bad.status_code == 400 and {"household", "reason"} <= set(bad.json())
    made = worker.post(API, body, format="json")
    assert (
        made.status_code == 201
        and made.json()["state"] == "proposed"
        and made.json()["display_name"] == "张某家"
    )
    pk = made.json()["id"]
    assert worker.post(f"{API}{pk}/approve/", {}, format="json").status_code == 403
    assert as_user(world.users["office_b"]).post(f"{API}{pk}/approve/", {}, format="json").status_code == 404
    cadre = as_user(world.users["cadre"])
    assert cadre.post(f"{API}{pk}/publish/", {}, format="json").status_code == 400  # not approved yet
    assert cadre.post(f"{API}{pk}/approve/", {"note": "属实"}, format="json").status_code == 200
    done = cadre.post(f"{API}{pk}/publish/", {}, format="json")
    assert done.status_code == 200 and done.json()["state_display"] == "已发布"
    own = cadre.post(API, {**body, "household": world.household_a1_2.pk}, format="json").json()["id"]
    assert cadre.post(f"{API}{own}/approve/", {}, format="json").status_code == 403
    no_note = as_user(cadre2).post(f"{API}{own}/reject/", {}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()
    assert as_user(cadre2).post(f"{API}{own}/reject/", {"note": "重复"}, format="json").status_code == 200
    assert as_user(world.users["supervisor"]).get(f"{API}?state=published").json()["count"] == 1
    assert as_user(world.users["office_b"]).get(API).json()["count"] == 0
    assert as_user(world.users["office"]).post(API, body, format="json").status_code == 403
