"""The town office's month grid page (villages × days); see :mod:`duty.month`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import month as town_month_selector
from . import selectors
from .models import add_months


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
            "towns": towns,
            "town": town,
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "totals": grid.totals,
        },
    )
