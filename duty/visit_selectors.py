"""Reads of household visits (行村制): coverage per grid, village and town for a month,
each visitor's visits of the week, and a grid's due list for the visitor's phone.

Set-based: each figure is one aggregate query whatever the number of grids, households
or visits, served by the indexes on visits (household, visited_at) and (grid,
visited_at). What a user reads goes through :func:`governance.scoping.restrict` first;
the functions here receive querysets already restricted, or restrict them themselves.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.choices import Role
from governance.models import Membership
from governance.scoping import VIEW, restrict
from grids.choices import HOUSEHOLD_FLAGS
from grids.models import Grid, Household, Village

from .models import ThreeMust, Visit, month_bounds


def week_bounds(day: datetime.date | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 of ``day``'s week and the Monday after."""
    day = day or timezone.localdate()
    monday = day - datetime.timedelta(days=day.weekday())
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=7)


def visits_for_user(user, action: str = VIEW) -> QuerySet[Visit]:
    return restrict(Visit.objects.filter(deleted_at__isnull=True), user, action)


def three_musts_for_user(user, action: str = VIEW) -> QuerySet[ThreeMust]:
    return restrict(ThreeMust.objects.filter(deleted_at__isnull=True), user, action)


@dataclass
class Figures:
    """Households, and of them those visited at least once in the month."""

    households: int = 0
    visited: int = 0

    @property
    def due(self) -> int:
        return self.households - self.visited

    @property
    def rate(self) -> float | None:
        """Coverage, 0–100 (None for an area without households)."""
        return round(100 * self.visited / self.households, 1) if self.households else None

    def add(self, other: Figures) -> None:
        self.households += other.households
        self.visited += other.visited


def _visited_in(month: datetime.date, **area):
    """Whether the household (the outer row) has a visit in ``month``. ``area`` (the
    grids' or villages' ids the outer rows are in) narrows the visits too: PostgreSQL may
    run the EXISTS as one hashed set of the month's visits, and then it reads those of the
    area by the (grid, visited_at) or (village, visited_at) index, not the county's. (A
    household moved in from outside the area this month counts as not yet visited here.)"""
    start, end = month_bounds(month)
    return Exists(
        Visit.objects.filter(
            household_id=OuterRef("pk"),
            visited_at__gte=start,
            visited_at__lt=end,
            deleted_at__isnull=True,
            **area,
        )
    )


def _figures(households: QuerySet[Household], month: datetime.date, *group, **area) -> QuerySet:
    """``(*group, households, visited)`` rows: one grouped query, each household's visit
    of the month found by an EXISTS on (household, visited_at)."""
    return (
        households.order_by()
        .values_list(*group)
        .annotate(n=Count("id"), visited=Count("id", filter=Q(_visited_in(month, **area))))
    )


def subtree_ids(grids) -> list[int]:
    """The ids of ``grids`` (a queryset, or one grid) and of their second-level grids, as
    a list (one small query). The figures filter ``grid_id IN (<ids>)``: with the ids
    written out the planner knows it reads a few dozen households and probes each one's
    visits by the (household, visited_at) index; a subquery or an OR across the join to
    the grid's parent made PostgreSQL hash a whole month of the county's visits instead
    (seconds at county scale, bench/duty_bench.py)."""
    if isinstance(grids, Grid):
        q = Q(pk=grids.pk) | Q(parent_id=grids.pk)
    else:
        q = Q(pk__in=grids.values("pk")) | Q(parent_id__in=grids.values("pk"))
    return list(Grid.objects.filter(q, deleted_at__isnull=True).values_list("pk", flat=True))


def _live(households: QuerySet | None = None) -> QuerySet[Household]:
    return (households if households is not None else Household.objects.all()).filter(deleted_at__isnull=True)


def grid_figures(grids, month: datetime.date, *, ids: list[int] | None = None) -> dict[int, Figures]:
    """Coverage per grid of ``grids`` (a first-level grid counts its second-level grids'
    households too): one query, and one for the grids' ids unless ``ids`` (the grids
    with their second-level grids) are given."""
    ids = subtree_ids(grids) if ids is None else ids
    rows = _figures(_live().filter(grid_id__in=ids), month, "grid_id", "grid__parent_id", grid_id__in=ids)
    out: dict[int, Figures] = {}
    for grid_id, parent_id, n, visited in rows:
        for key in (grid_id, parent_id):
            if key is not None:
                out.setdefault(key, Figures()).add(Figures(n, visited))
    return out


