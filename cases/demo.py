"""The demo step ``cases``: three months of a town's cases, lived through the services.

Every village reports problems of every kind, with descriptions and solutions that fit
the kind. Each case follows a script of what usually happens (solved on the spot; claimed
and solved in the village; escalated, dispatched to the right department and solved;
sent back by the wrong department; left too long, escalated by the sweep, solved late
and supervised; rated, sometimes "not satisfied" and reopened; rejected), each move made
by someone whom the state machine allows, at a time drawn after the one before. The
moves and the escalation sweep run in the order of their times, back-dated through the
services' ``now``, up to the moment the demo is built: so the older cases are closed, the
recent ones are open in every state, and some are overdue and supervised right now.

Deterministic for a seed (times are relative to the day it runs), and built once: a town
that has cases is left as it is.
"""

from __future__ import annotations

import datetime
import heapq
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from governance import demo
from grids.demo import town_code
from grids.models import Department, Grid, Household, Town, Village

from . import transitions
from .choices import OPEN_STATES, Move, Satisfaction, Source
from .models import Case, CaseKind, Notification
from .services import MoveNotAllowed, case_move, case_rate, case_report
from .sweeps import run_sweep

#: How far back the history goes, and how many cases a village reports a day on average.
HISTORY_DAYS = 90
CASES_PER_VILLAGE_DAY = 0.15
#: The escalation sweep runs every 5 minutes for real; deadlines end at midnight, so in the
#: history it runs just after midnight, and at noon for the reminders.
SWEEP_AT = (datetime.time(0, 5), datetime.time(12, 5))

# What each kind of case is about, how it was solved, and which department takes it when
# the village cannot (the demo town's departments, grids.demo.DEPARTMENTS).
KINDS = {
    "illegal": (
        2,
        ["有人在河边倾倒建筑垃圾", "村口有人违规搭建彩钢棚", "夜间有人在山塘电鱼", "有人占用村道堆放砂石"],
        ["已责令清理并恢复原状", "违建已拆除", "已联合执法查处"],
        ["综合执法中队", "派出所"],
    ),
    "suspicious": (
        1,
        ["陌生人挨家推销保健品", "有人冒充社保人员上门收费", "出租房住户频繁更换，形迹可疑"],
        ["已核查并登记，提醒村民防骗", "派出所已上门核实身份"],
        ["派出所"],
    ),
    "hazard": (
        2,
        ["老房子墙体开裂有倒塌危险", "电线杆倾斜，电线离地太低", "山塘堤坝渗水", "楼道里堆放液化气瓶"],
        ["已设置警示并组织加固", "已联系供电所处理", "已清理并宣传消防安全"],
        ["应急管理办", "城建办"],
    ),
    "trend": (
        1,
        ["部分村民对征地补偿有意见，准备集体上访", "外来务工人员反映工资被拖欠"],
        ["已组织座谈，解释政策并化解", "已协调企业支付工资"],
        ["信访办", "司法所"],
    ),
    "field_dispute": (
        4,
        ["东头田埂边界有争议", "两户因宅基地界址发生争执", "沟渠改道引发灌溉纠纷", "承包地边界不清起争执"],
        ["经现场测量，双方认可边界", "经调解双方达成一致", "已恢复原沟渠走向"],
        ["自然资源和规划所", "司法所"],
    ),
    "neighbour_dispute": (
        4,
        ["邻居装修噪音扰民引发争吵", "婆媳矛盾需要调解", "养狗扰邻，双方争吵", "滴水檐引发邻里矛盾"],
        ["经调解双方握手言和", "已签订调解协议"],
        ["司法所"],
    ),
    "drain": (
        5,
        ["三组路口排水沟堵塞，雨天积水", "下水道堵塞反味", "桥下涵洞被杂物堵住"],
        ["已组织人员清理疏通", "已更换破损管道"],
        ["城建办"],
    ),
    "bins": (
        5,
        ["村委会旁垃圾桶破损", "垃圾三天未清运", "分类垃圾桶标识脱落"],
        ["已更换新垃圾桶", "已联系保洁公司清运"],
        ["综合执法中队"],
    ),
    "road": (
        4,
        ["村道有坑洼，电动车易摔", "桥面护栏松动", "村道路面塌陷"],
        ["已修补路面", "已加固护栏"],
        ["城建办"],
    ),
    "streetlight": (
        4,
        ["路灯不亮已一周", "村口路灯线路老化", "文化礼堂门口路灯被撞坏"],
        ["已更换灯具", "已修复线路"],
        ["城建办"],
    ),
    "benefits": (
        4,
        ["低保材料需要代办", "医保报销手续不会办", "养老保险转移需要帮办", "残疾证年审需代办"],
        ["已代办完成并送达", "已帮助提交材料，审批通过"],
        ["社保所", "民政办"],
    ),
    "elderly_help": (
        3,
        ["独居老人家中漏雨", "独居老人行动不便需代购药品", "高龄老人需要上门体检"],
        ["已组织志愿者上门维修", "已代购药品并送上门", "已安排医生上门"],
        ["民政办", "卫生健康办"],
    ),
    "other": (
        1,
        ["村民咨询农房翻建审批流程", "村民反映自来水水压低"],
        ["已解答并指导办理", "已联系水厂处理"],
        ["农业农村办", "城建办"],
    ),
}
SOURCES = [
    (Source.VISIT, 25),
    (Source.PATROL, 20),
    (Source.GRID_REPORT, 25),
    (Source.WALK_IN, 15),
    (Source.HOTLINE, 15),
]


