"""The quarterly bulletins on the web front: no entry in the crowded navigation bar, a
tile on the home page instead — the latest bulletin the user reads (the town office and
supervisors: any; a village's cadres: their town's latest published one)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, tiles
from governance.scoping import CADRE, OFFICE, SUPERVISOR, VIEW, restrict

from .models import Bulletin


@tiles(roles=(OFFICE, SUPERVISOR, CADRE), order=41)
def bulletin_tiles(request, scope, role):
    latest = (
        restrict(Bulletin.objects.all(), request.user, VIEW)
        .defer("content")
        .order_by("-year", "-quarter", "-version")
        .first()
    )
    if latest is None:
        return [
            Tile(
                _("Quarterly bulletin"),
                "—",
                reverse("scoring:bulletins"),
                "secondary",
                _("none yet"),
                "bulletin",
            )
        ]
    hint = _("published") if latest.published_at else _("not published")
    return [
        Tile(
            _("Quarterly bulletin"),
            f"{latest.year} Q{latest.quarter}",
            reverse("scoring:bulletins") if role == OFFICE else reverse("scoring:bulletin", args=[latest.pk]),
            "primary" if latest.published_at else "warning",
            hint,
            "bulletin",
        )
    ]
