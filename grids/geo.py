"""Plain GeoJSON polygons: validation, bounding box, centroid and point-in-polygon.

Boundaries are small (a village or grid has tens of vertices) and a point lookup first
narrows candidates by bounding box in the database, so an exact ray-casting test in Python
on a handful of polygons is enough and keeps SQLite and PostgreSQL alike (no PostGIS).
Coordinates are [longitude, latitude] as GeoJSON requires.
"""

from django.utils.translation import gettext as _


class GeoError(ValueError):
    pass


def _rings(geometry: dict) -> list[list[list[list[float]]]]:
    """Return polygons as lists of rings, for Polygon and MultiPolygon."""
    if not isinstance(geometry, dict):
        raise GeoError(_("A boundary must be a GeoJSON object."))
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords
    else:
        raise GeoError(_("A boundary must be a GeoJSON Polygon or MultiPolygon."))
    if not isinstance(polygons, list) or not polygons:
        raise GeoError(_("The boundary has no coordinates."))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeoError(_("Each polygon needs at least one ring."))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise GeoError(_("Each ring needs at least four positions."))
            for pos in ring:
                if (
                    not isinstance(pos, list | tuple)
                    or len(pos) < 2
                    or not all(isinstance(c, int | float) for c in pos[:2])
                    or not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90)
                ):
                    raise GeoError(_("Each position is [longitude, latitude] within range."))
            if list(ring[0][:2]) != list(ring[-1][:2]):
                raise GeoError(_("Each ring must end where it starts."))
    return polygons


def bounding_box(geometry: dict) -> tuple[float, float, float, float]:
    points = [pos for polygon in _rings(geometry) for pos in polygon[0]]
    lngs = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lngs), min(lats), max(lngs), max(lats)


def centroid(geometry: dict) -> tuple[float, float]:
    """Centre of the outer ring's vertices: good enough for a map marker."""
    points = [pos for polygon in _rings(geometry) for pos in polygon[0][:-1]]
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _in_ring(lng: float, lat: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict, lng: float, lat: float) -> bool:
    for polygon in _rings(geometry):
        outer, holes = polygon[0], polygon[1:]
        if _in_ring(lng, lat, outer) and not any(_in_ring(lng, lat, hole) for hole in holes):
            return True
    return False


def rectangle(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [min_lng, min_lat],
                [max_lng, min_lat],
                [max_lng, max_lat],
                [min_lng, max_lat],
                [min_lng, min_lat],
            ]
        ],
    }
