"""Pages of the quarterly bulletin (一季一通报): the list of a user's bulletins with the
town office's generate form and publish buttons, a bulletin as a printable A4 page with
its charts, its PDF, and the public pages of a town's published bulletins (no log-in).

Who reads what is the bulletins' scoping rule (scoring/policies.py): the town office and
supervisors every bulletin of their towns, a village's cadres their town's published
ones; anything else does not exist (404). The public pages show published bulletins
only, by the town's code; the content holds no personal data (scoring/bulletin.py).
The writes are bulletin.py's services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from governance.api.throttles import public_door
from governance.scoping import VIEW, can, restrict
from grids.models import Town

from . import bulletin as service
from . import bulletin_pdf, ranking
from .models import Bulletin

QUARTERS_OFFERED = 8  # the ended quarters the generate form offers


def towns_for(user) -> list[Town]:
    """The towns whose bulletins ``user`` may read."""
    if not can(user, VIEW, Bulletin):
        return []
    return list(restrict(Town.objects.all(), user, VIEW).order_by("code"))


def office_towns(user, towns: list[Town]) -> list[Town]:
    kept = ranking.office_towns(user)
    return [t for t in towns if kept is None or t.pk in kept]


def ended_quarters(today, n: int = QUARTERS_OFFERED) -> list[tuple[int, int]]:
    year, quarter = service.last_quarter(today)
    out = []
    for _i in range(n):
        out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out


class GenerateForm(forms.Form):
    """The town and the ended quarter to generate."""

    town = forms.ModelChoiceField(queryset=Town.objects.none(), label=gettext_lazy("Town"), empty_label=None)
    period = forms.ChoiceField(label=gettext_lazy("Quarter"))

    def __init__(self, *args, towns: list[Town], today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Town.objects.filter(pk__in=[t.pk for t in towns]).order_by("code")
        self.fields["period"].choices = [
            (f"{y}-{q}", _("%(year)s Q%(quarter)s") % {"year": y, "quarter": q})
            for y, q in ended_quarters(today)
        ]

    def clean_period(self):
        year, quarter = self.cleaned_data["period"].split("-")
        return int(year), int(quarter)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error("period" if key in ("year", "quarter") else None, errors)
    else:
        form.add_error(None, exc.messages)


def _version_notes(rows: list[Bulletin]) -> dict[int, bool]:
    """For each bulletin, whether a later version of its quarter is among ``rows``."""
    latest: dict[tuple, int] = {}
    for b in rows:
        key = (b.town_id, b.year, b.quarter)
        latest[key] = max(latest.get(key, 0), b.version)
    return {b.pk: b.version < latest[(b.town_id, b.year, b.quarter)] for b in rows}


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_list(request):
    """The bulletins the user reads, newest quarter first; the town office generates a
    quarter's (again: a new version) and publishes from here."""
    towns = towns_for(request.user)
    if not towns:
        raise PermissionDenied
    kept = office_towns(request.user, towns)
    today = timezone.localdate()
    form = GenerateForm(request.POST or None, towns=kept, today=today) if kept else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            year, quarter = form.cleaned_data["period"]
            try:
                made = service.bulletin_generate(
                    town=form.cleaned_data["town"], year=year, quarter=quarter, actor=request.user
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Generated: version %(version)d, not yet published.") % {"version": made.version},
                )
                return redirect("scoring:bulletin", pk=made.pk)
    rows = list(
        restrict(Bulletin.objects.select_related("town"), request.user, VIEW)
        .defer("content")
        .order_by("-year", "-quarter", "town__code", "-version")[:200]
    )
    superseded = _version_notes(rows)
    return render(
        request,
        "scoring/bulletins.html",
        {
            "rows": [{"bulletin": b, "superseded": superseded[b.pk]} for b in rows],
            "form": form,
            "office_towns": {t.pk for t in kept},
            "towns": towns,
        },
    )


