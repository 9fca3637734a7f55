"""The statistics page (统计): cases reported per week by state, time to solve per level,
satisfaction, and a table per village and town, for the town office, supervisors and
village cadres, over their own town (or village).

Every figure is an aggregate query over the cases the user sees (``restrict``): counts
grouped by week, level or village with conditional ``Count``s, averages of durations, and
the median as the middle rows of a window (``RowNumber`` over the durations) — so the page
runs the same few queries for ten cases or a million, on SQLite and PostgreSQL alike.

Definitions, the same everywhere on the page:

* *reported*: cases created in the period, by the week (Monday to Sunday, Asia/Shanghai)
  of their creation, in the state they are in now;
* *time to solve*: the level periods (``CasePeriod``) a solution ended in the period, from
  their start (the report at village level, the escalation at town level) to the solution;
* *within the deadline*: periods ended in the period (solved, escalated or rejected) by
  their deadline; a village period escalated by the sweep is one that missed it;
* *solved in time*: of the solutions given in the period, those within their level's
  deadline;
* *satisfaction*: the reporters' ratings given in the period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Window
from django.db.models.functions import RowNumber, TruncWeek
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.filters import OUT_OF_SCOPE, prepare
from governance.frontend import user_roles
from governance.scoping import CADRE, OFFICE, SUPERVISOR, restrict
from governance.workdays import FIRST_DAY, SHANGHAI
from grids.models import Village

from .choices import CaseState, Level, Move, Satisfaction
from .models import Case, CasePeriod, Rating, overdue_q
from .page_filters import DATE_INPUT

STATS_ROLES = frozenset({OFFICE, SUPERVISOR, CADRE})
DEFAULT_WEEKS = 12
MAX_DAYS = 2 * 366
SOLVING = (Move.SOLVE, Move.SOLVE_ON_SPOT)
GOOD = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
DURATION = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())


class StatsForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and since < FIRST_DAY:
            self.add_error("since", _("Give a date from %(day)s on.") % {"day": FIRST_DAY.isoformat()})
        latest = timezone.localdate() + datetime.timedelta(days=366)
        if until and until > latest:
            self.add_error("until", _("Give a date up to %(day)s.") % {"day": latest.isoformat()})
        if since and until and since > until:
            self.add_error("until", _("The end comes before the start."))
        elif since and until and (until - since).days > MAX_DAYS:
            self.add_error("until", _("Choose at most two years."))
        return cleaned


class StatsFilter(django_filters.FilterSet):
    """What the page is about: a village (or all the user sees) and a period. Only the
    form is used (each figure reads its own table); ``prepare`` scopes the villages."""

    village = django_filters.ModelChoiceFilter(
        queryset=Village.objects.order_by("code"),
        label=gettext_lazy("Village"),
        empty_label=gettext_lazy("All villages"),
        method="keep",
    )
    since = django_filters.DateFilter(label=gettext_lazy("From"), method="keep", widget=DATE_INPUT)
    until = django_filters.DateFilter(label=gettext_lazy("To"), method="keep", widget=DATE_INPUT)

    class Meta:
        model = Case
        fields: list[str] = []
        form = StatsForm

    def keep(self, queryset, name, value):
        return queryset


@dataclass
class Period:
    since: datetime.date
    until: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.since, datetime.time.min, tzinfo=SHANGHAI)

    @property
    def end(self) -> datetime.datetime:
        return datetime.datetime.combine(self.until, datetime.time.min, tzinfo=SHANGHAI) + datetime.timedelta(
            days=1
        )

    def weeks(self) -> list[datetime.date]:
        monday = self.since - datetime.timedelta(days=self.since.weekday())
        out = []
        while monday <= self.until:
            out.append(monday)
            monday += datetime.timedelta(days=7)
        return out


def default_period(today: datetime.date) -> Period:
    """The last twelve weeks: this week and the eleven before, from their Monday."""
    monday = today - datetime.timedelta(days=today.weekday())
    return Period(monday - datetime.timedelta(weeks=DEFAULT_WEEKS - 1), today)


def _days(value: datetime.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 1)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _local_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(SHANGHAI)
        return value.date()
    return value


def weekly(cases, period: Period) -> dict:
    """Cases reported per week, stacked by their state now (one query)."""
    weeks = period.weeks()
    index = {week: i for i, week in enumerate(weeks)}
    counts: dict[str, list[int]] = {}
    rows = (
        cases.filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(week=TruncWeek("created_at", tzinfo=SHANGHAI))
        .values_list("week", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for week, state, n in rows:
        i = index.get(_local_date(week))
        if i is not None:
            counts.setdefault(state, [0] * len(weeks))[i] += n
    return {
        "labels": [week.strftime("%m-%d") for week in weeks],
        "weeks": [week.isoformat() for week in weeks],
        "series": [
            {"key": state.value, "name": str(state.label), "data": counts[state.value]}
            for state in CaseState
            if state.value in counts
        ],
        "totals": [sum(series[i] for series in counts.values()) for i in range(len(weeks))],
    }


def per_level(periods) -> list[dict]:
    """Per level: solutions given, median and average days to solve, the share of periods
    that ended within their deadline (two queries: the aggregates and the medians)."""
    solving = Q(outcome__in=SOLVING)
    sums = {
        row["level"]: row
        for row in periods.values("level")
        .annotate(
            ended=Count("id", filter=Q(met__isnull=False)),
            met_n=Count("id", filter=Q(met=True)),
            solved=Count("id", filter=solving),
            solved_met=Count("id", filter=solving & Q(met=True)),
            average=Avg(DURATION, filter=solving),
        )
        .order_by()
    }
    # The median: the middle row (or the two middle rows) of each level's durations.
    middle: dict[str, list[datetime.timedelta]] = {}
    ranked = (
        periods.filter(solving)
        .annotate(
            duration=DURATION,
            rank=Window(RowNumber(), partition_by=[F("level")], order_by=[DURATION.asc(), F("id").asc()]),
            size=Window(Count("id"), partition_by=[F("level")]),
        )
        .filter(Q(rank=(F("size") + 1) / 2) | Q(rank=(F("size") + 2) / 2))
        .values_list("level", "duration")
    )
    for level, duration in ranked:
        middle.setdefault(level, []).append(duration)
    out = []
    for level in Level:
        row = sums.get(level.value, {})
        durations = middle.get(level.value, [])
        out.append(
            {
                "key": level.value,
                "label": str(level.label),
                "solved": row.get("solved", 0),
                "median_days": _days(sum(durations, datetime.timedelta()) / len(durations))
                if durations
                else None,
                "average_days": _days(row.get("average")),
                "ended": row.get("ended", 0),
                "within_deadline": _share(row.get("met_n", 0), row.get("ended", 0)),
                "solved_in_time": _share(row.get("solved_met", 0), row.get("solved", 0)),
            }
        )
    return out


def satisfaction(ratings) -> dict:
    counts = dict(ratings.values_list("satisfaction").annotate(n=Count("id")).order_by())
    total = sum(counts.values())
    return {
        "total": total,
        "good_share": _share(sum(counts.get(v, 0) for v in GOOD), total),
        "rows": [
            {
                "key": choice.value,
                "name": str(choice.label),
                "value": counts.get(choice.value, 0),
                "share": _share(counts.get(choice.value, 0), total),
            }
            for choice in Satisfaction
        ],
    }


def per_village(*, villages, cases, periods, ratings, period: Period, now) -> list[dict]:
    """A row per village (three grouped queries), with a row per town after its villages
    when the user sees more than one town."""
    window = Q(created_at__gte=period.start, created_at__lt=period.end)
    case_rows = {
        village_id: (reported, overdue)
        for village_id, reported, overdue in cases.filter(window | overdue_q(now))
        .values_list("village_id")
        .annotate(reported=Count("id", filter=window), overdue=Count("id", filter=overdue_q(now)))
        .values_list("village_id", "reported", "overdue")
        .order_by()
    }
    period_rows = {
        village_id: (solved, solved_met)
        for village_id, solved, solved_met in periods.filter(outcome__in=SOLVING)
        .values_list("case__village_id")
        .annotate(solved=Count("id"), solved_met=Count("id", filter=Q(met=True)))
        .values_list("case__village_id", "solved", "solved_met")
        .order_by()
    }
    rating_rows = {
        village_id: (rated, good)
        for village_id, rated, good in ratings.values_list("case__village_id")
        .annotate(rated=Count("id"), good=Count("id", filter=Q(satisfaction__in=GOOD)))
        .values_list("case__village_id", "rated", "good")
        .order_by()
    }
    rows = []
    for village in villages:
        reported, overdue = case_rows.get(village.pk, (0, 0))
        solved, solved_met = period_rows.get(village.pk, (0, 0))
        rated, good = rating_rows.get(village.pk, (0, 0))
        rows.append(
            {
                "village": village,
                "town": village.town,
                "reported": reported,
                "solved": solved,
                "solved_met": solved_met,
                "in_time": _share(solved_met, solved),
                "overdue": overdue,
                "rated": rated,
                "good": good,
                "satisfaction": _share(good, rated),
            }
        )
    return rows


def totals(rows: list[dict], label) -> dict:
    out = {key: sum(row[key] for row in rows) for key in ("reported", "solved", "solved_met", "overdue")}
    out.update(
        rated=sum(row["rated"] for row in rows),
        good=sum(row["good"] for row in rows),
        label=label,
    )
    out["in_time"] = _share(out["solved_met"], out["solved"])
    out["satisfaction"] = _share(out["good"], out["rated"])
    return out


@login_required
def dashboard(request):
    user = request.user
    _scope, roles = user_roles(user)
    if not STATS_ROLES & set(roles):
        raise PermissionDenied
    period = default_period(timezone.localdate())
    params = request.GET.copy()
    for name, default in (("since", period.since), ("until", period.until)):
        if not params.get(name):
            params[name] = default.isoformat()
    filterset = StatsFilter(params, queryset=Case.objects.none(), request=request)
    prepare(filterset, user)
    filterset.is_valid()
    data = filterset.form.cleaned_data
    village = data.get("village")  # a village out of scope reads as OUT_OF_SCOPE: nothing
    if not filterset.form.errors:
        period = Period(data["since"], data["until"])

    villages = restrict(Village.objects.select_related("town"), user).order_by("town__code", "code")
    cases = restrict(Case.objects.all(), user).order_by()
    if village is OUT_OF_SCOPE:
        villages, cases = villages.none(), cases.none()
    elif village is not None:
        villages, cases = villages.filter(pk=village.pk), cases.filter(village_id=village.pk)
    periods = CasePeriod.objects.filter(
        case__in=cases.values("pk"), ended_at__gte=period.start, ended_at__lt=period.end
    ).order_by()
    ratings = restrict(Rating.objects.all(), user).filter(
        case__in=cases.values("pk"), at__gte=period.start, at__lt=period.end
    )

    villages = list(villages)
    rows = per_village(
        villages=villages, cases=cases, periods=periods, ratings=ratings, period=period, now=timezone.now()
    )
    towns: dict[int, list[dict]] = {}
    for row in rows:
        towns.setdefault(row["town"].pk, []).append(row)
    town_rows = [totals(group, group[0]["town"].name) for group in towns.values()] if len(towns) > 1 else []
    levels = per_level(periods)
    # The whole: named by its town when there is one (a town office's, a cadre's).
    total = totals(rows, rows[0]["town"].name if len(towns) == 1 else _("All"))
    data = {
        "weeks": weekly(cases, period),
        "levels": levels,
        "satisfaction": satisfaction(ratings),
        "texts": {
            "median": _("Median (days)"),
            "average": _("Average (days)"),
            "within": _("Within the deadline (%)"),
            "days": _("days"),
            "empty": _("No data in this period"),
        },
    }
    context = {
        "form": filterset.form,
        "period": period,
        "village": village if village is not OUT_OF_SCOPE else None,
        "data": data,
        "rows": rows,
        "town_rows": town_rows,
        "total": total,
        "total_rows": [*town_rows, total],
        "week_rows": [
            (week, [series["data"][i] for series in data["weeks"]["series"]], data["weeks"]["totals"][i])
            for i, week in enumerate(data["weeks"]["weeks"])
        ],
        "levels": levels,
    }
    return render(request, "cases/stats.html", context)
