"""The responsibility map's services (organisation/responsibility.py): assigning and
reassigning (the old link closed, never edited), the bulk grid assignment, the rules
(grid and household of the village, a party member of the village) as field errors in
Chinese, nothing half written, the audit trail; who answers for a household; "mine"; the
overview's coverage and gaps in a constant number of queries; informants and their
reports; compound posts and the public card."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cases.models import Case, CaseKind
from governance.choices import AuditAction, Role
from governance.models import AuditEntry
from organisation import responsibility as service
from organisation.choices import InformantGroupKind, Level, Post
from organisation.models import Informant, Responsibility, ServicePost

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def _assign(world, **kwargs):
    data = dict(village=world.village_a1, level=Level.HOUSEHOLD, household=world.household_a1, name="张三")
    data.update(kwargs)
    return service.responsibility_assign(actor=world.users["office"], **data)


def test_it_assigns_a_household_link_with_the_three_duties_and_audits_it(world):
    link = _assign(world, phone="13900000000", service=False)
    assert link.until is None and link.since == timezone.localdate()
    assert (link.education, link.service, link.joint_defence) == (True, False, True)
    assert link.town == world.town_a
    assert AuditEntry.objects.filter(object_id=str(link.pk), action=AuditAction.CREATE).count() == 1


def test_reassigning_closes_the_current_link_and_opens_a_new_one(world):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC), tick=False):
        first = _assign(world, name="张三")
    with time_machine.travel(datetime.datetime(2026, 3, 20, 10, tzinfo=datetime.UTC), tick=False):
        second = _assign(world, name="李四")
    first.refresh_from_db()
    assert first.name == "张三" and first.until == datetime.date(2026, 3, 20)
    assert second.until is None and second.since == datetime.date(2026, 3, 20)
    assert AuditEntry.objects.filter(object_id=str(first.pk), action=AuditAction.UPDATE).exists()
    people = service.who_answers(world.household_a1)
    assert [r.name for r in people["household"]] == ["李四"]
    assert [r.name for r in people["history"]] == ["李四", "张三"]


def test_reassigning_twice_the_same_day_keeps_both_in_the_history(world):
    _assign(world, name="张三")
    _assign(world, name="李四")
    rows = Responsibility.objects.filter(household=world.household_a1).order_by("id")
    assert [(r.name, r.until is None) for r in rows] == [("张三", False), ("李四", True)]


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"household": "a2"}, "household", "必须属于"),
        ({"level": Level.AREA, "household": None, "grid": "a2"}, "grid", "必须属于"),
        ({"level": Level.AREA, "household": None, "grid": None}, "grid", "网格"),
        ({"household": None}, "household", "户"),
        ({"name": ""}, "name", "姓名"),
        ({"party_member": "b1", "name": ""}, "party_member", "党员"),
        ({"education": False, "service": False, "joint_defence": False}, "education", "职责"),
        ({"level": "nosuch"}, "level", "层级"),
        ({"since": datetime.date(2999, 1, 1)}, "since", "今天"),
    ],
)
def test_bad_input_is_a_field_error_in_chinese_and_nothing_is_written(world, kwargs, field, words):
    objects = {"a2": None, "b1": world.member_b1}
    if kwargs.get("household") == "a2":
        kwargs["household"] = world.household_a2
    if kwargs.get("grid") == "a2":
        kwargs["grid"] = world.grid_a2
    if kwargs.get("party_member") == "b1":
        kwargs["party_member"] = objects["b1"]
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        _assign(world, **kwargs)
    assert field in exc.value.message_dict, exc.value.message_dict
    message = " ".join(exc.value.message_dict[field])
    assert words in message, message
    assert not Responsibility.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_party_member_of_the_village_names_the_link_and_brings_their_account(world):
    link = _assign(world, name="", party_member=world.member_a1)
    assert link.name == world.member_a1.resident.name
    assert link.user == world.users["party_member"]
    mine = service.my_households(world.users["party_member"])
    assert [h.pk for h in mine["households"]] == [world.household_a1.pk]


def test_only_the_town_office_of_the_village_assigns(world):
    for role in ("cadre", "supervisor", "grid_worker", "office_b", "nobody"):
        with pytest.raises(PermissionDenied):
            service.responsibility_assign(
                actor=world.users[role],
                village=world.village_a1,
                level=Level.VILLAGE,
                name="某某",
            )
    assert not Responsibility.objects.exists()


def test_closing_a_link_leaves_the_household_without_anyone(world):
    link = _assign(world)
    service.responsibility_close(responsibility=link, actor=world.users["office"])
    assert service.who_answers(world.household_a1)["household"] == []
    with pytest.raises(ValidationError):
        service.responsibility_close(responsibility=link, actor=world.users["office"])


def test_who_answers_gives_each_level(world):
    service.responsibility_assign(
        actor=world.users["office"],
        village=world.village_a1,
        level=Level.VILLAGE,
        name="镇领导",
        title="镇党委委员",
    )
    service.responsibility_assign(
        actor=world.users["office"],
        village=world.village_a1,
        level=Level.AREA,
        grid=world.grid_a1,
        name="片长",
    )
    service.responsibility_assign(
        actor=world.users["office"],
        village=world.village_a1,
        level=Level.AREA,
        grid=world.grid_a1_2,
        name="别片",
    )
    service.responsibility_assign(
        actor=world.users["office"],
        village=world.village_a1,
        level=Level.HOUSEHOLD,
        household=world.household_a1_child,
        user=world.users["grid_worker"],
    )
    people = service.who_answers(world.household_a1_child)  # in the child grid of A1-1
    assert [r.name for r in people["village"]] == ["镇领导"]
    assert [r.name for r in people["area"]] == ["片长"]
    assert len(people["household"]) == 1 and people["household"][0].user == world.users["grid_worker"]


def test_assigning_a_whole_grid_is_set_based_closes_the_old_links_and_audits(world):
    f.HouseholdFactory(grid=world.grid_a1, number="A1-101")
    f.HouseholdFactory(grid=world.grid_a1_child, number="A1-102")
    old = _assign(world, name="旧人")
    worker = world.users["grid_worker"]
    with CaptureQueriesContext(connection) as few:
        count = service.responsibility_assign_grid(
            grid=world.grid_a1, user=worker, actor=world.users["office"]
        )
    assert count == 4  # A1-001, A1-002 (child grid), A1-101, A1-102
    old.refresh_from_db()
    assert old.until == timezone.localdate()
    current = Responsibility.objects.filter(level=Level.HOUSEHOLD, until__isnull=True)
    assert current.count() == 4 and set(current.values_list("user", flat=True)) == {worker.pk}
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_repr__contains="包户").count() >= 4
    assert len(few.captured_queries) < 30
    # only the gaps: nobody is replaced
    f.HouseholdFactory(grid=world.grid_a1, number="A1-103")
    count = service.responsibility_assign_grid(
        grid=world.grid_a1, name="补漏", only_gaps=True, actor=world.users["office"]
    )
    assert count == 1
    assert Responsibility.objects.filter(until__isnull=True, name="补漏").count() == 1


def test_the_overview_counts_coverage_and_gaps_in_a_constant_number_of_queries(world):
    _assign(world)
    office = world.users["office"]
    with CaptureQueriesContext(connection) as one:
        rows = service.map_overview(office)
    for i in range(5):
        f.HouseholdFactory(grid=world.grid_a1_2, number=f"A1-9{i}")
    with CaptureQueriesContext(connection) as more:
        rows = service.map_overview(office)
    assert len(more.captured_queries) == len(one.captured_queries) <= 8
    a1 = next(r for r in rows if r["village"] == world.village_a1)
    assert (a1["households"], a1["covered"]) == (8, 1)
    gaps = {g["grid"].code: g["missing"] for g in a1["grids"]}
    assert gaps == {"GA1": 0, "GA1a": 1, "GA12": 6}
    assert [v["village"] for v in service.map_overview(world.users["cadre"])] == [world.village_a1]
    assert service.map_overview(world.users["grid_worker"]) == []


def test_mine_lists_an_area_cadres_households(world):
    service.responsibility_assign(
        actor=world.users["office"],
        village=world.village_a1,
        level=Level.AREA,
        grid=world.grid_a1,
        user=world.users["cadre"],
    )
    mine = service.my_households(world.users["cadre"])
    assert {h.number for h in mine["households"]} == {"A1-001", "A1-002"}
    assert service.my_households(world.users["nobody"])["links"] == []


def test_informants_reports_are_counted_per_group_and_kind(world):
    office = world.users["office"]
    group = service.informant_group_create(
        town=world.town_a,
        kind=InformantGroupKind.VILLAGE,
        village=world.village_a1,
        name="甲一信息员组",
        actor=office,
    )
    trade = service.informant_group_create(
        town=world.town_a, kind=InformantGroupKind.HOMESTAY, name="民宿组", actor=office
    )
    reporter = world.users["grid_worker"]
    service.informant_create(
        group=group, name="信息员甲", user=reporter, households=[world.household_a1], actor=office
    )
    service.informant_create(group=group, name="信息员乙", actor=office)
    service.informant_create(group=trade, name="民宿老板", households=[world.household_a2], actor=office)
    kind = CaseKind.objects.order_by("id").first()
    for _ in range(3):
        Case.objects.create(
            town=world.town_a,
            village=world.village_a1,
            grid=world.grid_a1,
            kind=kind,
            description="x",
            reported_by=reporter,
        )
    Case.objects.create(
        town=world.town_a, village=world.village_a1, grid=world.grid_a1, kind=kind, description="y"
    )
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as q:
        groups = service.informant_groups_with_figures(
            office, start=today - datetime.timedelta(days=7), end=today
        )
    assert len(q.captured_queries) <= 4
    figures = {g.name: (g.informant_count, g.reporting, g.reports, g.kinds) for g in groups}
    assert figures["甲一信息员组"] == (2, 1, 3, [(kind.name, 3)])
    assert figures["民宿组"] == (1, 0, 0, [])
    old = service.informant_groups_with_figures(
        office, start=today - datetime.timedelta(days=90), end=today - datetime.timedelta(days=30)
    )
    assert {g.name: g.reports for g in old}["甲一信息员组"] == 0


def test_an_informants_households_are_of_the_groups_village(world):
    office = world.users["office"]
    group = service.informant_group_create(
        town=world.town_a, kind=InformantGroupKind.VILLAGE, village=world.village_a1, name="组", actor=office
    )
    with pytest.raises(ValidationError) as exc:
        service.informant_create(group=group, name="某", households=[world.household_a2], actor=office)
    assert "households" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.informant_group_create(
            town=world.town_a, kind=InformantGroupKind.VILLAGE, name="无村", actor=office
        )
    assert "village" in exc.value.message_dict
    assert not Informant.objects.exists()


def test_a_compound_post_appears_on_the_public_card_until_closed(world):
    office = world.users["office"]
    post = service.service_post_create(
        grid=world.grid_a1_child,
        post=Post.POINT_LEADER,
        name="王点长",
        phone="13900001111",
        handles="小区日常事务",
        actor=office,
    )
    grid, rows = service.service_card("GA1a")
    assert grid == world.grid_a1_child and [r.name for r in rows] == ["王点长"]
    with pytest.raises(ValidationError) as exc:
        service.service_post_create(
            grid=world.grid_a1, post=Post.STAIRWELL, name="", phone="", handles="", actor=office
        )
    assert {"party_member", "phone", "handles"} <= set(exc.value.message_dict)
    service.service_post_close(post=post, actor=office)
    assert service.service_card("GA1a")[1] == []
    assert ServicePost.objects.count() == 1
    with pytest.raises(PermissionDenied):
        service.service_post_create(
            grid=world.grid_a1,
            post=Post.GATE,
            name="门卫",
            phone="1",
            handles="门岗",
            actor=world.users["cadre"],
        )


def test_the_map_is_read_by_role(world):
    _assign(world)
    for role, sees in [
        ("office", True),
        ("supervisor", True),
        ("cadre", True),
        ("grid_worker", True),
        ("client", True),
        ("department", False),
        ("party_member", False),
        ("office_b", False),
    ]:
        assert service.responsibilities_for_user(world.users[role]).exists() is sees, role
    assert Role.TOWN_OFFICE
