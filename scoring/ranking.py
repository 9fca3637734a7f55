"""Village rankings (一月一排名): each village's indicators for a week or a month, its score
and rank within its town, stored as an immutable snapshot.

How a ranking is computed (issue "Village rankings"):

* Every indicator is a rate, never a raw count, so a big village does not win by its size.
  Each is read in one aggregate query over all the villages of all the towns asked for
  (grouped by village), so a county of 1,800 villages costs the same ten-odd queries as a
  town of three, on PostgreSQL and SQLite alike:

  - *log completeness*: duty days (lead shifts on published rosters) with a signed log,
    of the duty days;
  - *hours on duty*: the signed logs' hours against the 8-hour rule, each day's hours
    capped at 8 (``min(hours, 8) / 8``, averaged over the signed logs). Capped per day and
    not on the mean, so that a 12-hour day does not make up for a 4-hour one; graded and
    not "share of days ≥ 8 h", so that 7 h 50 is not scored as 0. A signed log without a
    check-out shows no hours: it counts 0;
  - *inspection score*: the average score of the published inspections (0–100, as a
    share of 100);
  - *present when inspected*: the share of published inspections that found the cadre on
    duty at the post (the others are 脱岗);
  - *duty days without an upheld flag*: the share of duty days with no flag left standing
    (not dismissed) by the "going through the motions" checks; the missing-log flag is
    left out here, since log completeness already counts that day;
  - *household visit coverage*: the village's households visited at least once in the
    period, of its households;
  - *case timeliness*: the village-level periods of cases that ended in the period by a
    solution or an escalation, ended within their deadline. An escalation counts: a case
    the village lets run out (the sweep escalates it) is one it failed, and one it sends
    up in time (what it cannot solve) is one it handled in time; otherwise letting cases
    run out would leave a village "not rated" instead of late;
  - *satisfaction*: ratings given in the period of solutions at village level that are
    satisfied or basically satisfied (as the statistics page counts them);
  - *garbage-sorting pass rate*: the spot checks of the period's duty logs that passed.

* Each indicator has its events (duty days, signed logs, inspections, households, cases,
  ratings, spot checks). Fewer than the town's ``min_events`` and it is *not rated*: its
  weight spreads over the rated ones in proportion to their weights (its ``share`` is 0,
  the others' shares still add up to 1). A village with no indicator rated has no score
  and no rank.

* The score is 100 × Σ share × value; the rank is within the town, ties (equal scores to
  the hundredth, as stored and shown) share a rank (1, 2, 2, 4). ``previous_rank`` is the
  village's rank in the previous period's current snapshot (its highest version).

* How much each indicator moved the rank: for each indicator, the rank the village would
  have had if the indicator were left out for every village of the town (its weight
  spread over the others, as for an indicator not rated) — ``rank_without``; and its
  ``points`` (100 × share × value), shown beside the town's mean points.

* Each row keeps the evidence of its indicators (bounded lists): the dates of missing
  logs, the ids of short duty logs, of inspections that found 脱岗 or scored low, of the
  upheld flags, of the cases late and the cases rated not satisfied.

A stored snapshot is never changed (``compute``): data that arrives later changes only a
recompute, which is a new version beside it. The weekly/monthly job writes version 1
once per town and period: the unique key decides between two workers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Sum,
    TextField,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.workdays import SHANGHAI
from grids.models import Household, Town, Village

from .choices import Indicator, PeriodKind
from .models import Snapshot, SnapshotRow, Weight

#: At most this many ids (or dates) of evidence per indicator and village; ``more`` says
#: how many were left out.
EVIDENCE_MAX = 20
#: The duty day's hours (DESIGN.md, "Duty").
DUTY_HOURS = 8
#: An inspection scored below this is listed as evidence of the inspection score.
LOW_SCORE = 60

#: The scheme a town has until its office sets its own: weight (they need not add up to
#: 100; shares are weight / sum of the rated weights) and the fewest events to rate.
DEFAULT_WEIGHTS: dict[str, tuple[int, int]] = {
    Indicator.LOG_COMPLETENESS: (20, 3),
    Indicator.DUTY_HOURS: (10, 3),
    Indicator.INSPECTION_SCORE: (15, 1),
    Indicator.ABSENCES: (10, 1),
    Indicator.FLAGS_UPHELD: (5, 3),
    Indicator.VISIT_COVERAGE: (15, 10),
    Indicator.CASE_TIMELINESS: (15, 3),
    Indicator.SATISFACTION: (5, 3),
    Indicator.SORTING_PASS: (5, 10),
}
INDICATORS: list[str] = list(Indicator.values)

TWO_PLACES = Decimal("0.01")


# ---------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------


def period_of(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The week (Monday to Sunday) or month that ``day`` is in: (first day, last day)."""
    if kind == PeriodKind.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def previous_start(kind: str, start: datetime.date) -> datetime.date:
    return period_of(kind, start - datetime.timedelta(days=1))[0]


