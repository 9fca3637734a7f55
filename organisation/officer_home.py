"""Officers sent in from outside on the web front: the list in the ``ORGANISATION`` menu
for the town office and supervisors, and for an officer's account (which reads its
villages as a supervisor does, and holds the officer role too) their own page, in the menu
and as a tile."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.choices import Role
from governance.frontend import Tile, nav, tiles
from governance.scoping import OFFICE, SUPERVISOR

from .home import ORGANISATION

nav(_("Officers sent in"), "organisation:officers", roles=(OFFICE, SUPERVISOR), order=72, group=ORGANISATION)
nav(
    _("My work as an officer"),
    "organisation:officer-mine",
    roles=(Role.OFFICER,),
    order=71,
    group=ORGANISATION,
)


@tiles(roles=(Role.OFFICER,), order=72)
def my_work_tiles(request, scope, role):
    from .officers import officer_of

    officer = officer_of(request.user)
    if officer is None:
        return []
    from django.utils import timezone

    from .choices import NightVisitState
    from .models import NightVisit

    today = timezone.localdate()
    waiting = NightVisit.objects.filter(
        officer=officer, deleted_at__isnull=True, state=NightVisitState.SCHEDULED, date__lte=today
    ).count()
    return [
        Tile(
            _("My work as an officer"),
            waiting,
            reverse("organisation:officer-mine"),
            "warning" if waiting else "success",
            _("night visits to record"),
            "officer-mine",
        )
    ]


@tiles(roles=(OFFICE,), order=72)
def office_tiles(request, scope, role):
    from .officer_views import office_figures

    figures = office_figures(request.user)
    return [
        Tile(
            _("Night visits held this year"),
            figures["held"] or 0,
            reverse("organisation:officers"),
            "primary",
            _("%(n)d people received") % {"n": figures["received"] or 0},
            "night-visits",
        )
    ]