def village_figures(villages, month: datetime.date) -> dict[int, Figures]:
    """Coverage per village of ``villages`` (a queryset, or their ids): one query, and one
    for the ids of a queryset (written out, for the reason subtree_ids gives)."""
    ids = list(villages.values_list("pk", flat=True)) if isinstance(villages, QuerySet) else list(villages)
    rows = _figures(_live().filter(village_id__in=ids), month, "village_id", village_id__in=ids)
    return {village_id: Figures(n, visited) for village_id, n, visited in rows}


@dataclass
class CoverageRow:
    area: object  # a Village or a Grid
    figures: Figures
    level: int = 1  # a grid's level (1: first-level, 2: second-level); villages 0


@dataclass
class Coverage:
    """A user's coverage page: their villages (office, supervisor, cadre) each with its
    grids, or their grids only (a grid worker), and the total."""

    month: datetime.date
    villages: list[CoverageRow]
    grids: dict[int, list[CoverageRow]]  # village id → its grids' rows, first-level then their children
    total: Figures

    @property
    def grid_rows(self) -> list[CoverageRow]:
        return [row for rows in self.grids.values() for row in rows]


def grids_for_user(user) -> QuerySet[Grid]:
    return restrict(Grid.objects.filter(deleted_at__isnull=True), user)


def coverage(
    user,
    month: datetime.date,
    *,
    village: int | None = None,
    grid: int | None = None,
    summary: bool = False,
) -> Coverage:
    """Coverage for ``month`` of everything ``user`` reads, by village and by grid (4
    queries: villages, grids and one aggregate for each). A grid worker sees their grids
    only. With ``summary``, a user reading several villages (and no ``village`` chosen)
    gets the villages only (2 queries): the town office's first page."""
    from governance.scoping import resolve_scope

    scope = resolve_scope(user)
    # a grid worker's area is their grids: no village rows for them
    reads_villages = not grid and (
        scope.is_superuser or any("grid" not in reach.ids for reach in scope.reaches)
    )
    village_rows: list[CoverageRow] = []
    total = Figures()
    if reads_villages:
        villages = restrict(Village.objects.filter(deleted_at__isnull=True), user)
        if village:
            villages = villages.filter(pk=village)
        village_list = list(villages.order_by("code"))
        by_village = village_figures([v.pk for v in village_list], month)
        for v in village_list:
            figures = by_village.get(v.pk, Figures())
            village_rows.append(CoverageRow(v, figures, level=0))
            total.add(figures)
        if summary and not village and len(village_list) > 1:
            return Coverage(month=month, villages=village_rows, grids={}, total=total)
    grids = grids_for_user(user)
    if village:
        grids = grids.filter(village_id=village)
    if grid:
        grids = grids.filter(Q(pk=grid) | Q(parent_id=grid))
    grid_list = list(grids.select_related("village").order_by("village__code", "code"))
    # the user's grids come with their second-level grids (a scope reaching a grid
    # reaches its children): their ids are the subtree
    by_grid = grid_figures(grids, month, ids=[g.pk for g in grid_list])
    per_village: dict[int, list[CoverageRow]] = {}
    for g in grid_list:
        per_village.setdefault(g.village_id, []).append(
            CoverageRow(g, by_grid.get(g.pk, Figures()), level=getattr(g, "level", 1) or 1)
        )
    if not reads_villages:
        # the grids at the top of what the user sees (a second-level grid under a listed
        # first-level grid is counted there already)
        listed = {g.pk for g in grid_list}
        for g in grid_list:
            if g.parent_id not in listed:
                total.add(by_grid.get(g.pk, Figures()))
    return Coverage(month=month, villages=village_rows, grids=per_village, total=total)


@dataclass
class VisitorWeek:
    membership: Membership
    visits: int

    @property
    def person(self):
        return self.membership.user


