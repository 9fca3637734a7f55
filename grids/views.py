"""Pages of the hierarchy: the map of a town's villages (or of one village's grids), a
village's page and a grid's page.

The map needs no tile server (the platform may run on a government intranet): the
areas' own GeoJSON boundaries are the only layer, drawn by ECharts in static/js/map.js and
coloured by a layer some other app registers (:mod:`grids.layers`: open cases, visit
coverage). Everything starts from querysets restricted to the user; an area outside the
user's scope answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from governance import audit, crypto
from governance.models import Membership
from governance.scoping import GRID_WORKER, VIEW, can, can_see_personal, restrict

from . import layers
from .choices import HOUSEHOLD_FLAGS, Residency
from .models import Grid, Household, PartyMember, Resident, Village
from .selectors import roll_up_to_parents

HOUSEHOLDS_PER_PAGE = 50


@dataclass
class MapArea:
    """One area of a map: drawn when it has a boundary, listed in the table below."""

    area: object
    url: str
    values: dict[str, float] = field(default_factory=dict)
    drawn: bool = False
    # A first-level grid whose second-level grids are drawn in its place.
    drawn_by_children: bool = False
    level: int = 1


def _geometry(boundary: dict) -> dict:
    """The geometry of a stored boundary (a bare geometry, or a Feature holding one)."""
    return boundary.get("geometry") or {} if boundary.get("type") == "Feature" else boundary


def map_data(areas: list[MapArea], layer: layers.Layer | None, *, kind: str) -> dict:
    """What static/js/map.js draws: the drawn areas as one GeoJSON FeatureCollection
    (named by their codes), each area's value in the chosen layer and its page."""
    drawn = [a for a in areas if a.drawn]
    values = [a.values.get(layer.name, 0) if layer else 0 for a in drawn]
    return {
        "kind": kind,
        "geojson": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": a.area.code, "name": a.area.name},
                    "geometry": _geometry(a.area.boundary),
                }
                for a in drawn
            ],
        },
        "areas": [
            {"name": a.area.code, "label": a.area.name, "value": value, "url": a.url}
            for a, value in zip(drawn, values, strict=True)
        ],
        "layer": {
            "label": str(layer.label) if layer else "",
            "unit": str(layer.unit) if layer else "",
            "higherIsBetter": layer.higher_is_better if layer else False,
        },
        "max": max([1, *values]),
        "texts": {"high": _("high"), "low": _("low")},
    }


def _visible_villages(user):
    return restrict(Village.objects.select_related("town"), user).order_by("town__code", "code")


def _grid_areas(grids: list[Grid], values: dict[str, dict[int, float]]) -> list[MapArea]:
    """A village's grids for the map: the most specific ones drawn (second-level grids
    tile their first-level grid), first-level grids before their own second-level ones."""
    drawn_parents = {g.parent_id for g in grids if g.parent_id and g.boundary}
    by_parent: dict[int | None, list[Grid]] = {}
    ids = {g.pk for g in grids}
    for grid in grids:
        by_parent.setdefault(grid.parent_id if grid.parent_id in ids else None, []).append(grid)
    ordered = []
    for top in by_parent.get(None, []):
        ordered.append(top)
        ordered.extend(by_parent.get(top.pk, []))
    return [
        MapArea(
            area=g,
            url=reverse("grids:grid", args=[g.pk]),
            values={name: counts.get(g.pk, 0) for name, counts in values.items()},
            drawn=bool(g.boundary) and g.pk not in drawn_parents,
            drawn_by_children=g.pk in drawn_parents,
            level=g.level,
        )
        for g in ordered
    ]


def _village_grids(village: Village, user) -> tuple:
    """The grids of ``village`` the user sees: the queryset (for the layers) and the rows."""
    grids = restrict(Grid.objects.filter(village=village), user)
    return grids, list(grids.select_related("leader").order_by("level", "code"))


@login_required
def area_map(request):
    """The town's villages coloured by a layer; ``?village=<code>``: that village's grids."""
    if not can(request.user, VIEW, Village):
        raise Http404
    villages = list(_visible_villages(request.user))
    layer = layers.get(request.GET.get("layer"))
    code = request.GET.get("village") or ""
    if not code and len(villages) == 1:
        code = villages[0].code  # a cadre or grid worker: their own village's grids
    village = None
    if code:
        village = next((v for v in villages if v.code == code), None)
        if village is None:
            raise Http404
        queryset, grids = _village_grids(village, request.user)
        areas = _grid_areas(grids, layers.grid_values(queryset, request.user))
    else:
        values = layers.village_values(restrict(Village.objects.all(), request.user), request.user)
        areas = [
            MapArea(
                area=v,
                url=reverse("grids:village", args=[v.code]),
                values={name: counts.get(v.pk, 0) for name, counts in values.items()},
                drawn=bool(v.boundary),
            )
            for v in villages
        ]
    context = {
        "villages": villages,
        "village": village,
        "areas": areas,
        "layer": layer,
        "layers": layers.all_layers(),
        "map": map_data(areas, layer, kind="grids" if village else "villages"),
        "undrawn": [a for a in areas if not a.drawn and not a.drawn_by_children],
    }
    return render(request, "grids/map.html", context)


