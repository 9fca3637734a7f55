"""The secretaries' files, commitments and yearly reviews on the web front: three entries
of the ``ORGANISATION`` menu, and the town office's tile of files whose mentor talk is
overdue (more than a half month since the last)."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, OFFICE, SUPERVISOR

from .home import ORGANISATION

nav(
    _("Secretaries' files"),
    "organisation:files",
    roles=(OFFICE, SUPERVISOR, CADRE),
    order=81,
    group=ORGANISATION,
)
nav(
    _("Commitments"),
    "organisation:commitments",
    roles=(OFFICE, SUPERVISOR, CADRE),
    order=82,
    group=ORGANISATION,
)
nav(
    _("Yearly reviews"),
    "organisation:reviews",
    roles=(OFFICE, SUPERVISOR, CADRE),
    order=83,
    group=ORGANISATION,
)


@tiles(roles=(OFFICE,), order=81)
def file_tiles(request, scope, role):
    from django.db.models import Q

    from . import secretaries as service

    limit = service.today() - datetime.timedelta(days=service.TALK_EVERY)
    late = (
        service.files_for_user(request.user)
        .filter(Q(last_talk__isnull=True) | Q(last_talk__lt=limit))
        .count()
    )
    return [
        Tile(
            _("Secretaries' mentor talks overdue"),
            late,
            reverse("organisation:files"),
            "warning" if late else "success",
            _("files with no talk with the mentor in the last half month"),
            "files-talks",
        )
    ]
