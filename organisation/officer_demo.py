"""The demo step ``organisation_officers``: officers sent in to the demo town (海盐's way):
four safety secretaries (平安书记: a judge, a prosecutor, a police officer, a lawyer) with
their visiting hours, and two first secretaries (第一书记) in one group with its quarter
focus; each posted to a village; their activities over the last three months; the first
secretaries' night visits on the 1st, 10th, 15th and 25th of three months, with the
people received and the matters brought, a few made cases. One first secretary logs in
(``demo_officer``, posted to the first village); the latest evening of theirs that is due
is left to record.

Everything goes through the services (organisation.officers), so the officer's account
gets its membership of the village the way a posting gives it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from governance import demo

SAFETY = [
    ("刘志刚", "judge", "县人民法院", "每周二上午 9:00–11:30 村部坐班"),
    ("孙慧敏", "prosecutor", "县人民检察院", "每周三上午 9:00–11:30 村部坐班"),
    ("马建军", "police", "县公安局城关派出所", "每周四下午 2:30–5:00 村警务室"),
    ("何婷", "lawyer", "县司法局法律援助中心（律师）", "每周五上午 9:00–11:30 村部坐班"),
]
FIRST = [
    ("赵明远", "bureau_head", "县农业农村局", "demo_officer"),
    ("钱卫东", "county_leader", "县委办公室", None),
]
ACTIVITIES = [
    ("visiting_hours", "坐班接访", "接待来访群众，解答法律和政策问题。", 6),
    ("mediation", "调解邻里宅基地纠纷", "现场查看界址，双方达成调解协议。", 4),
    ("safety_lesson", "防范电信诈骗讲座", "在村文化礼堂为老年人讲解常见诈骗手法。", 45),
    ("major_matter", "参与村道硬化工程决策", "列席村民代表会议，解读政策，监督表决程序。", 38),
]
SUMMARIES = [
    "群众反映集中在医保缴费、道路照明和土地流转。",
    "来访群众关心养老金调整和孩子入学。",
    "主要是邻里纠纷和河道保洁问题。",
]
# (who, the matter, the answer on the spot or None, the kind of the case it becomes): a
# matter made a case reads like the demo's other cases of its kind (cases.demo.KINDS).
MATTERS = [
    ("张大爷", "城乡居民医保今年怎么缴？", "可通过村里代缴或手机“浙里办”缴纳，截止本月底。", None),
    ("李阿姨", "路灯不亮已一周", None, "streetlight"),
    ("王师傅", "土地流转租金什么时候发？", "合作社月底前统一打到社员账户。", None),
    ("陈大姐", "垃圾三天未清运", None, "bins"),
    ("周先生", "孩子上初中户口迁移要哪些材料？", "户口本、房产证明，到派出所户籍窗口办理。", None),
]


def _evening(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(20, 30), tzinfo=timezone.get_current_timezone())


@demo.step("organisation_officers", after=("hierarchy", "users"))
def build_officers(run: demo.DemoRun) -> None:
    from grids.demo import demo_user, town_code
    from grids.models import Town, Village

    from . import officers
    from .choices import MatterOutcome, NightVisitState
    from .models import NightVisit, Officer

    office = run.built.get("users", {}).get("demo_office")
    if office is None:
        return
    town = Town.objects.get(code=town_code(0))
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    if not villages:
        return
    password = run.options.get("password") or "demo12345"
    account = demo_user("demo_officer", FIRST[0][0], "officer", "village", None, password=password)
    run.notes.append(f"  {'demo_officer':16s} {'officer':14s} {villages[0]} (posted; password {password})")
    if Officer.objects.filter(town=town, deleted_at__isnull=True).exists():
        return

    today = timezone.localdate()
    since = today - datetime.timedelta(days=400)
    with transaction.atomic():
        group = officers.group_create(town=town, name="第一书记联络一组", leader="周建华", actor=office)
        quarter = (today.month - 1) // 3 + 1
        previous = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
        officers.focus_set(
            group=group,
            year=previous[0],
            quarter=previous[1],
            focus="抓党建促乡村振兴：每村至少引进一个增收项目。",
            actor=office,
        )
        officers.focus_set(
            group=group,
            year=today.year,
            quarter=quarter,
            focus="冬春矛盾纠纷排查化解；“夜访”收集的问题按期办结、回访。",
            actor=office,
        )
        made = []
        for index, (name, profession, employer, hours) in enumerate(SAFETY):
            officer = officers.officer_create(
                town=town,
                kind="safety",
                name=name,
                profession=profession,
                employer=employer,
                phone=f"1390573{index:04d}",
                visiting_hours=hours,
                actor=office,
            )
            made.append((officer, villages[(index + 1) % len(villages)]))
        for index, (name, profession, employer, username) in enumerate(FIRST):
            officer = officers.officer_create(
                town=town,
                kind="first",
                name=name,
                profession=profession,
                employer=employer,
                phone=f"1380573{index:04d}",
                user=account if username else None,
                group=group,
                actor=office,
            )
            made.append((officer, villages[index % len(villages)]))
        for officer, village in made:
            officers.posting_create(officer=officer, village=village, since=since, actor=office)

        # Activities over the last three months, recorded by the office.
        for index, (officer, village) in enumerate(made):
            for n, (kind, title, detail, people) in enumerate(ACTIVITIES):
                day = today - datetime.timedelta(days=7 + 21 * n + 3 * index)
                officers.activity_record(
                    officer=officer,
                    village=village,
                    kind=kind,
                    date=day,
                    title=title,
                    detail=detail,
                    people=people + index,
                    actor=office,
                )

        # The first secretaries' night visits: this month and the two before.
        months = []
        first = today.replace(day=1)
        for _ in range(3):
            months.append(first)
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        kinds = {}
        cases = 0
        for index, (officer, village) in enumerate(made):
            if officer.kind != "first":
                continue
            for month in reversed(months):
                officers.month_schedule(officer=officer, year=month.year, month=month.month, actor=office)
            due = list(
                NightVisit.objects.filter(officer=officer, date__lte=today, deleted_at__isnull=True).order_by(
                    "date"
                )
            )
            if officer.user_id and due:
                due = due[:-1]  # the demo officer's latest evening is left to record
            for n, visit in enumerate(due):
                actor = officer.user if officer.user_id else office
                if n % 7 == 5:
                    officers.night_visit_cancel(visit=visit, reason="当晚防汛值守，改期。", actor=actor)
                    continue
                people = 4 + (n * 3 + index) % 9
                visit = officers.night_visit_hold(
                    visit=visit, people_received=people, summary=SUMMARIES[n % len(SUMMARIES)], actor=actor
                )
                if village.pk not in kinds:
                    kinds[village.pk] = {kind.code: kind for kind in officers.case_kinds_for(village)}
                for m in range(1 + n % 2):
                    person, text, answer, code = MATTERS[(n + m + index) % len(MATTERS)]
                    kind = kinds[village.pk].get(code) if code else None
                    as_case = kind is not None and cases < 4
                    officers.matter_record(
                        visit=visit,
                        person=person,
                        matter=text,
                        outcome=MatterOutcome.CASE if as_case else MatterOutcome.ANSWERED,
                        answer="" if as_case else answer or "已记录，转村两委跟进。",
                        kind=kind if as_case else None,
                        actor=actor,
                        now=_evening(visit.date),
                    )
                    cases += bool(as_case)
    run.count("officers sent in", Officer.objects.filter(town=town, deleted_at__isnull=True).count())
    run.count(
        "night visits held",
        NightVisit.objects.filter(town=town, state=NightVisitState.HELD, deleted_at__isnull=True).count(),
    )
