"""County-scale benchmark of the village ranking (一月一排名): the weekly and the monthly
ranking of every town (25 towns, 1,800 villages), measured in-process beside its bare-SQL
floor (one statement computing the same indicators for both periods and ranking the
villages within their towns), in the same run on the same machine.

Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/governance_duty_bench python bench/ranking_bench.py
        [--runs 7]

It runs on the data set of bench/duty_bench.py (built there once: 25 towns, 1,800
villages, ~600,000 households, a year of rosters, 450,000 duty logs, 7,200,000 visits,
93,600 inspections) and adds, once, what the ranking also reads and the duty bench has
not: a year of cases solved or escalated at village level (1,000,000, each with its
village period), ratings of a third of them, and five garbage-sorting spot checks per
duty log. The addition only inserts rows into the tables of cases and spot checks (a row
``ranking`` in ``bench_duty_meta`` says it is done); it changes nothing the duty bench
measures.

Each run computes both rankings for every town (``scoring.ranking.compute``: the queries,
the scores and ranks in Python, the snapshots and their 3,600 rows written) inside a
transaction that is rolled back, so every run does the same work. The figures are min /
median of ``--runs`` runs after one to warm; the floor likewise.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases_bench import bulk_load, counted, mm, one, sql, table_exists, vacuum  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from grids.models import Town  # noqa: E402
from scoring import ranking  # noqa: E402
from scoring.choices import PeriodKind  # noqa: E402
from scoring.models import SnapshotRow  # noqa: E402

GOAL_RATIO = 2.0
CASES = 1_000_000
SPOT_CHECKS_PER_LOG = 5


def extra_built() -> bool:
    return bool(one("SELECT count(*) FROM bench_duty_meta WHERE key = 'ranking'"))


def build_extra() -> None:
    """Cases with their village periods and ratings, and spot checks: inserted once."""
    t0 = timezone.now().replace(microsecond=0)
    params = {"t0": t0, "cases": CASES, "checks": SPOT_CHECKS_PER_LOG}
    steps = [
        (
            "cases (a year, solved or escalated at village level)",
            ["cases_case"],
            """INSERT INTO cases_case (created_at, updated_at, tracking_number, address, source, description,
                       reporter_name, reporter_contact_cipher, reporter_contact_digest, is_anonymous, state,
                       level, deadline, solution, satisfaction, grid_id, town_id, village_id, kind_id,
                       rating_nonce, solved_at, closed_at)
               SELECT c.at, c.at, 'R' || lpad(c.n::text, 9, '0'), '', 'grid_report', '排名基准事项',
                      '', '', '', false,
                      CASE WHEN c.took > interval '3 days' AND c.n %% 3 = 0 THEN 'escalated' ELSE 'closed' END,
                      'village', c.at + interval '3 days', '', '', g.id, v.town_id, v.id,
                      (SELECT min(id) FROM cases_casekind) + c.n %% 13, md5(c.n::text)::varchar(16),
                      c.at + c.took, c.at + c.took
                 FROM (SELECT n, %(t0)s - (n * 365.0 / %(cases)s) * interval '1 day' AS at,
                              random() * interval '4 days' AS took
                         FROM generate_series(1, %(cases)s) n) c
                 JOIN grids_grid g ON g.id = (SELECT min(id) FROM grids_grid) + (c.n::bigint * 7919) %% 27000
                 JOIN grids_village v ON v.id = g.village_id""",
        ),
        (
            "village periods (one a case: solved, or escalated when it ran out)",
            ["cases_caseperiod"],
            """INSERT INTO cases_caseperiod (level, started_at, deadline, ended_at, met, outcome, case_id, village_id)
               SELECT 'village', created_at, deadline, solved_at, solved_at <= deadline,
                      CASE WHEN state = 'escalated' THEN 'escalate' ELSE 'solve' END, id, village_id
                 FROM cases_case WHERE tracking_number LIKE 'R%%'""",
        ),
        (
            "ratings (a third of the solutions)",
            ["cases_rating"],
            """INSERT INTO cases_rating (case_id, period_id, satisfaction, comment, at)
               SELECT p.case_id, p.id, (ARRAY['satisfied', 'satisfied', 'basically', 'not_satisfied'])[1 + p.id %% 4],
                      '', p.ended_at + interval '1 day'
                 FROM cases_caseperiod p WHERE p.outcome = 'solve' AND p.id %% 3 = 0""",
        ),
        (
            "spot checks (five a duty log, 90% passed)",
            ["duty_spotcheck"],
            """INSERT INTO duty_spotcheck (created_at, log_id, household_id, passed, note)
               SELECT %(t0)s, l.id, f.first + k * 7, random() < 0.9, ''
                 FROM duty_dutylog l
                 JOIN (SELECT village_id, min(id) AS first FROM grids_household GROUP BY village_id) f
                   ON f.village_id = l.village_id
                 CROSS JOIN generate_series(0, %(checks)s - 1) k""",
        ),
    ]
    for label, tables, statement in steps:
        start = time.perf_counter()
        with bulk_load(*tables):
            sql(statement, params)
        print(f"  {label}: {time.perf_counter() - start:.0f} s", flush=True)
    vacuum("cases_case", "cases_caseperiod", "cases_rating", "duty_spotcheck")
    # the duty bench's build left these unanalysed: with "2 villages" estimated, the
    # planner chose nested loops that made both sides minutes long
    vacuum("grids_village", "grids_grid", "grids_town", "duty_roster", "duty_shift", "duty_dutyflag")
    sql("INSERT INTO bench_duty_meta VALUES ('ranking', %s)", [t0.isoformat()])


# --------------------------------------------------------------------------- the floor

# The same indicators for both periods in one statement (conditional aggregates over the
# span of the two), ranked within the towns: the facts the ranking stores, without its
# evidence lists, shares and writes. ``w0..w1`` is the week, ``m0..m1`` the month, ``a0..a1``
# the span of both (dates, and the instants of their bounds in Beijing time: ``w0t`` …), as
# parameters (a CTE of them hid the ranges from the planner: no index was used). Each part
# is MATERIALIZED: inlined, the planner once chose to run an aggregate again for each of the
# 1,800 villages (8 minutes).
FLOOR = """
WITH days AS MATERIALIZED (
  SELECT r.village_id,
         count(*) FILTER (WHERE s.date BETWEEN %(w0)s AND %(w1)s) AS days_w,
         count(*) FILTER (WHERE s.date BETWEEN %(m0)s AND %(m1)s) AS days_m,
         count(*) FILTER (WHERE s.date BETWEEN %(w0)s AND %(w1)s AND l.id IS NOT NULL) AS signed_w,
         count(*) FILTER (WHERE s.date BETWEEN %(m0)s AND %(m1)s AND l.id IS NOT NULL) AS signed_m,
         count(*) FILTER (WHERE s.date BETWEEN %(w0)s AND %(w1)s AND f.flagged) AS flagged_w,
         count(*) FILTER (WHERE s.date BETWEEN %(m0)s AND %(m1)s AND f.flagged) AS flagged_m
    FROM duty_shift s
    JOIN duty_roster r ON r.id = s.roster_id
    LEFT JOIN duty_dutylog l ON l.village_id = r.village_id AND l.date = s.date AND l.state = 'signed'
                            AND l.deleted_at IS NULL
    LEFT JOIN (SELECT DISTINCT x.village_id, x.date, true AS flagged FROM duty_dutyflag x
                WHERE x.date BETWEEN %(a0)s AND %(a1)s AND x.dismissed_at IS NULL AND x.kind <> 'missing_log') f
           ON f.village_id = r.village_id AND f.date = s.date
   WHERE s.date BETWEEN %(a0)s AND %(a1)s AND s.position = 'lead' AND s.deleted_at IS NULL
     AND r.state = 'published' AND r.deleted_at IS NULL
   GROUP BY r.village_id),
