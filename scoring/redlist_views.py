"""Pages of the red and black list (红黑榜): the list of entries by state (the village's
and the town office's approval list, the published list per village and grid), the
propose form of a grid worker or cadre (a phone first), an entry's page with its
decisions, and the public page of a grid or village without log-in, printable for the
board (公开栏)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from governance.api.throttles import public_door
from governance.params import id_param
from governance.scoping import VIEW, can, restrict
from grids.models import Grid, Village

from . import redlist as service
from .choices import ListKind, ListState
from .models import ListEntry

LIST_LIMIT = 300
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DEFAULT_DAYS = 90
TABS = [
    ("proposed", gettext_lazy("Waiting for approval")),
    ("approved", gettext_lazy("Approved, to publish")),
    ("published", gettext_lazy("Published")),
    ("expired", gettext_lazy("Expired")),
    ("rejected", gettext_lazy("Rejected")),
]


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _tab(queryset, tab: str, today: datetime.date):
    if tab == "published":
        return queryset.filter(state=ListState.PUBLISHED, ends_on__gte=today)
    if tab == "expired":
        return queryset.filter(state=ListState.PUBLISHED, ends_on__lt=today)
    if tab in (ListState.PROPOSED, ListState.APPROVED, ListState.REJECTED):
        return queryset.filter(state=tab)
    return queryset


@login_required
@require_GET
def redlist(request):
    """The entries the user reads, by state, village and grid: a cadre's or the town
    office's approval list (what waits for them first), the published list."""
    if not can(request.user, VIEW, ListEntry):
        raise PermissionDenied
    today = timezone.localdate()
    readable = service.entries_for_user(request.user)
    tab = request.GET.get("tab") or (
        "proposed" if service.decidable_by(request.user).exists() else "published"
    )
    if tab not in dict(TABS):
        tab = "published"
    village, grid = id_param(request.GET.get("village")), id_param(request.GET.get("grid"))
    queryset = _tab(readable, tab, today)
    if village:
        queryset = queryset.filter(village_id=village)
    if grid:
        queryset = queryset.filter(grid_id=grid)
    rows = list(queryset.order_by("-starts_on", "-id")[:LIST_LIMIT])
    villages = restrict(Village.objects.filter(deleted_at__isnull=True), request.user).order_by("code")
    grids = restrict(Grid.objects.filter(deleted_at__isnull=True), request.user).order_by("code")
    if village:
        grids = grids.filter(village_id=village)
    public_grid = next((g for g in grids if g.pk == grid), None) if grid else None
    public_village = next((v for v in villages if v.pk == village), None) if village else None
    return render(
        request,
        "scoring/redlist_list.html",
        {
            "rows": [
                (
                    e,
                    service.display_name(e.household),
                    e.state == ListState.PROPOSED and service.may_decide(request.user, e),
                    e.state == ListState.APPROVED and service.may_publish(request.user, e),
                )
                for e in rows
            ],
            "tab": tab,
            "tabs": TABS,
            "counts": {t: _tab(readable, t, today).count() for t, _label in TABS},
            "village": village,
            "grid": grid,
            "villages": list(villages[:500]),
            "grids": list(grids[:500]),
            "public_grid": public_grid,
            "public_village": public_village,
            "can_propose": service.households_proposable_by(request.user).exists(),
            "today": today,
        },
    )