def next_start(kind: str, start: datetime.date) -> datetime.date:
    return period_of(kind, start)[1] + datetime.timedelta(days=1)


def last_complete(kind: str, today: datetime.date) -> datetime.date:
    """The start of the last week (or month) that has ended by ``today``."""
    return previous_start(kind, period_of(kind, today)[0])


def starts_back(kind: str, start: datetime.date, n: int) -> list[datetime.date]:
    """``n`` period starts ending with ``start``, oldest first."""
    out = [start]
    while len(out) < n:
        out.append(previous_start(kind, out[-1]))
    return out[::-1]


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as instants, Beijing time: [start 00:00, the day after end 00:00)."""
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=SHANGHAI)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=SHANGHAI)
    return first, after


# ---------------------------------------------------------------------------------------
# The aggregate queries
# ---------------------------------------------------------------------------------------


class Joined(Aggregate):
    """The group's values joined by commas (ids or dates): the evidence lists, gathered
    in the same aggregate query as the counts (SQLite ``group_concat``, PostgreSQL
    ``string_agg``). Unordered; :func:`_evidence` sorts and bounds them."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(distinct)s%(expressions)s)"
    allow_distinct = True
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # On a copy (Aggregate.as_sql takes the template from the instance when it adds
        # the FILTER clause; passing one in as well is refused).
        clone = self.copy()
        clone.function = "STRING_AGG"
        clone.template = "%(function)s(%(distinct)s(%(expressions)s)::text, ',')"
        return super(Joined, clone).as_sql(compiler, connection, **extra_context)


def _evidence(joined: str | None, *, numeric: bool = True) -> tuple[list, int]:
    """A joined list, sorted (ids ascending, dates ascending), bounded: (items, more)."""
    if not joined:
        return [], 0
    items = sorted({int(x) if numeric else x for x in joined.split(",") if x})
    return items[:EVIDENCE_MAX], max(0, len(items) - EVIDENCE_MAX)


@dataclass
class Measure:
    """One indicator of one village: ``good`` of ``events`` (``value`` = good / events,
    unless given), and its evidence."""

    events: int = 0
    good: float = 0
    evidence: dict = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        return self.good / self.events if self.events else None


def _duty_days(town_ids, start, end) -> tuple[dict, dict]:
    """Log completeness and duty days without an upheld flag: one query over the lead
    shifts of published rosters, each asked whether its day has a signed log and whether
    a flag stands on it; and one over the flags, for their ids."""
    from duty.choices import FlagKind, LogState, Position, RosterState
    from duty.models import DutyFlag, DutyLog, Shift

    signed = DutyLog.objects.filter(
        village_id=OuterRef("roster__village_id"),
        date=OuterRef("date"),
        state=LogState.SIGNED,
        deleted_at__isnull=True,
    )
    standing = DutyFlag.objects.filter(
        village_id=OuterRef("roster__village_id"), date=OuterRef("date"), dismissed_at__isnull=True
    ).exclude(kind=FlagKind.MISSING_LOG)
    rows = (
        Shift.objects.filter(
            roster__village__town_id__in=town_ids,
            roster__state=RosterState.PUBLISHED,
            roster__deleted_at__isnull=True,
            deleted_at__isnull=True,
            position=Position.LEAD,
            date__gte=start,
            date__lte=end,
        )
        .alias(signed=Exists(signed), flagged=Exists(standing))
        .values("roster__village_id")
        .annotate(
            days=Count("id"),
            signed_n=Count("id", filter=Q(signed=True)),
            flagged_n=Count("id", filter=Q(flagged=True)),
            missing=Joined("date", filter=Q(signed=False)),
        )
        .order_by()
    )
    flag_ids = dict(
        DutyFlag.objects.filter(
            village__town_id__in=town_ids, date__gte=start, date__lte=end, dismissed_at__isnull=True
        )
        .exclude(kind=FlagKind.MISSING_LOG)
        .values("village_id")
        .annotate(ids=Joined("id"))
        .values_list("village_id", "ids")
        .order_by()
    )
    logs, flags = {}, {}
    for row in rows:
        village = row["roster__village_id"]
        dates, more = _evidence(row["missing"], numeric=False)
        logs[village] = Measure(row["days"], row["signed_n"], {"missing_days": dates, "more": more})
        ids, more = _evidence(flag_ids.get(village))
        flags[village] = Measure(row["days"], row["days"] - row["flagged_n"], {"flags": ids, "more": more})
    return logs, flags


