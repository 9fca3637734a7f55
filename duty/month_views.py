"""The town office's month grid page (villages × days); see :mod:`duty.month`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from . import month as town_month_selector
from . import selectors
from .models import add_months

MARKS = {
    town_month_selector.SIGNED: "✓",
    town_month_selector.DRAFT: "…",
    town_month_selector.MISSING: "✗",
    town_month_selector.WAITING: "○",
    town_month_selector.COMING: "·",
    town_month_selector.OFF: "",
}


def _prefix(name: str) -> str:
    return reverse(name, args=[0])[: -len("0/")]


def rows_html(grid: town_month_selector.TownMonth) -> list[SafeString]:
    """Each village's row as HTML, written here rather than by the template: a county
    town's month is 72 villages × 31 days, and a template loop over 2,200 cells takes
    longer than every query of the page together. Names are escaped (once each); the
    rest is the page's own words and numbers."""
    log, inspection = _prefix("duty:log"), _prefix("duty:inspection")
    roster, flags = reverse("duty:open", args=[0])[: -len("0/")], reverse("duty:flags")
    month = f"?month={grid.month:%Y-%m}"
    titles: dict[str, str] = {"": ""}
    out = []
    for row in grid.rows:
        village = row.village
        parts = [
            f'<tr data-village="{escape(village.code)}"><th scope="row" class="village">'
            f'<a href="{roster}{village.pk}/{month}">{escape(village.name)}</a></th>'
        ]
        for c in row.cells:
            inner = MARKS[c.status]
            if c.log_id:
                inner = f'<a href="{log}{c.log_id}/">{inner or "…"}</a>'
            for pk, present in c.inspections:
                tone, word = ("primary", "查") if present else ("danger", "脱")
                inner += f'<a class="badge text-bg-{tone}" href="{inspection}{pk}/">{word}</a>'
            if c.flags:
                inner += f'<a class="badge text-bg-warning" href="{flags}">!</a>'
            title = titles.get(c.cadre)
            if title is None:
                title = titles[c.cadre] = f' title="{escape(c.cadre)}"'
            parts.append(f'<td class="{c.status}{"" if c.workday else " off"}"{title}>{inner}</td>')
        alert = ' class="text-danger fw-bold"'
        parts.append(
            f"<td>{row.duty_days}</td><td>{row.signed}</td>"
            f"<td{alert if row.missing else ''}>{row.missing}</td><td>{row.inspections}</td>"
            f"<td{alert if row.absences else ''}>{row.absences}</td><td>{row.flags}</td></tr>"
        )
        out.append(mark_safe("".join(parts)))
    return out


@login_required
@require_GET
def month(request):
    """Villages × days of a month for one of the user's towns: roster, log state,
    inspections and open flags at a glance."""
    towns = town_month_selector.towns_for(request.user)
    if not towns:
        raise PermissionDenied
    wanted = request.GET.get("town")
    town = next((t for t in towns if str(t.pk) == wanted), None if wanted else towns[0])
    if town is None:  # a town that is not the user's does not exist for them
        raise Http404
    month = selectors.parse_month(request.GET.get("month"), selectors.this_month())
    grid = town_month_selector.town_month(request.user, town, month)
    return render(
        request,
        "duty/month.html",
        {
            "grid": grid,
            "rows": rows_html(grid),
            "towns": towns,
            "town": town,
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "totals": grid.totals,
        },
    )
