"""The grids app's part of the web front: the map in the navigation, and the home tiles
that lead a grid worker to their grid and a village cadre to their village."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, GRID_WORKER, OFFICE, SUPERVISOR, restrict

from .models import Grid, Household, Village
from .selectors import roll_up_to_parents

nav(_("Map"), "grids:map", roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER), order=30)


@tiles(roles=(GRID_WORKER,), order=20)
def grid_worker_tiles(request, scope, role):
    """Each grid the user works, with its households (its second-level grids' included)."""
    reached = sorted(scope.ids("grid", [GRID_WORKER]))
    grids = list(
        restrict(Grid.objects.filter(pk__in=reached), request.user)
        .exclude(parent_id__in=reached)
        .order_by("code")
    )
    counts = roll_up_to_parents(
        restrict(Household.objects.filter(grid_id__in=reached), request.user)
        .order_by()
        .values_list("grid_id", "grid__parent_id")
        .annotate(n=Count("id"))
    )
    return [
        Tile(
            _("Households of my grid"),
            counts.get(grid.pk, 0),
            reverse("grids:grid", args=[grid.pk]),
            "primary",
            grid.name,
            f"grid-households-{grid.code}",
        )
        for grid in grids
    ]


@tiles(roles=(CADRE,), order=30)
def cadre_tiles(request, scope, role):
    villages = list(
        restrict(Village.objects.filter(pk__in=sorted(scope.ids("village", [CADRE]))), request.user)
        .annotate(grid_count=Count("grids", filter=Q(grids__deleted_at__isnull=True)))
        .order_by("code")
    )
    households = dict(
        restrict(Household.objects.all(), request.user)
        .filter(village__in=[v.pk for v in villages])
        .order_by()
        .values_list("village_id")
        .annotate(n=Count("id"))
    )
    out = []
    for village in villages:
        url = reverse("grids:village", args=[village.code])
        out += [
            Tile(
                _("Households of my village"),
                households.get(village.pk, 0),
                url,
                "primary",
                village.name,
                f"village-households-{village.code}",
            ),
            Tile(
                _("Grids of my village"),
                village.grid_count,
                url,
                "secondary",
                _("with their grid workers and open cases"),
                f"village-grids-{village.code}",
            ),
        ]
    return out
