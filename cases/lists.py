"""List pages: the case lists of those who work them (inbox, dispatch, overdue, all) with
their filters, sort, pages and Excel export, and the public board (公示板) with its
printable notice (公示)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy

from governance import audit
from governance.api.throttles import public_door
from governance.filters import prepare
from governance.scoping import restrict
from governance.sheets import FORMATS, xlsx
from governance.workdays import countdowns
from grids.models import Town, Village

from . import transitions
from .choices import CaseState
from .models import Case
from .page_filters import PAGE_SIZE, CasePageFilter
from .policies import report_q
from .selectors import BOARD_CLOSED_DAYS, STATE_TONES, board_cases, board_page, holder_name, short
from .transitions import moves_q

TABS = {
    "inbox": gettext_lazy("My inbox"),
    "dispatch": gettext_lazy("To dispatch"),
    "overdue": gettext_lazy("Overdue"),
    "all": gettext_lazy("All cases"),
}
# The parameters that filter (a link with any of them and no tab means "all cases").
FILTER_PARAMS = (
    "village",
    "grid",
    "kind",
    "state",
    "level",
    "overdue",
    "supervised",
    "mine",
    "q",
    "from",
    "to",
)
# The printed notice lists at most this many cases (the newest); it says so when cut.
NOTICE_MAX_ROWS = 300


def _with_countdowns(cases: list[Case]) -> list[dict]:
    """Rows for a template: each case with its countdown ("剩 2 个工作日") and badge
    colour; one calendar read per town among the rows (one, for nearly everyone)."""
    by_town: dict[int, list[Case]] = {}
    for case in cases:
        by_town.setdefault(case.town_id, []).append(case)
    left = {}
    for town_id, town_cases in by_town.items():
        for case, countdown in zip(
            town_cases, countdowns([c.deadline for c in town_cases], town_id=town_id), strict=True
        ):
            left[case.pk] = countdown if case.is_open else None
    return [
        {"case": c, "countdown": left[c.pk], "tone": STATE_TONES.get(c.state, "secondary")} for c in cases
    ]


def _tab(request, inbox) -> str:
    tab = request.GET.get("tab")
    if tab in TABS:
        return tab
    if tab is None and any(request.GET.get(name) for name in FILTER_PARAMS):
        return "all"  # a link from another page with filters means what it says
    # Those who make no moves (grid workers, REST clients) start from what they see.
    return "inbox" if inbox is not None else "all"


@login_required
def case_list(request):
    """The cases the user sees, in tabs, filtered, sorted and paged; ``format=xlsx``
    exports every matching case (not only the page) to Excel."""
    inbox = moves_q(request.user, inbox=True)
    tab = _tab(request, inbox)
    cases = restrict(
        Case.objects.select_related("kind", "town", "village", "grid", "claimed_by", "department"),
        request.user,
    )
    if tab == "inbox":
        # The cases waiting for this user's move: the state machine's table, as a query.
        cases = cases.filter(inbox) if inbox is not None else cases.none()
    elif tab == "dispatch":
        cases = cases.filter(state__in=transitions.DISPATCH_STATES)
    elif tab == "overdue":
        cases = cases.overdue().order_by("deadline")
    filters = CasePageFilter(request.GET, queryset=cases, request=request)
    prepare(filters, request.user)
    # A bad value (not a date, not a number) is shown beside its field and lists nothing;
    # an id outside the user's scope lists nothing too (prepare), so none is confirmed.
    cases = filters.qs if filters.is_valid() else cases.none()
    if request.GET.get("format") == "xlsx":
        return _export(request, cases)

    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "rows": _with_countdowns(list(page.object_list)),
        "tab": tab,
        "tabs": TABS,
        "filters": filters,
        "form": filters.form,
        "sort": request.GET.get("sort", ""),
        "more_filters": any(request.GET.get(name) for name in FILTER_PARAMS if name != "q"),
        "can_report": report_q(request.user) is not None,
    }
    partial = request.htmx and request.htmx.target == "case-results"
    response = render(request, "cases/_case_results.html" if partial else "cases/list.html", context)
    patch_vary_headers(response, ("HX-Request",))  # the partial is never the cached page
    return response


# The export's columns: Chinese headers, as the town offices' other sheets have them.
EXPORT_HEADERS = [
    "查询编号",
    "反映时间",
    "村（社区）",
    "网格",
    "类别",
    "事项描述",
    "地址",
    "状态",
    "督办",
    "层级",
    "承办",
    "办理期限",
    "剩余时间",
]


def _export(request, cases) -> HttpResponse:
    """Every matching case in one sheet, read in one query and written row by row; the
    export is recorded in the audit trail (who, which filters, which cases)."""
    rows = list(cases)
    with translation.override("zh-hans"):
        body = xlsx(
            "事项",
            EXPORT_HEADERS,
            (
                (
                    case.tracking_number,
                    timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                    case.village.name,
                    case.grid.name if case.grid_id else "",
                    case.kind.name,
                    case.description,
                    case.address,
                    case.get_state_display(),
                    "是" if case.supervised_at and case.is_open else "",
                    case.get_level_display(),
                    holder_name(case),
                    timezone.localtime(case.deadline).strftime("%Y-%m-%d") if case.deadline else "",
                    str(row["countdown"] or ""),
                )
                for row in _with_countdowns(rows)
                for case in (row["case"],)
            ),
        )
    _record_export(request, rows)
    response = HttpResponse(body, content_type=FORMATS["xlsx"])
    name = f"cases-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _record_export(request, rows: list[Case]) -> None:
    """One trail row per town of the exported cases: who, the filters (the search words
    stay out, as with other searches), how many and which."""
    params = {k: v for k, v in request.GET.items() if k not in ("format", "page", "q")}
    if request.GET.get("q"):
        params["q"] = "***"
    by_town: dict[int | None, list[int]] = {}
    for case in rows:
        by_town.setdefault(case.town_id, []).append(case.pk)
    audit.record_export(actor=request.user, model=Case, rows_by_town=by_town, fmt="xlsx", filters=params)


def _area(scope: str, code: str):
    model = Town if scope == "town" else Village
    return get_object_or_404(model, code=code, deleted_at__isnull=True)


def _public_rows(cases) -> list[dict]:
    return [
        {
            "case": c,
            "description": short(c.description),
            "held_by": holder_name(c),
            "tone": STATE_TONES.get(c.state, "secondary"),
        }
        for c in cases
    ]


def board(request, scope: str, code: str):
    """The public board (公示板): no login, no personal data, 50 rows a page."""
    area = _area(scope, code)
    page = board_page(scope=scope, area_id=area.pk, number=request.GET.get("page"))
    rows = _public_rows(page.object_list)
    return render(request, "cases/board.html", {"area": area, "scope": scope, "rows": rows, "page": page})


@public_door(methods=("GET",))  # a few hundred rows a request: not for a loop
def board_print(request, scope: str, code: str):
    """The notice (公示) a village pins on its public board (公开栏): the board's cases on
    A4, counted by state, with the address where villagers follow their case."""
    area = _area(scope, code)
    cases = board_cases(**({"town_id": area.pk} if scope == "town" else {"village_id": area.pk}))
    counts = dict(cases.order_by().values_list("state").annotate(n=Count("id")))
    total = sum(counts.values())
    rows = _public_rows(cases[:NOTICE_MAX_ROWS])
    by_state = [(label, counts[value]) for value, label in CaseState.choices if counts.get(value)]
    return render(
        request,
        "cases/board_print.html",
        {
            "area": area,
            "town": area if scope == "town" else area.town,
            "scope": scope,
            "rows": rows,
            "total": total,
            "cut": total > len(rows),
            "by_state": by_state,
            "closed_days": BOARD_CLOSED_DAYS,
            "today": timezone.localdate(),
            "track_url": request.build_absolute_uri(reverse("track-search")),
        },
    )
