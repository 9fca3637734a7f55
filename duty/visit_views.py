"""Household visit pages (行村制): coverage of the user's villages and grids for a month,
a grid's due list on the visitor's phone (with its coverage, the week's visits per
visitor and the open three-musts occasions), the visit form, a visit's page with its
photos and its problem reported as a case, and a visit photo for those who read it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.params import id_param
from governance.scoping import CHANGE, VIEW, can, restrict
from grids.choices import HOUSEHOLD_FLAGS
from grids.models import Household, Village

from . import visit_selectors as vs
from . import visits
from .choices import Occasion
from .models import ThreeMust, Visit, VisitPhoto, add_months
from .policies import households_visitable_by
from .selectors import parse_month, this_month
from .visit_forms import PhotoForm, ReportForm, ThreeMustForm, VisitForm


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _kinds(user):
    from cases.models import CaseKind

    return restrict(CaseKind.objects.filter(is_active=True), user).order_by("name")


def _readers_only(request) -> None:
    if not can(request.user, VIEW, Visit):
        raise PermissionDenied


def _month(request):
    return parse_month(request.GET.get("month"), this_month())


def _months(month) -> dict:
    return {"month": month, "previous": add_months(month, -1), "next": add_months(month, 1)}


@login_required
def coverage(request):
    """Coverage for a month: the office's and supervisor's villages (each opening its
    grids), a cadre's village's grids, a grid worker's grids; the week's visits of each
    cadre and grid worker of a village."""
    _readers_only(request)
    month = _month(request)
    village_id = id_param(request.GET.get("village"))
    cover = vs.coverage(request.user, month, village=village_id, summary=True)
    if village_id and not cover.villages and not cover.grids:
        raise Http404
    show_grids = len(cover.villages) <= 1 or village_id is not None
    week = []
    if show_grids and cover.villages:
        week = vs.visitors_week(villages=Village.objects.filter(pk__in=[r.area.pk for r in cover.villages]))
    grid_rows = cover.grid_rows if show_grids else []
    return render(
        request,
        "duty/visits.html",
        {
            **_months(month),
            "cover": cover,
            "village_rows": cover.villages if not show_grids or len(cover.villages) > 1 else [],
            "village": cover.villages[0].area if village_id and cover.villages else None,
            "grid_rows": grid_rows,
            "week": week,
            "keep": [("village", village_id)] if village_id else [],
        },
    )


def _occasions_form(request, ids: list[int], data=None):
    households = list(
        visits.households_for_three_musts(request.user)
        .filter(grid_id__in=ids)
        .order_by("number")
        .only("pk", "number", "head_name")
    )
    return ThreeMustForm(data, households=households) if households else None


@login_required
@require_http_methods(["GET", "POST"])
def grid_page(request, grid_id: int):
    """A grid's due list for the month (the visitor's phone), its coverage, the week's
    visits per visitor, the open three-musts occasions and the form to make one known."""
    _readers_only(request)
    grid = get_object_or_404(vs.grids_for_user(request.user).select_related("village", "parent"), pk=grid_id)
    month = _month(request)
    ids = vs.subtree_ids(grid)  # the grid and its second-level grids
    form = _occasions_form(request, ids, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                visits.three_must_add(
                    actor=request.user,
                    household=form.chosen(),
                    occasion=form.cleaned_data["occasion"],
                    known_on=form.cleaned_data["known_on"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The occasion is made known: visit within three days."))
                return redirect(reverse("duty:visits-grid", args=[grid.pk]) + "#three-musts")
    due = vs.due_list(grid, month, ids=ids)
    figures = vs.grid_figures(grid, month, ids=ids).get(grid.pk, vs.Figures())
    start, end = vs.week_bounds()
    may_visit = households_visitable_by(request.user).filter(grid_id__in=ids).exists()
    return render(
        request,
        "duty/visits_grid.html",
        {
            **_months(month),
            "grid": grid,
            "figures": figures,
            "due": [(h, [HOUSEHOLD_FLAGS[n] for n in h.flags]) for h in due],
            "week": vs.visitors_week(grid=grid),
            "week_visits": list(vs.visits_of_grid(grid, start, end, ids=ids)[:50]),
            "occasions": list(vs.open_three_musts(grid, ids=ids)),
            "form": form,
            "may_visit": may_visit,
            "today": timezone.localdate(),
            "this_month": this_month(),
        },
    )


def _fellows(household: Household, actor) -> list:
    return list(visits.fellow_visitors(household).exclude(pk=actor.pk))


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    """The visit form for one household (``?household=``): refused with a field error for
    a household outside the visitor's grid or village, or a time still to come; the
    visit, its photos and the case reported from it are saved together or not at all."""
    if not can(request.user, CHANGE, Visit):
        raise PermissionDenied
    household = get_object_or_404(
        restrict(Household.objects.filter(deleted_at__isnull=True), request.user).select_related(
            "grid", "village"
        ),
        pk=id_param(request.GET.get("household")) or 0,
    )
    occasions = list(
        ThreeMust.objects.filter(household=household, visit__isnull=True, deleted_at__isnull=True).order_by(
            "due_on", "id"
        )
    )
    kinds = _kinds(request.user)
    form = VisitForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        fellows=_fellows(household, request.user),
        occasions=occasions,
        kinds=kinds,
        initial={"household": household.pk, "kind": "three_musts" if occasions else "routine"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = Household.objects.filter(pk=data["household"], deleted_at__isnull=True).first()
        try:
            with transaction.atomic():
                visit = visits.visit_record(
                    actor=request.user,
                    household=target,
                    visited_at=data["visited_at"],
                    kind=data["kind"],
                    found=data["found"],
                    visitors=form.chosen_visitors(),
                    three_must=form.chosen_occasion(),
                )
                for upload in data["photos"]:
                    visits.visit_photo_add(visit=visit, actor=request.user, upload=upload)
                if data["report"]:
                    visit = visits.visit_report(visit=visit, kind=data["case_kind"], actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if visit.case_id:
                messages.success(
                    request,
                    _("The visit is recorded and the problem reported: case %(number)s.")
                    % {"number": visit.case.tracking_number},
                )
            else:
                messages.success(request, _("The visit is recorded."))
            return redirect("duty:visit", pk=visit.pk)
    return render(
        request,
        "duty/visits_new.html",
        {
            "household": household,
            "flags": [HOUSEHOLD_FLAGS[n] for n in household.flags],
            "form": form,
            "occasions": occasions,
            "back": reverse("duty:visits-grid", args=[household.grid_id]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail(request, pk: int):
    """A visit with its photos; its visitors add photos and report its problem as a case."""
    visit = get_object_or_404(
        vs.visits_for_user(request.user).select_related("household", "grid", "village", "by", "case", "log"),
        pk=pk,
    )
    mine = visit.visitors.filter(pk=request.user.pk).exists()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not mine:
        raise PermissionDenied
    kinds = _kinds(request.user)
    report_form = ReportForm(request.POST if action == "report" else None, kinds=kinds)
    photo_form = PhotoForm(
        request.POST if action == "photo" else None, request.FILES if action == "photo" else None
    )
    if action == "report" and report_form.is_valid():
        try:
            visit = visits.visit_report(
                visit=visit,
                kind=report_form.cleaned_data["kind"],
                description=report_form.cleaned_data["description"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(report_form, exc)
        else:
            messages.success(
                request, _("Reported: case %(number)s.") % {"number": visit.case.tracking_number}
            )
            return redirect("duty:visit", pk=visit.pk)
    elif action == "photo" and photo_form.is_valid():
        try:
            visits.visit_photo_add(visit=visit, actor=request.user, upload=photo_form.cleaned_data["photo"])
        except ValidationError as exc:
            photo_form.add_error("photo", exc.messages)
        else:
            messages.success(request, _("The photo is added."))
            return redirect("duty:visit", pk=visit.pk)
    elif action and action not in ("report", "photo"):
        raise PermissionDenied
    return render(
        request,
        "duty/visits_detail.html",
        {
            "visit": visit,
            "visitors": list(visit.visitors.order_by("last_name", "first_name", "pk")),
            "photos": list(VisitPhoto.objects.filter(visit=visit).order_by("created_at", "id")),
            "occasion": ThreeMust.objects.filter(visit=visit).first(),
            "mine": mine,
            "report_form": report_form,
            "photo_form": photo_form,
            "occasions": Occasion,
        },
    )


@login_required
def visit_photo(request, pk: int):
    """A visit's photo as stored, for those who read the visit."""
    row = get_object_or_404(
        restrict(VisitPhoto.objects.filter(visit__deleted_at__isnull=True), request.user), pk=pk
    )
    return FileResponse(row.file.open("rb"), content_type="image/jpeg")
