"""The demo step "scoring_points": the demo town's point rules (one changed this year, a
new version), its village cadres made party members through their memberships, a year of
theme party days (the first Friday of each month) with attendance in every village (the
first villages' through the service, the others' in bulk),
some volunteering, the collection run over the demo's duty logs, visits and cases, and
the year's bar with the members below it and their rectifications. Run twice, it adds
nothing the second time."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from governance import demo
from governance.choices import Role
from governance.models import Membership, User
from grids.demo import town_code
from grids.models import PartyBranch, PartyMember, Town, Village

from . import points
from .choices import CapPeriod, PointSource
from .models import PointEntry, PointRule, Rectification, ThemeDay

THEME_DAY_VILLAGES = 4  # the first villages hold theme party days in the demo
RULES = [
    ("duty_log", "签署值班日记", PointSource.DUTY_LOG, 2, 20, CapPeriod.MONTH),
    ("visit", "入户走访", PointSource.VISIT, 1, 20, CapPeriod.MONTH),
    ("case_on_time", "村级按时办结事项", PointSource.CASE_ON_TIME, 3, None, CapPeriod.MONTH),
    ("theme_day", "参加主题党日", PointSource.THEME_DAY, 5, None, CapPeriod.MONTH),
    ("volunteer", "志愿服务", PointSource.VOLUNTEERING, 3, 12, CapPeriod.MONTH),
    ("manual", "其他加减分", PointSource.MANUAL, 2, None, CapPeriod.MONTH),
]
TOPICS = [
    "村道硬化工程方案征求党员意见",
    "垃圾分类积分兑换办法讨论",
    "村集体经济合作社年度分红方案",
    "农村人居环境整治任务分工",
    "困难家庭帮扶对象民主评议",
    "防汛防台值守安排",
    "村规民约修订草案讨论",
    "宅基地审批事项公开",
    "冬季消防安全排查分工",
    "党员联户（十户联保）走访情况交流",
    "乡村文化礼堂活动安排",
    "年度村务公开事项审议",
]
VOLUNTEERING = ["清理河道垃圾", "协助疫苗接种点秩序维护", "为独居老人打扫卫生", "文明劝导志愿服务"]


def _months_back(today: datetime.date, n: int) -> list[tuple[int, int]]:
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - n + 1, index + 1)]


@demo.step("scoring_points", after=("users", "duty_logs", "cases"))
def build_points(run: demo.DemoRun) -> None:
    town = Town.objects.get(code=town_code(0))
    office = User.objects.get(username="demo_office")
    today = timezone.localdate()
    first_day = datetime.date(today.year - 1, today.month, 1)
    with transaction.atomic():
        rules = _rules(town, office, first_day, today)
        _cadres_are_members(town)
        _theme_days(town, office, today)
        _theme_days_elsewhere(town, today)
        _volunteering(town, office, rules, today)
    written = points.collect(first=first_day, last=today - datetime.timedelta(days=1))
    with transaction.atomic():
        _bar_and_rectifications(town, office, today)
    entries = PointEntry.objects.filter(town=town)
    run.count("point rules (versions)", PointRule.objects.filter(town=town).count())
    run.count("theme party days", ThemeDay.objects.filter(town=town).count())
    run.count("point entries", entries.count())
    run.count("  collected in this run", sum(written.values()))
    run.count("rectifications", Rectification.objects.filter(town=town).count())


def _rules(town: Town, office, first_day: datetime.date, today: datetime.date) -> dict[str, PointRule]:
    """The rule book from a year back; the visit rule worth 2 points from this January
    (a new version: what was earned before stays at 1)."""
    if not PointRule.objects.filter(town=town).exists():
        for code, name, source, n, cap, period in RULES:
            points.rule_create(
                town=town,
                code=code,
                name=name,
                source=source,
                points=n,
                cap=cap,
                cap_period=period,
                valid_from=first_day,
                actor=office,
            )
        january = datetime.date(today.year, 1, 1)
        if january > first_day:
            visit = PointRule.objects.get(town=town, code="visit")
            points.rule_new_version(rule=visit, valid_from=january, points=2, cap=30, actor=office)
    return {r.code: r for r in points.current_rules([town.pk])}


def _cadres_are_members(town: Town) -> None:
    """Each village cadre of the town is one of the village's party members (by name, as
    the users and duty steps made them): a membership of role party member links them."""
    cadres = Membership.objects.filter(
        role=Role.VILLAGE_CADRE, village__town=town, deleted_at__isnull=True
    ).select_related("user")
    members = {
        (m.village_id, m.resident.name): m
        for m in PartyMember.objects.filter(town=town, deleted_at__isnull=True).select_related("resident")
    }
    have = set(
        Membership.objects.filter(role=Role.PARTY_MEMBER, deleted_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    for cadre in cadres:
        member = members.get((cadre.village_id, str(cadre.user)))
        if member is None or cadre.user_id in have:
            continue
        link = Membership(user=cadre.user, role=Role.PARTY_MEMBER, party_member=member)
        link.full_clean()
        link.save()
        have.add(cadre.user_id)


def _theme_days(town: Town, office, today: datetime.date) -> None:
    """The first Friday of each of the last twelve months, in each branch of the first
    villages; most members come, the last two members of the first village's branch
    never do (they end up below the bar)."""
    branches = list(
        PartyBranch.objects.filter(town=town, deleted_at__isnull=True)
        .filter(village__in=list(_villages(town)[:THEME_DAY_VILLAGES]))
        .order_by("village__code", "kind", "name")
    )
    held = set(ThemeDay.objects.filter(town=town).values_list("branch_id", "date"))
    absentees = _absentees(town)
    for b, branch in enumerate(branches):
        members = list(branch.members.filter(deleted_at__isnull=True).order_by("id"))
        for year, month0 in _months_back(today, 12):
            date = points.first_friday(year, month0 + 1)
            if date > today or (branch.pk, date) in held:
                continue
            attendance = {
                m.pk: (False, "外出务工") if m.pk in absentees else ((m.pk + month0 + b) % 9 != 0, "")
                for m in members
            }
            points.theme_day_record(
                branch=branch,
                date=date,
                topics=TOPICS[(month0 + b) % len(TOPICS)],
                note="会议由支部书记主持，议题经党员讨论后提交村民代表会议。" if month0 % 3 == 0 else "",
                attendance=attendance,
                actor=office,
            )


def _theme_days_elsewhere(town: Town, today: datetime.date) -> None:
    """Every other village's branches hold theme party days too (so that their members
    are not all below the bar): written in bulk, attendance as in the first villages, no
    audit rows (the first villages' days go through the service)."""
    from .models import Attendance

    branches = list(
        PartyBranch.objects.filter(town=town, deleted_at__isnull=True)
        .exclude(village__in=list(_villages(town)[:THEME_DAY_VILLAGES]))
        .select_related("village")
        .order_by("village__code", "kind", "name")
    )
    held = set(ThemeDay.objects.filter(town=town).values_list("branch_id", "date"))
    members: dict[int, list[int]] = {}
    for branch_id, pk in PartyMember.objects.filter(branch__in=branches, deleted_at__isnull=True).values_list(
        "branch_id", "pk"
    ):
        members.setdefault(branch_id, []).append(pk)
    days, plans = [], []
    for b, branch in enumerate(branches):
        for year, month0 in _months_back(today, 12):
            date = points.first_friday(year, month0 + 1)
            if date > today or (branch.pk, date) in held:
                continue
            days.append(
                ThemeDay(
                    town_id=branch.town_id,
                    village_id=branch.village_id,
                    branch=branch,
                    date=date,
                    topics=TOPICS[(month0 + b) % len(TOPICS)],
                )
            )
            plans.append([(pk, (pk + month0 + b) % 9 != 0) for pk in members.get(branch.pk, [])])
    ThemeDay.objects.bulk_create(days, batch_size=500)
    Attendance.objects.bulk_create(
        [
            Attendance(day=day, member_id=pk, present=present)
            for day, plan in zip(days, plans, strict=True)
            for pk, present in plan
        ],
        batch_size=2000,
    )


def _villages(town: Town):
    return Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code")


def _absentees(town: Town) -> set[int]:
    """Two members of the first villages who never come: members who are no cadre first
    (a small demo town's members may all be cadres), never demo_member."""
    linked = dict(
        Membership.objects.filter(role=Role.PARTY_MEMBER, deleted_at__isnull=True).values_list(
            "party_member_id", "user__username"
        )
    )
    members = PartyMember.objects.filter(
        village__in=list(_villages(town)[:THEME_DAY_VILLAGES]), deleted_at__isnull=True
    ).order_by("-id")
    ordered = sorted(
        (m for m in members.values_list("pk", flat=True) if linked.get(m) != "demo_member"),
        key=lambda pk: pk in linked,
    )
    return set(ordered[:2])


def _volunteering(town: Town, office, rules: dict, today: datetime.date) -> None:
    """Volunteering by a few members of the first village, recorded by the town office."""
    if (
        "volunteer" not in rules
        or PointEntry.objects.filter(town=town, source=PointSource.VOLUNTEERING).exists()
    ):
        return
    village = _villages(town).first()
    members = list(PartyMember.objects.filter(village=village, deleted_at__isnull=True).order_by("id")[:4])
    for i, member in enumerate(members):
        for year, month0 in _months_back(today, 12)[i::3]:
            date = datetime.date(year, month0 + 1, 10 + i)
            if date >= today:
                continue
            points.entry_record(
                member=member,
                rule=rules["volunteer"],
                date=date,
                reason=VOLUNTEERING[(month0 + i) % len(VOLUNTEERING)],
                actor=office,
            )


def _bar_and_rectifications(town: Town, office, today: datetime.date) -> None:
    """This year's bar (3 points a month so far), and the rectification of two members
    below it: one planned, one done."""
    year = today.year
    points.bar_set(town=town, year=year, minimum=max(5, 3 * today.month), actor=office)
    below = list(points.below_bar(office, year)[:2])
    for i, member in enumerate(below):
        if Rectification.objects.filter(member=member, year=year, deleted_at__isnull=True).exists():
            continue
        rect = points.rectification_record(
            member=member,
            year=year,
            plan="参加支部谈心谈话，每月至少参加一次志愿服务，按时参加主题党日。",
            actor=office,
        )
        if i == 1 and today.day > 1:
            points.rectification_update(
                rectification=rect,
                plan=rect.plan,
                done_on=today - datetime.timedelta(days=1),
                result="已谈心谈话，参加志愿服务两次。",
                actor=office,
            )
