"""Party-member points (党员积分制): versioned rules, the append-only ledger, points that
arrive by themselves exactly once within their caps, theme party days, the bar."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cases import services as case_services
from cases.choices import Source
from cases.models import CaseKind
from duty.choices import LogState
from duty.models import DutyLog, Visit
from governance.choices import Role
from scoring import points
from scoring.choices import PointSource
from scoring.models import Attendance, PointEntry, PointRule

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
SHANGHAI = timezone.get_fixed_timezone(480)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def office(world):
    return world.users["office"]


@pytest.fixture
def rules(world, office):
    """Town A's rule book from the start of last year."""
    start = datetime.date(2025, 1, 1)
    made = {}
    for code, name, source, pts, cap in [
        ("duty", "值班日记签署", PointSource.DUTY_LOG, 2, 4),
        ("visit", "入户走访", PointSource.VISIT, 1, None),
        ("case", "按时办结", PointSource.CASE_ON_TIME, 3, None),
        ("themeday", "参加主题党日", PointSource.THEME_DAY, 5, None),
        ("volunteer", "志愿服务", PointSource.VOLUNTEERING, 2, 6),
        ("manual", "其他加减分", PointSource.MANUAL, 1, None),
    ]:
        made[code] = points.rule_create(
            town=world.town_a,
            code=code,
            name=name,
            source=source,
            points=pts,
            cap=cap,
            valid_from=start,
            actor=office,
        )
    return made


@pytest.fixture
def cadre_member(world):
    """Town A's village cadre, a party member of 甲一村党支部 too."""
    resident = f.ResidentFactory(household=world.household_a1_2, name="甲一村干部")
    member = f.PartyMemberFactory(resident=resident, branch=world.branch_a1)
    f.MembershipFactory(user=world.users["cadre"], role=Role.PARTY_MEMBER, party_member=member)
    return member


def signed_log(world, user, day, state=LogState.SIGNED):
    noon = datetime.datetime.combine(day, datetime.time(17), tzinfo=SHANGHAI)
    return DutyLog.objects.create(
        village=world.village_a1,
        date=day,
        cadre=user,
        state=state,
        signed_at=noon if state == LogState.SIGNED else None,
    )


def visit(world, day, *visitors):
    v = Visit(
        household=world.household_a1,
        visited_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI),
        by=visitors[0],
    )
    v.full_clean(exclude=["visitors", "town", "village", "grid"])
    v.save()
    v.visitors.set(visitors)
    return v


def total(member, year=2026) -> int:
    return PointEntry.objects.filter(member=member, date__year=year).aggregate(s=Sum("points"))["s"] or 0


def day(n: int) -> datetime.date:
    return datetime.date(2026, 6, n)


# ---------------------------------------------------------------------------------------
# Collection
# ---------------------------------------------------------------------------------------


def test_it_collects_each_source_once_even_when_run_twice(world, rules, cadre_member, office):
    cadre = world.users["cadre"]
    signed_log(world, cadre, day(10))
    signed_log(world, cadre, day(11), state=LogState.DRAFT)  # not signed: nothing
    visit(world, day(10), cadre, world.users["grid_worker"])  # the grid worker is no party member
    case_services.case_report(
        actor=cadre,
        data={
            "village": world.village_a1,
            "grid": world.grid_a1,
            "source": Source.PATROL,
            "kind": CaseKind.objects.get(code="drain", town=None),
            "description": "排水沟堵塞",
        },
        solved_on_spot=True,
        solution="当场疏通",
        now=datetime.datetime(2026, 6, 12, 9, tzinfo=SHANGHAI),
    )
    theme = points.theme_day_record(
        branch=world.branch_a1,
        date=day(5),
        topics="村道硬化方案征求意见",
        attendance={world.member_a1.pk: (True, ""), cadre_member.pk: (False, "外出")},
        actor=office,
    )

    first = points.collect(first=day(1), last=day(14))
    again = points.collect(first=day(1), last=day(14))

    assert first == {"duty_log": 1, "visit": 1, "case_on_time": 1, "theme_day": 1}
    assert again == {}
    assert total(cadre_member) == 2 + 1 + 3
    assert total(world.member_a1) == 5
    keys = set(PointEntry.objects.values_list("source_key", flat=True))
    assert f"theme_day:{theme.pk}" in keys and len(keys) == 4


