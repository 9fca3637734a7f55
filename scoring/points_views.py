"""Pages of the party-member points (党员积分制): a member's own points on a phone (我的积分),
the ledger per village and branch with its export, the manual entry and the reversal,
the rules with their versions, theme party days with attendance, and the yearly bar with
the members below it and their rectifications."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from governance import audit
from governance.filters import prepare
from governance.params import id_param
from governance.scoping import CHANGE, VIEW, can, restrict
from governance.sheets import FORMATS, csv_bytes, xlsx
from grids.models import PartyBranch, Town

from . import points
from .choices import CapPeriod, PointSource
from .models import PointEntry, PointRule, PointsBar, ThemeDay
from .points_filters import LedgerFilter

EXPORT_LIMIT = 50_000
LIST_LIMIT = 300
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or points.this_year())
    except (TypeError, ValueError):
        return points.this_year()
    return year if 2000 <= year <= 2100 else points.this_year()


# ---------------------------------------------------------------------------------------
# 我的积分: the party member's own page
# ---------------------------------------------------------------------------------------


@login_required
def my_points(request):
    """The member's total of the year, their rank in the branch, where the points came
    from, and each entry (a phone first)."""
    member = points.member_of_user(request.user)
    if member is None:
        raise Http404
    year = _year(request)
    entries = points.entries_for_user(request.user).filter(member=member, date__year=year)
    standing = points.branch_standing(member, year)
    return render(
        request,
        "scoring/points_me.html",
        {
            "member": member,
            "year": year,
            "years": [y for y in range(points.this_year(), points.this_year() - 4, -1)],
            "standing": standing,
            "sources": points.totals_by_source(entries),
            "entries": list(entries.order_by("-date", "-id")[:LIST_LIMIT]),
        },
    )


# ---------------------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------------------


def _readers_only(request, model) -> None:
    if not can(request.user, VIEW, model):
        raise PermissionDenied


def _ledger_filters(request):
    data = request.GET.copy()
    data.setdefault("year", str(points.this_year()))
    filterset = LedgerFilter(data, queryset=points.entries_for_user(request.user))
    filterset.filters.pop("town")  # the page shows the user's own towns
    prepare(filterset, request.user)
    form = filterset.form
    for name in ("village", "branch", "member"):
        form.fields[name].empty_label = _("All")
    form.fields["source"].empty_label = _("All")
    return filterset


@login_required
def ledger(request):
    """Entries of the ledger the user reads, filtered by village, branch, member, year and
    source, with their sum; CSV or Excel with ``format=csv|xlsx``."""
    _readers_only(request, PointEntry)
    filterset = _ledger_filters(request)
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return _export(request, queryset, fmt)
    figures = queryset.aggregate(n=Count("id"), total=Sum("points"), members=Count("member", distinct=True))
    rows = list(queryset.order_by("-date", "-id")[:LIST_LIMIT])
    reversed_ids = set(
        PointEntry.objects.filter(reverses_id__in=[e.pk for e in rows]).values_list("reverses_id", flat=True)
    )
    return render(
        request,
        "scoring/points_ledger.html",
        {
            "rows": rows,
            "reversed_ids": reversed_ids,
            "filters": filterset.form,
            "figures": figures,
            "limit": LIST_LIMIT,
            "can_reverse": can(request.user, CHANGE, PointEntry),
            "can_record": points.ledger_members_writable_by(request.user).exists(),
            "can_see_rules": can(request.user, VIEW, PointRule),
            "query": request.GET.urlencode(),
        },
    )


EXPORT_HEADER = [
    gettext_lazy("date"),
    gettext_lazy("village"),
    gettext_lazy("party branch"),
    gettext_lazy("party member"),
    gettext_lazy("rule"),
    gettext_lazy("source"),
    gettext_lazy("points"),
    gettext_lazy("reason"),
    gettext_lazy("recorded by"),
    gettext_lazy("reverses entry"),
    gettext_lazy("entry"),
]


def export_rows(queryset) -> list[list]:
    labels = dict(PointSource.choices)
    return [
        [
            e.date.isoformat(),
            e.village.name,
            e.member.branch.name,
            str(e.member),
            e.rule.name,
            str(labels.get(e.source, e.source)),
            e.points,
            e.reason,
            str(e.recorded_by) if e.recorded_by_id else "",
            e.reverses_id or "",
            e.pk,
        ]
        for e in queryset
    ]


def ledger_file(*, queryset, fmt: str, actor, filters: dict) -> bytes:
    """The filtered ledger as CSV or Excel (formula-like cells escaped by
    governance.sheets), its download recorded in the trail per town."""
    rows = list(queryset.order_by("date", "id")[:EXPORT_LIMIT])
    by_town: dict[int, list[int]] = {}
    for e in rows:
        by_town.setdefault(e.town_id, []).append(e.pk)
    audit.record_export(actor=actor, model=PointEntry, rows_by_town=by_town, fmt=fmt, filters=filters)
    header = [str(h) for h in EXPORT_HEADER]
    body = export_rows(rows)
    return xlsx(_("Points"), header, body) if fmt == "xlsx" else csv_bytes(header, body)


def _export(request, queryset, fmt: str) -> HttpResponse:
    filters = {k: v for k, v in request.GET.items() if k != "format"}
    body = ledger_file(queryset=queryset, fmt=fmt, actor=request.user, filters=filters)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="points-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response


class EntryForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("party member"), queryset=None)
    rule = forms.ModelChoiceField(label=gettext_lazy("rule"), queryset=None)
    points = forms.IntegerField(
        label=gettext_lazy("points"),
        required=False,
        min_value=points.POINTS_MIN,
        max_value=points.POINTS_MAX,
        help_text=gettext_lazy("Empty: the rule's points. A deduction is negative."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    date = forms.DateField(label=gettext_lazy("date"), widget=DATE)
    reason = forms.CharField(label=gettext_lazy("reason"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        members = points.ledger_members_writable_by(user).order_by(
            "village__code", "branch__name", "resident__name"
        )
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m} · {m.branch.name}"
        towns = set(members.values_list("town_id", flat=True).distinct())
        self.fields["rule"].queryset = (
            points.current_rules(towns).filter(source__in=points.MANUAL_SOURCES).order_by("name")
        )


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request):
    """A manual entry (volunteering, or another reason) in a member's ledger."""
    if not points.ledger_members_writable_by(request.user).exists():
        raise PermissionDenied
    initial = {"date": timezone.localdate(), "member": request.GET.get("member") or None}
    form = EntryForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = points.entry_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(points)+d points recorded for %(member)s.")
                % {"points": entry.points, "member": entry.member},
            )
            return redirect(f"{_ledger_url()}?member={entry.member_id}&year={entry.date.year}")
    return render(
        request,
        "scoring/points_form.html",
        {
            "form": form,
            "title": _("Record points by hand"),
            "intro": _("Volunteering or another reason; the points of collected rules arrive by themselves."),
            "submit": _("Record"),
            "cancel": _ledger_url(),
        },
    )


