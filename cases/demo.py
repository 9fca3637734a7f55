"""The demo step ``cases``: cases in every state, made through the services like real ones."""

from __future__ import annotations

import random

from django.db import transaction

from governance import demo
from grids.demo import town_code
from grids.models import Department, Town

from .models import Case, CaseKind
from .services import case_move, case_report

DESCRIPTIONS = [
    "三组路口排水沟堵塞，雨天积水",
    "村委会旁垃圾桶破损",
    "东头田埂边界有争议",
    "独居老人家中漏雨",
    "村道有坑洼，电动车易摔",
    "路灯不亮已一周",
    "有人在河边倾倒建筑垃圾",
    "低保材料需要代办",
]
CASE_SCRIPTS = [
    [],
    ["claim"],
    ["claim", "solve"],
    ["claim", "solve", "confirm", "close"],
    ["escalate"],
    ["escalate", "assign"],
    ["escalate", "assign", "accept"],
    ["reject"],
]


@demo.step("cases", after=("hierarchy", "users"))
@transaction.atomic
def build_cases(run: demo.DemoRun) -> None:
    """A few dozen cases in every state in the demo grid (once: skipped when the town has
    cases)."""
    town = Town.objects.get(code=town_code(0))
    if not Case.objects.filter(town=town).exists():
        _write_cases(town, run.built["users"], run.options["seed"])
    run.count("cases", Case.objects.filter(town__in=run.built["towns"]).count())


def _write_cases(town: Town, users: dict, seed: int) -> None:
    rng = random.Random(f"seed_demo:cases:{seed}")
    cadre, office = users["demo_cadre"], users["demo_office"]
    grid = users["demo_grid"].memberships.get().grid
    grids = list(grid.children.order_by("code")) or [grid]
    kinds = list(CaseKind.objects.filter(town__isnull=True).order_by("code"))
    department = Department.objects.get(town=town, name="社保所")
    for n in range(40):
        case = case_report(
            actor=users["demo_grid"],
            data={
                "village": grid.village,
                "grid": rng.choice(grids),
                "kind": rng.choice(kinds),
                "source": "grid_report",
                "description": rng.choice(DESCRIPTIONS),
                "reporter_name": "村民",
                "reporter_contact": "",
            },
        )
        for move in CASE_SCRIPTS[n % len(CASE_SCRIPTS)]:
            actor = office if move in ("assign", "confirm", "close") else cadre
            if move == "accept":
                actor = users["demo_department"]
            case_move(
                case=case,
                move=move,
                actor=actor,
                note="演示" if move in ("solve", "escalate", "reject") else "",
                department=department if move == "assign" else None,
            )