def test_a_case_solved_late_earns_nothing(world, rules, cadre_member):
    case = case_services.case_report(
        actor=world.users["cadre"],
        data={
            "village": world.village_a1,
            "grid": world.grid_a1,
            "source": Source.PATROL,
            "kind": CaseKind.objects.get(code="drain", town=None),
            "description": "路灯不亮",
        },
        now=datetime.datetime(2026, 6, 1, 9, tzinfo=SHANGHAI),
    )
    period = case.periods.get()
    period.ended_at, period.met, period.outcome = period.deadline + datetime.timedelta(days=1), False, "solve"
    period.save()
    case.solved_by = world.users["cadre"]
    case.save(update_fields=["solved_by"])
    assert points.collect(first=day(1), last=day(14)) == {}


def test_the_cap_holds_per_month(world, rules, cadre_member):
    cadre = world.users["cadre"]
    for n in (2, 3, 4):
        signed_log(world, cadre, day(n))
    signed_log(world, cadre, datetime.date(2026, 5, 29))
    points.collect(first=datetime.date(2026, 5, 1), last=day(14))
    june = PointEntry.objects.filter(member=cadre_member, rule_code="duty", date__month=6)
    assert june.aggregate(s=Sum("points"))["s"] == 4  # capped at 4 a month: two logs
    assert june.count() == 2
    assert PointEntry.objects.filter(member=cadre_member, date__month=5).count() == 1


def test_a_users_without_a_party_membership_earns_nothing(world, rules):
    signed_log(world, world.users["cadre"], day(3))
    assert points.collect(first=day(1), last=day(14)) == {}


# ---------------------------------------------------------------------------------------
# Rule versions
# ---------------------------------------------------------------------------------------


def test_last_years_totals_stay_when_this_years_rule_changes(world, rules, cadre_member, office):
    cadre = world.users["cadre"]
    signed_log(world, cadre, datetime.date(2025, 11, 3))
    points.collect(first=datetime.date(2025, 11, 1), last=datetime.date(2025, 11, 30))
    assert total(cadre_member, 2025) == 2

    new = points.rule_new_version(
        rule=rules["duty"], valid_from=datetime.date(2026, 1, 1), points=5, cap=10, actor=office
    )
    old = PointRule.objects.get(pk=rules["duty"].pk)
    assert old.valid_until == datetime.date(2025, 12, 31) and old.points == 2
    signed_log(world, cadre, day(3))
    points.collect(first=datetime.date(2025, 11, 1), last=day(14))

    assert total(cadre_member, 2025) == 2  # unchanged
    assert total(cadre_member, 2026) == 5
    assert PointEntry.objects.get(date=day(3)).rule == new


def test_a_version_from_a_day_already_used_is_a_field_error(world, rules, office):
    points.rule_new_version(rule=rules["visit"], valid_from=datetime.date(2026, 3, 1), points=2, actor=office)
    with pytest.raises(ValidationError) as exc:
        points.rule_new_version(
            rule=rules["visit"], valid_from=datetime.date(2026, 3, 1), points=3, actor=office
        )
    assert "valid_from" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        points.rule_new_version(
            rule=rules["visit"], valid_from=datetime.date(2026, 2, 1), points=3, actor=office
        )
    assert "valid_from" in exc.value.message_dict
    assert PointRule.objects.filter(code="visit").count() == 2


def test_only_the_town_office_keeps_rules(world, rules):
    for who in ("cadre", "supervisor", "office_b", "party_member"):
        with pytest.raises(PermissionDenied):
            points.rule_new_version(
                rule=rules["visit"], valid_from=datetime.date(2026, 3, 1), points=2, actor=world.users[who]
            )
    with pytest.raises(ValidationError) as exc:
        points.rule_create(
            town=world.town_a,
            code="visit",
            name="重复",
            source=PointSource.VISIT,
            points=1,
            valid_from=TODAY,
            actor=world.users["office"],
        )
    assert "code" in exc.value.message_dict


# ---------------------------------------------------------------------------------------
# Manual entries and reversals
# ---------------------------------------------------------------------------------------


def test_the_office_records_a_manual_entry_with_the_rules_points(world, rules, office):
    entry = points.entry_record(
        member=world.member_a1, rule=rules["volunteer"], date=day(6), reason="清理河道", actor=office
    )
    assert (entry.points, entry.source, entry.recorded_by) == (2, PointSource.VOLUNTEERING, office)
    assert entry.village == world.village_a1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"reason": "  "}, "reason"),
        ({"date": day(20)}, "date"),
        ({"rule": "duty"}, "rule"),
        ({"points": 0}, "points"),
        ({"points": 101}, "points"),
        ({"points": 7}, "points"),  # over the cap of 6 a month
        ({"date": datetime.date(2024, 12, 31)}, "date"),  # before the rule
    ],
)
def test_a_bad_manual_entry_is_a_field_error_and_writes_nothing(world, rules, office, changes, field):
    args = {"member": world.member_a1, "rule": rules["volunteer"], "date": day(6), "reason": "清理河道"}
    if "rule" in changes:
        changes = {**changes, "rule": rules[changes["rule"]]}
    with pytest.raises(ValidationError) as exc:
        points.entry_record(**{**args, **changes}, actor=office)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert not PointEntry.objects.exists()


