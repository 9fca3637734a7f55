"""Pages of the major matters (四议一审两公开): the list per village with the step each
has reached, a new matter, a matter's page (its steps as a timeline and the form of the
next step only), the town office's review queue (一审), and the village's public page of
published resolutions and results, also as an A4 notice for the board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.api.throttles import public_door
from governance.filters import prepare
from governance.params import id_param
from governance.scoping import CHANGE, VIEW, can
from grids.models import Village

from . import matters as service
from .choices import Step
from .matter_forms import MatterForm, StepForm
from .models import Matter


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _readers_only(request) -> None:
    if not can(request.user, VIEW, Matter):
        raise PermissionDenied


@login_required
def matter_list(request):
    """The matters the user reads, per village, with the step each has reached; filtered
    by village, kind and step."""
    _readers_only(request)
    filterset = service.MatterFilter(request.GET or None, queryset=service.matters_for_user(request.user))
    filterset.filters.pop("town")
    prepare(filterset, request.user)
    form = filterset.form
    form.fields["village"].empty_label = _("All")
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    rows = list(queryset.order_by("village__code", "-created_at", "-id")[:500])
    return render(
        request,
        "affairs/matters.html",
        {
            "rows": rows,
            "filters": form,
            "total": len(rows),
            "may_propose": service.villages_for_matters(request.user).exists(),
            "steps": len(Step),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def matter_new(request):
    """Put forward a major matter of one's village (the town office: of its town's)."""
    villages = service.villages_for_matters(request.user).order_by("code")
    if not villages.exists():
        raise PermissionDenied
    initial = {}
    again = request.GET.get("again", "")
    if (again_id := id_param(again)) is not None:  # a matter the town did not approve, proposed afresh
        old = service.matters_for_user(request.user, CHANGE).filter(pk=again_id).first()
        if old is not None:
            initial = {f: getattr(old, f) for f in ("kind", "title", "description", "amount")}
            initial["village"] = old.village_id
    form = MatterForm(request.POST or None, villages=villages, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            matter = service.matter_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The matter is put forward. Its first step is the party branch's proposal.")
            )
            return redirect("affairs:matter", pk=matter.pk)
    return render(request, "affairs/matter_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def matter_detail(request, pk: int):
    """A matter: its steps as a timeline, and the form of its next step for those who
    record it (the town's review: the town office only)."""
    matter = get_object_or_404(service.with_steps(service.matters_for_user(request.user)), pk=pk)
    steps = list(matter.steps.all())
    upcoming = service.next_step(matter)
    writable = service.matters_for_user(request.user, CHANGE).filter(pk=pk).exists()
    may_record = writable and upcoming is not None
    if upcoming == Step.REVIEW and not service._reviewer_of(matter, request.user):
        may_record = False
    form = None
    if may_record:
        form = StepForm(request.POST or None, step=upcoming)
        if request.method == "POST" and form.is_valid():
            try:
                service.step_record(matter=matter, actor=request.user, **form.values())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Recorded: %(step)s.") % {"step": upcoming.label})
                return redirect("affairs:matter", pk=pk)
    elif request.method == "POST":
        raise PermissionDenied
    done = {s.step for s in steps}
    timeline = [(step, next((s for s in steps if s.step == step), None)) for step in Step]
    return render(
        request,
        "affairs/matter.html",
        {
            "matter": matter,
            "timeline": timeline,
            "done": done,
            "upcoming": upcoming,
            "form": form,
            "waiting_review": upcoming == Step.REVIEW and not may_record,
            "may_propose_again": matter.refused and writable,
        },
    )


@login_required
def review_queue(request):
    """The town office's matters waiting for its review (一审), oldest first."""
    if not service.reviews_for(request.user):
        raise PermissionDenied
    rows = list(service.review_queue(request.user).order_by("updated_at", "id"))
    return render(request, "affairs/matter_reviews.html", {"rows": rows})


# ---------------------------------------------------------------------------------------
# The public page: no log-in, published resolutions and results only
# ---------------------------------------------------------------------------------------


def _public_context(code: str) -> dict:
    village = get_object_or_404(Village.objects.select_related("town"), code=code, deleted_at__isnull=True)
    rows = []
    for matter in service.published_matters(village)[:200]:
        by_step = {s.step: s for s in matter.publications}
        rows.append(
            {
                "title": matter.title,
                "kind": matter.get_kind_display(),
                "resolution": by_step.get(Step.PUBLISH_RESOLUTION),
                "result": by_step.get(Step.PUBLISH_RESULT),
            }
        )
    return {"village": village, "town": village.town, "rows": rows}


@public_door(methods=("GET",))
def public(request, code: str):
    """A village's major matters as published (决议公开, 实施结果公开), for villagers."""
    return render(request, "affairs/matters_public.html", _public_context(code))


@public_door(methods=("GET",))
def public_print(request, code: str):
    """The same as an A4 notice for the village's public board (公开栏)."""
    return render(request, "affairs/matters_print.html", _public_context(code))


def review_count(user) -> int:
    return service.review_queue(user).aggregate(n=Count("id"))["n"]
