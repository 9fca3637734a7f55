"""Pages of the village rankings (一月一排名): the ranking table of a town's week or month
(any version; sortable by every column; CSV and Excel), a village's explanation in a
snapshot with its evidence and its trend over the last 12 periods, the town office's
recompute and publish buttons, and its weights editor.

Who reads what is the snapshots' scoping rule (scoring/policies.py): the town office and
supervisors every snapshot of their towns, a village's cadres their town's published
ones (a draft does not exist for them: 404). The writes are ranking.py's services.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from governance import audit
from governance.params import id_param
from governance.scoping import VIEW, can, restrict
from governance.sheets import FORMATS, csv_bytes, xlsx
from grids.models import Town

from . import ranking
from .choices import Indicator, PeriodKind
from .models import Snapshot, SnapshotRow

TREND_PERIODS = 12
PERIOD_CHOICES = 60  # the newest periods offered in the picker

# How each indicator's evidence is shown: (key in the evidence, label, what the ids are).
EVIDENCE = {
    Indicator.LOG_COMPLETENESS: ("missing_days", gettext_lazy("Duty days without a signed log"), "day"),
    Indicator.DUTY_HOURS: ("short_logs", gettext_lazy("Duty logs short of 8 hours"), "log"),
    Indicator.INSPECTION_SCORE: (
        "low_inspections",
        gettext_lazy("Inspections scored below 60"),
        "inspection",
    ),
    Indicator.ABSENCES: (
        "absent_inspections",
        gettext_lazy("Inspections that found the post deserted (脱岗)"),
        "inspection",
    ),
    Indicator.FLAGS_UPHELD: ("flags", gettext_lazy("Flags upheld"), "flag"),
    Indicator.CASE_TIMELINESS: ("late_cases", gettext_lazy("Cases not handled within the deadline"), "case"),
    Indicator.SATISFACTION: ("unsatisfied_cases", gettext_lazy("Cases rated not satisfied"), "case"),
    Indicator.SORTING_PASS: ("logs", gettext_lazy("Duty logs with a failed spot check"), "log"),
}
# Short column headings for the table (the indicators' full names are in the legend).
SHORT = {
    Indicator.LOG_COMPLETENESS: gettext_lazy("Logs"),
    Indicator.DUTY_HOURS: gettext_lazy("Hours"),
    Indicator.INSPECTION_SCORE: gettext_lazy("Inspection"),
    Indicator.ABSENCES: gettext_lazy("Present"),
    Indicator.FLAGS_UPHELD: gettext_lazy("No flag"),
    Indicator.VISIT_COVERAGE: gettext_lazy("Visits"),
    Indicator.CASE_TIMELINESS: gettext_lazy("Cases in time"),
    Indicator.SATISFACTION: gettext_lazy("Satisfaction"),
    Indicator.SORTING_PASS: gettext_lazy("Sorting"),
}


def towns_for(user) -> list[Town]:
    """The towns whose rankings ``user`` may open."""
    if not can(user, VIEW, Snapshot):
        return []
    return list(restrict(Town.objects.all(), user, VIEW).order_by("code"))


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _percent(value) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _cells(row: SnapshotRow) -> list[dict]:
    out = []
    for indicator in ranking.INDICATORS:
        cell = row.values.get(indicator) or {}
        out.append(
            {
                "key": indicator,
                "rated": bool(cell.get("rated")),
                "value": cell.get("value"),
                "percent": _percent(cell.get("value")),
                "events": cell.get("events", 0),
            }
        )
    return out


def _snapshots(user, town: Town, kind: str):
    return restrict(Snapshot.objects.filter(town=town, kind=kind), user, VIEW)


def _office_of(user, town: Town) -> bool:
    towns = ranking.office_towns(user)
    return towns is None or town.pk in towns


@login_required
def ranking_page(request):
    """A town's ranking for one week or month and version: rank, change, score and each
    indicator per village, sortable by any column; CSV/Excel with ``format``."""
    towns = towns_for(request.user)
    if not towns:
        raise PermissionDenied
    wanted = request.GET.get("town")
    town = next((t for t in towns if str(t.pk) == wanted), None if wanted else towns[0])
    if town is None:
        raise Http404
    kind = request.GET.get("kind") if request.GET.get("kind") in PeriodKind.values else PeriodKind.MONTH
    snapshots = _snapshots(request.user, town, kind)
    starts = list(snapshots.values_list("start", flat=True).distinct().order_by("-start")[:PERIOD_CHOICES])
    start = _date(request.GET.get("start"))
    if start not in starts:
        start = starts[0] if starts else None
    versions = list(snapshots.filter(start=start).order_by("-version")) if start else []
    version = id_param(request.GET.get("version"))
    snapshot = next((s for s in versions if s.version == version), versions[0] if versions else None)
    rows = []
    if snapshot is not None:
        rows = list(snapshot.rows.select_related("village").order_by("rank", "village__code"))
        # a rank None (nothing rated) sorts last on every database
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.village.code))
    fmt = request.GET.get("format")
    if fmt in FORMATS and snapshot is not None:
        return _export(request, snapshot, rows, fmt)
    office = _office_of(request.user, town)
    today = timezone.localdate()
    context = {
        "towns": towns,
        "town": town,
        "kind": kind,
        "kinds": PeriodKind.choices,
        "starts": starts,
        "start": start,
        "versions": versions,
        "snapshot": snapshot,
        "rows": [{"row": r, "cells": _cells(r)} for r in rows],
        "indicators": [(k, SHORT[k], label) for k, label in Indicator.choices],
        "office": office,
        "compute_starts": _computable(kind, today) if office else [],
        "best": rows[0] if rows and rows[0].rank else None,
        "worst": next((r for r in reversed(rows) if r.rank), None),
        "query": urlencode({"town": town.pk, "kind": kind, **({"start": start} if start else {})}),
    }
    if snapshot is not None:
        context["query"] = urlencode(
            {"town": town.pk, "kind": kind, "start": start, "version": snapshot.version}
        )
    return render(request, "scoring/ranking.html", context)


def _computable(kind: str, today: datetime.date) -> list[datetime.date]:
    """The ended periods the office may (re)compute from the page: the last year's."""
    n = 53 if kind == PeriodKind.WEEK else 12
    return ranking.starts_back(kind, ranking.last_complete(kind, today), n)[::-1]