@dataclass(frozen=True)
class Step:
    """One move of a script: made by ``who``, ``lo``–``hi`` hours after the move before
    it (or after the case's deadline, where ``after_deadline``)."""

    move: str
    who: str
    lo: float
    hi: float
    after_deadline: bool = False
    satisfaction: str = ""
    wrong_department: bool = False


def _s(move, who, lo, hi, **kw) -> Step:
    return Step(move, who, lo, hi, **kw)


RATED = _s(Move.RATE, "reporter", 2, 30, satisfaction=Satisfaction.SATISFIED)
RATED_BASICALLY = _s(Move.RATE, "reporter", 2, 30, satisfaction=Satisfaction.BASICALLY)
CLOSE_IN_VILLAGE = [_s(Move.CONFIRM, "office", 2, 30), _s(Move.CLOSE, "cadre", 4, 48)]
CLOSE_IN_TOWN = [_s(Move.CONFIRM, "supervisor", 2, 30), _s(Move.CLOSE, "office", 8, 72)]
DISPATCH = [_s(Move.ASSIGN, "office", 2, 30), _s(Move.ACCEPT, "handler", 1, 10)]

# Left too long in the village: the sweep escalates it; the office dispatches it then.
SWEPT = [
    _s(Move.ASSIGN, "office", 4, 30, after_deadline=True),
    _s(Move.ACCEPT, "handler", 1, 10),
    _s(Move.SOLVE, "handler", 24, 100),
    RATED,
    *CLOSE_IN_TOWN,
]

# (weight, steps); "on_spot" is solved as it is reported, then crossed off like the rest.
SCRIPTS: dict[str, tuple[int, list[Step]]] = {
    "on_spot": (8, CLOSE_IN_VILLAGE),
    "village": (
        30,
        [_s(Move.CLAIM, "cadre", 0.5, 20), _s(Move.SOLVE, "cadre", 4, 40), RATED, *CLOSE_IN_VILLAGE],
    ),
    "village_basically": (
        8,
        [
            _s(Move.CLAIM, "cadre", 0.5, 20),
            _s(Move.SOLVE, "cadre", 4, 40),
            RATED_BASICALLY,
            *CLOSE_IN_VILLAGE,
        ],
    ),
    "village_reopened": (
        5,
        [
            _s(Move.CLAIM, "cadre", 0.5, 20),
            _s(Move.SOLVE, "cadre", 4, 30),
            _s(Move.RATE, "reporter", 2, 20, satisfaction=Satisfaction.NOT_SATISFIED),
            _s(Move.SOLVE, "cadre", 8, 40),
            RATED,
            *CLOSE_IN_VILLAGE,
        ],
    ),
    "town": (
        15,
        [
            _s(Move.CLAIM, "cadre", 0.5, 20),
            _s(Move.ESCALATE, "cadre", 6, 30),
            *DISPATCH,
            _s(Move.SOLVE, "handler", 24, 110),
            RATED,
            *CLOSE_IN_TOWN,
        ],
    ),
    "town_late": (
        7,
        [
            _s(Move.ESCALATE, "cadre", 2, 20),
            *DISPATCH,
            _s(Move.SOLVE, "handler", 6, 96, after_deadline=True),
            RATED_BASICALLY,
            *CLOSE_IN_TOWN,
        ],
    ),
    "swept": (4, [_s(Move.CLAIM, "cadre", 1, 20), *SWEPT]),
    "swept_unclaimed": (4, SWEPT),
    "sent_back": (
        5,
        [
            _s(Move.ESCALATE, "cadre", 2, 24),
            _s(Move.ASSIGN, "office", 1, 8, wrong_department=True),
            _s(Move.SEND_BACK, "handler", 2, 24),
            *DISPATCH,
            _s(Move.SOLVE, "handler", 24, 100),
            RATED,
            *CLOSE_IN_TOWN,
        ],
    ),
    "rejected": (4, [_s(Move.REJECT, "cadre", 1, 24)]),
}
NOTES = {
    Move.ESCALATE: ["村里协调不了，需镇里解决", "涉及多个部门，请镇里协调"],
    Move.SEND_BACK: ["不属于本部门职责，请重新指派"],
    Move.REJECT: ["经核实为重复上报", "不属于受理范围，已向群众解释"],
}


