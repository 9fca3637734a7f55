"""Pages of the officers sent in from outside (平安书记, 第一书记): the town's list with this
year's figures (海盐's way: activities, night visits held, people received), an officer's
page (postings, activities, night visits, assessments, the group's focus; the town office's
forms on it), the officer's own "my work" page, and the phone-first forms for an activity
and for a night visit with the matters people brought."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.models import User
from governance.scoping import VIEW, can, restrict
from grids.models import Town, Village

from . import officers as service
from .choices import NightVisitState, OfficerKind
from .models import Officer
from .officer_forms import (
    ActivityForm,
    AssessmentForm,
    CancelForm,
    FocusForm,
    GroupForm,
    HoldForm,
    MatterForm,
    OfficerForm,
    PostingEndForm,
    PostingForm,
    ScheduleForm,
)


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _readers_only(request) -> None:
    if not can(request.user, VIEW, Officer):
        raise PermissionDenied


def _office_town(request):
    towns = sorted(service.office_towns(request.user))
    if not towns:
        raise PermissionDenied
    return towns[0]


@login_required
def officer_list(request):
    """The officers the user reads, per kind, with this year's figures."""
    _readers_only(request)
    year = timezone.localdate().year
    rows = list(service.officers_for_user(request.user, year=year).order_by("kind", "name")[:500])
    kinds = []
    for kind in OfficerKind:
        mine = [o for o in rows if o.kind == kind]
        kinds.append(
            {
                "kind": kind,
                "rows": mine,
                "activities": sum(o.activities_year for o in mine),
                "held": sum(o.visits_held_year for o in mine),
                "received": sum(o.people_received_year for o in mine),
            }
        )
    groups = list(
        service.groups_for_user(request.user).prefetch_related(
            "foci",
        )
    )
    return render(
        request,
        "organisation/officers/list.html",
        {
            "kinds": kinds,
            "year": year,
            "groups": groups,
            "office": service.is_office(request.user),
            "me": service.officer_of(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def officer_new(request):
    """Register an officer sent in to the town (the town office)."""
    town_id = _office_town(request)
    groups = service.groups_for_user(request.user, "change").filter(town_id=town_id)
    users = restrict(User.objects.filter(is_active=True), request.user).order_by("username")
    form = OfficerForm(request.POST or None, groups=groups, users=users)
    if request.method == "POST" and form.is_valid():
        try:
            officer = service.officer_create(
                town=Town.objects.get(pk=town_id),
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The officer is registered."))
            return redirect("organisation:officer", pk=officer.pk)
    return render(
        request, "organisation/officers/form.html", {"form": form, "title": _("Register an officer")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request):
    """A first secretaries' group and its leader (the town office)."""
    town_id = _office_town(request)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.group_create(
                town=Town.objects.get(pk=town_id),
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The group is registered."))
            return redirect("organisation:officers")
    return render(
        request, "organisation/officers/form.html", {"form": form, "title": _("New officers' group")}
    )


def _detail_context(request, officer: Officer, forms: dict) -> dict:
    postings = list(service.postings_for_user(request.user).filter(officer=officer).order_by("-since"))
    activities = list(service.activities_for_user(request.user).filter(officer=officer)[:200])
    visits = list(
        service.night_visits_for_user(request.user)
        .filter(officer=officer)
        .annotate(matter_count=Count("matters"), case_count=Count("matters__case"))
        .order_by("-date")[:200]
    )
    year = timezone.localdate().year
    held = [v for v in visits if v.state == NightVisitState.HELD and v.date.year == year]
    assessments = list(service.assessments_for_user(request.user).filter(officer=officer))
    foci = []
    if officer.group_id:
        foci = list(service.foci_for_user(request.user).filter(group_id=officer.group_id)[:8])
    writes = service.may_record_for(officer, request.user)
    office = officer.town_id in service.office_towns(request.user)
    return {
        "officer": officer,
        "postings": postings,
        "activities": activities,
        "visits": visits,
        "held_year": len(held),
        "received_year": sum(v.people_received for v in held),
        "year": year,
        "assessments": assessments,
        "foci": foci,
        "writes": writes,
        "office": office,
        "posted": list(service.posted_villages(officer, user=request.user)),
        **forms,
    }


def _officer_forms(request, officer: Officer, office: bool, writes: bool) -> dict:
    villages = Village.objects.filter(town_id=officer.town_id, deleted_at__isnull=True).order_by("code")
    forms = {}
    if writes:
        forms["schedule_form"] = ScheduleForm(
            initial={"month": timezone.localdate().strftime("%Y-%m")},
            villages=service.posted_villages(officer, user=request.user),
        )
    if office:
        forms["posting_form"] = PostingForm(villages=villages)
        forms["end_form"] = PostingEndForm(initial={"until": timezone.localdate()})
        forms["assessment_form"] = AssessmentForm()
        if officer.group_id:
            forms["focus_form"] = FocusForm()
    return forms


def _handle_post(request, officer: Officer, forms: dict, office: bool, writes: bool):
    """One of the page's forms, by its ``action``; a redirect when done, else None (the
    bound form with its errors is in ``forms``)."""
    action = request.POST.get("action", "")
    try:
        if action == "schedule" and writes:
            form = forms["schedule_form"] = ScheduleForm(
                request.POST, villages=forms["schedule_form"].fields["village"].queryset
            )
            if form.is_valid():
                year, month = form.cleaned_data["month"]
                made = service.month_schedule(
                    officer=officer,
                    year=year,
                    month=month,
                    village=form.cleaned_data["village"],
                    actor=request.user,
                )
                messages.success(request, _("%(n)d evenings scheduled.") % {"n": len(made)})
                return True
        elif action == "post" and office:
            form = forms["posting_form"] = PostingForm(
                request.POST, villages=forms["posting_form"].fields["village"].queryset
            )
            if form.is_valid():
                service.posting_create(officer=officer, actor=request.user, **form.cleaned_data)
                messages.success(request, _("The officer is posted."))
                return True
        elif action == "end" and office:
            form = forms["end_form"] = PostingEndForm(request.POST)
            posting = (
                service.postings_for_user(request.user, "change")
                .filter(officer=officer, pk=_id(request.POST.get("posting")))
                .first()
            )
            if posting is None:
                raise Http404
            if form.is_valid():
                service.posting_end(posting=posting, actor=request.user, **form.cleaned_data)
                messages.success(request, _("The posting is ended."))
                return True
        elif action == "assess" and office:
            form = forms["assessment_form"] = AssessmentForm(request.POST)
            if form.is_valid():
                service.assessment_record(officer=officer, actor=request.user, **form.cleaned_data)
                messages.success(request, _("The assessment is recorded."))
                return True
        elif action == "focus" and office and officer.group_id:
            form = forms["focus_form"] = FocusForm(request.POST)
            if form.is_valid():
                service.focus_set(group=officer.group, actor=request.user, **form.cleaned_data)
                messages.success(request, _("The quarter's focus is recorded."))
                return True
        else:
            raise PermissionDenied
    except ValidationError as exc:
        _add_errors(form, exc)
    return False


def _id(value) -> int:
    return (
        int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 18
        else 0
    )


def _officer_page(request, officer: Officer, *, mine: bool = False):
    office = officer.town_id in service.office_towns(request.user)
    writes = service.may_record_for(officer, request.user)
    forms = _officer_forms(request, officer, office, writes)
    if request.method == "POST":
        if _handle_post(request, officer, forms, office, writes):
            return redirect(
                "organisation:officer-mine" if mine else "organisation:officer",
                **({} if mine else {"pk": officer.pk}),
            )
    context = _detail_context(request, officer, forms)
    context["mine"] = mine
    return render(request, "organisation/officers/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def officer_detail(request, pk: int):
    """An officer: postings, activities, night visits, assessments, the group's focus."""
    officer = get_object_or_404(
        restrict(Officer.objects.select_related("group", "town"), request.user), pk=pk
    )
    return _officer_page(request, officer)


@login_required
@require_http_methods(["GET", "POST"])
def my_work(request):
    """The officer's own page (the account of an officer)."""
    officer = service.officer_of(request.user)
    if officer is None:
        raise Http404
    return _officer_page(request, officer, mine=True)


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request, pk: int):
    """Record an activity of the officer (the officer, or the town office)."""
    officer = get_object_or_404(restrict(Officer.objects.all(), request.user), pk=pk)
    if not service.may_record_for(officer, request.user):
        raise PermissionDenied
    form = ActivityForm(request.POST or None, villages=service.posted_villages(officer, user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            service.activity_record(officer=officer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The activity is recorded."))
            if officer.user_id == request.user.pk:
                return redirect("organisation:officer-mine")
            return redirect("organisation:officer", pk=officer.pk)
    return render(
        request,
        "organisation/officers/form.html",
        {"form": form, "title": _("Record an activity"), "officer": officer},
    )


@login_required
@require_http_methods(["GET", "POST"])
def night_visit(request, pk: int):
    """A night visit: recorded as held (people received, summary) or cancelled, and the
    matters people brought, each answered or made a case (linked)."""
    visit = get_object_or_404(service.night_visits_for_user(request.user), pk=pk)
    writes = service.may_record_for(visit.officer, request.user)
    kinds = service.case_kinds_for(visit.village).order_by("-is_four_reports", "code")
    hold_form = cancel_form = matter_form = None
    if writes and visit.state == NightVisitState.SCHEDULED:
        hold_form, cancel_form = HoldForm(), CancelForm()
    if writes and visit.state == NightVisitState.HELD:
        matter_form = MatterForm(kinds=kinds)
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = None
        try:
            if action == "hold" and hold_form is not None:
                form = hold_form = HoldForm(request.POST)
                if form.is_valid():
                    service.night_visit_hold(visit=visit, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("The evening is recorded as held."))
                    return redirect("organisation:night-visit", pk=pk)
            elif action == "cancel" and cancel_form is not None:
                form = cancel_form = CancelForm(request.POST)
                if form.is_valid():
                    service.night_visit_cancel(visit=visit, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("The evening is recorded as cancelled."))
                    return redirect("organisation:night-visit", pk=pk)
            elif action == "matter" and matter_form is not None:
                form = matter_form = MatterForm(request.POST, kinds=kinds)
                if form.is_valid():
                    row = service.matter_record(visit=visit, actor=request.user, **form.cleaned_data)
                    messages.success(
                        request,
                        _("The matter is recorded and made a case.")
                        if row.case_id
                        else _("The matter is recorded."),
                    )
                    return redirect("organisation:night-visit", pk=pk)
            else:
                raise PermissionDenied
        except ValidationError as exc:
            _add_errors(form, exc)
    matters = list(service.matters_for_user(request.user).filter(night_visit=visit))
    return render(
        request,
        "organisation/officers/night_visit.html",
        {
            "visit": visit,
            "matters": matters,
            "hold_form": hold_form,
            "cancel_form": cancel_form,
            "matter_form": matter_form,
            "writes": writes,
            "mine": visit.officer.user_id == request.user.pk,
        },
    )


def office_figures(user) -> dict:
    """This year's night visits held and people received in the user's reach (a tile)."""
    year = timezone.localdate().year
    return (
        service.night_visits_for_user(user)
        .filter(date__year=year)
        .aggregate(
            held=Count("pk", filter=Q(state=NightVisitState.HELD)),
            received=Sum("people_received", filter=Q(state=NightVisitState.HELD)),
        )
    )