EXPORT_HEADERS = ["排名", "上期排名", "村（社区）", "得分"]


def _export(request, snapshot: Snapshot, rows: list[SnapshotRow], fmt: str) -> HttpResponse:
    """The table as a sheet: a value per indicator (不参评 where not rated). A village's
    name that looks like a formula stays text (governance.sheets). Audited."""
    with translation.override("zh-hans"):
        header = [*EXPORT_HEADERS, *(str(label) for _k, label in Indicator.choices)]
        body = [
            [
                row.rank or "",
                row.previous_rank or "",
                row.village.name,
                float(row.score) if row.score is not None else "",
                *(c["percent"] if c["rated"] else "不参评" for c in _cells(row)),
            ]
            for row in rows
        ]
        title = f"{snapshot.town.name}{snapshot.get_kind_display()}排名"
    data = xlsx(title[:31], header, body) if fmt == "xlsx" else csv_bytes(header, body)
    audit.record_export(
        actor=request.user,
        model=SnapshotRow,
        rows_by_town={snapshot.town_id: [row.pk for row in rows]},
        fmt=fmt,
        filters={"snapshot": snapshot.pk},
    )
    response = HttpResponse(data, content_type=FORMATS[fmt])
    name = f"ranking-{snapshot.kind}-{snapshot.start:%Y%m%d}-v{snapshot.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _links(indicator: str, evidence: dict, snapshot: Snapshot, village_id: int) -> dict | None:
    """The evidence of one indicator as links to the pages that show it."""
    month = f"{snapshot.start:%Y-%m}"
    if indicator == Indicator.VISIT_COVERAGE:
        url = f"{reverse('duty:visits')}?{urlencode({'village': village_id, 'month': month})}"
        return {
            "label": _("Households not visited in the period"),
            "count": evidence.get("unvisited", 0),
            "items": [],
            "url": url,
        }
    spec = EVIDENCE.get(indicator)
    if spec is None:
        return None
    key, label, what = spec
    items = []
    for value in evidence.get(key, []):
        if what == "day":
            url = f"{reverse('duty:month')}?{urlencode({'town': snapshot.town_id, 'month': value[:7]})}"
            items.append((value, url))
        elif what == "log":
            items.append((f"#{value}", reverse("duty:log", args=[value])))
        elif what == "inspection":
            items.append((f"#{value}", reverse("duty:inspection", args=[value])))
        elif what == "case":
            items.append((f"#{value}", reverse("cases:detail", args=[value])))
        elif what == "flag":
            items.append((f"#{value}", f"{reverse('duty:flags')}?{urlencode({'village': village_id})}"))
    return {"label": label, "items": items, "more": evidence.get("more", 0), "count": len(items)}