def _hours(town_ids, start, end) -> dict:
    """Hours on duty: each signed log's hours, capped at 8, summed per village."""
    from duty.choices import LogState
    from duty.models import DutyLog

    eight = datetime.timedelta(hours=DUTY_HOURS)
    zero = datetime.timedelta(0)
    no_times = Q(check_in_at__isnull=True) | Q(check_out_at__isnull=True)
    capped = Case(
        When(no_times, then=Value(zero)),
        When(check_out_at__lte=F("check_in_at"), then=Value(zero)),
        When(check_out_at__gte=F("check_in_at") + eight, then=Value(eight)),
        default=ExpressionWrapper(F("check_out_at") - F("check_in_at"), output_field=DurationField()),
        output_field=DurationField(),
    )
    short = no_times | Q(check_out_at__lt=F("check_in_at") + eight)
    rows = (
        DutyLog.objects.filter(
            village__town_id__in=town_ids,
            state=LogState.SIGNED,
            deleted_at__isnull=True,
            date__gte=start,
            date__lte=end,
        )
        .values("village_id")
        .annotate(n=Count("id"), served=Sum(capped), short_ids=Joined("id", filter=short))
        .order_by()
    )
    out = {}
    for row in rows:
        served = row["served"] or zero
        if not isinstance(served, datetime.timedelta):  # a backend that hands back microseconds
            served = datetime.timedelta(microseconds=int(served))
        ids, more = _evidence(row["short_ids"])
        out[row["village_id"]] = Measure(row["n"], served / eight, {"short_logs": ids, "more": more})
    return out


def _inspections(town_ids, t0, t1) -> tuple[dict, dict]:
    """The inspection score and present when inspected, from the published inspections."""
    from duty.choices import InspectionState
    from duty.models import Inspection

    rows = (
        Inspection.objects.filter(
            town_id__in=town_ids,
            state=InspectionState.PUBLISHED,
            deleted_at__isnull=True,
            at__gte=t0,
            at__lt=t1,
        )
        .values("village_id")
        .annotate(
            n=Count("id"),
            total=Sum("score"),
            present_n=Count("id", filter=Q(present=True)),
            absent_ids=Joined("id", filter=Q(present=False)),
            low_ids=Joined("id", filter=Q(score__lt=LOW_SCORE)),
        )
        .order_by()
    )
    scores, present = {}, {}
    for row in rows:
        low, more_low = _evidence(row["low_ids"])
        absent, more_absent = _evidence(row["absent_ids"])
        scores[row["village_id"]] = Measure(
            row["n"], (row["total"] or 0) / 100, {"low_inspections": low, "more": more_low}
        )
        present[row["village_id"]] = Measure(
            row["n"], row["present_n"], {"absent_inspections": absent, "more": more_absent}
        )
    return scores, present


def _coverage(town_ids, t0, t1) -> dict:
    """Households visited at least once in the period, of the village's households: the
    households each asked whether a visit exists (a semi-join, which PostgreSQL hashes,
    rather than count(DISTINCT household) over every visit of the period)."""
    from duty.models import Visit

    visited = Visit.objects.filter(
        household_id=OuterRef("pk"), deleted_at__isnull=True, visited_at__gte=t0, visited_at__lt=t1
    )
    rows = (
        Household.objects.filter(town_id__in=town_ids, deleted_at__isnull=True)
        .alias(visited=Exists(visited))
        .values("village_id")
        .annotate(n=Count("id"), visited_n=Count("id", filter=Q(visited=True)))
        .order_by()
    )
    return {
        row["village_id"]: Measure(row["n"], row["visited_n"], {"unvisited": row["n"] - row["visited_n"]})
        for row in rows
    }


