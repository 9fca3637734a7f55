"""List pages: the case lists of those who work them (inbox, dispatch, overdue, all),
and the public board (公示板)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy

from governance.scoping import restrict
from grids.models import Town, Village

from . import transitions
from .choices import Move
from .models import Case
from .selectors import board_page, holder_name, short
from .transitions import moves_q

TABS = {
    "inbox": gettext_lazy("My inbox"),
    "dispatch": gettext_lazy("To dispatch"),
    "overdue": gettext_lazy("Overdue"),
    "all": gettext_lazy("All cases"),
}


@login_required
def case_list(request):
    inbox = moves_q(request.user, inbox=True)
    # Those who make no moves (grid workers, REST clients) start from what they see.
    tab = request.GET.get("tab") or ("inbox" if inbox is not None else "all")
    if tab not in TABS:
        tab = "inbox"
    cases = restrict(Case.objects.select_related("kind", "village", "claimed_by", "department"), request.user)
    if tab == "inbox":
        # The cases waiting for this user's move: the state machine's table, as a query.
        cases = cases.filter(inbox) if inbox is not None else cases.none()
    elif tab == "dispatch":
        cases = cases.filter(state__in=sorted(transitions.TRANSITIONS[Move.ASSIGN].sources))
    elif tab == "overdue":
        cases = cases.overdue().order_by("deadline", "id")
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"page": page, "tab": tab, "tabs": TABS})


def board(request, scope: str, code: str):
    """The public board (公示板): no login, no personal data, 50 rows a page."""
    model = Town if scope == "town" else Village
    area = get_object_or_404(model, code=code, deleted_at__isnull=True)
    page = board_page(scope=scope, area_id=area.pk, number=request.GET.get("page"))
    rows = [
        {"case": c, "description": short(c.description), "held_by": holder_name(c)} for c in page.object_list
    ]
    return render(request, "cases/board.html", {"area": area, "rows": rows, "page": page})


def board_print(request, scope: str, code: str):  # PLACEHOLDER: helper A writes the A4 notice
    raise Http404
