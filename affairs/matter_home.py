"""Major decisions by 四议一审两公开 on the web front: the list in the ``AFFAIRS``
menu for every reader, and the town office's review queue (一审) as a tile."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, MEMBER, OFFICE, SUPERVISOR

from .home import AFFAIRS

nav(_("Major matters"), "affairs:matters", roles=(OFFICE, SUPERVISOR, CADRE, MEMBER), order=61, group=AFFAIRS)


@tiles(roles=(OFFICE,), order=60)
def matter_review_tiles(request, scope, role):
    from .matter_views import review_count

    waiting = review_count(request.user)
    return [
        Tile(
            _("Major matters to review (一审)"),
            waiting,
            reverse("affairs:matter-reviews"),
            "warning" if waiting else "success",
            _("village matters deliberated, waiting for the town's review"),
            "matters-review",
        )
    ]