class ProposeForm(forms.Form):
    household = forms.ModelChoiceField(label=gettext_lazy("household"), queryset=None)
    kind = forms.ChoiceField(label=gettext_lazy("list"), choices=ListKind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=service.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the household did, as it will be shown (no names or phone numbers)."),
    )
    rule = forms.CharField(
        label=gettext_lazy("village rule (村规民约)"),
        max_length=service.RULE_MAX,
        required=False,
        help_text=gettext_lazy("The clause of the village rules it keeps or breaks, e.g. 第五条 环境卫生"),
    )
    starts_on = forms.DateField(label=gettext_lazy("shown from"), widget=DATE)
    ends_on = forms.DateField(label=gettext_lazy("shown until"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        households = service.households_proposable_by(user).order_by("grid__code", "number")
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: f"{h.number} {h.head_name} · {h.grid.name}"


@login_required
@require_http_methods(["GET", "POST"])
def redlist_new(request):
    """A grid worker or cadre proposes a household for the red or black list."""
    if not service.households_proposable_by(request.user).exists():
        raise PermissionDenied
    today = timezone.localdate()
    initial = {
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=DEFAULT_DAYS),
        "kind": request.GET.get("kind") if request.GET.get("kind") in ListKind.values else ListKind.RED,
    }
    form = ProposeForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = service.entry_propose(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Proposed: the village decides whether it is published."))
            return redirect("scoring:redlist-entry", pk=entry.pk)
    return render(request, "scoring/redlist_form.html", {"form": form})


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("note"), max_length=service.NOTE_MAX, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def redlist_entry(request, pk: int):
    """An entry and what the user may do with it: approve, reject with a note, publish."""
    entry = get_object_or_404(service.entries_for_user(request.user), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    form = NoteForm(request.POST if action else None)
    if action:
        moves = {
            "approve": lambda note: service.entry_approve(entry=entry, note=note, actor=request.user),
            "reject": lambda note: service.entry_reject(entry=entry, note=note, actor=request.user),
            "publish": lambda note: service.entry_publish(entry=entry, actor=request.user),
        }
        if action not in moves:
            raise Http404
        if form.is_valid():
            try:
                moves[action](form.cleaned_data["note"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                done = {
                    "approve": _("Approved: publish it to show it on the grid's page."),
                    "reject": _("Rejected."),
                    "publish": _("Published on the grid's public page."),
                }
                messages.success(request, done[action])
                return redirect("scoring:redlist-entry", pk=entry.pk)
        entry.refresh_from_db()
    today = timezone.localdate()
    return render(
        request,
        "scoring/redlist_entry.html",
        {
            "e": entry,
            "name": service.display_name(entry.household),
            "form": form,
            "may_decide": entry.state == ListState.PROPOSED and service.may_decide(request.user, entry),
            "may_reject": entry.state in (ListState.PROPOSED, ListState.APPROVED)
            and service.may_decide(request.user, entry),
            "may_publish": entry.state == ListState.APPROVED and service.may_publish(request.user, entry),
            "own": entry.proposed_by_id == request.user.pk,
            "live": entry.state == ListState.PUBLISHED and entry.starts_on <= today <= entry.ends_on,
            "expired": entry.ends_on < today,
        },
    )


# ---------------------------------------------------------------------------------------
# The public pages: no log-in, published entries in their period, display names only
# ---------------------------------------------------------------------------------------


def _public_context(kind: str, code: str) -> dict:
    if kind == "grid":
        grid = service.public_grid(code)
        if grid is None:
            raise Http404
        area, village = grid, grid.village
        entries = service.published_live(grid=grid)
    else:
        village = service.public_village(code)
        if village is None:
            raise Http404
        area = village
        entries = service.published_live(village=village)
    rows = [(e, service.display_name(e.household)) for e in entries]
    return {
        "kind": kind,
        "area": area,
        "village": village,
        "town": village.town,
        "red": [r for r in rows if r[0].kind == ListKind.RED],
        "black": [r for r in rows if r[0].kind == ListKind.BLACK],
        "today": timezone.localdate(),
        "show_grid": kind == "village" or any(e.grid_id != area.pk for e, _n in rows),
    }


@public_door(methods=("GET",))
@require_GET
def redlist_public(request, code: str, kind: str = "grid"):
    """The grid's (or village's) red and black list for residents, without log-in."""
    return render(request, "scoring/redlist_public.html", _public_context(kind, code))


@public_door(methods=("GET",))
@require_GET
def redlist_public_print(request, code: str, kind: str = "grid"):
    """The A4 notice of the red and black list for the public board (公开栏)."""
    return render(request, "scoring/redlist_print.html", _public_context(kind, code))
