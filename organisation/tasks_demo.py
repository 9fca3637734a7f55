"""The demo step ``organisation_tasks``: a month of weekly task lists (周清单) on the demo
town, the way 马街镇 issued 4 lists with 20 tasks (seed 003): the four weeks up to this
one, five tasks a week across the themes, sent to every village (some to a department as
well), handed down to the villages' first-level grids; the past weeks' mostly done, some
not done with the reason, a few left open (overdue); this week's partly answered. Next
week has no list yet: the office copies this week's or drafts one.

Rows are bulk-created (the answers' history is the demo's, not a person's), with one
audit row per list."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from governance import demo

# (theme, title, what done means, due: days after Monday)
WEEKS = [
    [
        (
            "disputes",
            "排查化解邻里、土地纠纷",
            "逐户排查，台账登记，能调解的当场调解，调不了的上报镇综治中心",
            4,
        ),
        ("safety", "春耕农机安全检查", "检查本村在用农机，发现隐患当场告知并拍照留存", 3),
        ("environment", "村庄垃圾集中清运", "主干道、河塘沿岸无积存垃圾，清运后拍照", 2),
        ("services", "高龄老人补贴资格核对", "对照名册逐人核对，新增、死亡人员报民政办", 4),
        ("civility", "移风易俗宣传进农户", "每户发放倡议书，网格员入户讲解", 4),
    ],
    [
        ("epidemic", "流感疫苗接种摸底", "摸清60岁以上老人接种意愿，名单报卫生院", 3),
        ("safety", "自建房安全隐患排查", "排查三层以上自建房，隐患户登记并告知", 4),
        ("environment", "河道“清四乱”", "责任河段无乱占、乱采、乱堆、乱建，拍照上报", 4),
        ("business", "走访辖区企业、个体户", "每个网格走访不少于3户，收集困难和诉求", 4),
        ("disputes", "信访积案包案化解", "包案干部见面当事人，形成化解方案", 4),
    ],
    [
        ("safety", "燃气安全入户检查", "检查餐饮店和使用瓶装气的农户，隐患当场整改", 3),
        ("services", "低保、特困户走访慰问", "逐户走访，了解生活状况，困难上报", 4),
        ("civility", "“最美庭院”评选推荐", "每个村推荐不少于2户，附照片", 4),
        ("environment", "秸秆禁烧巡查", "每天巡查田间地头，发现焚烧立即制止并报告", 4),
        ("epidemic", "重点人群健康随访", "慢病、独居老人随访记录齐全", 4),
    ],
    [
        ("safety", "冬季森林防火宣传巡查", "进山路口设宣传牌，巡查记录完整", 3),
        ("disputes", "年末务工人员欠薪排查", "摸排返乡务工人员欠薪线索，登记上报", 4),
        ("services", "冬季困难群众取暖保障", "困难户取暖物资到位，逐户确认", 4),
        ("business", "营商环境问卷收集", "每村收回问卷不少于20份", 4),
        ("civility", "新时代文明实践志愿服务", "组织一次志愿服务活动，有照片和签到", 4),
    ],
]
REASONS = [
    "本周村里有两户外出务工未归，下周补上。",
    "涉及跨村土地边界，需镇里协调，已上报。",
    "问卷回收不足，已安排网格员继续收集。",
]
NOTES = [
    "已完成，台账已登记。",
    "按要求完成，照片已留存。",
    "已逐户落实。",
    "已完成，发现问题已上报镇里。",
]


@demo.step("organisation_tasks", after=("hierarchy", "users"))
def build_tasks(run: demo.DemoRun) -> None:
    from governance import audit
    from governance.choices import AuditAction
    from governance.models import Membership
    from grids.demo import town_code
    from grids.models import Department, Grid, Town, Village

    from . import tasks
    from .choices import ListState, TaskState
    from .models import Assignment, Task, TaskList

    town = Town.objects.get(code=town_code(0))
    office = run.built.get("users", {}).get("demo_office")
    cadres = run.built.get("cadres", {})
    handlers = run.built.get("handlers", {})
    if office is None:
        return
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    grids: dict[int, list] = {}
    for grid in Grid.objects.filter(village__in=villages, level=1, deleted_at__isnull=True).order_by("code"):
        grids.setdefault(grid.village_id, []).append(grid)
    department = Department.objects.filter(town=town, deleted_at__isnull=True).order_by("code").first()
    workers = dict(
        Membership.objects.filter(
            grid__village__town=town, deleted_at__isnull=True, role="grid_worker"
        ).values_list("grid_id", "user_id")
    )
    today = timezone.localdate()
    this_week = tasks.this_week()
    now = timezone.now()
    made = []
    with transaction.atomic():
        for index, plan in enumerate(WEEKS):
            week = this_week - datetime.timedelta(weeks=len(WEEKS) - 1 - index)
            if TaskList.objects.filter(town=town, week=week, deleted_at__isnull=True).exists():
                continue
            issued_at = datetime.datetime.combine(
                week, datetime.time(8, 30), tzinfo=timezone.get_current_timezone()
            )
            task_list = TaskList.objects.create(
                town=town,
                week=week,
                note="镇综治中心本周工作清单，请各村、各网格按时完成并反馈。",
                state=ListState.ISSUED,
                issued_at=min(issued_at, now),
                issued_by=office,
            )
            made.append(task_list)
            for n, (theme, title, done_means, days) in enumerate(plan):
                task = Task.objects.create(
                    task_list=task_list,
                    town=town,
                    theme=theme,
                    title=title,
                    done_means=done_means,
                    due=week + datetime.timedelta(days=days),
                )
                tops = [Assignment(task=task, town=town, village=v) for v in villages]
                if department is not None and n % 3 == 1:
                    tops.append(Assignment(task=task, town=town, department=department))
                for k, a in enumerate(tops):
                    _answer(a, task, k + n, today, cadres, handlers, workers)
                tops = Assignment.objects.bulk_create(tops)
                children = []
                for parent in tops:
                    if parent.village_id is None:
                        continue
                    for k, grid in enumerate(grids.get(parent.village_id, [])):
                        child = Assignment(
                            task=task, town=town, parent=parent, village_id=parent.village_id, grid=grid
                        )
                        _answer(child, task, k + n + 1, today, cadres, handlers, workers)
                        children.append(child)
                Assignment.objects.bulk_create(children)
        if made:
            audit.record_many(action=AuditAction.CREATE, instances=made, actor=office)

    lists = TaskList.objects.filter(town=town, deleted_at__isnull=True)
    rows = Assignment.objects.filter(town=town, deleted_at__isnull=True)
    run.count("weekly task lists", lists.count())
    run.count("  tasks", Task.objects.filter(town=town, deleted_at__isnull=True).count())
    run.count("  assignments", rows.count())
    run.count("    done", rows.filter(state=TaskState.DONE).count())
    run.count("    not done", rows.filter(state=TaskState.NOT_DONE).count())


def _answer(a, task, k: int, today, cadres: dict, handlers: dict, workers: dict) -> None:
    """How the demo's receiver answered: past due, most done, every seventh not done,
    every eleventh left open; due this week, a third done so far."""
    from .choices import TaskState

    due = task.due
    if due >= today:
        if k % 3:
            return
        state = TaskState.DONE
    elif k % 11 == 5:
        return
    elif k % 7 == 3:
        state = TaskState.NOT_DONE
    else:
        state = TaskState.DONE
    if a.department_id:
        by = handlers.get(a.department_id)
    elif a.grid is not None and a.grid.pk in workers:
        by = None
        a.answered_by_id = workers[a.grid.pk]
    else:
        by = cadres.get(a.village_id)
    if by is not None:
        a.answered_by = by
    if a.answered_by_id is None:
        return
    a.state = state
    a.note = REASONS[k % len(REASONS)] if state == TaskState.NOT_DONE else NOTES[k % len(NOTES)]
    day = min(due, today) - datetime.timedelta(days=k % 2)
    a.answered_at = datetime.datetime.combine(
        max(day, task.task_list.week), datetime.time(16, (7 * k) % 60), tzinfo=timezone.get_current_timezone()
    )
    a.answered_at = min(a.answered_at, timezone.now())
