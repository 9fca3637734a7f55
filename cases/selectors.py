"""Reads of cases for the public: the board (公示板) and tracking by number.

These are the only case reads that need no user; they carry no personal data of
reporters or residents (no reporter, contact, household or coordinates) and cut the
description short.
"""

import datetime
import re

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils import timezone

from governance import crypto

from . import transitions
from .choices import OPEN_STATES, CaseState, Level, Move
from .models import Case, CasePeriod, Rating

BOARD_CLOSED_DAYS = 30

# The colour of a state's badge on every page (Bootstrap's): waiting grey, worked in the
# village blue, at the town amber, solved green, closed dark.
STATE_TONES = {
    CaseState.REGISTERED: "secondary",
    CaseState.CLAIMED: "primary",
    CaseState.ESCALATED: "warning",
    CaseState.ASSIGNED: "warning",
    CaseState.ACCEPTED: "warning",
    CaseState.SOLVED: "success",
    CaseState.CONFIRMED: "success",
    CaseState.CLOSED: "dark",
    CaseState.REJECTED: "secondary",
}
BOARD_PAGE_SIZE = 50
SHORT_DESCRIPTION = 60


# What the public sees of a case (the board, Open311 without a key): no reporter, contact,
# household, address, coordinates, photos or solution; the description is cut short.
PUBLIC_COLUMNS = (
    "id",
    "tracking_number",
    "created_at",
    "state",
    "level",
    "deadline",
    "closed_at",
    "description",
    "kind__name",
    "kind__code",
    "town__name",
    "village__name",
    "village__code",
    "claimed_by__first_name",
    "claimed_by__last_name",
    "claimed_by__username",
    "department__name",
)


def public_cases():
    """Every case, with only the columns the public sees loaded."""
    return (
        Case.objects.filter(deleted_at__isnull=True)
        .select_related("kind", "town", "village", "claimed_by", "department")
        .only(*PUBLIC_COLUMNS)
    )


def board_cases(*, town_id: int | None = None, village_id: int | None = None):
    """Open cases, and those closed in the last month, of one town or village (or of
    all, for Open311's public list), newest first."""
    since = timezone.now() - datetime.timedelta(days=BOARD_CLOSED_DAYS)
    queryset = public_cases().filter(
        Q(state__in=OPEN_STATES)
        | Q(state__in=(CaseState.SOLVED, CaseState.CONFIRMED))
        | Q(state=CaseState.CLOSED, closed_at__gte=since)
    )
    if village_id is not None:
        queryset = queryset.filter(village_id=village_id)
    if town_id is not None:
        queryset = queryset.filter(town_id=town_id)
    return queryset.order_by("-created_at", "-id")


def board_page(*, scope: str, area_id: int, number) -> Page:
    """One page of a town's (``scope`` "town") or village's board, newest first: its rows
    and the total, in two queries (the count and the page). A page number out of range
    or not a number gives the last or the first page."""
    filters = {"town_id": area_id} if scope == "town" else {"village_id": area_id}
    return Paginator(board_cases(**filters), BOARD_PAGE_SIZE).get_page(number)


# Reporters type phone and ID numbers into descriptions; the board masks them.
_PERSONAL_NUMBER = re.compile(r"(?<![0-9])(1[3-9][0-9]{9}|[0-9]{17}[0-9Xx]|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])")


def short(text: str) -> str:
    """A description fit for the public board: one line, cut short, numbers masked."""
    text = _PERSONAL_NUMBER.sub(lambda m: crypto.mask(m.group(0)), " ".join(text.split()))
    return text if len(text) <= SHORT_DESCRIPTION else text[: SHORT_DESCRIPTION - 1] + "…"


def holder_name(case: Case) -> str:
    """Who has the case now, as every page, the board and Open311 show it: its
    department, the town (escalated, not yet dispatched), the cadre who claimed it, or
    its village (the select_related of the callers loads these)."""
    if case.department_id:
        return case.department.name
    if case.level == Level.TOWN:
        return case.town.name
    return str(case.claimed_by) if case.claimed_by_id else case.village.name


def public_events(case: Case):
    """The timeline the reporter and the public see: the moves, without the sweep's
    bookkeeping (reminders, supervision flags)."""
    return case.events.exclude(move__in=(Move.REMIND, Move.SUPERVISE)).order_by("at", "id")


def case_by_tracking_number(number: str) -> Case | None:
    number = (number or "").strip().upper()
    return (
        Case.objects.filter(tracking_number=number, deleted_at__isnull=True)
        .select_related("kind", "town", "village", "claimed_by", "department")
        .first()
    )


def solved_period(case: Case) -> CasePeriod | None:
    """The level period the case's current solution ended: what a rating rates."""
    return (
        CasePeriod.objects.filter(
            case=case, outcome__in=(Move.SOLVE, Move.SOLVE_ON_SPOT), ended_at__isnull=False
        )
        .order_by("-ended_at", "-id")
        .first()
    )


def awaits_rating(case: Case) -> bool:
    """Whether the reporter may rate the case now: it is solved (or confirmed, closed)
    and its current solution has no rating yet."""
    if not transitions.can_be_rated(case):
        return False
    period = solved_period(case)
    return period is not None and not Rating.objects.filter(case=case, period=period).exists()