hours AS MATERIALIZED (
  SELECT l.village_id,
         count(*) FILTER (WHERE l.date BETWEEN %(w0)s AND %(w1)s) AS n_w,
         count(*) FILTER (WHERE l.date BETWEEN %(m0)s AND %(m1)s) AS n_m,
         sum(least(extract(epoch FROM greatest(l.check_out_at - l.check_in_at, interval '0')) / 28800, 1))
           FILTER (WHERE l.date BETWEEN %(w0)s AND %(w1)s) AS h_w,
         sum(least(extract(epoch FROM greatest(l.check_out_at - l.check_in_at, interval '0')) / 28800, 1))
           FILTER (WHERE l.date BETWEEN %(m0)s AND %(m1)s) AS h_m
    FROM duty_dutylog l
   WHERE l.date BETWEEN %(a0)s AND %(a1)s AND l.state = 'signed' AND l.deleted_at IS NULL
   GROUP BY l.village_id),
insp AS MATERIALIZED (
  SELECT i.village_id,
         count(*) FILTER (WHERE i.at >= %(w0t)s AND i.at < %(w1t)s) AS n_w,
         count(*) FILTER (WHERE i.at >= %(m0t)s AND i.at < %(m1t)s) AS n_m,
         avg(i.score) FILTER (WHERE i.at >= %(w0t)s AND i.at < %(w1t)s) AS score_w,
         avg(i.score) FILTER (WHERE i.at >= %(m0t)s AND i.at < %(m1t)s) AS score_m,
         avg(i.present::int) FILTER (WHERE i.at >= %(w0t)s AND i.at < %(w1t)s) AS present_w,
         avg(i.present::int) FILTER (WHERE i.at >= %(m0t)s AND i.at < %(m1t)s) AS present_m
    FROM duty_inspection i
   WHERE i.at >= %(a0t)s AND i.at < %(a1t)s AND i.state = 'published' AND i.deleted_at IS NULL
   GROUP BY i.village_id),
