"""The demo step ``duty_visits``: three months of household visits (行村制) in the demo town
by its cadres and a grid worker of each first-level grid, so that coverage differs from
grid to grid (about 60% to all households a month), this month is partly done, some
three-musts occasions were answered by a visit and a couple are open (one overdue), and a
visit's problem became a case.

The months of visits are bulk-created (tens of thousands of rows: through the service
they would take minutes); the visit that became a case goes through the services, as the
pages do. Deterministic, and built once: a town with visits not made from a duty log is
left as it is (the ``duty_logs`` step records the cadres' log visits through the service).
"""

from __future__ import annotations

import datetime
import hashlib
import math

from django.db import transaction
from django.utils import timezone

from governance import demo
from governance.choices import Role
from grids.demo import demo_user, town_code
from grids.models import Grid, Household, Town

from .choices import THREE_MUSTS_DAYS, Occasion, VisitKind
from .models import ThreeMust, Visit, add_months, month_end
from .selectors import this_month

FOUND = [
    "家中情况正常，无特殊诉求。",
    "老人身体状况良好，药品充足。",
    "询问了孩子入学情况，已告知相关政策。",
    "反映门前路灯不亮，已记录。",
    "宣传了垃圾分类和防诈骗知识。",
    "家属外出务工，电话联系了解情况。",
    "邻里关系和睦，无矛盾纠纷。",
]
GRID_WORKER_NAMES = [
    "李晓燕",
    "张伟",
    "王芳",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄勇",
    "周丽",
    "吴强",
    "徐燕",
    "孙涛",
]


