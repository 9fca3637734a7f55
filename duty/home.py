"""The duty app's part of the web front: the rosters in the navigation, the town office's
"next month's rosters not published" and the cadre's "on duty today" on the home page."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, GRID_WORKER, OFFICE, SUPERVISOR

from . import selectors
from .models import add_months

nav(_("Duty rosters"), "duty:overview", roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER), order=30)


def _next_month_url() -> str:
    return f"{reverse('duty:overview')}?month={add_months(selectors.this_month(), 1):%Y-%m}"


@tiles(roles=(OFFICE, SUPERVISOR), order=30)
def office_tiles(request, scope, role):
    missing = selectors.unpublished_next_month(request.user)
    return [
        Tile(
            _("Next month's rosters not published"),
            missing,
            _next_month_url(),
            "warning" if missing else "success",
            _("villages without a published duty roster for next month"),
            "rosters-unpublished",
        )
    ]


@tiles(roles=(CADRE,), order=10)
def cadre_tiles(request, scope, role):
    today = timezone.localdate()
    next_day = selectors.next_duty_day(request.user, today)
    if next_day == today:
        return [
            Tile(
                _("On duty today"),
                date_format(today, "n月j日"),
                reverse("duty:overview"),
                "primary",
                _("8 hours in the village office, the nine duties"),
                "on-duty",
            )
        ]
    return [
        Tile(
            _("Not on duty today"),
            date_format(next_day, "n月j日") if next_day else "—",
            reverse("duty:overview"),
            "secondary",
            _("next duty day: %(date)s") % {"date": date_format(next_day, "Y-m-d l")}
            if next_day
            else _("no duty day on a published roster yet"),
            "on-duty",
        )
    ]
