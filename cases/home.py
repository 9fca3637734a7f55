"""The cases app's part of the web front: its navigation entries, its home-page tiles
and its layer of the map (open cases per grid and village)."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import ANYONE, Tile, nav, tiles
from governance.scoping import (
    CADRE,
    CLIENT,
    DEPARTMENT,
    GRID_WORKER,
    MEMBER,
    OFFICE,
    SUPERVISOR,
    restrict,
)
from grids import layers
from grids.models import PartyMember, Town, Village
from grids.selectors import roll_up_to_parents

from . import transitions
from .choices import OPEN_STATES
from .models import Case
from .policies import REPORTERS
from .transitions import moves_q

CASE_READERS = (OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, CLIENT)

nav(_("Cases"), "cases:list", roles=CASE_READERS, order=20)
nav(_("Report a problem"), "cases:new", roles=REPORTERS - {CLIENT}, order=10)
nav(_("Statistics"), "cases:stats", roles=(OFFICE, SUPERVISOR, CADRE), order=40)
nav(_("Follow a case"), "track-search", roles=(ANYONE, MEMBER), order=90)


def list_url(**params) -> str:
    url = reverse("cases:list")
    return f"{url}?{urlencode(params)}" if params else url


def _visible(request):
    return restrict(Case.objects.all(), request.user)


def _inbox_tile(request, hint) -> Tile:
    inbox = moves_q(request.user, inbox=True)
    count = _visible(request).filter(inbox).count() if inbox is not None else 0
    return Tile(_("My inbox"), count, list_url(tab="inbox"), "warning" if count else "success", hint, "inbox")


def _overdue_tile(request) -> Tile:
    count = _visible(request).filter(state__in=OPEN_STATES).overdue().count()
    return Tile(
        _("Overdue"),
        count,
        list_url(tab="overdue"),
        "danger" if count else "success",
        _("past their deadline, still open"),
        "overdue",
    )


def _supervised_tile(request) -> Tile:
    count = _visible(request).supervised().count()
    return Tile(
        _("Supervised (督办)"),
        count,
        list_url(tab="all", supervised="1"),
        "danger" if count else "success",
        _("overdue at town level; the supervisors follow them"),
        "supervised",
    )


@tiles(roles=(OFFICE,), order=10)
def office_tiles(request, scope, role):
    dispatch = _visible(request).filter(state__in=transitions.DISPATCH_STATES).count()
    return [
        Tile(
            _("To dispatch"),
            dispatch,
            list_url(tab="dispatch"),
            "warning" if dispatch else "success",
            _("escalated to the town, waiting for a department"),
            "dispatch",
        ),
        _inbox_tile(request, _("to dispatch, confirm or cross off")),
        _overdue_tile(request),
        _supervised_tile(request),
    ]


@tiles(roles=(SUPERVISOR,), order=10)
def supervisor_tiles(request, scope, role):
    return [
        _supervised_tile(request),
        _overdue_tile(request),
        _inbox_tile(request, _("solved, waiting for your confirmation")),
    ]


@tiles(roles=(CADRE,), order=20)
def cadre_tiles(request, scope, role):
    return [
        _inbox_tile(request, _("waiting for your move, with the working days left")),
        _overdue_tile(request),
        Tile(_("Report a problem"), "+", reverse("cases:new"), "primary", "", "report"),
    ]


@tiles(roles=(DEPARTMENT,), order=10)
def department_tiles(request, scope, role):
    return [_inbox_tile(request, _("to take on (接单) or solve, by their deadlines")), _overdue_tile(request)]


@tiles(roles=(GRID_WORKER,), order=10)
def grid_worker_tiles(request, scope, role):
    mine = _visible(request).filter(reported_by=request.user)
    return [
        Tile(
            _("Report a problem"),
            "+",
            reverse("cases:new"),
            "primary",
            _("a photo and a few words"),
            "report",
        ),
        Tile(
            _("My reports, still open"),
            mine.filter(state__in=OPEN_STATES).count(),
            list_url(tab="all", mine="1"),
            "secondary",
            "",
            "my-reports",
        ),
    ]


def _board_tile(area, url_name: str) -> Tile:
    return Tile(
        _("Public board of %(town)s") % {"town": area.name},
        "",
        reverse(url_name, args=[area.code]),
        "primary",
        _("the problems reported and how they were solved"),
        f"board-{area.code}",
    )


@tiles(roles=(ANYONE, MEMBER), order=90)
def public_tiles(request, scope, role):
    boards = [
        _board_tile(town, "board-town")
        for town in Town.objects.filter(deleted_at__isnull=True).order_by("name")[:12]
    ]
    if role == MEMBER:  # a party member's own village's board first
        villages = Village.objects.filter(
            pk__in=PartyMember.objects.filter(pk__in=scope.ids("party_member")).values("village_id"),
            deleted_at__isnull=True,
        )
        boards[:0] = [_board_tile(village, "board-village") for village in villages]
    return [
        Tile(
            _("Follow your case"),
            "",
            reverse("track-search"),
            "success",
            _("with the tracking number on your receipt"),
            "track",
        ),
        *boards,
    ]


# The map's "open cases" layer (grids.layers): per grid (a first-level grid counts its
# second-level grids' cases too) and per village, one aggregate query each.
def _open_cases(user):
    return restrict(Case.objects.filter(state__in=OPEN_STATES), user).order_by()


def open_cases_by_grid(grids, user) -> dict[int, int]:
    return roll_up_to_parents(
        _open_cases(user)
        .filter(Q(grid__in=grids) | Q(grid__parent__in=grids))
        .values_list("grid_id", "grid__parent_id")
        .annotate(n=Count("id"))
    )


def open_cases_by_village(villages, user) -> dict[int, int]:
    rows = _open_cases(user).filter(village__in=villages).values_list("village_id").annotate(n=Count("id"))
    return dict(rows)


layers.register(
    "open_cases",
    label=_("Open cases"),
    grids=open_cases_by_grid,
    villages=open_cases_by_village,
    order=10,
)