seen_w AS MATERIALIZED (  -- the households visited in the week, each once
  SELECT DISTINCT x.household_id FROM duty_visit x
   WHERE x.visited_at >= %(w0t)s AND x.visited_at < %(w1t)s AND x.deleted_at IS NULL),
seen_m AS MATERIALIZED (
  SELECT DISTINCT x.household_id FROM duty_visit x
   WHERE x.visited_at >= %(m0t)s AND x.visited_at < %(m1t)s AND x.deleted_at IS NULL),
cover AS MATERIALIZED (
  SELECT h.village_id, count(*) AS n, count(w.household_id) AS v_w, count(m.household_id) AS v_m
    FROM grids_household h
    LEFT JOIN seen_w w ON w.household_id = h.id
    LEFT JOIN seen_m m ON m.household_id = h.id
   WHERE h.deleted_at IS NULL
   GROUP BY h.village_id),
cases AS MATERIALIZED (
  SELECT c.village_id,
         count(*) FILTER (WHERE c.ended_at >= %(w0t)s AND c.ended_at < %(w1t)s) AS n_w,
         count(*) FILTER (WHERE c.ended_at >= %(m0t)s AND c.ended_at < %(m1t)s) AS n_m,
         count(*) FILTER (WHERE c.ended_at >= %(w0t)s AND c.ended_at < %(w1t)s AND c.met) AS met_w,
         count(*) FILTER (WHERE c.ended_at >= %(m0t)s AND c.ended_at < %(m1t)s AND c.met) AS met_m
    FROM cases_caseperiod c
   WHERE c.ended_at >= %(a0t)s AND c.ended_at < %(a1t)s AND c.level = 'village'
     AND c.outcome IN ('solve', 'solve_on_spot', 'escalate')
   GROUP BY c.village_id),
rated AS MATERIALIZED (
  SELECT c.village_id,
         count(*) FILTER (WHERE r.at >= %(w0t)s AND r.at < %(w1t)s) AS n_w,
         count(*) FILTER (WHERE r.at >= %(m0t)s AND r.at < %(m1t)s) AS n_m,
         count(*) FILTER (WHERE r.at >= %(w0t)s AND r.at < %(w1t)s AND r.satisfaction <> 'not_satisfied') AS good_w,
         count(*) FILTER (WHERE r.at >= %(m0t)s AND r.at < %(m1t)s AND r.satisfaction <> 'not_satisfied') AS good_m
    FROM cases_rating r JOIN cases_case c ON c.id = r.case_id
   WHERE r.at >= %(a0t)s AND r.at < %(a1t)s
   GROUP BY c.village_id),