@login_required
def village_page(request, pk: int, village_id: int):
    """One village in one snapshot: why its score and rank are what they are — each
    indicator's value, events, rated or not, weight and share, points against the town's
    mean, the rank without it, its evidence linked; and its trend over 12 periods."""
    if id_param(pk) is None or id_param(village_id) is None:
        raise Http404
    snapshot = get_object_or_404(restrict(Snapshot.objects.select_related("town"), request.user, VIEW), pk=pk)
    row = get_object_or_404(snapshot.rows.select_related("village"), village_id=village_id)
    all_rows = list(snapshot.rows.values_list("values", flat=True))
    ranked = sum(1 for r in snapshot.rows.all() if r.rank is not None)
    explained = []
    labels = dict(Indicator.choices)
    for indicator in ranking.INDICATORS:
        cell = row.values.get(indicator) or {}
        points = [v[indicator]["points"] for v in all_rows if v.get(indicator, {}).get("points") is not None]
        moved = None
        if row.rank is not None and cell.get("rank_without") is not None:
            moved = cell["rank_without"] - row.rank  # places it gained (+) or cost (−)
        explained.append(
            {
                "key": indicator,
                "label": labels[indicator],
                "value": cell.get("value"),
                "percent": _percent(cell.get("value")),
                "events": cell.get("events", 0),
                "min_events": cell.get("min_events"),
                "rated": bool(cell.get("rated")),
                "weight": cell.get("weight", 0),
                "share": _percent(cell.get("share")) if cell.get("rated") else "",
                "points": cell.get("points"),
                "mean_points": round(sum(points) / len(points), 2) if points else None,
                "rank_without": cell.get("rank_without"),
                "moved": moved,
                "moved_abs": abs(moved) if moved is not None else None,
                "evidence": _links(indicator, cell.get("evidence") or {}, snapshot, village_id),
            }
        )
    trend = _trend(request.user, snapshot, village_id)
    return render(
        request,
        "scoring/ranking_village.html",
        {
            "snapshot": snapshot,
            "row": row,
            "village": row.village,
            "explained": explained,
            "ranked": ranked,
            "trend": trend,
            "trend_rows": list(zip(trend["labels"], trend["scores"], trend["ranks"], strict=True)),
            "change_abs": abs(row.change) if row.change is not None else None,
            "back": f"{reverse('scoring:ranking')}?"
            + urlencode(
                {
                    "town": snapshot.town_id,
                    "kind": snapshot.kind,
                    "start": snapshot.start,
                    "version": snapshot.version,
                }
            ),
        },
    )


