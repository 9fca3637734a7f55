"""阳光三务 in the navigation (the AFFAIRS drop-down) and on the home page: the cadre's
disclosures of the last ended period still to publish, the town's villages late."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, CLIENT, OFFICE, SUPERVISOR

from . import disclosures as ds
from .home import AFFAIRS

nav(
    _("Affairs disclosures"),
    "affairs:disclosures",
    roles=(OFFICE, SUPERVISOR, CADRE, CLIENT),
    order=60,
    group=AFFAIRS,
)


@tiles(roles=(CADRE,), order=40)
def cadre_tiles(request, scope, role):
    due = ds.to_publish(request.user)
    late = sum(1 for cell in due if cell.status == ds.Status.LATE)
    return [
        Tile(
            _("Disclosures to publish"),
            len(due),
            reverse("affairs:disclosures"),
            "danger" if late else ("warning" if due else "success"),
            _("party, village and finance affairs of the last period, not yet published"),
            "disclosures-due",
        )
    ]


@tiles(roles=(OFFICE, SUPERVISOR), order=40)
def office_tiles(request, scope, role):
    late = ds.late_villages(request.user)
    return [
        Tile(
            _("Villages late with 阳光三务"),
            late,
            reverse("affairs:disclosures"),
            "danger" if late else "success",
            _("villages that have not published an affairs disclosure by its due day"),
            "disclosures-late",
        )
    ]