sorting AS MATERIALIZED (
  SELECT l.village_id,
         count(*) FILTER (WHERE l.date BETWEEN %(w0)s AND %(w1)s) AS n_w,
         count(*) FILTER (WHERE l.date BETWEEN %(m0)s AND %(m1)s) AS n_m,
         count(*) FILTER (WHERE l.date BETWEEN %(w0)s AND %(w1)s AND s.passed) AS ok_w,
         count(*) FILTER (WHERE l.date BETWEEN %(m0)s AND %(m1)s AND s.passed) AS ok_m
    FROM duty_spotcheck s JOIN duty_dutylog l ON l.id = s.log_id
   WHERE l.date BETWEEN %(a0)s AND %(a1)s AND l.deleted_at IS NULL
   GROUP BY l.village_id),
m AS MATERIALIZED (
  SELECT v.id, v.town_id,
         signed_w::numeric / nullif(days_w, 0) AS log_w, signed_m::numeric / nullif(days_m, 0) AS log_m,
         hours.h_w / nullif(hours.n_w, 0) AS hours_w, hours.h_m / nullif(hours.n_m, 0) AS hours_m,
         insp.score_w / 100 AS insp_w, insp.score_m / 100 AS insp_m, insp.present_w, insp.present_m,
         (days_w - flagged_w)::numeric / nullif(days_w, 0) AS flags_w,
         (days_m - flagged_m)::numeric / nullif(days_m, 0) AS flags_m,
         cover.v_w::numeric / nullif(cover.n, 0) AS cover_w, cover.v_m::numeric / nullif(cover.n, 0) AS cover_m,
         cases.met_w::numeric / nullif(cases.n_w, 0) AS cases_w, cases.met_m::numeric / nullif(cases.n_m, 0) AS cases_m,
         rated.good_w::numeric / nullif(rated.n_w, 0) AS sat_w, rated.good_m::numeric / nullif(rated.n_m, 0) AS sat_m,
         sorting.ok_w::numeric / nullif(sorting.n_w, 0) AS sort_w, sorting.ok_m::numeric / nullif(sorting.n_m, 0) AS sort_m
    FROM grids_village v
    LEFT JOIN days ON days.village_id = v.id LEFT JOIN hours ON hours.village_id = v.id
    LEFT JOIN insp ON insp.village_id = v.id LEFT JOIN cover ON cover.village_id = v.id
    LEFT JOIN cases ON cases.village_id = v.id LEFT JOIN rated ON rated.village_id = v.id
    LEFT JOIN sorting ON sorting.village_id = v.id
   WHERE v.deleted_at IS NULL),
s AS MATERIALIZED (
  SELECT m.*,
         (20 * coalesce(log_w, 0) + 10 * coalesce(hours_w, 0) + 15 * coalesce(insp_w, 0) + 10 * coalesce(present_w, 0)
          + 5 * coalesce(flags_w, 0) + 15 * coalesce(cover_w, 0) + 15 * coalesce(cases_w, 0) + 5 * coalesce(sat_w, 0)
          + 5 * coalesce(sort_w, 0)) AS score_w,
         (20 * coalesce(log_m, 0) + 10 * coalesce(hours_m, 0) + 15 * coalesce(insp_m, 0) + 10 * coalesce(present_m, 0)
          + 5 * coalesce(flags_m, 0) + 15 * coalesce(cover_m, 0) + 15 * coalesce(cases_m, 0) + 5 * coalesce(sat_m, 0)
          + 5 * coalesce(sort_m, 0)) AS score_m
    FROM m)
SELECT s.*, rank() OVER (PARTITION BY town_id ORDER BY score_w DESC) AS rank_w,
       rank() OVER (PARTITION BY town_id ORDER BY score_m DESC) AS rank_m
  FROM s