def _trend(user, snapshot: Snapshot, village_id: int) -> dict:
    """The village's score and rank over the last 12 periods up to this one, each from
    the period's current snapshot the user may read (two queries)."""
    starts = ranking.starts_back(snapshot.kind, snapshot.start, TREND_PERIODS)
    visible = restrict(
        Snapshot.objects.filter(town_id=snapshot.town_id, kind=snapshot.kind, start__in=starts), user, VIEW
    )
    current = {s["start"]: s["v"] for s in visible.values("start").annotate(v=Max("version")).order_by()}
    found = {}
    rows = SnapshotRow.objects.filter(snapshot__in=visible, village_id=village_id).values_list(
        "snapshot__start", "snapshot__version", "score", "rank"
    )
    for start, version, score, rank in rows:
        if current.get(start) == version:
            found[start] = (float(score) if score is not None else None, rank)
    fmt = "%m-%d" if snapshot.kind == PeriodKind.WEEK else "%Y-%m"
    return {
        "labels": [s.strftime(fmt) for s in starts],
        "scores": [found.get(s, (None, None))[0] for s in starts],
        "ranks": [found.get(s, (None, None))[1] for s in starts],
        "texts": {"score": _("Score"), "rank": _("Rank"), "empty": _("No ranking in these periods")},
    }


@login_required
@require_POST
def compute_view(request):
    """The town office computes a period (again): a new version."""
    town = get_object_or_404(
        restrict(Town.objects.all(), request.user, VIEW), pk=id_param(request.POST.get("town"))
    )
    if not _office_of(request.user, town):
        raise PermissionDenied
    kind = request.POST.get("kind", "")
    start = _date(request.POST.get("start"))
    back = f"{reverse('scoring:ranking')}?{urlencode({'town': town.pk, 'kind': kind if kind in PeriodKind.values else 'month'})}"
    if start is None:
        messages.error(request, _("Choose the period to compute."))
        return redirect(back)
    try:
        snapshot = ranking.snapshot_recompute(town=town, kind=kind, start=start, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        _("Computed: version %(version)d, not yet published.") % {"version": snapshot.version},
    )
    return redirect(
        f"{reverse('scoring:ranking')}?"
        + urlencode({"town": town.pk, "kind": kind, "start": start, "version": snapshot.version})
    )


@login_required
@require_POST
def publish_view(request, pk: int):
    snapshot = get_object_or_404(restrict(Snapshot.objects.all(), request.user, VIEW), pk=pk)
    ranking.snapshot_publish(snapshot=snapshot, actor=request.user)  # PermissionDenied: 403
    messages.success(request, _("Published: the villages' cadres see this ranking now."))
    return redirect(
        f"{reverse('scoring:ranking')}?"
        + urlencode(
            {
                "town": snapshot.town_id,
                "kind": snapshot.kind,
                "start": snapshot.start,
                "version": snapshot.version,
            }
        )
    )


class WeightsForm(forms.Form):
    """A weight (0–100) and the fewest events (1–1000) per indicator."""

    def __init__(self, *args, scheme: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for indicator, label in Indicator.choices:
            weight, min_events = scheme[indicator]
            self.fields[f"{indicator}_weight"] = forms.IntegerField(
                label=label, min_value=0, max_value=100, initial=weight
            )
            self.fields[f"{indicator}_min_events"] = forms.IntegerField(
                label=_("fewest events"), min_value=1, max_value=1000, initial=min_events
            )

    def pairs(self):
        for indicator, label in Indicator.choices:
            yield label, self[f"{indicator}_weight"], self[f"{indicator}_min_events"]

    def values(self) -> dict:
        return {
            k: (self.cleaned_data[f"{k}_weight"], self.cleaned_data[f"{k}_min_events"])
            for k in Indicator.values
        }


@login_required
@require_http_methods(["GET", "POST"])
def weights_page(request):
    """The town office's weights editor: a weight and the fewest events per indicator."""
    towns = [t for t in towns_for(request.user) if _office_of(request.user, t)]
    if not towns:
        raise PermissionDenied
    wanted = request.GET.get("town")
    town = next((t for t in towns if str(t.pk) == wanted), None if wanted else towns[0])
    if town is None:
        raise Http404
    scheme = ranking.weights_of([town.pk])[town.pk]
    form = WeightsForm(request.POST if request.method == "POST" else None, scheme=scheme)
    if request.method == "POST" and form.is_valid():
        try:
            ranking.weights_save(town=town, values=form.values(), actor=request.user)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("The weights are saved: the next ranking uses them."))
            return redirect(f"{reverse('scoring:weights')}?town={town.pk}")
    return render(request, "scoring/ranking_weights.html", {"form": form, "towns": towns, "town": town})
