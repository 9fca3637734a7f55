"""The party-member points in the navigation and on the home page: a member's points and
rank, the town office's members below the bar, a cadre's next theme party day and their
branch's points of the year."""

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, CLIENT, MEMBER, OFFICE, SUPERVISOR

from . import points
from .menu import SCORING

nav(_("My points"), "scoring:points-me", roles=(MEMBER,), order=60)
nav(
    _("Party points"),
    "scoring:points-ledger",
    roles=(OFFICE, SUPERVISOR, CADRE, CLIENT),
    order=60,
    group=SCORING,
)
nav(_("Theme party days"), "scoring:theme-days", roles=(OFFICE, SUPERVISOR, CADRE), order=61, group=SCORING)
# The rules and the bar are reached from the ledger's page (the navigation is full).


@tiles(roles=(MEMBER,), order=10)
def member_tiles(request, scope, role):
    member = points.member_of_user(request.user)
    if member is None:
        return []
    standing = points.branch_standing(member, points.this_year())
    url = reverse("scoring:points-me")
    return [
        Tile(_("My points this year"), standing.total, url, "primary", member.branch.name, "points-mine"),
        Tile(
            _("My rank in the branch"),
            f"{standing.rank}/{standing.of}",
            url,
            "success" if standing.rank == 1 else "secondary",
            _("among the members of %(branch)s") % {"branch": member.branch.name},
            "points-rank",
        ),
    ]


@tiles(roles=(OFFICE, SUPERVISOR), order=60)
def office_tiles(request, scope, role):
    year = points.this_year()
    below = points.below_bar(request.user, year).count()
    return [
        Tile(
            _("Party members below the points bar"),
            below,
            f"{reverse('scoring:points-bar')}?year={year}",
            "warning" if below else "success",
            _("members whose points this year are below the town's bar, for rectification"),
            "points-below-bar",
        )
    ]


@tiles(roles=(CADRE,), order=60)
def cadre_tiles(request, scope, role):
    today = timezone.localdate()
    year = today.year
    branch_points = (
        points.entries_for_user(request.user).filter(date__year=year).aggregate(s=Sum("points"))["s"] or 0
    )
    nxt = points.next_theme_day(today)
    return [
        Tile(
            _("Next theme party day"),
            date_format(nxt, "n/j"),
            reverse("scoring:theme-days"),
            "primary",
            _("the first Friday of the month: record the meeting and who came"),
            "theme-day-next",
        ),
        Tile(
            _("Party points of the village"),
            branch_points,
            f"{reverse('scoring:points-ledger')}?year={year}",
            "secondary",
            _("all members' points this year"),
            "points-village",
        ),
    ]