"""


def floor_params(week: datetime.date, month: datetime.date) -> dict:
    w1 = ranking.period_of(PeriodKind.WEEK, week)[1]
    m1 = ranking.period_of(PeriodKind.MONTH, month)[1]
    w0t, w1t = ranking._bounds(week, w1)
    m0t, m1t = ranking._bounds(month, m1)
    return {
        "w0": week,
        "w1": w1,
        "m0": month,
        "m1": m1,
        "w0t": w0t,
        "w1t": w1t,
        "m0t": m0t,
        "m1t": m1t,
        "a0": min(week, month),
        "a1": max(w1, m1),
        "a0t": min(w0t, m0t),
        "a1t": max(w1t, m1t),
    }


class Rollback(Exception):
    pass


def project_run(towns: list[int], week: datetime.date, month: datetime.date) -> tuple[float, float, int, int]:
    """Both rankings of every town, written and rolled back: (total ms, ms of the
    indicator queries alone, statements of the ranking, rows written)."""
    with counted() as c:
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                ranking.measure(towns, week, ranking.period_of(PeriodKind.WEEK, week)[1])
                ranking.measure(towns, month, ranking.period_of(PeriodKind.MONTH, month)[1])
                measure_ms = (time.perf_counter() - t0) * 1000
                before = len(c.times)
                t0 = time.perf_counter()  # the measured work: both rankings, from nothing
                made = []
                for kind, start in ((PeriodKind.WEEK, week), (PeriodKind.MONTH, month)):
                    made += ranking.compute(towns, kind, start, new_version=True).made
                total = (time.perf_counter() - t0) * 1000
                statements = len(c.times) - before
                rows = SnapshotRow.objects.filter(snapshot__in=made).count()
                raise Rollback
        except Rollback:
            pass
    return total, measure_ms, statements, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run on PostgreSQL: set DATABASE_URL")
    if not table_exists("bench_duty_meta"):
        raise SystemExit("build the duty bench's data set first: python bench/duty_bench.py")
    if not extra_built():
        print("adding cases, periods, ratings and spot checks (once)", flush=True)
        build_extra()
    today = timezone.localdate()
    week = ranking.last_complete(PeriodKind.WEEK, today)
    month = ranking.last_complete(PeriodKind.MONTH, today)
    towns = list(Town.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    name = connection.settings_dict["NAME"]
    print(
        f"{timezone.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}, database {name}\n"
        f"{len(towns)} towns, {one('SELECT count(*) FROM grids_village'):,} villages, "
        f"{one('SELECT count(*) FROM duty_dutylog'):,} logs, {one('SELECT count(*) FROM duty_visit'):,} visits, "
        f"{one('SELECT count(*) FROM duty_inspection'):,} inspections, "
        f"{one('SELECT count(*) FROM cases_caseperiod'):,} case periods, {one('SELECT count(*) FROM cases_rating'):,} "
        f"ratings, {one('SELECT count(*) FROM duty_spotcheck'):,} spot checks\n"
        f"week {week} – {ranking.period_of(PeriodKind.WEEK, week)[1]}, month {month:%Y-%m}"
    )
    params = floor_params(week, month)
    sql(FLOOR, params)  # warm
    project_run(towns, week, month)
    floor_ms, project_ms, measure_ms = [], [], []
    statements = written = 0
    for _ in range(args.runs):  # alternate, so that both meet the same machine
        t0 = time.perf_counter()
        result = sql(FLOOR, params)
        floor_ms.append((time.perf_counter() - t0) * 1000)
        total, measured, statements, written = project_run(towns, week, month)
        project_ms.append(total)
        measure_ms.append(measured)
    ratio = statistics.median(project_ms) / statistics.median(floor_ms)
    print(
        f"\nweekly + monthly ranking of every town, min / median of {args.runs} runs\n"
        f"  project  {mm(project_ms):>15s} ms  {statements} statements, {written:,} rows written "
        f"(rolled back); the indicator queries alone {mm(measure_ms)} ms\n"
        f"  floor    {mm(floor_ms):>15s} ms  1 statement, {len(result):,} villages ranked twice\n"
        f"  project/floor at the median {ratio:.2f}×; goal ≤ {GOAL_RATIO:.0f}×: "
        f"{'met' if ratio <= GOAL_RATIO else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
