"""Pages of the cadres' year-end assessment (年终考绩): the town office's list of the year's
cadres with their figures and grade (generate, export), the sheet per cadre to print on
A4, the records behind each figure, and the grade form. A cadre reads their own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from governance import audit
from governance.params import id_param
from governance.scoping import VIEW, can
from governance.sheets import FORMATS, csv_bytes, xlsx

from . import assessment as service
from .choices import Grade
from .models import Assessment

EXPORT_LIMIT = 20_000


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def rows_of(queryset) -> list[dict]:
    """Each assessment with its headline figures, for the list and the export."""
    return [{"a": a, "f": {**service._empty(), **(a.figures or {})}} for a in queryset]


EXPORT_HEADER = [
    gettext_lazy("year"),
    gettext_lazy("village"),
    gettext_lazy("cadre"),
    gettext_lazy("rostered duty days"),
    gettext_lazy("duty days served"),
    gettext_lazy("hours on duty"),
    gettext_lazy("logs signed"),
    gettext_lazy("signed on time"),
    gettext_lazy("inspected"),
    gettext_lazy("absences (脱岗)"),
    gettext_lazy("visits"),
    gettext_lazy("cases solved"),
    gettext_lazy("solved in time"),
    gettext_lazy("points"),
    gettext_lazy("town's grade"),
    gettext_lazy("town's assessment"),
    gettext_lazy("assessed at"),
]


def export_file(*, queryset, fmt: str, actor, filters: dict) -> bytes:
    """The assessments as CSV or Excel (formula-like cells escaped by governance.sheets),
    the download in the trail per town."""
    items = list(queryset.order_by("year", "village__code", "cadre__username")[:EXPORT_LIMIT])
    by_town: dict[int, list[int]] = {}
    for a in items:
        by_town.setdefault(a.town_id, []).append(a.pk)
    audit.record_export(actor=actor, model=Assessment, rows_by_town=by_town, fmt=fmt, filters=filters)
    body = []
    for row in rows_of(items):
        a, f = row["a"], row["f"]
        body.append(
            [
                a.year,
                a.village.name,
                str(a.cadre),
                f["duty_days"]["rostered"],
                f["duty_days"]["served"],
                f["hours"]["total"],
                f["on_time"]["signed"],
                f["on_time"]["on_time"],
                f["absences"]["inspected"],
                f["absences"]["absent"],
                f["visits"]["count"],
                f["cases"]["solved"],
                f["cases"]["in_time"],
                "" if f["points"]["total"] is None else f["points"]["total"],
                a.get_grade_display() if a.grade else "",
                a.comment,
                timezone.localtime(a.assessed_at).strftime("%Y-%m-%d %H:%M") if a.assessed_at else "",
            ]
        )
    header = [str(h) for h in EXPORT_HEADER]
    return xlsx(_("Assessments"), header, body) if fmt == "xlsx" else csv_bytes(header, body)


class GenerateForm(forms.Form):
    town = forms.ModelChoiceField(label=gettext_lazy("town"), queryset=None)
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=service.FIRST_YEAR, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = service.office_towns(user)


@login_required
def assessment_list(request):
    """The year's assessments the user reads (the town office's and supervisors' town, a
    cadre's own), with each figure and the grade; CSV or Excel with ``format``."""
    if not can(request.user, VIEW, Assessment):
        raise PermissionDenied
    readable = service.assessments_for_user(request.user)
    years = sorted(set(readable.values_list("year", flat=True).distinct()), reverse=True)
    year = id_param(request.GET.get("year")) or (years[0] if years else service.this_year())
    queryset = readable.filter(year=year)
    village = id_param(request.GET.get("village"))
    if village:
        queryset = queryset.filter(village_id=village)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        filters = {k: v for k, v in request.GET.items() if k != "format"}
        body = export_file(queryset=queryset, fmt=fmt, actor=request.user, filters=filters)
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="assessments-{year}.{fmt}"'
        return response
    rows = rows_of(queryset.order_by("village__code", "cadre__username"))
    towns = service.office_towns(request.user)
    villages = sorted({(r["a"].village_id, r["a"].village.name) for r in rows}, key=lambda v: v[1])
    this = service.this_year()
    return render(
        request,
        "scoring/assessment_list.html",
        {
            "rows": rows,
            "year": year,
            "years": sorted(set(years) | {this, this - 1}, reverse=True),
            "village": village,
            "villages": villages,
            "generate": GenerateForm(user=request.user, initial={"year": year, "town": towns.first()})
            if towns.exists()
            else None,
            "graded": sum(1 for r in rows if r["a"].assessed_at),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def assessment_generate(request):
    """Generate (or refresh, while not graded) the assessments of a town's year."""
    form = GenerateForm(request.POST, user=request.user)
    if not service.office_towns(request.user).exists():
        raise PermissionDenied
    url = reverse("scoring:assessments")
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(url)
    try:
        counts = service.generate(actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for e in errors:
                messages.error(request, e)
    else:
        messages.success(
            request,
            _(
                "%(created)s assessments created, %(refreshed)s refreshed, %(frozen)s graded ones left as they were."
            )
            % counts,
        )
    return redirect(f"{url}?year={form.cleaned_data['year']}")


def _visible(request, pk: int) -> Assessment:
    return get_object_or_404(service.assessments_for_user(request.user), pk=pk)


@login_required
def assessment_sheet(request, pk: int):
    """A cadre's year on one A4 sheet (年终考绩表): each figure with a link to its records,
    the town's grade and comment, lines to sign."""
    a = _visible(request, pk)
    f = {**service._empty(), **(a.figures or {})}
    return render(
        request,
        "scoring/assessment_sheet.html",
        {
            "a": a,
            "f": f,
            "labels": service.FIGURES,
            "can_grade": service.office_towns(request.user).filter(pk=a.town_id).exists(),
            "on_time_hour": service.ON_TIME_HOUR,
        },
    )


@login_required
def assessment_evidence(request, pk: int, figure: str):
    """The records behind one figure of a cadre's year, each linking to its own page."""
    a = _visible(request, pk)
    if figure not in service.FIGURES:
        raise Http404
    return render(
        request,
        "scoring/assessment_evidence.html",
        {"a": a, "ev": service.evidence(a, figure, request.user), "on_time_hour": service.ON_TIME_HOUR},
    )


class GradeForm(forms.Form):
    grade = forms.ChoiceField(
        label=gettext_lazy("town's grade"), choices=Grade.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=gettext_lazy("town's assessment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_grade(request, pk: int):
    """The town office's grade and comment; from then on the figures are frozen."""
    a = _visible(request, pk)
    if not service.office_towns(request.user).filter(pk=a.town_id).exists():
        raise PermissionDenied
    form = GradeForm(request.POST or None, initial={"grade": a.grade or None, "comment": a.comment})
    if request.method == "POST" and form.is_valid():
        try:
            service.grade(assessment=a, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The assessment is saved; its figures are frozen."))
            return redirect("scoring:assessment", pk=a.pk)
    return render(
        request,
        "scoring/assessment_grade.html",
        {"a": a, "form": form, "headline": service.headline(a.figures)},
    )