def _cases(town_ids, t0, t1) -> dict:
    """Village-level periods ended in the period by a solution or an escalation, and
    those that met their deadline."""
    from cases.choices import Level, Move
    from cases.models import CasePeriod

    rows = (
        CasePeriod.objects.filter(
            level=Level.VILLAGE,
            village__town_id__in=town_ids,
            ended_at__gte=t0,
            ended_at__lt=t1,
            outcome__in=(Move.SOLVE, Move.SOLVE_ON_SPOT, Move.ESCALATE),
            case__deleted_at__isnull=True,
        )
        .values("village_id")
        .annotate(
            n=Count("id"),
            met_n=Count("id", filter=Q(met=True)),
            late=Joined("case_id", filter=~Q(met=True)),
        )
        .order_by()
    )
    out = {}
    for row in rows:
        ids, more = _evidence(row["late"])
        out[row["village_id"]] = Measure(row["n"], row["met_n"], {"late_cases": ids, "more": more})
    return out


def _satisfaction(town_ids, t0, t1) -> dict:
    """Ratings given in the period of the village's own solutions (a department's
    solution is not the village's doing), satisfied or basically satisfied."""
    from cases.choices import Level, Satisfaction
    from cases.models import Rating

    good = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
    rows = (
        Rating.objects.filter(
            case__town_id__in=town_ids, case__deleted_at__isnull=True, at__gte=t0, at__lt=t1
        )
        .filter(Q(period__isnull=True) | Q(period__level=Level.VILLAGE))
        .values("case__village_id")
        .annotate(
            n=Count("id"),
            good_n=Count("id", filter=Q(satisfaction__in=good)),
            unsatisfied=Joined("case_id", filter=Q(satisfaction=Satisfaction.NOT_SATISFIED)),
        )
        .order_by()
    )
    out = {}
    for row in rows:
        ids, more = _evidence(row["unsatisfied"])
        out[row["case__village_id"]] = Measure(
            row["n"], row["good_n"], {"unsatisfied_cases": ids, "more": more}
        )
    return out


def _sorting(town_ids, start, end) -> dict:
    """Garbage-sorting spot checks of the period's duty logs that passed."""
    from duty.models import SpotCheck

    rows = (
        SpotCheck.objects.filter(
            log__village__town_id__in=town_ids,
            log__deleted_at__isnull=True,
            log__date__gte=start,
            log__date__lte=end,
        )
        .values("log__village_id")
        .annotate(
            n=Count("id"),
            passed_n=Count("id", filter=Q(passed=True)),
            failed_logs=Joined("log_id", filter=Q(passed=False), distinct=True),
        )
        .order_by()
    )
    out = {}
    for row in rows:
        ids, more = _evidence(row["failed_logs"])
        out[row["log__village_id"]] = Measure(
            row["n"], row["passed_n"], {"failed": row["n"] - row["passed_n"], "logs": ids, "more": more}
        )
    return out


def measure(town_ids, start: datetime.date, end: datetime.date) -> dict[str, dict[int, Measure]]:
    """Every indicator of every village of ``town_ids`` for the period: {indicator:
    {village_id: Measure}} (a village without events has no entry). Nine queries."""
    t0, t1 = _bounds(start, end)
    town_ids = sorted(town_ids)
    logs, flags = _duty_days(town_ids, start, end)
    scores, present = _inspections(town_ids, t0, t1)
    return {
        Indicator.LOG_COMPLETENESS: logs,
        Indicator.DUTY_HOURS: _hours(town_ids, start, end),
        Indicator.INSPECTION_SCORE: scores,
        Indicator.ABSENCES: present,
        Indicator.FLAGS_UPHELD: flags,
        Indicator.VISIT_COVERAGE: _coverage(town_ids, t0, t1),
        Indicator.CASE_TIMELINESS: _cases(town_ids, t0, t1),
        Indicator.SATISFACTION: _satisfaction(town_ids, t0, t1),
        Indicator.SORTING_PASS: _sorting(town_ids, start, end),
    }


# ---------------------------------------------------------------------------------------
# Scores and ranks
# ---------------------------------------------------------------------------------------