def _present(bulletin: Bulletin) -> dict:
    """The content as the page shows it: formatted figures and the charts' data."""
    c = bulletin.content
    fmt = bulletin_pdf
    rows = [
        {
            **r,
            "score_text": f"{r['score']:.2f}" if r["score"] is not None else None,
            "months_text": [
                None
                if m is None
                else {"score": f"{m['score']:.2f}" if m["score"] is not None else None, "rank": m["rank"]}
                for m in r["months"]
            ],
        }
        for r in c["ranking"]["rows"]
    ]
    best, worst = c.get("best"), c.get("worst")
    compared = []
    if best:
        for n, item in enumerate(best["indicators"]):
            other = worst["indicators"][n] if worst else None
            compared.append(
                {
                    "label": fmt.indicator_label(item["key"]),
                    "best": fmt.rate(item["value"]) if item["rated"] else None,
                    "worst": (fmt.rate(other["value"]) if other["rated"] else None) if other else None,
                    "town": fmt.rate(item["town"]),
                }
            )
    cases = c["cases"]
    charts = {
        "ranking": {
            "names": [r["village"] for r in c["ranking"]["rows"] if r["score"] is not None],
            "scores": [r["score"] for r in c["ranking"]["rows"] if r["score"] is not None],
        },
        "weeks": {"labels": cases["weeks"]["labels"], "totals": cases["weeks"]["totals"]},
        "satisfaction": [
            {"name": r["name"], "value": r["value"]}
            for r in cases["satisfaction_split"]["rows"]
            if r["value"]
        ],
        "texts": {
            "score": _("Quarter score"),
            "reported": _("Cases reported per week"),
            "empty": _("No data in this period"),
        },
    }
    return {
        "title": fmt.title(c),
        "months": [fmt.month_label(m["start"]) for m in c["months"]],
        "missing_months": [fmt.month_label(m["start"]) for m in c["months"] if m["snapshot"] is None],
        "rows": rows,
        "best": best,
        "worst": worst,
        "compared": compared,
        "inspections": c["inspections"],
        "cases": cases,
        "cases_rows": [
            {
                **r,
                "in_time_text": fmt.percent(r["in_time"]),
                "satisfaction_text": fmt.percent(r["satisfaction"]),
            }
            for r in cases["per_village"]
        ],
        "in_time": fmt.percent(cases["in_time"]),
        "satisfaction": fmt.percent(cases["satisfaction"]),
        "charts": charts,
    }


def _page(request, bulletin: Bulletin, *, back: str, pdf: str, office: bool = False, public: bool = False):
    later = Bulletin.objects.filter(
        town_id=bulletin.town_id, year=bulletin.year, quarter=bulletin.quarter, version__gt=bulletin.version
    )
    if public or bulletin.published_at:
        later = later.filter(published_at__isnull=False)
    return render(
        request,
        "scoring/bulletin.html",
        {
            "bulletin": bulletin,
            "c": _present(bulletin),
            "back": back,
            "pdf": pdf,
            "office": office,
            "public": public,
            "newer": later.aggregate(v=Max("version"))["v"],
        },
    )


def _pdf_response(bulletin: Bulletin) -> HttpResponse:
    response = HttpResponse(bulletin_pdf.pdf_bytes(bulletin), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{bulletin_pdf.file_name(bulletin)}"'
    return response


def _readable(request, pk: int) -> Bulletin:
    return get_object_or_404(restrict(Bulletin.objects.select_related("town"), request.user, VIEW), pk=pk)


@login_required
def bulletin_page(request, pk: int):
    """A bulletin as a printable A4 page, with its charts on screen."""
    bulletin = _readable(request, pk)
    kept = ranking.office_towns(request.user)
    office = kept is None or bulletin.town_id in kept
    return _page(
        request,
        bulletin,
        back=reverse("scoring:bulletins"),
        pdf=reverse("scoring:bulletin-pdf", args=[bulletin.pk]),
        office=office,
    )


@login_required
def bulletin_pdf_view(request, pk: int):
    return _pdf_response(_readable(request, pk))


@login_required
@require_POST
def bulletin_publish_view(request, pk: int):
    bulletin = _readable(request, pk)
    service.bulletin_publish(bulletin=bulletin, actor=request.user)  # PermissionDenied: 403
    messages.success(request, _("Published: the villages' cadres and the public read this bulletin now."))
    return redirect("scoring:bulletin", pk=bulletin.pk)


# ---------------------------------------------------------------------------------------
# The public pages (no log-in)
# ---------------------------------------------------------------------------------------


def _public_town(code: str) -> Town:
    return get_object_or_404(Town, code=code, deleted_at__isnull=True)


def _published(town: Town):
    return Bulletin.objects.filter(town=town, published_at__isnull=False)


@public_door(methods=("GET",))
def public_list(request, code: str):
    """A town's published bulletins, each quarter's latest published version."""
    town = _public_town(code)
    rows = list(_published(town).defer("content").order_by("-year", "-quarter", "-version"))
    latest = []
    seen = set()
    for b in rows:
        if (b.year, b.quarter) not in seen:
            seen.add((b.year, b.quarter))
            latest.append(b)
    return render(request, "scoring/bulletins_public.html", {"town": town, "rows": latest})


@public_door(methods=("GET",))
def public_page(request, code: str, pk: int):
    town = _public_town(code)
    bulletin = get_object_or_404(_published(town).select_related("town"), pk=pk)
    bulletin.content = service.public_content(bulletin.content)  # shown, never saved
    return _page(
        request,
        bulletin,
        back=reverse("scoring:public-town-bulletins", args=[town.code]),
        pdf=reverse("scoring:public-town-bulletin-pdf", args=[town.code, bulletin.pk]),
        public=True,
    )


@public_door(methods=("GET",))
def public_pdf(request, code: str, pk: int):
    town = _public_town(code)
    bulletin = get_object_or_404(_published(town).select_related("town"), pk=pk)
    bulletin.content = service.public_content(bulletin.content)  # shown, never saved
    return _pdf_response(bulletin)
