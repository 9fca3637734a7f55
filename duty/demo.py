"""The demo step ``duty``: the demo town's duty rosters for last month, this month and
next month, made through the services by each village's cadres.

Each village's team is its cadre from the ``users`` step, and as many more of its party
members as ``TEAM`` says (see there why it is one for now). Last
and this month's rosters are published before the deadline; next month's are published
in most villages, filled but still drafts in some and not begun in others, so the town
office's "not published" tile has something to show. Where a village has a team, one
amendment shows a swap on this month's roster of the first village.

Deterministic, and built once: a roster already there is left as it is.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone

from governance import demo
from governance.choices import Role
from grids.demo import demo_user, town_code
from grids.models import PartyMember, Town, Village

from . import services
from .choices import RosterState
from .models import Amendment, Roster, Shift, add_months, publish_deadline
from .selectors import this_month
from .visit_demo import build_duty_visits  # noqa: F401 - the step "duty_visits", after the logs

# The teams: the cadre of the users step, and more of the village's party members made
# cadres (the first village, demo_cadre's, nine as 双溪村).
TEAM = 3
FIRST_VILLAGE_TEAM = 9


def _team(village: Village, cadre, size: int) -> list:
    """The village's duty team: its cadre, then party members of the village made
    cadres (accounts that cannot log in)."""
    team = [cadre]
    members = (
        PartyMember.objects.filter(village=village)
        .select_related("resident")
        .exclude(resident__name=str(cadre))
        .order_by("id")[: size - 1]
    )
    for i, member in enumerate(members, start=2):
        team.append(
            demo_user(
                f"cadre_{village.code}_{i}", member.resident.name, Role.VILLAGE_CADRE, "village", village
            )
        )
    return team


def _phone(index: int) -> str:
    return f"0579-8713{index:04d}"[:14]


@demo.step("duty", after=("hierarchy", "users"))
def build_duty(run: demo.DemoRun) -> None:
    town = Town.objects.get(code=town_code(0))
    cadres = run.built["cadres"]
    today = timezone.localdate()
    months = [add_months(this_month(today), n) for n in (-1, 0, 1)]
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    with transaction.atomic():
        for index, village in enumerate(villages):
            cadre = cadres.get(village.pk)
            if cadre is None:
                continue
            team = _team(village, cadre, FIRST_VILLAGE_TEAM if index == 0 else TEAM)
            for month in months:
                if Roster.objects.filter(village=village, month=month, deleted_at__isnull=True).exists():
                    continue
                upcoming = month > this_month(today)
                if upcoming and index % 4 == 3:
                    continue  # not begun
                roster = services.roster_create(
                    village=village, month=month, duty_phone=_phone(index), actor=cadre
                )
                services.roster_fill(roster=roster, people=team, days_each=1 + index % 2, actor=cadre)
                if upcoming and index % 4 == 1:
                    continue  # filled, not yet published
                deadline = publish_deadline(month)
                at = datetime.datetime.combine(
                    deadline - datetime.timedelta(days=index % 5), datetime.time(10, index % 60)
                ).replace(tzinfo=timezone.get_current_timezone())
                services.roster_publish(roster=roster, actor=cadre, now=min(at, timezone.now()))
        _amend_first_village(villages[0] if villages else None, cadres, today)

    rosters = Roster.objects.filter(village__town=town, deleted_at__isnull=True)
    run.count("duty rosters", rosters.count())
    run.count("  published", rosters.filter(state=RosterState.PUBLISHED).count())
    run.count("duty shifts", Shift.objects.filter(roster__in=rosters, deleted_at__isnull=True).count())
    run.count("roster amendments", Amendment.objects.filter(roster__in=rosters).count())


def _amend_first_village(village: Village | None, cadres: dict, today: datetime.date) -> None:
    """A swap on this month's roster of the first village: someone else takes a day."""
    if village is None or village.pk not in cadres:
        return
    roster = Roster.objects.filter(
        village=village, month=this_month(today), state=RosterState.PUBLISHED, deleted_at__isnull=True
    ).first()
    if roster is None or roster.amendments.exists():
        return
    shifts = list(roster.shifts.filter(deleted_at__isnull=True).order_by("date"))
    if len(shifts) < 2:
        return
    first, other = shifts[0], next((s for s in shifts if s.person_id != shifts[0].person_id), None)
    if other is None:
        return
    if Shift.objects.filter(person_id=other.person_id, date=first.date, deleted_at__isnull=True).exists():
        return
    services.roster_amend(
        roster=roster,
        date=first.date,
        replaced=first.person,
        replacement=other.person,
        reason="家中有事，与同事调班",
        actor=cadres[village.pk],
    )