def _grid_workers(grid_ids: list[int]) -> dict[int, list]:
    """The grid workers (网格员) of each grid, by their real names. Read through the grids
    the user sees (memberships themselves are kept by the town office alone)."""
    workers: dict[int, list] = {}
    rows = (
        Membership.objects.filter(
            role=GRID_WORKER, grid_id__in=grid_ids, deleted_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .order_by("grid_id", "user__last_name", "user__first_name", "user_id")
    )
    for membership in rows:
        workers.setdefault(membership.grid_id, []).append(membership.user)
    return workers


@login_required
def village_detail(request, code: str):
    village = get_object_or_404(_visible_villages(request.user), code=code)
    user = request.user
    queryset, grids = _village_grids(village, user)
    grid_ids = [g.pk for g in grids]
    areas = _grid_areas(grids, layers.grid_values(queryset, user))
    households = restrict(Household.objects.filter(village=village), user)
    per_grid = list(households.order_by().values_list("grid_id", "grid__parent_id").annotate(n=Count("id")))
    household_counts = dict.fromkeys(grid_ids, 0) | roll_up_to_parents(per_grid)
    residents = restrict(Resident.objects.filter(village=village), user).aggregate(
        total=Count("id"), migrants=Count("id", filter=Q(residency=Residency.MIGRANT))
    )
    members = (
        restrict(PartyMember.objects.filter(village=village), user).count()
        if can(user, VIEW, PartyMember)
        else None
    )
    workers = _grid_workers(grid_ids)
    rows = [
        {
            "map": area,
            "grid": area.area,
            "workers": workers.get(area.area.pk, []),
            "households": household_counts.get(area.area.pk, 0),
            "values": [(layer, area.values.get(layer.name, 0)) for layer in layers.all_layers()],
        }
        for area in areas
    ]
    layer = layers.get(request.GET.get("layer"))
    context = {
        "village": village,
        "facts": {
            "grids": len(grids),
            "households": sum(n for _grid, _parent, n in per_grid),
            "residents": residents["total"],
            "migrants": residents["migrants"],
            "party_members": members,
        },
        "rows": rows,
        "layers": layers.all_layers(),
        "layer": layer,
        "map": map_data(areas, layer, kind="grids"),
        "undrawn": [a for a in areas if not a.drawn and not a.drawn_by_children],
        "cases_url": f"{reverse('cases:list')}?village={village.pk}",
        "stats_url": f"{reverse('cases:stats')}?village={village.pk}",
    }
    return render(request, "grids/village.html", context)


def household_rows(households: list[Household], user) -> list[dict]:
    """A page of households as the API shows them to ``user``: the phone masked unless the
    user may see the town's personal data, and each unmasked view written to the trail
    (one row for the page), as the API and the admin do."""
    rows, unmasked = [], []
    for household in households:
        phone = household.phone
        if phone and can_see_personal(user, household.town_id):
            unmasked.append(household)
        else:
            phone = crypto.mask(phone)
        rows.append(
            {
                "household": household,
                "phone": phone,
                "flags": [HOUSEHOLD_FLAGS[name] for name in household.flags],
            }
        )
    audit.record_personal_views(actor=user, instances=unmasked, fields=("phone",))
    return rows


@login_required
def grid_detail(request, pk: int):
    user = request.user
    grid = get_object_or_404(
        restrict(Grid.objects.select_related("village", "village__town", "parent", "leader"), user), pk=pk
    )
    in_grid = Q(grid_id=grid.pk) | Q(grid__parent_id=grid.pk)
    households = restrict(Household.objects.filter(in_grid).select_related("grid"), user).order_by(
        "grid__code", "number", "id"
    )
    page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    residents = restrict(
        Resident.objects.filter(Q(household__grid_id=grid.pk) | Q(household__grid__parent_id=grid.pk)), user
    ).aggregate(total=Count("id"), migrants=Count("id", filter=Q(residency=Residency.MIGRANT)))
    members = None
    if can(user, VIEW, PartyMember):
        members = restrict(
            PartyMember.objects.filter(
                Q(resident__household__grid_id=grid.pk) | Q(resident__household__grid__parent_id=grid.pk)
            ),
            user,
        ).count()
    children = list(restrict(Grid.objects.filter(parent_id=grid.pk), user).order_by("code"))
    one = restrict(Grid.objects.filter(pk=grid.pk), user)
    values = layers.grid_values(one, user)
    context = {
        "grid": grid,
        "village": grid.village,
        "children": children,
        "page": page,
        "rows": household_rows(list(page.object_list), user),
        "facts": {
            "households": page.paginator.count,
            "residents": residents["total"],
            "migrants": residents["migrants"],
            "party_members": members,
        },
        "workers": _grid_workers([grid.pk]).get(grid.pk, []),
        "values": [(layer, values[layer.name].get(grid.pk, 0)) for layer in layers.all_layers()],
        "village_visible": _visible_villages(user).filter(pk=grid.village_id).exists(),
    }
    return render(request, "grids/grid.html", context)