def test_a_cadre_only_reads_the_ledger_and_records_nothing(world, rules, office):
    # DESIGN: the points ledger is read-only for village cadres (their village's members).
    for who, member in [
        ("cadre", world.member_a1),
        ("cadre", world.member_b1),
        ("office_b", world.member_a1),
        ("grid_worker", world.member_a1),
    ]:
        with pytest.raises(PermissionDenied):
            points.entry_record(
                member=member, rule=rules["manual"], date=day(6), reason="x", actor=world.users[who]
            )
    assert not PointEntry.objects.exists()
    entry = points.entry_record(
        member=world.member_a1, rule=rules["manual"], date=day(6), reason="带头捐款", actor=office
    )
    with pytest.raises(PermissionDenied):
        points.entry_reverse(entry=entry, reason="记错了人", actor=world.users["cadre"])
    assert list(PointEntry.objects.all()) == [entry]


def test_a_reversal_writes_the_opposite_once_and_never_edits(world, rules, office):
    entry = points.entry_record(
        member=world.member_a1, rule=rules["volunteer"], date=day(6), reason="清理河道", actor=office
    )
    with pytest.raises(ValidationError) as exc:
        points.entry_reverse(entry=entry, reason="", actor=office)
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        points.entry_reverse(entry=entry, reason="记错了人", actor=world.users["cadre"])

    reversal = points.entry_reverse(entry=entry, reason="记错了人", actor=office)

    assert (reversal.points, reversal.reverses, reversal.date) == (-2, entry, entry.date)
    assert total(world.member_a1) == 0
    assert PointEntry.objects.get(pk=entry.pk).points == 2
    for target in (entry, reversal):
        with pytest.raises(ValidationError):
            points.entry_reverse(entry=target, reason="再来一次", actor=office)
    assert PointEntry.objects.count() == 2


# ---------------------------------------------------------------------------------------
# Scoping and rank
# ---------------------------------------------------------------------------------------


def test_each_sees_the_ledger_they_should(world, rules, office):
    other = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a2),
        branch=f.PartyBranchFactory(village=world.village_a2),
    )
    for member in (world.member_a1, other):
        points.entry_record(member=member, rule=rules["manual"], date=day(6), reason="x", actor=office)
    points.entry_record(
        member=world.member_b1,
        rule=points.rule_create(
            town=world.town_b,
            code="m",
            name="m",
            source=PointSource.MANUAL,
            points=1,
            valid_from=day(1),
            actor=world.users["office_b"],
        ),
        date=day(6),
        reason="x",
        actor=world.users["office_b"],
    )

    def seen(who):
        return set(points.entries_for_user(world.users[who]).values_list("member_id", flat=True))

    assert seen("party_member") == {world.member_a1.pk}
    assert seen("cadre") == {world.member_a1.pk}
    assert seen("office") == seen("supervisor") == {world.member_a1.pk, other.pk}
    assert seen("office_b") == {world.member_b1.pk}
    assert seen("grid_worker") == seen("nobody") == set()


def test_the_rank_in_the_branch(world, rules, office, cadre_member):
    third = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a1), branch=world.branch_a1
    )
    for member, n in [(world.member_a1, 3), (cadre_member, 5), (third, 3)]:
        points.entry_record(
            member=member, rule=rules["manual"], date=day(6), reason="x", points=n, actor=office
        )
    assert points.branch_standing(cadre_member, 2026) == points.Standing(total=5, rank=1, of=3)
    assert points.branch_standing(world.member_a1, 2026) == points.Standing(total=3, rank=2, of=3)
    assert points.branch_standing(world.member_a1, 2025) == points.Standing(total=0, rank=1, of=3)


# ---------------------------------------------------------------------------------------
# Theme party days, bar, rectification
# ---------------------------------------------------------------------------------------