# ---------------------------------------------------------------------------------------
# Duty logs
# ---------------------------------------------------------------------------------------

ERRANDS = [
    ("失地保险材料代交社保局", "潘益水"),
    ("户籍迁移证明盖章", "徐秋云"),
    ("孩子入学材料代办", "倪建国"),
    ("房产置换手续咨询", "潘耿"),
    ("医保缴费代缴", "黄大妈"),
]
TOPICS = [
    ("垃圾分类新规", "村民"),
    ("失地保险政策", "适龄村民"),
    ("防诈骗宣传", "老年人"),
    ("医保缴费", "农户"),
]
ELDERLY = [("独居老人陈奶奶", "代购药品、量血压"), ("倪爷爷", "打扫卫生、陪同聊天"), ("潘奶奶", "代缴水电费")]


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute)).replace(
        tzinfo=timezone.get_current_timezone()
    )


@demo.step("duty_logs", after=("duty",))
def build_duty_logs(run: demo.DemoRun) -> None:
    """This month's duty logs up to yesterday, filed through the services by the cadre on
    duty: most complete and signed, a few begun and never signed or never begun (the
    morning sweep flags them), errands left open and carried over to the next duty day.
    Each village office gets its QR code. Built once: a day with a log is left alone."""
    today = timezone.localdate()
    _file_logs(run, first=this_month(today), last=today - datetime.timedelta(days=1), seed=0)


@demo.step("duty_logs_last_month", after=("duty_motions",))
def build_last_months_logs(run: demo.DemoRun) -> None:
    """Last month's duty logs too, so that the month grid, the rankings and the year-end
    figures have a whole month to show; after the motion step, whose gone-through-the-
    motions days of last month it leaves as they are. Written in bulk (a month of a
    town's logs through the services would take minutes): the logs, their spot checks
    and policy talks, no audit rows; a day left unfiled or unsigned is flagged by the
    missing-log sweep as any other."""
    from grids.models import Household

    from .models import DutyLog, PolicyTalk, SpotCheck

    today = timezone.localdate()
    first = add_months(this_month(today), -1)
    last = this_month(today) - datetime.timedelta(days=1)
    town = Town.objects.get(code=town_code(0))
    shifts = list(
        Shift.objects.filter(
            roster__village__town=town,
            roster__state=RosterState.PUBLISHED,
            roster__deleted_at__isnull=True,
            deleted_at__isnull=True,
            position="lead",
            date__range=(first, last),
        )
        .exclude(roster__village__in=DutyLog.objects.filter(date=OuterRef("date")).values("village"))
        .select_related("roster")
        .order_by("roster__village_id", "date")
    )
    households: dict[int, list[int]] = {}
    for village_id, pk in (
        Household.objects.filter(village__town=town, deleted_at__isnull=True)
        .order_by("number")
        .values_list("village_id", "pk")
    ):
        households.setdefault(village_id, []).append(pk)
    logs, plans = [], []
    for n, shift in enumerate(shifts):
        seed, day, village_id = 500 + n, shift.date, shift.roster.village_id
        if seed % 11 == 5:
            continue  # nobody filed it
        signed = seed % 13 != 7 and len(households.get(village_id, ())) >= 5
        logs.append(
            DutyLog(
                village_id=village_id,
                date=day,
                cadre_id=shift.person_id,
                shift=shift,
                state="signed" if signed else "draft",
                check_in_at=_at(day, 8, seed % 25),
                check_in_method="qr",
                check_out_at=_at(day, 16 + seed % 2, 30 + seed % 29) if signed else None,
                patrol_route="村委会—村口—溪边—文化礼堂—村委会",
                board_updated=seed % 3 != 0,
                summary="九项工作均已落实，村内无异常。" if signed else "",
                signed_at=_at(day, 18, seed % 20) if signed else None,
            )
        )
        plans.append((seed, households.get(village_id, [])))
    with transaction.atomic():
        DutyLog.objects.bulk_create(logs, batch_size=500)
        checks, talks = [], []
        for log, (seed, village_households) in zip(logs, plans, strict=True):
            if village_households:
                start = (seed * 7) % len(village_households)
                for i in range(min(5 + seed % 4, len(village_households))):
                    household = village_households[(start + i) % len(village_households)]
                    passed = (seed + i) % 6 != 0
                    checks.append(
                        SpotCheck(
                            log=log,
                            household_id=household,
                            passed=passed,
                            note="" if passed else "厨余垃圾未分开",
                        )
                    )
            topic, audience = TOPICS[seed % len(TOPICS)]
            talks.append(PolicyTalk(log=log, topic=topic, audience=audience, people=3 + seed % 12))
        SpotCheck.objects.bulk_create(checks, batch_size=1000)
        PolicyTalk.objects.bulk_create(talks, batch_size=1000)
        for day in {shift.date for shift in shifts}:
            services.flag_missing_logs(day=day)
    run.count(
        "duty logs of last month",
        DutyLog.objects.filter(village__town=town, date__range=(first, last)).count(),
    )