def _ledger_url() -> str:
    from django.urls import reverse

    return reverse("scoring:points-ledger")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason"), max_length=200)


@login_required
@require_http_methods(["GET", "POST"])
def entry_reverse(request, pk: int):
    """Reverse an entry: the opposite points with a reason (the entry itself stays)."""
    entry = get_object_or_404(points.entries_for_user(request.user, CHANGE), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            points.entry_reverse(entry=entry, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The entry is reversed."))
            return redirect(f"{_ledger_url()}?member={entry.member_id}&year={entry.date.year}")
    return render(
        request,
        "scoring/points_form.html",
        {
            "form": form,
            "entry": entry,
            "title": _("Reverse an entry"),
            "intro": _(
                "A reversing entry with the opposite points is written; the entry itself is never changed."
            ),
            "submit": _("Reverse"),
            "danger": True,
            "cancel": _ledger_url(),
        },
    )


# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------


@login_required
def rules(request):
    """Each rule of the user's towns with its versions, the current one first."""
    _readers_only(request, PointRule)
    versions = list(points.rules_for_user(request.user).order_by("town__code", "code", "-valid_from"))
    grouped: dict[tuple, list[PointRule]] = {}
    for v in versions:
        grouped.setdefault((v.town_id, v.code), []).append(v)
    return render(
        request,
        "scoring/points_rules.html",
        {
            "rules": list(grouped.values()),
            "can_change": can(request.user, CHANGE, PointRule),
            "today": timezone.localdate(),
        },
    )


class RuleForm(forms.Form):
    town = forms.ModelChoiceField(label=gettext_lazy("town"), queryset=None)
    code = forms.SlugField(
        label=gettext_lazy("code"),
        max_length=32,
        help_text=gettext_lazy("Latin letters, digits and -, e.g. volunteer"),
    )
    name = forms.CharField(label=gettext_lazy("name"), max_length=64)
    source = forms.ChoiceField(label=gettext_lazy("earned by"), choices=PointSource.choices)
    points = forms.IntegerField(
        label=gettext_lazy("points"), min_value=points.POINTS_MIN, max_value=points.POINTS_MAX
    )
    cap = forms.IntegerField(
        label=gettext_lazy("cap"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=gettext_lazy("At most this many points per period (empty: no cap)."),
    )
    cap_period = forms.ChoiceField(label=gettext_lazy("cap period"), choices=CapPeriod.choices)
    valid_from = forms.DateField(label=gettext_lazy("valid from"), widget=DATE)

    def __init__(self, *args, user, version_of: PointRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if version_of is not None:
            for name in ("town", "code", "source"):
                del self.fields[name]
        else:
            self.fields["town"].queryset = restrict(Town.objects.all(), user, CHANGE).order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request):
    if not can(request.user, CHANGE, PointRule):
        raise PermissionDenied
    towns = restrict(Town.objects.all(), request.user, CHANGE)
    initial = {"valid_from": timezone.localdate(), "cap_period": CapPeriod.MONTH, "town": towns.first()}
    form = RuleForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            points.rule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The rule is saved."))
            return redirect("scoring:points-rules")
    return render(
        request,
        "scoring/points_form.html",
        {"form": form, "title": _("A new rule"), "submit": _("Save"), "cancel": _rules_url()},
    )


def _rules_url() -> str:
    from django.urls import reverse

    return reverse("scoring:points-rules")


@login_required
@require_http_methods(["GET", "POST"])
def rule_version(request, pk: int):
    """A new version of a rule from a date on; the versions before stay as they were."""
    rule = get_object_or_404(points.rules_for_user(request.user, CHANGE), pk=pk)
    latest = PointRule.objects.filter(town_id=rule.town_id, code=rule.code).order_by("-valid_from").first()
    today = timezone.localdate()
    initial = {
        "name": latest.name,
        "points": latest.points,
        "cap": latest.cap,
        "cap_period": latest.cap_period,
        "valid_from": max(today, latest.valid_from + datetime.timedelta(days=1)),
    }
    form = RuleForm(request.POST or None, user=request.user, version_of=latest, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            points.rule_new_version(rule=latest, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The new version is saved."))
            return redirect("scoring:points-rules")
    return render(
        request,
        "scoring/points_form.html",
        {
            "form": form,
            "title": _("A new version of %(rule)s") % {"rule": latest.name},
            "intro": _(
                "The current version ends the day before the new one starts; what was earned under it stays as it was."
            ),
            "submit": _("Save the new version"),
            "cancel": _rules_url(),
        },
    )


# ---------------------------------------------------------------------------------------
# Theme party days (主题党日)
# ---------------------------------------------------------------------------------------


@login_required
def theme_days(request):
    _readers_only(request, ThemeDay)
    year = _year(request)
    days = (
        points.theme_days_for_user(request.user)
        .filter(date__year=year)
        .annotate(
            present=Count("attendance", filter=Q(attendance__present=True)), invited=Count("attendance")
        )
        .order_by("-date", "village__code")
    )
    writable = points.branches_writable_by(request.user)
    today = timezone.localdate()
    return render(
        request,
        "scoring/points_theme_days.html",
        {
            "days": list(days[:LIST_LIMIT]),
            "year": year,
            "years": [y for y in range(points.this_year(), points.this_year() - 4, -1)],
            "can_record": writable.exists(),
            "next_day": points.next_theme_day(today),
        },
    )


class ThemeDayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("date"), widget=DATE)
    topics = forms.CharField(
        label=gettext_lazy("topics"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The village matters put to the members."),
    )
    note = forms.CharField(
        label=gettext_lazy("note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for m in self.members:
            self.fields[f"present_{m.pk}"] = forms.BooleanField(
                label=str(m), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            )
            self.fields[f"note_{m.pk}"] = forms.CharField(
                label=gettext_lazy("note"), required=False, max_length=200
            )

    def rows(self):
        return [(m, self[f"present_{m.pk}"], self[f"note_{m.pk}"]) for m in self.members]

    def attendance(self) -> dict:
        data = self.cleaned_data
        return {m.pk: (bool(data[f"present_{m.pk}"]), data[f"note_{m.pk}"]) for m in self.members}


def _branch_members(branch: PartyBranch):
    return branch.members.filter(deleted_at__isnull=True).select_related("resident").order_by("id")


@login_required
@require_http_methods(["GET", "POST"])
def theme_day_new(request):
    """Record a theme party day: choose the branch, then the meeting and who came."""
    branches = points.branches_writable_by(request.user).order_by("village__code", "name")
    if not branches.exists():
        raise PermissionDenied
    branch = None
    chosen = request.POST.get("branch") or request.GET.get("branch")
    if id_param(chosen) is not None:
        branch = branches.filter(pk=id_param(chosen)).first()
    if branch is None and branches.count() == 1:
        branch = branches.first()
    if branch is None:
        return render(request, "scoring/points_theme_day_form.html", {"branches": branches, "form": None})
    today = timezone.localdate()
    friday = points.first_friday(today.year, today.month)
    members = _branch_members(branch)
    initial = {"date": friday if friday <= today else today}
    initial.update({f"present_{m.pk}": True for m in members})
    form = ThemeDayForm(request.POST or None, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            day = points.theme_day_record(
                branch=branch,
                date=form.cleaned_data["date"],
                topics=form.cleaned_data["topics"],
                note=form.cleaned_data["note"],
                attendance=form.attendance(),
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The theme party day is recorded; attendance earns points."))
            return redirect("scoring:theme-day", pk=day.pk)
    return render(
        request,
        "scoring/points_theme_day_form.html",
        {"branches": branches, "branch": branch, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def theme_day(request, pk: int):
    """A theme party day with its attendance; its branch's cadres and the office change
    it (a member marked absent afterwards loses the day's points by a reversal)."""
    day = get_object_or_404(points.theme_days_for_user(request.user), pk=pk)
    writable = points.theme_days_for_user(request.user, CHANGE).filter(pk=pk).exists()
    rows = list(day.attendance.select_related("member__resident").order_by("-present", "member_id"))
    form = None
    if writable:
        members = _branch_members(day.branch)
        initial = {"date": day.date, "topics": day.topics, "note": day.note}
        for a in rows:
            initial[f"present_{a.member_id}"], initial[f"note_{a.member_id}"] = a.present, a.note
        form = ThemeDayForm(request.POST or None, members=members, initial=initial)
        form.fields["date"].disabled = True
        if request.method == "POST" and form.is_valid():
            try:
                points.theme_day_update(
                    day=day,
                    topics=form.cleaned_data["topics"],
                    note=form.cleaned_data["note"],
                    attendance=form.attendance(),
                    actor=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The theme party day is saved."))
                return redirect("scoring:theme-day", pk=day.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "scoring/points_theme_day.html",
        {"day": day, "rows": rows, "form": form, "present": sum(1 for a in rows if a.present)},
    )


# ---------------------------------------------------------------------------------------
# The yearly bar and rectifications (整改)
# ---------------------------------------------------------------------------------------


class BarForm(forms.Form):
    town = forms.ModelChoiceField(label=gettext_lazy("town"), queryset=None)
    minimum = forms.IntegerField(label=gettext_lazy("minimum points"), min_value=0, max_value=10000)


@login_required
@require_http_methods(["GET", "POST"])
def bar(request):
    """The year's bar of the user's towns, the members below it with their totals, and
    the rectifications recorded; the office sets the bar."""
    _readers_only(request, PointsBar)
    year = _year(request)
    towns = restrict(Town.objects.all(), request.user, CHANGE).order_by("code")
    form = None
    if can(request.user, CHANGE, PointsBar) and towns.exists():
        current = PointsBar.objects.filter(town__in=towns, year=year).order_by("town__code").first()
        form = BarForm(
            request.POST or None,
            initial={"town": towns.first(), "minimum": current.minimum if current else None},
        )
        form.fields["town"].queryset = towns
        if request.method == "POST" and form.is_valid():
            try:
                points.bar_set(actor=request.user, year=year, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The bar is set."))
                return redirect(f"{request.path}?year={year}")
    elif request.method == "POST":
        raise PermissionDenied
    bars = list(points.bars_for_user(request.user).filter(year=year).order_by("town__code"))
    below = list(points.below_bar(request.user, year)[:LIST_LIMIT])
    rects = {r.member_id: r for r in points.rectifications_for_user(request.user).filter(year=year)}
    writable = set(points.members_writable_by(request.user).values_list("pk", flat=True))
    for m in below:
        m.rectification = rects.get(m.pk)
        m.writable = m.pk in writable
    return render(
        request,
        "scoring/points_bar.html",
        {
            "year": year,
            "years": [y for y in range(points.this_year(), points.this_year() - 4, -1)],
            "bars": bars,
            "below": below,
            "rectifications": sorted(rects.values(), key=lambda r: (r.village.code, r.member_id)),
            "form": form,
        },
    )


class RectificationForm(forms.Form):
    plan = forms.CharField(
        label=gettext_lazy("rectification plan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    done_on = forms.DateField(label=gettext_lazy("rectified on"), required=False, widget=DATE)
    result = forms.CharField(
        label=gettext_lazy("result"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rectification_new(request):
    """Record a member's rectification (the member and year from the bar's list)."""
    members = points.members_writable_by(request.user)
    member_id = request.GET.get("member") or ""
    member = members.filter(pk=id_param(member_id)).first() if id_param(member_id) else None
    if member is None:
        raise Http404
    year = _year(request)
    form = RectificationForm(request.POST or None)
    del form.fields["done_on"], form.fields["result"]
    if request.method == "POST" and form.is_valid():
        try:
            points.rectification_record(
                member=member, year=year, plan=form.cleaned_data["plan"], actor=request.user
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The rectification is recorded."))
            return redirect(f"{_bar_url()}?year={year}")
    return render(
        request,
        "scoring/points_form.html",
        {
            "form": form,
            "title": _("Rectification of %(member)s, %(year)s") % {"member": member, "year": year},
            "submit": _("Record"),
            "cancel": f"{_bar_url()}?year={year}",
        },
    )


def _bar_url() -> str:
    from django.urls import reverse

    return reverse("scoring:points-bar")


@login_required
@require_http_methods(["GET", "POST"])
def rectification(request, pk: int):
    rect = get_object_or_404(points.rectifications_for_user(request.user), pk=pk)
    writable = points.rectifications_for_user(request.user, CHANGE).filter(pk=pk).exists()
    if not writable and request.method == "POST":
        raise PermissionDenied
    initial = {"plan": rect.plan, "done_on": rect.done_on, "result": rect.result}
    form = RectificationForm(request.POST or None, initial=initial)
    for field in form.fields.values():
        field.disabled = not writable
    if request.method == "POST" and form.is_valid():
        try:
            points.rectification_update(rectification=rect, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The rectification is saved."))
            return redirect(f"{_bar_url()}?year={rect.year}")
    return render(
        request,
        "scoring/points_form.html",
        {
            "form": form,
            "title": _("Rectification of %(member)s, %(year)s") % {"member": rect.member, "year": rect.year},
            "intro": _("%(points)s points in the year when it was recorded.") % {"points": rect.points},
            "submit": _("Save") if writable else None,
            "cancel": f"{_bar_url()}?year={rect.year}",
        },
    )
