"""Who answers for every household on the web front: the map, the informants and the
compound teams in the ``ORGANISATION`` menu; "households I answer for" for everyone a link
may name; the town office's tile of households nobody answers for yet."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.choices import Role
from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, GRID_WORKER, MEMBER, OFFICE, SUPERVISOR

from .home import ORGANISATION

OFFICER = Role.OFFICER

nav(
    _("Responsibility map"),
    "organisation:map",
    roles=(OFFICE, SUPERVISOR, CADRE, OFFICER),
    order=71,
    group=ORGANISATION,
)
nav(
    _("Households I answer for"),
    "organisation:map-mine",
    roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER, MEMBER, OFFICER),
    order=72,
    group=ORGANISATION,
)
nav(
    _("Informants"),
    "organisation:informants",
    roles=(OFFICE, SUPERVISOR, CADRE, OFFICER),
    order=73,
    group=ORGANISATION,
)
nav(
    _("Compound teams"),
    "organisation:posts",
    roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER),
    order=74,
    group=ORGANISATION,
)


@tiles(roles=(OFFICE,), order=71)
def map_tiles(request, scope, role):
    from .map_views import gaps_count

    households, covered = gaps_count(request.user)
    missing = households - covered
    return [
        Tile(
            _("Households nobody answers for"),
            missing,
            reverse("organisation:map"),
            "warning" if missing else "success",
            _("households without a party member or grid worker on the responsibility map"),
            "map-gaps",
        )
    ]


@tiles(roles=(GRID_WORKER, MEMBER), order=71)
def mine_tiles(request, scope, role):
    from . import responsibility as service

    count = service.my_links(request.user).count()
    if not count:
        return []
    return [
        Tile(
            _("Households I answer for"),
            count,
            reverse("organisation:map-mine"),
            "primary",
            _("links of the responsibility map naming you"),
            "map-mine",
        )
    ]