def visitors_week(
    *, villages: QuerySet | None = None, grid: Grid | None = None, day: datetime.date | None = None
) -> list[VisitorWeek]:
    """The cadres and grid workers who visit the households of ``villages`` (their cadres
    and their grids' workers) or of ``grid`` (the village's cadres, the grid's workers
    and those of its parent or children), each with the visits they made this week: one
    query. The rule is at least one a week."""
    start, end = week_bounds(day)
    through = Visit.visitors.through
    week = (
        through.objects.filter(
            user_id=OuterRef("user_id"),
            visit__visited_at__gte=start,
            visit__visited_at__lt=end,
            visit__deleted_at__isnull=True,
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    if grid is not None:
        grid_ids = [grid.pk] + ([grid.parent_id] if grid.parent_id else [])
        area = Q(role=Role.VILLAGE_CADRE, village_id=grid.village_id) | Q(
            Q(grid_id__in=grid_ids) | Q(grid__parent_id=grid.pk), role=Role.GRID_WORKER
        )
    else:
        area = Q(role=Role.VILLAGE_CADRE, village__in=villages) | Q(
            role=Role.GRID_WORKER, grid__village__in=villages
        )
    rows = (
        Membership.objects.filter(area, deleted_at__isnull=True, user__is_active=True)
        .select_related("user", "village", "grid")
        .annotate(week=Coalesce(Subquery(week, output_field=IntegerField()), Value(0)))
        .order_by("role", "village_id", "grid_id", "user__last_name", "user__first_name", "user_id")
    )
    return [VisitorWeek(m, m.week) for m in rows]


def _special() -> ExpressionWrapper:
    q = Q()
    for name in HOUSEHOLD_FLAGS:
        q |= Q(**{name: True})
    return ExpressionWrapper(q, output_field=BooleanField())


def due_list(
    grid: Grid, month: datetime.date, *, today: datetime.date | None = None, ids: list[int] | None = None
) -> list[Household]:
    """The households of ``grid`` (and its second-level grids) still due a visit in
    ``month``, in the order to visit them: an open three-musts occasion first (the most
    urgent first; ``must_overdue`` when its day has passed), then special households (any
    of the flags), then the rest, longest unvisited first (never visited before all).
    Each carries ``last_visit`` (a datetime or None). One query (and one for the grid's
    ids unless ``ids`` gives them, see subtree_ids)."""
    ids = subtree_ids(grid) if ids is None else ids
    return list(_due(Household.objects.filter(grid_id__in=ids), month, today=today, grid_id__in=ids))


def village_due(village: Village, month: datetime.date, *, limit: int = 8) -> list[Household]:
    """The top of the due lists of ``village``'s grids (the cadre's today page), in the
    same order, with their grid. One query."""
    households = Household.objects.filter(village=village)
    return list(_due(households, month, village_id=village.pk).select_related("grid")[:limit])


def _due(households: QuerySet[Household], month: datetime.date, *, today=None, **area) -> QuerySet[Household]:
    today = today or timezone.localdate()
    open_must = ThreeMust.objects.filter(
        household_id=OuterRef("pk"), visit__isnull=True, deleted_at__isnull=True
    ).order_by("due_on", "id")
    last = Visit.objects.filter(household_id=OuterRef("pk"), deleted_at__isnull=True).order_by("-visited_at")
    return (
        _live(households)
        .annotate(
            visited=_visited_in(month, **area),
            last_visit=Subquery(last.values("visited_at")[:1]),
            must_due=Subquery(open_must.values("due_on")[:1]),
            must_occasion=Subquery(open_must.values("occasion")[:1]),
            must_id=Subquery(open_must.values("pk")[:1]),
            special=_special(),
        )
        .filter(Q(visited=False) | Q(must_due__isnull=False))
        .annotate(must_overdue=ExpressionWrapper(Q(must_due__lt=today), output_field=BooleanField()))
        .order_by(
            F("must_due").asc(nulls_last=True),
            F("special").desc(),
            F("last_visit").asc(nulls_first=True),
            "number",
        )
    )


def open_three_musts(grid: Grid, *, ids: list[int] | None = None) -> QuerySet[ThreeMust]:
    """The open three-musts occasions of ``grid`` (with its second-level grids), the most
    urgent first."""
    return (
        ThreeMust.objects.filter(
            grid_id__in=subtree_ids(grid) if ids is None else ids, visit__isnull=True, deleted_at__isnull=True
        )
        .select_related("household", "reported_by")
        .order_by("due_on", "id")
    )


def visits_of_grid(
    grid: Grid, start: datetime.datetime, end: datetime.datetime, *, ids: list[int] | None = None
) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(
            grid_id__in=subtree_ids(grid) if ids is None else ids,
            visited_at__gte=start,
            visited_at__lt=end,
            deleted_at__isnull=True,
        )
        .select_related("household", "by")
        .order_by("-visited_at", "-id")
    )