def _arguments(parser) -> None:
    parser.add_argument(
        "--cases-per-village-day",
        type=float,
        default=CASES_PER_VILLAGE_DAY,
        help="cases a village reports a day on average",
    )
    parser.add_argument(
        "--history-days", type=int, default=HISTORY_DAYS, help="how far back the demo's cases go"
    )


@demo.step("cases", after=("hierarchy", "users"), arguments=_arguments)
def build_cases(run: demo.DemoRun) -> None:
    town = Town.objects.get(code=town_code(0))
    if not Case.objects.filter(town=town).exists():
        with transaction.atomic():
            history = _History(town, run.built, run.options["seed"])
            until = timezone.now()
            history.live(
                until=until,
                days=run.options["history_days"],
                rate=run.options["cases_per_village_day"],
            )
            # The history's messages went out as it happened: nothing of it is pending.
            Notification.objects.filter(case__town=town, sent_at__isnull=True).update(sent_at=until)
    cases = Case.objects.filter(town__in=run.built["towns"])
    run.count("cases", cases.count())
    run.count("  open", cases.filter(state__in=OPEN_STATES).count())
    run.count("  overdue", cases.overdue().count())


class _History:
    def __init__(self, town: Town, built: dict, seed: int):
        self.rng = random.Random(f"seed_demo:cases:{seed}")
        self.town = town
        self.users = built["users"]
        self.cadres: dict[int, object] = built["cadres"]
        self.handlers: dict[int, object] = built["handlers"]
        self.villages = list(Village.objects.filter(town=town).order_by("code"))
        self.departments = {d.name: d for d in Department.objects.filter(town=town)}
        self.kinds = {k.code: k for k in CaseKind.objects.filter(town__isnull=True, code__in=KINDS)}
        self.grids: dict[int, list[int]] = {}
        for grid_id, village_id in Grid.objects.filter(village__town=town).values_list("id", "village_id"):
            self.grids.setdefault(village_id, []).append(grid_id)
        self.households: dict[int, list[tuple]] = {}
        for row in Household.objects.filter(town=town).values_list(
            "id", "village_id", "grid_id", "head_name"
        ):
            self.households.setdefault(row[1], []).append(row)
        demo_grid = self.users["demo_grid"].memberships.get().grid
        self.demo_grid_ids = {demo_grid.pk, *demo_grid.children.values_list("pk", flat=True)}
        self.queue: list = []
        self.seq = 0
        self.deck: list[str] = []

    # -- scheduling ------------------------------------------------------------------

    def at(self, when: datetime.datetime, action) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, action))

    def live(self, *, until: datetime.datetime, days: int, rate: float) -> None:
        start = until - datetime.timedelta(days=days)
        tz = timezone.get_default_timezone()
        # Through today: a report drawn later than ``until`` never happens.
        for village in self.villages:
            for day in (start.date() + datetime.timedelta(days=n) for n in range(days + 1)):
                for _ in range(self._poisson(rate * (0.5 if day.weekday() >= 5 else 1.2))):
                    local = datetime.datetime.combine(
                        day, datetime.time(7), tzinfo=timezone.get_default_timezone()
                    )
                    when = local + datetime.timedelta(minutes=self.rng.randrange(0, 12 * 60))
                    self.at(when, self._reporter(village))
        for n in range(days + 1):
            for at in SWEEP_AT:
                tick = datetime.datetime.combine(start.date() + datetime.timedelta(days=n), at, tzinfo=tz)
                self.at(tick, run_sweep)
        while self.queue and self.queue[0][0] <= until:
            when, _seq, action = heapq.heappop(self.queue)
            action(when)
        run_sweep(until)

    def _deal(self) -> str:
        """The next script, dealt from a shuffled deck holding each as often as its weight:
        the shares hold in a small town too, and every script is played."""
        if not self.deck:
            self.deck = [name for name, (weight, _) in SCRIPTS.items() for _ in range(weight)]
            self.rng.shuffle(self.deck)
        return self.deck.pop()

    def _poisson(self, mean: float) -> int:
        count, threshold, product = 0, pow(2.718281828459045, -mean), self.rng.random()
        while product > threshold:
            count += 1
            product *= self.rng.random()
        return count

    # -- the cases -------------------------------------------------------------------

    def _reporter(self, village: Village):
        rng = self.rng
        script_name = self._deal()
        kind_code = rng.choices(list(KINDS), weights=[k[0] for k in KINDS.values()])[0]
        _weight, descriptions, solutions, departments = KINDS[kind_code]
        source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
        household = rng.choice(self.households[village.pk]) if self.households.get(village.pk) else None
        grid_id = household[2] if household else rng.choice(self.grids[village.pk])
        contact = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.6 else ""
        script = SCRIPTS[script_name][1]
        if not contact:
            # Only a reporter who left a way to reach them is asked to rate; nobody else
            # can find a result unsatisfying and have the case reopened.
            base = SCRIPTS["village"][1] if script_name == "village_reopened" else script
            script = [step for step in base if step.move != Move.RATE]
        plan = {
            "script": script,
            "solution": rng.choice(solutions),
            "department": self.departments[rng.choice(departments)],
            "wrong": self.departments[rng.choice(sorted(set(self.departments) - set(departments)))],
        }
        data = {
            "village": village,
            "grid_id": grid_id,
            "household_id": household[0] if household and source == Source.VISIT else None,
            "kind": self.kinds[kind_code],
            "source": source,
            "description": rng.choice(descriptions),
            "reporter_name": household[3] if household else "村民",
            "reporter_contact": contact,
        }
        if source == Source.GRID_REPORT and grid_id in self.demo_grid_ids:
            actor = self.users["demo_grid"]
        elif source == Source.HOTLINE:
            actor = None
        else:
            actor = self.cadres[village.pk]

        def report(now):
            on_spot = script_name == "on_spot"
            case = case_report(
                actor=actor,
                data=dict(data),
                solved_on_spot=on_spot,
                solution=plan["solution"] if on_spot else "",
                now=now,
            )
            self._next(case.pk, plan, 0, now)

        return report

    def _next(self, case_id: int, plan: dict, index: int, now: datetime.datetime) -> None:
        if index >= len(plan["script"]):
            return
        step = plan["script"][index]
        base = now
        if step.after_deadline:
            base = max(now, Case.objects.values_list("deadline", flat=True).get(pk=case_id))
        when = base + datetime.timedelta(hours=self.rng.uniform(step.lo, step.hi))
        self.at(when, lambda at: self._do(case_id, plan, index, at))

    def _do(self, case_id: int, plan: dict, index: int, now: datetime.datetime) -> None:
        step = plan["script"][index]
        case = Case.objects.select_related("department").get(pk=case_id)
        if step.move == Move.RATE:
            case_rate(case=case, satisfaction=step.satisfaction, now=now)
            return self._next(case_id, plan, index + 1, now)
        actor = self._actor(step, case)
        if actor is None or step.move not in transitions.allowed_moves(case, actor):
            return  # the case went another way (the sweep escalated it): its story ends here
        department = None
        if step.move == Move.ASSIGN:
            department = plan["wrong"] if step.wrong_department else plan["department"]
        note = ""
        if step.move == Move.SOLVE:
            note = plan["solution"]
        elif step.move in NOTES:
            note = self.rng.choice(NOTES[step.move])
        try:
            case_move(case=case, move=step.move, actor=actor, note=note, department=department, now=now)
        except MoveNotAllowed:
            return
        self._next(case_id, plan, index + 1, now)

    def _actor(self, step: Step, case: Case):
        if step.who == "cadre":
            return self.cadres.get(case.village_id)
        if step.who == "handler":
            return self.handlers.get(case.department_id)
        return self.users["demo_office" if step.who == "office" else "demo_supervisor"]
