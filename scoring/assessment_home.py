"""The year-end assessment and the red and black list on the web front: both pages in
the scoring menu; on the home page, the town office's graded assessments of the latest
year, a cadre's own assessment, the entries waiting for the user's decision, and the
published entries of a grid worker's grid (the propose button is on the list's page)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, GRID_WORKER, OFFICE, SUPERVISOR

from . import assessment, redlist
from .choices import ListState
from .menu import SCORING

nav(_("Year-end assessment"), "scoring:assessments", roles=(OFFICE, SUPERVISOR), order=62, group=SCORING)
nav(
    _("Red and black list"),
    "scoring:redlist",
    roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER),
    order=63,
    group=SCORING,
)


@tiles(roles=(OFFICE, SUPERVISOR), order=62)
def office_tiles(request, scope, role):
    readable = assessment.assessments_for_user(request.user)
    year = readable.order_by("-year").values_list("year", flat=True).first()
    out = []
    if year is not None:
        of_year = readable.filter(year=year)
        graded, total = of_year.filter(assessed_at__isnull=False).count(), of_year.count()
        out.append(
            Tile(
                _("Cadres assessed, %(year)s") % {"year": year},
                f"{graded}/{total}",
                f"{reverse('scoring:assessments')}?year={year}",
                "success" if graded == total else "warning",
                _("village cadres graded by the town office"),
                "assessments",
            )
        )
    if role == OFFICE:
        waiting = redlist.decidable_by(request.user).count()
        out.append(_waiting_tile(waiting))
    return out


def _waiting_tile(waiting: int) -> Tile:
    return Tile(
        _("Red and black list to approve"),
        waiting,
        f"{reverse('scoring:redlist')}?tab=proposed",
        "warning" if waiting else "secondary",
        _("entries proposed for the grids' public pages"),
        "redlist-waiting",
    )


@tiles(roles=(CADRE,), order=62)
def cadre_tiles(request, scope, role):
    out = [_waiting_tile(redlist.decidable_by(request.user).count())]
    own = (
        assessment.assessments_for_user(request.user)
        .filter(cadre_id=request.user.pk)
        .order_by("-year")
        .first()
    )
    if own is not None:
        out.append(
            Tile(
                _("My year-end assessment, %(year)s") % {"year": own.year},
                own.get_grade_display() if own.grade else _("not graded"),
                reverse("scoring:assessment", args=[own.pk]),
                "success" if own.grade else "secondary",
                _("the figures from the records and the town's grade"),
                "assessment-mine",
            )
        )
    return out


@tiles(roles=(GRID_WORKER,), order=62)
def grid_worker_tiles(request, scope, role):
    today = timezone.localdate()
    live = (
        redlist.entries_for_user(request.user)
        .filter(state=ListState.PUBLISHED, starts_on__lte=today, ends_on__gte=today)
        .count()
    )
    return [
        Tile(
            _("Red and black list of my grid"),
            live,
            reverse("scoring:redlist"),
            "primary",
            _("published entries; propose a household from the list"),
            "redlist-grid",
        )
    ]