def test_a_member_marked_absent_later_loses_the_days_points_by_a_reversal(world, rules, office, cadre_member):
    theme = points.theme_day_record(
        branch=world.branch_a1,
        date=points.first_friday(2026, 6),
        topics="讨论村规民约修订",
        attendance={world.member_a1.pk: (True, ""), cadre_member.pk: (True, "")},
        actor=world.users["cadre"],
    )
    points.collect(first=day(1), last=day(14))
    assert total(world.member_a1) == 5
    points.theme_day_update(
        day=theme,
        topics=theme.topics,
        note="",
        attendance={world.member_a1.pk: (False, "请假"), cadre_member.pk: (True, "")},
        actor=world.users["cadre"],
    )
    assert total(world.member_a1) == 0 and total(cadre_member) == 5
    assert Attendance.objects.get(day=theme, member=world.member_a1).note == "请假"
    assert points.collect(first=day(1), last=day(14)) == {}


def test_theme_day_bad_input_and_scope(world, rules):
    args = dict(branch=world.branch_a1, date=day(5), topics="议题", attendance={}, actor=world.users["cadre"])
    with pytest.raises(ValidationError) as exc:
        points.theme_day_record(**{**args, "topics": ""})
    assert "topics" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        points.theme_day_record(**{**args, "attendance": {world.member_b1.pk: (True, "")}})
    assert "attendance" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        points.theme_day_record(**{**args, "branch": world.branch_b1})
    points.theme_day_record(**args)
    with pytest.raises(ValidationError) as exc:
        points.theme_day_record(**args)
    assert "date" in exc.value.message_dict


def test_members_below_the_bar_and_their_rectification(world, rules, office, cadre_member):
    points.entry_record(
        member=cadre_member, rule=rules["manual"], date=day(6), reason="x", points=30, actor=office
    )
    points.bar_set(town=world.town_a, year=2026, minimum=20, actor=office)
    below = list(points.below_bar(office, 2026))
    assert [(m.pk, m.total) for m in below] == [(world.member_a1.pk, 0)]
    with pytest.raises(ValidationError) as exc:
        points.rectification_record(member=cadre_member, year=2026, plan="学习", actor=office)
    assert "member" in exc.value.message_dict
    rect = points.rectification_record(
        member=world.member_a1, year=2026, plan="参加志愿服务", actor=world.users["cadre"]
    )
    with pytest.raises(ValidationError) as exc:
        points.rectification_update(
            rectification=rect, plan="参加志愿服务", done_on=day(10), result="", actor=office
        )
    assert "result" in exc.value.message_dict
    points.rectification_update(
        rectification=rect, plan="参加志愿服务", done_on=day(10), result="已参加两次", actor=office
    )
    with pytest.raises(PermissionDenied):
        points.bar_set(town=world.town_a, year=2026, minimum=1, actor=world.users["cadre"])


# ---------------------------------------------------------------------------------------
# Two workers at once (PostgreSQL)
# ---------------------------------------------------------------------------------------


def _race(target, args_list):
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(args_list))
    outcomes = []

    def run(*args):
        try:
            with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
                barrier.wait(timeout=10)
                outcomes.append(target(*args))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_collections_at_once_write_each_entry_once_within_the_cap(
    world, rules, cadre_member, monkeypatch
):
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; a second run is tested above")
    lock = points._lock_town

    def slow_lock(town_id):
        # hold the moment between the lock and the ledger's reading open, so that
        # without the lock the runs would read the same ledger and both write
        lock(town_id)
        time.sleep(0.3)

    monkeypatch.setattr(points, "_lock_town", slow_lock)
    cadre = world.users["cadre"]
    for n in range(1, 11):
        signed_log(world, cadre, day(n))
        visit(world, day(n), cadre)
    # two workers, overlapping ranges: the cap (4 a month) must hold across both
    outcomes = _race(lambda a, b: points.collect(first=day(a), last=day(b)), [(1, 7), (4, 10), (1, 10)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert PointEntry.objects.filter(rule_code="duty").aggregate(s=Sum("points"))["s"] == 4
    assert PointEntry.objects.filter(rule_code="visit").count() == 10
    with transaction.atomic():
        assert points.collect(first=day(1), last=day(10)) == {}


@pytest.mark.parametrize("valid_from", [datetime.date(9999, 12, 31), datetime.date(1, 1, 1)])
def test_a_rule_valid_from_far_out_is_a_field_error(world, rules, office, valid_from):
    before = PointRule.objects.count()
    with pytest.raises(ValidationError) as exc:
        points.rule_new_version(rule=rules["volunteer"], valid_from=valid_from, points=3, actor=office)
    assert "valid_from" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        points.rule_create(
            town=world.town_a,
            code="far",
            name="远期",
            source=PointSource.MANUAL,
            points=1,
            valid_from=valid_from,
            actor=office,
        )
    assert "valid_from" in exc.value.message_dict
    assert PointRule.objects.count() == before