def weights_of(town_ids) -> dict[int, dict[str, list[int]]]:
    """Each town's scheme, {indicator: [weight, min_events]}: its office's weights over
    the defaults (one query)."""
    out = {t: {k: list(v) for k, v in DEFAULT_WEIGHTS.items()} for t in town_ids}
    for w in Weight.objects.filter(town_id__in=list(town_ids)):
        if w.indicator in DEFAULT_WEIGHTS:
            out[w.town_id][w.indicator] = [w.weight, w.min_events]
    return out


def _score(cells: dict, leave_out: str | None = None) -> Decimal | None:
    """100 × Σ share × value over the rated indicators (``leave_out`` treated as not
    rated): the weights of the rated ones, spread to add up to 1."""
    rated = {k: c for k, c in cells.items() if c["rated"] and k != leave_out}
    total = sum(c["weight"] for c in rated.values())
    if not total:
        return None
    points = sum(c["weight"] * c["value"] for c in rated.values()) / total
    return Decimal(100 * points).quantize(TWO_PLACES, ROUND_HALF_UP)


def _ranks(scores: dict[int, Decimal | None]) -> dict[int, int | None]:
    """Competition ranks (1, 2, 2, 4), highest score first; no score, no rank."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first_place: dict[Decimal, int] = {}
    for i, s in enumerate(ordered, start=1):
        first_place.setdefault(s, i)
    return {v: (first_place[s] if s is not None else None) for v, s in scores.items()}


def _cells(village_id: int, measures: dict, scheme: dict) -> dict:
    cells = {}
    for indicator in INDICATORS:
        weight, min_events = scheme[indicator]
        m = measures[indicator].get(village_id) or Measure()
        value = m.value
        cells[indicator] = {
            "value": None if value is None else min(max(value, 0.0), 1.0),
            "events": m.events,
            "rated": bool(weight) and value is not None and m.events >= max(min_events, 1),
            "weight": weight,
            "min_events": min_events,
            "evidence": m.evidence,
        }
    return cells


def rank_town(villages: list[int], measures: dict, scheme: dict) -> dict[int, dict]:
    """The rows of one town: {village_id: {"score", "rank", "values"}}, each indicator's
    share, points and the rank without it filled in."""
    cells = {v: _cells(v, measures, scheme) for v in villages}
    scores = {v: _score(c) for v, c in cells.items()}
    ranks = _ranks(scores)
    without = {k: _ranks({v: _score(c, leave_out=k) for v, c in cells.items()}) for k in INDICATORS}
    rows = {}
    for v, village_cells in cells.items():
        rated_total = sum(c["weight"] for c in village_cells.values() if c["rated"])
        for k, c in village_cells.items():
            share = c["weight"] / rated_total if c["rated"] and rated_total else 0.0
            c["share"] = round(share, 4)
            c["points"] = round(100 * share * c["value"], 2) if c["rated"] else None
            c["rank_without"] = without[k][v]
            if c["value"] is not None:  # stored to four places, after scoring with the exact value
                c["value"] = round(c["value"], 4)
        rows[v] = {"score": scores[v], "rank": ranks[v], "values": village_cells}
    return rows


# ---------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    made: list[Snapshot] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)  # towns whose snapshot another run made


def _previous_ranks(town_ids, kind: str, start: datetime.date) -> dict[int, dict[int, int | None]]:
    """{town: {village: rank}} from the previous period's current snapshot (two queries)."""
    before = previous_start(kind, start)
    current = {}
    for snap in Snapshot.objects.filter(town_id__in=town_ids, kind=kind, start=before).order_by(
        "town_id", "-version"
    ):
        current.setdefault(snap.town_id, snap.pk)
    out: dict[int, dict[int, int | None]] = {t: {} for t in town_ids}
    town_of = {pk: t for t, pk in current.items()}
    for snapshot_id, village_id, rank in SnapshotRow.objects.filter(
        snapshot_id__in=list(town_of)
    ).values_list("snapshot_id", "village_id", "rank"):
        out[town_of[snapshot_id]][village_id] = rank
    return out


EARLIEST_START = datetime.date(2000, 1, 1)


