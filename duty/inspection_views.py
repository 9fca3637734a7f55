"""Pages of the unannounced inspections (一周一暗访): the list (the town's inspectors see
their town's, drafts included; a village's cadres their village's published results), the
form an inspector fills in on the spot on a phone, an inspection's page with its photos
(edited, published or deleted while a draft), and its photos, served within scope."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases.forms import MultipleFileInput, PhotosField
from governance.choices import Role
from governance.filters import prepare
from governance.models import Membership
from governance.scoping import CHANGE, VIEW, can

from . import inspections as service
from .choices import InspectionState, Item
from .models import DutyLog, Inspection

PRESENT_CHOICES = [("1", gettext_lazy("Yes, at the post")), ("0", gettext_lazy("No: absent from the post"))]


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _cadre_choices(villages) -> list:
    """The cadres of ``villages``, grouped by village (one query): who may be named as
    the cadre on duty; the first choice leaves it to the roster."""
    groups: dict[int, list] = {}
    rows = (
        Membership.objects.filter(
            role=Role.VILLAGE_CADRE,
            village__in=villages,
            deleted_at__isnull=True,
            user__is_active=True,
        )
        .select_related("user", "village")
        .order_by("village__code", "user__last_name", "user__first_name", "user_id")
    )
    names = {}
    for m in rows:
        groups.setdefault(m.village_id, []).append((str(m.user_id), str(m.user)))
        names[m.village_id] = m.village.name
    return [("", _("The cadre on duty on the roster that day"))] + [
        (names[v], people) for v, people in groups.items()
    ]


class InspectionForm(forms.Form):
    """What an inspector records on the spot, on a phone: the village, when, whether the
    cadre on duty was there, the nine items seen being done, findings, a score, photos."""

    village = forms.ModelChoiceField(label=gettext_lazy("village"), queryset=None)
    at = forms.DateTimeField(
        label=gettext_lazy("inspected at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    present = forms.TypedChoiceField(
        label=gettext_lazy("Was the cadre on duty at their post?"),
        choices=PRESENT_CHOICES,
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say whether the cadre on duty was at their post.")},
    )
    on_duty = forms.ChoiceField(label=gettext_lazy("cadre on duty"), required=False)
    items_seen = forms.TypedMultipleChoiceField(
        label=gettext_lazy("The nine items being done"),
        choices=Item.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    findings = forms.CharField(
        label=gettext_lazy("findings"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    score = forms.IntegerField(
        label=gettext_lazy("score"),
        min_value=service.SCORE_MIN,
        max_value=service.SCORE_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=gettext_lazy("0 to 100"),
    )
    inspectors = forms.CharField(label=gettext_lazy("inspectors"), max_length=200)
    photos = PhotosField(
        label=gettext_lazy("photos"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["on_duty"].choices = _cadre_choices(villages)

    def values(self) -> dict:
        """The service's arguments (the cadre on duty as a user, or None: the roster's)."""
        from governance.models import User

        data = dict(self.cleaned_data)
        chosen = data.pop("on_duty")
        data["on_duty"] = User.objects.get(pk=int(chosen)) if chosen else None
        data["at"] = data["at"].replace(second=0, microsecond=0)
        return data


class PageFilter(service.InspectionFilter):
    """The list's filters: the API's, with 脱岗 asked the way the page says it."""

    absent = django_filters.ChoiceFilter(
        label=gettext_lazy("Cadre on duty"),
        choices=[("1", gettext_lazy("Absent from the post")), ("0", gettext_lazy("At the post"))],
        empty_label=gettext_lazy("All"),
        method="filter_absent",
    )

    class Meta(service.InspectionFilter.Meta):
        fields = ["village", "month", "state", "absent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the page asks 脱岗 its own way, and shows the user's own town's only
        self.filters.pop("present")
        self.filters.pop("town")

    def filter_absent(self, queryset, name, value):
        return queryset.filter(present=value != "1") if value in ("0", "1") else queryset


def _readers_only(request) -> None:
    if not can(request.user, VIEW, Inspection):
        raise PermissionDenied


INSPECTIONS_PER_PAGE = 50


@login_required
def inspection_list(request):
    """The inspections the user reads, newest first, filtered by village, month, state
    and 脱岗; with the count of 脱岗 and the average score of what is shown."""
    _readers_only(request)
    inspector = service.villages_inspected_by(request.user).exists()
    filterset = PageFilter(request.GET or None, queryset=service.inspections_for_user(request.user))
    if not inspector:
        filterset.filters.pop("state")
    prepare(filterset, request.user)
    filterset.form.fields["village"].empty_label = _("All")
    if "state" in filterset.form.fields:
        filterset.form.fields["state"].choices = [("", _("All")), *InspectionState.choices]
    month_field = filterset.form.fields["month"]
    month_field.widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    page = Paginator(queryset.order_by("-at", "-id"), INSPECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    figures = queryset.aggregate(
        total=Count("id"), absent=Count("id", filter=Q(present=False)), average=Avg("score")
    )
    return render(
        request,
        "duty/inspections.html",
        {
            "rows": rows,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "filters": filterset.form,
            "figures": figures,
            "inspector": inspector,
            "filtered": any(v for v in request.GET.values()),
        },
    )


def _form_page(request, *, inspection: Inspection | None):
    villages = service.villages_inspected_by(request.user).order_by("code")
    if inspection is None and not villages.exists():
        raise PermissionDenied
    if inspection is not None:
        initial = {
            "village": inspection.village_id,
            "at": timezone.localtime(inspection.at),
            "present": "1" if inspection.present else "0",
            "on_duty": str(inspection.on_duty_id or ""),
            "items_seen": inspection.items_seen,
            "findings": inspection.findings,
            "score": inspection.score,
            "inspectors": inspection.inspectors,
        }
    else:
        initial = {
            "at": timezone.localtime().replace(second=0, microsecond=0),
            "inspectors": str(request.user),
            "village": request.GET.get("village") or None,
        }
        if villages.count() == 1:
            initial["village"] = villages.first().pk
    form = InspectionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        villages=villages,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        photos = values.pop("photos")
        try:
            if inspection is None:
                inspection = service.inspection_create(actor=request.user, photos=photos, **values)
                messages.success(
                    request,
                    _("The inspection is saved as a draft: the village sees it once it is published."),
                )
            else:
                service.inspection_update(
                    inspection=inspection, actor=request.user, data=values, photos=photos
                )
                messages.success(request, _("The inspection is saved."))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("duty:inspection", pk=inspection.pk)
    return render(request, "duty/inspection_form.html", {"form": form, "inspection": inspection})


@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request):
    """Record an inspection on the spot (a draft until it is published)."""
    return _form_page(request, inspection=None)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_edit(request, pk: int):
    inspection = get_object_or_404(service.inspections_for_user(request.user, CHANGE), pk=pk)
    if inspection.state != InspectionState.DRAFT:
        messages.warning(
            request, _("This inspection is published: its result is final and stays as published.")
        )
        return redirect("duty:inspection", pk=pk)
    return _form_page(request, inspection=inspection)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_detail(request, pk: int):
    """An inspection with its nine items and photos; its draft's buttons for those who
    may change it (edit, publish, a photo more or less, delete)."""
    inspection = get_object_or_404(service.inspections_for_user(request.user), pk=pk)
    may_change = service.inspections_for_user(request.user, CHANGE).filter(pk=pk).exists()
    editable = may_change and inspection.state == InspectionState.DRAFT
    action = request.POST.get("action", "") if request.method == "POST" else ""
    problems: list[str] = []
    if action:
        if not editable and not (may_change and action == "publish"):
            raise PermissionDenied
        try:
            if action == "publish":
                service.inspection_publish(inspection=inspection, actor=request.user)
                messages.success(request, _("The inspection is published: the village sees its result now."))
            elif action == "delete":
                service.inspection_delete(inspection=inspection, actor=request.user)
                messages.success(request, _("The draft inspection is deleted."))
                return redirect("duty:inspections")
            elif action == "photo":
                upload = request.FILES.get("photo")
                if upload is None:
                    raise ValidationError({"photos": _("Choose a photo.")})
                service.inspection_photo_add(inspection=inspection, actor=request.user, upload=upload)
                messages.success(request, _("The photo is added."))
            elif action == "remove_photo":
                try:
                    photo_id = int(request.POST.get("photo", ""))
                except ValueError:
                    photo_id = 0
                service.inspection_photo_remove(inspection=inspection, actor=request.user, photo_id=photo_id)
                messages.success(request, _("The photo is removed."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            problems = exc.messages
        else:
            return redirect("duty:inspection", pk=pk)
    log = (
        DutyLog.objects.filter(
            village_id=inspection.village_id,
            date=timezone.localtime(inspection.at).date(),
            deleted_at__isnull=True,
        )
        .only("pk")
        .first()
    )
    seen = set(inspection.items_seen or ())
    return render(
        request,
        "duty/inspection.html",
        {
            "inspection": inspection,
            "items": [(value, label, value in seen) for value, label in Item.choices],
            "seen_count": len(seen),
            "photos": list(inspection.photos.order_by("created_at", "id")),
            "may_change": may_change,
            "editable": editable,
            "problems": problems,
            "log": log,
        },
    )


@login_required
def inspection_photo(request, pk: int):
    """An inspection's photo as stored, for those who read the inspection (a draft's
    photo is hidden from the village with it)."""
    row = get_object_or_404(service.photos_for_user(request.user), pk=pk)
    return FileResponse(row.file.open("rb"), content_type="image/jpeg")


def month_url(month: datetime.date, **params) -> str:
    """The list of ``month`` (with more filters), for the home tiles."""
    query = "&".join([f"month={month:%Y-%m}", *(f"{k}={v}" for k, v in params.items())])
    return f"{reverse('duty:inspections')}?{query}"