def _unit(*parts) -> float:
    """A number in [0, 1) fixed by ``parts``: the same demo on every run."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute)).replace(
        tzinfo=timezone.get_current_timezone()
    )


def _grid_workers(town: Town) -> dict[int, object]:
    """A grid worker per first-level grid of the town (the users step's demo_grid for its
    own grid; accounts that cannot log in for the others)."""
    from governance.models import Membership

    workers = {
        m.grid_id: m.user
        for m in Membership.objects.filter(
            role=Role.GRID_WORKER, grid__village__town=town, deleted_at__isnull=True
        ).select_related("user")
    }
    firsts = Grid.objects.filter(village__town=town, level=1, deleted_at__isnull=True).order_by("code")
    for i, grid in enumerate(firsts):
        if grid.pk not in workers:
            workers[grid.pk] = demo_user(
                f"grid_{grid.code}",
                GRID_WORKER_NAMES[i % len(GRID_WORKER_NAMES)],
                Role.GRID_WORKER,
                "grid",
                grid,
            )
    return workers


# After the cases step too: the visit reported here is a case, and that step builds its
# history only in a town without any.
@demo.step("duty_visits", after=("duty_logs", "cases"))
def build_duty_visits(run: demo.DemoRun) -> None:
    from governance.models import Membership

    town = Town.objects.get(code=town_code(0))
    made = Visit.objects.filter(town=town, deleted_at__isnull=True)
    if made.filter(log__isnull=True).exists():
        _counts(run, town)
        return
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        workers = _grid_workers(town)
        cadres: dict[int, list] = {}
        for m in Membership.objects.filter(
            role=Role.VILLAGE_CADRE, village__town=town, deleted_at__isnull=True
        ).select_related("user"):
            cadres.setdefault(m.village_id, []).append(m.user)
        for team in cadres.values():
            team.sort(key=lambda u: u.pk)
        households = list(
            Household.objects.filter(town=town, deleted_at__isnull=True)
            .select_related("grid")
            .order_by("grid_id", "number")
        )
        by_grid: dict[int, list[Household]] = {}
        for h in households:
            by_grid.setdefault(h.grid_id, []).append(h)
        rows: list[Visit] = []
        people: list[tuple[int, list[int]]] = []  # (index in rows, visitor ids)
        for n in (-2, -1, 0):
            month = add_months(this_month(today), n)
            last = min(month_end(month), today)
            days = (last - month).days + 1
            share_done = days / month_end(month).day  # this month: the part already lived
            for grid_id, homes in by_grid.items():
                grid = homes[0].grid
                first_id = grid.parent_id or grid.pk
                worker = workers.get(first_id) or workers.get(grid.pk)
                team = cadres.get(grid.village_id, [])
                if worker is None and not team:
                    continue
                coverage = 0.6 + 0.4 * _unit("coverage", grid_id, month)
                if _unit("full", grid_id, month) < 0.25:
                    coverage = 1.0
                wanted = math.ceil(len(homes) * coverage * share_done)
                # special households first, as the rule says; then the others in turn
                order = sorted(homes, key=lambda h: (not h.flags, _unit("order", h.pk, month)))
                for i, h in enumerate(order[:wanted]):
                    day = month + datetime.timedelta(days=int(_unit("day", h.pk, month) * days))
                    at = _at(
                        day, 9 + int(_unit("hour", h.pk, month) * 8), int(_unit("min", h.pk, month) * 60)
                    )
                    if at > now:
                        at = now - datetime.timedelta(minutes=30 + i)
                    by = (
                        worker
                        if worker is not None and (not team or _unit("who", h.pk, month) < 0.7)
                        else None
                    )
                    if by is None:
                        by = team[int(_unit("cadre", h.pk, month) * len(team))]
                    kind = VisitKind.SPECIAL if h.flags else VisitKind.ROUTINE
                    if _unit("phone", h.pk, month) < 0.05:
                        kind = VisitKind.PHONE
                    visitors = [by.pk]
                    if team and by is worker and _unit("with", h.pk, month) < 0.15:
                        visitors.append(team[0].pk)
                    people.append((len(rows), visitors))
                    rows.append(
                        Visit(
                            town_id=h.town_id,
                            village_id=h.village_id,
                            grid_id=h.grid_id,
                            household_id=h.pk,
                            visited_at=at,
                            kind=kind,
                            found=FOUND[int(_unit("found", h.pk, month) * len(FOUND))],
                            by_id=by.pk,
                        )
                    )
        Visit.objects.bulk_create(rows, batch_size=2000)
        through = Visit.visitors.through
        through.objects.bulk_create(
            [through(visit_id=rows[i].pk, user_id=u) for i, ids in people for u in ids], batch_size=5000
        )
        _three_musts(town, households, workers, cadres, today, now)
        _a_case(town, workers, today)
    _counts(run, town)


def _three_musts(town, households, workers, cadres, today, now) -> None:
    """In the first village: four occasions answered by a three-musts visit within their
    days, one open and overdue, one open and still in time."""
    village_id = min((h.village_id for h in households), default=None)
    if village_id is None:
        return
    homes = [h for h in households if h.village_id == village_id][:6]
    occasions = list(Occasion.values)
    notes = ["住院治疗", "家中失火", "儿子结婚", "老人过世", "突发疾病住院", "车祸受伤"]
    for i, h in enumerate(homes):
        known = today - datetime.timedelta(days=[20, 14, 9, 5, 5, 1][i])
        must = ThreeMust(
            town_id=h.town_id,
            village_id=h.village_id,
            grid_id=h.grid_id,
            household=h,
            occasion=occasions[i % len(occasions)],
            note=notes[i],
            known_on=known,
            due_on=known + datetime.timedelta(days=THREE_MUSTS_DAYS),
            reported_by=(cadres.get(village_id) or [None])[0] or workers[min(workers)],
        )
        if i < 4:
            worker = workers.get(h.grid.parent_id or h.grid_id)
            by = worker or must.reported_by
            at = min(_at(known + datetime.timedelta(days=1 + i % 2), 15, 10 * i), now)
            visit = Visit.objects.create(
                town_id=h.town_id,
                village_id=h.village_id,
                grid_id=h.grid_id,
                household=h,
                visited_at=at,
                kind=VisitKind.THREE_MUSTS,
                found="上门慰问，了解困难，已送去慰问品。",
                by=by,
            )
            visit.visitors.set([by.pk])
            must.visit = visit
        must.save()


def _a_case(town, workers, today) -> None:
    """A visit whose problem became a case, through the services as the pages do."""
    from cases.models import CaseKind

    from . import visits

    # a drain blocked, in the words the cases demo uses for its kind (its test checks that
    # each case's description fits its kind)
    kind = CaseKind.objects.filter(is_active=True, town__isnull=True, code="drain").first()
    grid = Grid.objects.filter(village__town=town, level=1, deleted_at__isnull=True).order_by("code").first()
    worker = workers.get(grid.pk) if grid else None
    household = (
        Household.objects.filter(grid__in=[grid, *grid.children.all()], deleted_at__isnull=True)
        .order_by("-number")
        .first()
        if grid
        else None
    )
    if kind is None or worker is None or household is None:
        return
    at = _at(max(this_month(today), today - datetime.timedelta(days=2)), 10, 20)
    visit = visits.visit_record(
        actor=worker,
        household=household,
        visited_at=min(at, timezone.now()),
        found="下水道堵塞反味",
    )
    visits.visit_report(visit=visit, kind=kind, actor=worker)


def _counts(run, town) -> None:
    made = Visit.objects.filter(town=town, deleted_at__isnull=True)
    month = this_month()
    run.count("household visits", made.count())
    run.count("  this month", made.filter(visited_at__date__gte=month).count())
    run.count("  reported as cases", made.filter(case__isnull=False).count())
    musts = ThreeMust.objects.filter(town=town, deleted_at__isnull=True)
    run.count("three-musts occasions", musts.count())
    run.count("  open", musts.filter(visit__isnull=True).count())