def check_period(kind: str, start: datetime.date, today: datetime.date | None = None) -> datetime.date:
    """The period's start as given, if it is a period that has ended; its end."""
    if kind not in PeriodKind.values:
        raise ValidationError({"kind": _("Choose a week or a month.")})
    # Bounded before any date arithmetic: a start near 0001 or 9999 would overflow.
    if not EARLIEST_START <= start <= (today or timezone.localdate()):
        raise ValidationError(
            {"start": _("The period starts between 1 January 2000 and today.")}, code="out_of_range"
        )
    first, end = period_of(kind, start)
    if first != start:
        raise ValidationError(
            {"start": _("A week starts on a Monday, a month on its first day.")}, code="not_a_period"
        )
    if end >= (today or timezone.localdate()):
        raise ValidationError({"start": _("A period is ranked once it has ended.")}, code="not_ended")
    return end


def compute(
    towns,
    kind: str,
    start: datetime.date,
    *,
    new_version: bool = False,
    actor=None,
    only_missing: bool = False,
    today: datetime.date | None = None,
) -> Outcome:
    """Compute the ranking of ``towns`` (Town objects or ids) for the period starting on
    ``start`` and store it, one snapshot per town.

    Without ``new_version`` (the job), each town's snapshot is version 1: a town that has
    one already keeps it unchanged, and of two runs at once the unique key lets one write
    (the other's insert fails and is rolled back to its savepoint; it is reported in
    ``existing``). With ``new_version`` (the town office's recompute), each town gets the
    next version. ``only_missing`` skips the towns that have version 1 already before
    computing anything (an optimisation of the job; the key still decides)."""
    end = check_period(kind, start, today)
    town_ids = sorted({getattr(t, "pk", t) for t in towns})
    outcome = Outcome()
    if only_missing and not new_version:
        have = set(
            Snapshot.objects.filter(town_id__in=town_ids, kind=kind, start=start, version=1).values_list(
                "town_id", flat=True
            )
        )
        outcome.existing.extend(sorted(have))
        town_ids = [t for t in town_ids if t not in have]
    if not town_ids:
        return outcome
    villages: dict[int, list[int]] = {t: [] for t in town_ids}
    for pk, town_id in (
        Village.objects.filter(town_id__in=town_ids, deleted_at__isnull=True)
        .order_by("code")
        .values_list("pk", "town_id")
    ):
        villages[town_id].append(pk)
    measures = measure(town_ids, start, end)
    schemes = weights_of(town_ids)
    previous = _previous_ranks(town_ids, kind, start)
    for town_id in town_ids:
        rows = rank_town(villages[town_id], measures, schemes[town_id])
        snapshot = _store(
            town_id,
            kind,
            start,
            end,
            schemes[town_id],
            rows,
            previous[town_id],
            new_version=new_version,
            actor=actor,
        )
        if snapshot is None:
            outcome.existing.append(town_id)
        else:
            outcome.made.append(snapshot)
    return outcome


def _store(town_id, kind, start, end, scheme, rows, previous, *, new_version, actor) -> Snapshot | None:
    """Insert the snapshot and its rows in one savepoint; None when the key is taken by
    another run (version 1), or after three lost races for the next version."""
    for _attempt in range(3):
        version = 1
        if new_version:
            latest = Snapshot.objects.filter(town_id=town_id, kind=kind, start=start).aggregate(
                v=Max("version")
            )["v"]
            version = (latest or 0) + 1
        try:
            with transaction.atomic():
                snapshot = Snapshot.objects.create(
                    town_id=town_id,
                    kind=kind,
                    start=start,
                    end=end,
                    version=version,
                    weights=scheme,
                    computed_by=actor if getattr(actor, "pk", None) else None,
                )
                SnapshotRow.objects.bulk_create(
                    [
                        SnapshotRow(
                            snapshot=snapshot,
                            village_id=village_id,
                            score=row["score"],
                            rank=row["rank"],
                            previous_rank=previous.get(village_id),
                            values=row["values"],
                        )
                        for village_id, row in rows.items()
                    ],
                    batch_size=500,
                )
            return snapshot
        except IntegrityError:
            if not new_version:
                return None  # another worker made this town's snapshot: it stands
    return None


def rank_all(kind: str, today: datetime.date | None = None) -> Outcome:
    """The job's work: the last complete week or month of every town, version 1 once."""
    start = last_complete(kind, today or timezone.localdate())
    towns = Town.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True)
    return compute(list(towns), kind, start, only_missing=True, today=today)


# ---------------------------------------------------------------------------------------
# The town office's writes: recompute, publish, the weights
# ---------------------------------------------------------------------------------------


