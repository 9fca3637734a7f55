"""The duty app's part of the web front: the rosters in the navigation, the town office's
"next month's rosters not published" and the cadre's "on duty today" on the home page."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, GRID_WORKER, OFFICE, SUPERVISOR

from . import selectors, visit_home  # noqa: F401 - visit_home: the visits' navigation, tiles and map layer
from .models import add_months

nav(_("Today's duty"), "duty:today", roles=(CADRE,), order=29)
# The duty pages share one drop-down menu (the cadre's own day stays on the bar).
DUTY = _("Duty")
nav(_("Duty today"), "duty:board", roles=(OFFICE, SUPERVISOR), order=29, group=DUTY)
# A cadre sees every village of the town's progress today (形成比拼追赶态势).
nav(_("The town's duty today"), "duty:board", roles=(CADRE,), order=29, group=DUTY)
nav(_("Duty rosters"), "duty:overview", roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER), order=30, group=DUTY)
nav(_("Duty month"), "duty:month", roles=(OFFICE, SUPERVISOR), order=31, group=DUTY)
nav(_("Duty flags"), "duty:flags", roles=(OFFICE, SUPERVISOR), order=32, group=DUTY)


def _next_month_url() -> str:
    return f"{reverse('duty:overview')}?month={add_months(selectors.this_month(), 1):%Y-%m}"


@tiles(roles=(OFFICE, SUPERVISOR), order=30)
def office_tiles(request, scope, role):
    missing = selectors.unpublished_next_month(request.user)
    no_log = selectors.villages_without_log_today(request.user)
    flags = selectors.open_flags(request.user).count()
    return [
        Tile(
            _("Villages without a duty log today"),
            no_log,
            reverse("duty:board"),
            "warning" if no_log else "success",
            _("villages with someone on duty today and no duty log begun"),
            "duty-logs-missing",
        ),
        Tile(
            _("Duty flags open"),
            flags,
            reverse("duty:flags"),
            "danger" if flags else "success",
            _("duty days without a signed log, to look at"),
            "duty-flags-open",
        ),
        Tile(
            _("Next month's rosters not published"),
            missing,
            _next_month_url(),
            "warning" if missing else "success",
            _("villages without a published duty roster for next month"),
            "rosters-unpublished",
        ),
    ]


@tiles(roles=(CADRE,), order=10)
def cadre_tiles(request, scope, role):
    today = timezone.localdate()
    next_day = selectors.next_duty_day(request.user, today)
    log = selectors.my_log_today(request.user, today)
    log_tiles = (
        [
            Tile(
                _("Today's duty log"),
                f"{selectors.progress(log)}/9" if log else "0/9",
                reverse("duty:today"),
                "success" if log and log.is_signed else "warning",
                _("the nine duties done, signed")
                if log and log.is_signed
                else _("the nine duties done so far"),
                "duty-log-today",
            )
        ]
        if log is not None or next_day == today
        else []
    )
    if next_day == today:
        return log_tiles + [
            Tile(
                _("On duty today"),
                date_format(today, "n月j日"),
                reverse("duty:overview"),
                "primary",
                _("8 hours in the village office, the nine duties"),
                "on-duty",
            )
        ]
    return log_tiles + [
        Tile(
            _("Not on duty today"),
            date_format(next_day, "n/j") if next_day else "—",
            reverse("duty:overview"),
            "secondary",
            _("next duty day: %(date)s") % {"date": date_format(next_day, "Y-m-d l")}
            if next_day
            else _("no duty day on a published roster yet"),
            "on-duty",
        )
    ]


# ---------------------------------------------------------------------------------------
# Unannounced inspections (一周一暗访): drafts and 脱岗 for the town's inspectors, the
# published results of this month for the inspected village's cadres
# ---------------------------------------------------------------------------------------

nav(_("Inspections"), "duty:inspections", roles=(OFFICE, SUPERVISOR, CADRE), order=33, group=DUTY)


def _inspections_this_month(user):
    from django.db.models import Avg, Count, Q

    from .choices import InspectionState
    from .inspections import inspections_for_user

    return inspections_for_user(user).aggregate(
        drafts=Count("id", filter=Q(state=InspectionState.DRAFT)),
        month=Count("id", filter=Q(at__date__gte=selectors.this_month())),
        absent=Count("id", filter=Q(at__date__gte=selectors.this_month(), present=False)),
        average=Avg("score", filter=Q(at__date__gte=selectors.this_month())),
    )


@tiles(roles=(OFFICE, SUPERVISOR), order=31)
def inspection_tiles(request, scope, role):
    from .inspection_views import month_url

    figures = _inspections_this_month(request.user)
    return [
        Tile(
            _("Inspections not yet published"),
            figures["drafts"],
            f"{reverse('duty:inspections')}?state=draft",
            "warning" if figures["drafts"] else "success",
            _("draft inspections the villages do not see yet"),
            "inspections-draft",
        ),
        Tile(
            _("Absent from the post this month"),
            figures["absent"],
            month_url(selectors.this_month(), absent=1),
            "danger" if figures["absent"] else "success",
            _("inspections this month that found the cadre on duty away from the post"),
            "inspections-absent",
        ),
    ]


@tiles(roles=(CADRE,), order=11)
def village_inspection_tiles(request, scope, role):
    from .inspection_views import month_url

    figures = _inspections_this_month(request.user)  # a cadre reads the published ones only
    hint = (
        _("%(absent)d absent from the post, average score %(average)s")
        % {"absent": figures["absent"], "average": f"{figures['average']:.0f}"}
        if figures["month"]
        else _("no published inspection of your village this month")
    )
    return [
        Tile(
            _("Inspection results this month"),
            figures["month"],
            month_url(selectors.this_month()),
            "danger" if figures["absent"] else ("primary" if figures["month"] else "secondary"),
            hint,
            "inspections-published",
        )
    ]