def _file_logs(run: demo.DemoRun, *, first: datetime.date, last: datetime.date, seed: int) -> None:
    from grids.models import Household

    from .models import DutyFlag, DutyLog, OfficeCode

    town = Town.objects.get(code=town_code(0))
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    with transaction.atomic():
        for index, village in enumerate(villages):
            if not OfficeCode.objects.filter(village=village).exists():
                services.office_code_issue(village=village, actor=None)
            households = list(
                Household.objects.filter(village=village, deleted_at__isnull=True).order_by("number")
            )
            shifts = list(
                Shift.objects.filter(
                    roster__village=village,
                    roster__state=RosterState.PUBLISHED,
                    roster__deleted_at__isnull=True,
                    deleted_at__isnull=True,
                    position="lead",
                    date__range=(first, last),
                )
                .select_related("person")
                .order_by("date")
            )
            for n, shift in enumerate(shifts):
                if DutyLog.objects.filter(village=village, date=shift.date, deleted_at__isnull=True).exists():
                    continue
                _file_log(village, shift, households, seed=seed + index * 31 + n)
        for day in Shift.objects.filter(roster__village__town=town, date__range=(first, last)).dates(
            "date", "day"
        ):
            services.flag_missing_logs(day=day)

    logs = DutyLog.objects.filter(village__town=town, deleted_at__isnull=True)
    run.count("duty logs", logs.count())
    run.count("  signed", logs.filter(state="signed").count())
    run.count("duty flags", DutyFlag.objects.filter(village__town=town).count())


def _file_log(village: Village, shift: Shift, households: list, *, seed: int) -> None:
    """One duty day's log as the cadre on duty fills it in (``seed`` chooses how)."""
    from .models import Errand

    if seed % 11 == 5:
        return  # nobody filed it: flagged the next morning
    cadre, day = shift.person, shift.date
    log = services.log_start(village=village, date=day, actor=cadre)
    services.log_check_in(
        log=log,
        actor=cadre,
        method="qr" if seed % 7 else "manual",
        reason="" if seed % 7 else "二维码被雨淋坏，已报镇组织办补打",
        at=_at(day, 8, seed % 25),
    )
    # the errands carried over from earlier days are done today, most of them
    for errand in Errand.objects.filter(village=village, done_in__isnull=True, opened_on__lt=day):
        if (seed + errand.pk) % 3:
            services.errand_done(log=log, errand=errand, actor=cadre)
    what, whom = ERRANDS[seed % len(ERRANDS)]
    services.errand_add(log=log, actor=cadre, what=what, for_whom=whom, done=seed % 4 != 0)
    services.log_update(
        log=log,
        actor=cadre,
        data={
            "patrol_route": "村委会—村口—溪边—文化礼堂—村委会",
            "board_updated": seed % 3 != 0,
            "board_note": "更新本月值班表和三务公开" if seed % 3 != 0 else "",
        },
    )
    if seed % 6 == 0:
        services.finding_add(log=log, actor=cadre, note="溪边护栏松动，存在安全隐患")
    if households:
        checks = 5 + seed % 4
        start = (seed * 7) % len(households)
        chosen = [households[(start + i) % len(households)] for i in range(min(checks, len(households)))]
        for i, household in enumerate(chosen):
            passed = (seed + i) % 6 != 0
            services.spot_check_add(
                log=log,
                actor=cadre,
                household=household,
                passed=passed,
                note="" if passed else "厨余垃圾未分开",
            )
        services.visit_add(
            log=log, actor=cadre, household=chosen[0], note="了解家庭情况", at=_at(day, 10, seed % 50)
        )
    topic, audience = TOPICS[seed % len(TOPICS)]
    services.talk_add(log=log, actor=cadre, topic=topic, audience=audience, people=3 + seed % 12)
    if seed % 2 == 0:
        who, what = ELDERLY[seed % len(ELDERLY)]
        services.elderly_add(log=log, actor=cadre, who=who, what=what)
    if seed % 13 == 7:
        return  # begun, never signed: flagged the next morning
    services.log_check_out(log=log, actor=cadre, at=_at(day, 16 + seed % 2, 30 + seed % 29))
    services.log_update(log=log, actor=cadre, data={"summary": "九项工作均已落实，村内无异常。"})
    if len(households) >= 5:
        services.log_sign(log=log, actor=cadre, now=_at(day, 18, seed % 20))