def office_towns(user) -> set[int] | None:
    """The towns whose ranking ``user`` keeps (weights, recompute, publish): those where
    they are the town office (the weights' change rule); None: every town (superuser)."""
    from governance.scoping import OFFICE, resolve_scope

    scope = resolve_scope(user)
    if scope.is_superuser:
        return None
    return scope.ids("town", [OFFICE])


def _office_only(town_id: int, actor) -> None:
    """The actor keeps the town's ranking; ``None`` is the system (the demo, a command)."""
    from django.core.exceptions import PermissionDenied

    if actor is None:
        return
    towns = office_towns(actor)
    if towns is not None and town_id not in towns:
        raise PermissionDenied(_("Only the town office ranks the town's villages."))


@transaction.atomic
def snapshot_recompute(*, town: Town, kind: str, start: datetime.date, actor) -> Snapshot:
    """The town office computes the period again: a new version beside the old ones,
    from the data as it is now. Audited, in the snapshot's transaction."""
    from governance import audit
    from governance.choices import AuditAction

    _office_only(town.pk, actor)
    outcome = compute([town.pk], kind, start, new_version=True, actor=actor)
    if not outcome.made:
        raise ValidationError(_("Another recompute of this period is running: try again in a moment."))
    snapshot = outcome.made[0]
    audit.record(
        action=AuditAction.CREATE,
        instance=snapshot,
        actor=actor,
        after={"kind": kind, "start": start.isoformat(), "version": snapshot.version},
    )
    return snapshot


@transaction.atomic
def snapshot_publish(*, snapshot: Snapshot, actor, now: datetime.datetime | None = None) -> Snapshot:
    """The town office publishes a snapshot: the villages' cadres read it from now on.
    Once: publishing again changes nothing (a guarded update). Audited."""
    from governance import audit
    from governance.choices import AuditAction

    _office_only(snapshot.town_id, actor)
    now = now or timezone.now()
    if Snapshot.objects.filter(pk=snapshot.pk, published_at__isnull=True).update(published_at=now):
        audit.record(
            action=AuditAction.UPDATE,
            instance=snapshot,
            actor=actor,
            before={"published_at": None},
            after={"published_at": now.isoformat()},
        )
    snapshot.refresh_from_db(fields=["published_at"])
    return snapshot


@transaction.atomic
def weights_save(*, town: Town, values: dict[str, tuple[int, int]], actor) -> list[Weight]:
    """The town's weights and fewest events per indicator ({indicator: (weight,
    min_events)}; indicators left out keep theirs). The weights must not all be zero.
    Each change is audited."""
    from governance import audit
    from governance.choices import AuditAction

    _office_only(town.pk, actor)
    Town.objects.select_for_update().filter(pk=town.pk).first()  # one editor at a time per town
    current = {w.indicator: w for w in Weight.objects.filter(town=town)}
    scheme = {k: tuple(v) for k, v in weights_of([town.pk])[town.pk].items()}
    errors = {}
    for indicator, pair in values.items():
        if indicator not in DEFAULT_WEIGHTS:
            errors[indicator] = _("No such indicator.")
            continue
        try:
            weight, min_events = (int(x) for x in pair)
        except (TypeError, ValueError):
            errors[indicator] = _("Give whole numbers.")
            continue
        if not 0 <= weight <= 100:
            errors[f"{indicator}_weight"] = _("A weight is a whole number from 0 to 100.")
        if not 1 <= min_events <= 1000:
            errors[f"{indicator}_min_events"] = _("The fewest events is a whole number from 1 to 1000.")
        scheme[indicator] = (weight, min_events)
    if not errors and not any(weight for weight, _min in scheme.values()):
        errors["__all__"] = _("The weights of a town must not all be zero.")
    if errors:
        raise ValidationError(errors)
    saved = []
    for indicator, (weight, min_events) in scheme.items():
        row = current.get(indicator)
        if row is None:
            row = Weight(town=town, indicator=indicator, weight=weight, min_events=min_events)
            row.full_clean()
            row.save()
            audit.record(action=AuditAction.CREATE, instance=row, actor=actor, after=audit.snapshot(row))
        elif (row.weight, row.min_events) != (weight, min_events):
            before = audit.snapshot(row)
            row.weight, row.min_events = weight, min_events
            row.full_clean()
            row.save()
            audit.record(
                action=AuditAction.UPDATE, instance=row, actor=actor, before=before, after=audit.snapshot(row)
            )
        saved.append(row)
    return saved
