"""Household visits (行村制) on the web front: the navigation entry, the grid worker's "due
this month" and the cadre's village coverage on the home page, and the map's "visit
coverage" layer (grids.layers). Imported by duty/home.py, which the front discovers."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, GRID_WORKER, OFFICE, SUPERVISOR, restrict
from grids import layers

from . import visit_selectors as vs
from .selectors import this_month

nav(_("Household visits"), "duty:visits", roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER), order=33)


def _rate(figures: vs.Figures) -> str:
    return "—" if figures.rate is None else f"{figures.rate:.0f}%"


def _tone(figures: vs.Figures) -> str:
    if figures.rate is None:
        return "secondary"
    return "success" if figures.rate >= 100 else ("warning" if figures.rate >= 60 else "danger")


@tiles(roles=(GRID_WORKER,), order=12)
def grid_worker_visit_tiles(request, scope, role):
    cover = vs.coverage(request.user, this_month())
    grids = [
        row.area for row in cover.grid_rows if row.area.parent_id not in {r.area.pk for r in cover.grid_rows}
    ]
    url = reverse("duty:visits-grid", args=[grids[0].pk]) if len(grids) == 1 else reverse("duty:visits")
    return [
        Tile(
            _("Households due a visit this month"),
            cover.total.due,
            url,
            "warning" if cover.total.due else "success",
            _("coverage %(rate)s: %(v)s of %(n)s households visited")
            % {"rate": _rate(cover.total), "v": cover.total.visited, "n": cover.total.households},
            "visits-due",
        )
    ]


@tiles(roles=(CADRE,), order=12)
def cadre_visit_tiles(request, scope, role):
    cover = vs.coverage(request.user, this_month())
    return [
        Tile(
            _("Village visit coverage this month"),
            _rate(cover.total),
            reverse("duty:visits"),
            _tone(cover.total),
            _("%(v)s of %(n)s households visited, %(due)s still due")
            % {"v": cover.total.visited, "n": cover.total.households, "due": cover.total.due},
            "visits-coverage",
        )
    ]


# The map's "visit coverage" layer: the share of households visited this month, per grid
# (a first-level grid with its second-level grids) and per village, one query each.
def coverage_by_grid(grids, user) -> dict[int, float]:
    figures = vs.grid_figures(restrict(grids, user), this_month())
    return {pk: f.rate for pk, f in figures.items() if f.rate is not None}


def coverage_by_village(villages, user) -> dict[int, float]:
    figures = vs.village_figures(restrict(villages, user), this_month())
    return {pk: f.rate for pk, f in figures.items() if f.rate is not None}


layers.register(
    "visit_coverage",
    label=_("Visit coverage this month"),
    grids=coverage_by_grid,
    villages=coverage_by_village,
    higher_is_better=True,
    unit="%",
    order=20,
)
