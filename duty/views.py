"""Roster pages: the town office's month overview (villages × published or not, with the
deadline), the roster editor (a month calendar with a select per day while it is a draft,
the rotation helper, publishing; amendments once published), and the public pages of a
village's roster (today's and the month's people on duty and the duty phone, on screen
and as an A4 notice for the public board) that need no log-in."""

from __future__ import annotations

from itertools import zip_longest

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.api.throttles import public_door
from governance.scoping import CHANGE, VIEW, can, restrict
from grids.models import Village

from . import selectors, services
from .choices import RosterState
from .forms import WEEKDAYS, AmendForm, CreateForm, DaysForm, DeadlineForm, FillForm, PhoneForm
from .models import Amendment, DutySettings, Roster, add_months, publish_deadline
from .policies import deadline_town_ids, villages_kept_by


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _month_param(request):
    return selectors.parse_month(request.GET.get("month"), selectors.this_month())


def _readers_only(request) -> None:
    if not can(request.user, VIEW, Roster):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def overview(request):
    """The month's rosters of every village the user reads (default: next month, the one
    being prepared), with each town's deadline."""
    _readers_only(request)
    month = selectors.parse_month(request.GET.get("month"), add_months(selectors.this_month(), 1))
    rows = selectors.month_overview(request.user, month)
    towns = sorted({row.village.town for row in rows}, key=lambda t: t.code)
    office_towns = deadline_town_ids(request.user)
    editable_towns = [t for t in towns if t.pk in office_towns]
    deadline_form = None
    if editable_towns:
        town = editable_towns[0]
        current = DutySettings.objects.filter(town=town).first()
        if request.method == "POST":
            deadline_form = DeadlineForm(request.POST)
            if deadline_form.is_valid():
                try:
                    services.settings_set(
                        town=town,
                        publish_by_day=deadline_form.cleaned_data["publish_by_day"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    _add_errors(deadline_form, exc)
                else:
                    messages.success(request, _("The deadline is saved."))
                    return redirect(f"{reverse('duty:overview')}?month={month:%Y-%m}")
        else:
            deadline_form = DeadlineForm(
                initial={"publish_by_day": current.publish_by_day if current else publish_deadline(month).day}
            )
    elif request.method == "POST":
        raise PermissionDenied
    published = sum(1 for row in rows if row.published)
    return render(
        request,
        "duty/overview.html",
        {
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "rows": rows,
            "published": published,
            "missing": len(rows) - published,
            "late": sum(1 for row in rows if row.late),
            "deadline_form": deadline_form,
            "deadline_town": editable_towns[0] if editable_towns else None,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_open(request, village_id: int):
    """The village's roster of ``?month=``: to it if there is one, else a form to begin it."""
    _readers_only(request)
    village = get_object_or_404(restrict(Village.objects.select_related("town"), request.user), pk=village_id)
    month = _month_param(request)
    existing = selectors.rosters_for_user(request.user).filter(village=village, month=month).first()
    if existing is not None:
        return redirect("duty:roster", pk=existing.pk)
    may_create = villages_kept_by(request.user).filter(pk=village.pk).exists()
    form = CreateForm(request.POST or None)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        if form.is_valid():
            try:
                roster = services.roster_create(
                    village=village,
                    month=month,
                    duty_phone=form.cleaned_data["duty_phone"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The roster is begun: fill it in and publish it."))
                return redirect("duty:roster", pk=roster.pk)
    return render(
        request,
        "duty/open.html",
        {"village": village, "month": month, "form": form, "may_create": may_create},
    )


def _roster_context(request, roster: Roster) -> dict:
    shifts = list(selectors.live_shifts().filter(roster=roster))
    amendments = list(
        Amendment.objects.filter(roster=roster)
        .select_related("replaced", "replacement", "by")
        .order_by("date", "id")
    )
    grid = selectors.month_grid(
        roster, shifts=shifts, amended_dates={a.date for a in amendments}, town_id=roster.village.town_id
    )
    may_change = restrict(Roster.objects.filter(pk=roster.pk), request.user, CHANGE).exists()
    settings_day = selectors.deadlines_by_town([roster.village.town_id])[roster.village.town_id]
    return {
        "roster": roster,
        "grid": grid,
        "shifts": shifts,
        "amendments": amendments,
        "may_change": may_change,
        "editable": may_change and roster.state == RosterState.DRAFT,
        "amendable": may_change and roster.state == RosterState.PUBLISHED,
        "deadline": publish_deadline(roster.month, settings_day),
        "team": sorted({s.person for s in shifts}, key=lambda p: (str(p), p.pk)),
        "today": timezone.localdate(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def roster_detail(request, pk: int):
    roster = get_object_or_404(selectors.rosters_for_user(request.user), pk=pk)
    context = _roster_context(request, roster)
    cadres = list(services.cadres_of(roster.village_id)) if context["may_change"] else []
    days = context["grid"].days
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not context["may_change"]:
        raise PermissionDenied
    days_form = DaysForm(request.POST if action == "days" else None, days=days, people=cadres)
    days_form.cells()
    fill_form = FillForm(request.POST if action == "fill" else None, people=cadres)
    phone_form = PhoneForm(
        request.POST if action == "phone" else None, initial={"duty_phone": roster.duty_phone}
    )
    amend_form = AmendForm(
        request.POST if action == "amend" else None, days=days, people=cadres, on_duty=context["team"]
    )
    publish_errors: list[str] = []
    forms_by_action = {"days": days_form, "fill": fill_form, "phone": phone_form, "amend": amend_form}
    if action in forms_by_action or action == "publish":
        form = forms_by_action.get(action)
        if form is None or form.is_valid():
            try:
                if action == "days":
                    services.roster_set_days(roster=roster, days=days_form.entries(), actor=request.user)
                    messages.success(request, _("The roster is saved."))
                elif action == "fill":
                    services.roster_fill(
                        roster=roster,
                        people=fill_form.rotation(),
                        days_each=fill_form.cleaned_data["days_each"],
                        include_weekends=fill_form.cleaned_data["include_weekends"],
                        actor=request.user,
                    )
                    messages.success(request, _("The month is filled by rotation. Check it and publish it."))
                elif action == "phone":
                    services.roster_update(
                        roster=roster, duty_phone=phone_form.cleaned_data["duty_phone"], actor=request.user
                    )
                    messages.success(request, _("The duty phone is saved."))
                elif action == "amend":
                    services.roster_amend(roster=roster, actor=request.user, **amend_form.values())
                    messages.success(request, _("The amendment is recorded."))
                else:
                    services.roster_publish(roster=roster, actor=request.user)
                    messages.success(request, _("The roster is published and archived with the town office."))
            except ValidationError as exc:
                shown = context["amendable"] if action == "amend" else context["editable"]
                if form is None or not shown:
                    # Publishing, or a form the page no longer shows (the roster was
                    # published meanwhile): the messages above the calendar.
                    publish_errors = [m for ms in exc.message_dict.values() for m in ms]
                else:
                    if action == "fill" and "people" in exc.message_dict:
                        exc = ValidationError(
                            {
                                **{k: v for k, v in exc.message_dict.items() if k != "people"},
                                "__all__": exc.message_dict["people"],
                            }
                        )
                    _add_errors(form, exc)
            else:
                return redirect("duty:roster", pk=roster.pk)
    return render(
        request,
        "duty/roster.html",
        {
            **context,
            "days_form": days_form,
            "fill_form": fill_form,
            "phone_form": phone_form,
            "amend_form": amend_form,
            "publish_errors": publish_errors,
            "open_form": action or "",
            "weekdays": WEEKDAYS,
        },
    )


def _public_context(code: str, month_value: str | None) -> dict:
    village = get_object_or_404(Village.objects.select_related("town"), code=code, deleted_at__isnull=True)
    today = timezone.localdate()
    month = selectors.parse_month(month_value, selectors.this_month(today))
    if abs((month.year - today.year) * 12 + month.month - today.month) > 24:
        raise Http404
    roster = selectors.public_roster(village, month)
    grid = selectors.month_grid(roster, town_id=village.town_id) if roster is not None else None
    today_cell = None
    if grid is not None and roster.month <= today <= roster.last_day:
        today_cell = next(cell for cell in grid.days if cell.date == today)
    pairs = []
    if grid is not None:
        half = (len(grid.days) + 1) // 2
        pairs = list(zip_longest(grid.days[:half], grid.days[half:]))
    return {
        "pairs": pairs,
        "village": village,
        "town": village.town,
        "month": month,
        "roster": roster,
        "grid": grid,
        "today": today,
        "today_cell": today_cell,
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
    }


@public_door(methods=("GET",))
def public(request, code: str):
    """A village's published roster for residents, without log-in: names and the duty
    phone only."""
    return render(request, "duty/public.html", _public_context(code, request.GET.get("month")))


@public_door(methods=("GET",))
def public_print(request, code: str):
    """The A4 notice for the village's public board (公开栏); print it, or save it as a
    PDF from the browser's print dialogue."""
    return render(request, "duty/print.html", _public_context(code, request.GET.get("month")))
