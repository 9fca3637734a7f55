"""Reads of the hierarchy. Every one starts from a queryset restricted to the user."""

from governance.scoping import restrict

from . import geo
from .models import Grid, Village


def grid_at_point(*, lat: float, lng: float, user=None, queryset=None) -> Grid | None:
    """The grid whose boundary holds the point: the most specific (second-level) one.

    The bounding-box columns narrow the candidates in the database; the exact polygon
    test runs on those few. Without a user (Open311 intake, system jobs) all grids count.
    """
    queryset = queryset if queryset is not None else Grid.objects.filter(deleted_at__isnull=True)
    if user is not None:
        queryset = restrict(queryset, user)
    candidates = queryset.filter(
        min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng
    ).order_by("-level", "id")
    for grid in candidates.only("id", "boundary", "level", "village_id", "name", "code"):
        if grid.boundary and geo.contains(grid.boundary, lng, lat):
            return grid
    return None


def village_at_point(*, lat: float, lng: float) -> Village | None:
    candidates = Village.objects.filter(
        deleted_at__isnull=True, min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng
    )
    for village in candidates:
        if village.boundary and geo.contains(village.boundary, lng, lat):
            return village
    return None


def roll_up_to_parents(rows) -> dict[int, int]:
    """Counts per grid from ``(grid_id, parent_id, n)`` rows (a grouped query), each
    second-level grid's count added to its first-level grid's too: what a first-level
    grid holds includes its sub-grids."""
    counts: dict[int, int] = {}
    for grid_id, parent_id, n in rows:
        for key in (grid_id, parent_id):
            if key is not None:
                counts[key] = counts.get(key, 0) + n
    return counts