# ---------------------------------------------------------------------------------------
# Unannounced inspections (一周一暗访)
# ---------------------------------------------------------------------------------------

ABSENT = "值班室无人，电话无人接听，联系后 20 分钟到岗。"
FINDINGS = [
    "值班干部在岗，台账记录完整。",
    "垃圾分类抽查记录与实际不符。",
    "公开栏值班表未及时更新。",
    "代办事项台账清楚，群众评价较好。",
    "巡查记录简单，未写明路线。",
]


@demo.step("duty_inspections", after=("duty_logs",))
def build_duty_inspections(run: demo.DemoRun) -> None:
    """One unannounced inspection a week in every village of the demo town, from the first
    month of the rosters to today: a few found the cadre on duty away (脱岗), some scored
    low; each village's latest is a draft still, hidden from the village. Bulk-created (the
    rules they stand for are the services', tested there). Built once."""
    from governance.models import User

    from .choices import InspectionState, Item, Position
    from .models import Inspection

    town = Town.objects.get(code=town_code(0))
    if Inspection.objects.filter(town=town).exists():
        return
    office = User.objects.filter(username="demo_office").first()
    supervisor = User.objects.filter(username="demo_supervisor").first()
    now = timezone.now()
    today = timezone.localdate()
    first = add_months(this_month(today), -1)
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    leads = {
        (s.roster.village_id, s.date): s.person_id
        for s in Shift.objects.filter(
            roster__village__in=villages,
            roster__state=RosterState.PUBLISHED,
            roster__deleted_at__isnull=True,
            deleted_at__isnull=True,
            position=Position.LEAD,
            date__gte=first,
            date__lte=today,
        ).select_related("roster")
    }
    monday = first - datetime.timedelta(days=first.weekday())
    this_week = today - datetime.timedelta(days=today.weekday())
    rows = []
    for week in range((this_week - monday).days // 7 + 1):
        start = monday + datetime.timedelta(weeks=week)
        for index, village in enumerate(villages):
            seed = week * 7 + index * 3
            day = start + datetime.timedelta(days=seed % 5)
            at = _at(day, 9 + seed % 7, (seed * 13) % 60)
            if day < first or at > now:
                continue
            present = seed % 9 != 4
            score = (75 + seed % 24) if present else (38 + seed % 20)
            if present and seed % 11 == 3:
                score = 52 + seed % 10  # there, but the work gone through the motions
            items = [i for i in Item.values if i == Item.CHECK_IN or (seed + i) % 4] if present else []
            published_at = min(at + datetime.timedelta(days=2), now)
            rows.append(
                Inspection(
                    town=town,
                    village=village,
                    at=at,
                    inspectors="镇纪委 陈国强、镇组织办 王丽萍",
                    on_duty_id=leads.get((village.pk, day)),
                    present=present,
                    items_seen=items,
                    findings=FINDINGS[seed % len(FINDINGS)] if present else ABSENT,
                    score=score,
                    state=InspectionState.PUBLISHED,
                    published_at=published_at,
                    published_by=office if seed % 2 else supervisor or office,
                )
            )
    latest = {row.village_id: row for row in rows}  # each village's last one: not published yet
    for row in latest.values():
        row.state, row.published_at, row.published_by = InspectionState.DRAFT, None, None
    Inspection.objects.bulk_create(rows, batch_size=500)
    made = Inspection.objects.filter(town=town, deleted_at__isnull=True)
    run.count("duty inspections", made.count())
    run.count("  published", made.filter(state=InspectionState.PUBLISHED).count())
    run.count("  absent (脱岗)", made.filter(present=False).count())


@demo.step("duty_motions", after=("duty_logs",))
def build_duty_motions(run: demo.DemoRun) -> None:
    """Logs gone through the motions, and the checks run over them (duty.motions_demo)."""
    from .motions_demo import build

    build(run)
