"""County-scale benchmark of the duty pages that must stay fast at any size: the town
office's month grid (villages × days) and a grid's visit due list, each measured
in-process beside its bare-SQL floor (one statement returning the same facts), in the
same run on the same machine.

Usage (see bench/README.md):

    createdb -h 127.0.0.1 -U postgres governance_duty_bench      # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/governance_duty_bench python bench/duty_bench.py
        [--runs 30] [--rebuild]

The first call builds the data set once (25 towns, 1,800 villages, 27,000 grids, ~600,000
households, a year of rosters, 450,000 duty logs, 7,200,000 visits, 93,600 inspections);
later calls reuse it. The pages only read, so nothing needs resetting between runs.
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

from cases_bench import (  # noqa: E402  (sets up Django as a bench does: DEBUG off, fixed keys)
    bench_user,
    build_hierarchy,
    bulk_load,
    counted,
    fmt,
    load,
    mm,
    one,
    sql,
    table_exists,
    vacuum,
)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.choices import Role  # noqa: E402
from grids.models import Grid, Town  # noqa: E402

# The pages name their stylesheets; with DEBUG off production looks them up in the
# manifest collectstatic writes (a dict read). The bench does not collect: it names them
# as they are.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

GOAL_MS = 60.0
HOUSEHOLDS_PER_GRID = 22  # and one more in every fifth grid: 27,000 × 22.2 ≈ 600,000
DUTY_DAYS = 250  # the last 250 weekdays: 1,800 × 250 = 450,000 logs
VISITS_PER_HOUSEHOLD = 12  # in the last 365 days: 7.2 million visits
INSPECTIONS_PER_VILLAGE = 52  # one a week: 93,600


def built() -> bool:
    return table_exists("bench_duty_meta")


def build() -> None:
    if Town.objects.exists():
        raise SystemExit("the database has other data: use an empty bench database, or --rebuild")
    t0 = timezone.now().replace(microsecond=0)
    start = time.perf_counter()
    build_hierarchy(t0)
    print(f"hierarchy and people built in {time.perf_counter() - start:.0f} s", flush=True)
    today = timezone.localdate()
    steps = [
        (
            "households",
            ["grids_household"],
            """INSERT INTO grids_household (created_at, updated_at, town_id, village_id, grid_id, number,
                       head_name, address, phone_cipher, phone_digest, is_low_income, is_dispute,
                       is_petitioner, is_building_applicant, is_hotline_caller, is_elderly_alone,
                       is_rented_to_migrants)
               SELECT %(t0)s, %(t0)s, v.town_id, g.village_id, g.id, g.code || '-' || n, '户主' || n, '', '', '',
                      r < 0.04, r BETWEEN 0.04 AND 0.05, r BETWEEN 0.05 AND 0.055, false, false,
                      r BETWEEN 0.055 AND 0.09, false
                 FROM grids_grid g JOIN grids_village v ON v.id = g.village_id
                 CROSS JOIN LATERAL (SELECT n, random() AS r FROM generate_series(1, %(per)s + (g.id %% 5 = 0)::int) n) x""",
        ),
        (
            "rosters (13 months, published)",
            ["duty_roster"],
            """INSERT INTO duty_roster (created_at, updated_at, village_id, month, duty_phone, state, published_at)
               SELECT %(t0)s, %(t0)s, v.id, m::date, '0571-8888' || lpad(v.id::text, 4, '0'), 'published', %(t0)s
                 FROM grids_village v
                 CROSS JOIN generate_series(date_trunc('month', %(today)s::date) - interval '12 months',
                                            date_trunc('month', %(today)s::date), interval '1 month') m""",
        ),
        (
            "shifts (the village's cadre on each weekday)",
            ["duty_shift"],
            """INSERT INTO duty_shift (created_at, updated_at, roster_id, date, person_id, position)
               SELECT %(t0)s, %(t0)s, r.id, d::date, u.id, 'lead'
                 FROM duty_roster r
                 JOIN governance_user u ON u.username = 'bvc' || r.village_id
                 CROSS JOIN LATERAL generate_series(r.month, r.month + interval '1 month' - interval '1 day',
                                                    interval '1 day') d
                WHERE extract(isodow FROM d) < 6""",
        ),
        (
            "duty logs (the last 250 weekdays, 90% signed)",
            ["duty_dutylog"],
            """INSERT INTO duty_dutylog (created_at, updated_at, village_id, date, cadre_id, shift_id,
                       off_roster_reason, state, check_in_at, check_in_method, check_in_reason,
                       check_out_at, patrol_route, board_note, summary, signed_at)
               SELECT %(t0)s, %(t0)s, s.village_id, s.date, s.person_id, s.id, '',
                      CASE WHEN random() < 0.9 THEN 'signed' ELSE 'draft' END,
                      s.date + time '08:20', 'qr', '', s.date + time '17:10', '村内主干道', '', '日常值班',
                      s.date + time '17:15'
                 FROM (SELECT sh.id, sh.date, sh.person_id, r.village_id
                         FROM duty_shift sh JOIN duty_roster r ON r.id = sh.roster_id
                        WHERE sh.date < %(today)s
                          AND sh.date >= (SELECT min(d) FROM (SELECT DISTINCT date AS d FROM duty_shift
                                            WHERE date < %(today)s ORDER BY d DESC LIMIT %(days)s) w)) s""",
        ),
        (
            "visits (12 a household in the last 365 days)",
            ["duty_visit"],
            """INSERT INTO duty_visit (created_at, updated_at, town_id, village_id, grid_id, household_id,
                       visited_at, kind, found, by_id)
               SELECT %(t0)s, %(t0)s, h.town_id, h.village_id, h.grid_id, h.id,
                      %(t0)s - random() * interval '365 days', 'routine', '', u.id
                 FROM grids_household h
                 JOIN governance_user u ON u.username = 'bgw' || h.grid_id
                 CROSS JOIN generate_series(1, %(visits)s)""",
        ),
        (
            "inspections (one a week a village, 5% found absent)",
            ["duty_inspection"],
            """INSERT INTO duty_inspection (created_at, updated_at, town_id, village_id, at, inspectors, present,
                       items_seen, findings, score, state, published_at)
               SELECT %(t0)s, %(t0)s, v.town_id, v.id, %(t0)s - (k * 7 + random() * 7) * interval '1 day', '镇纪委',
                      random() > 0.05, '[1, 2, 3]', '', 60 + floor(random() * 40)::int, 'published', %(t0)s
                 FROM grids_village v CROSS JOIN generate_series(0, %(inspections)s - 1) k""",
        ),
        (
            "missing-log flags (the unsigned logs)",
            ["duty_dutyflag"],
            """INSERT INTO duty_dutyflag (kind, village_id, date, log_id, reason, evidence, created_at, dismiss_reason)
               SELECT 'missing_log', village_id, date, id, '未签', '{}', %(t0)s, ''
                 FROM duty_dutylog WHERE state = 'draft'""",
        ),
        (
            "three-musts occasions (one open in every tenth grid)",
            ["duty_threemust"],
            """INSERT INTO duty_threemust (created_at, updated_at, town_id, village_id, grid_id, household_id,
                       occasion, note, known_on, due_on, reported_by_id)
               SELECT DISTINCT ON (h.grid_id) %(t0)s, %(t0)s, h.town_id, h.village_id, h.grid_id, h.id,
                      'hospitalised', '', %(today)s::date - 1, %(today)s::date + 2, u.id
                 FROM grids_household h JOIN governance_user u ON u.username = 'bgw' || h.grid_id
                WHERE h.grid_id %% 10 = 0
                ORDER BY h.grid_id, h.id""",
        ),
    ]
    params = {
        "t0": t0,
        "today": today,
        "per": HOUSEHOLDS_PER_GRID,
        "days": DUTY_DAYS,
        "visits": VISITS_PER_HOUSEHOLD,
        "inspections": INSPECTIONS_PER_VILLAGE,
    }
    for label, tables, statement in steps:
        start = time.perf_counter()
        with bulk_load(*tables):
            sql(statement, params)
        print(f"  {label}: {time.perf_counter() - start:.0f} s", flush=True)
    vacuum(
        "grids_household",
        "duty_roster",
        "duty_shift",
        "duty_dutylog",
        "duty_visit",
        "duty_inspection",
        "duty_dutyflag",
        "duty_threemust",
        "governance_user",
    )
    sql("CREATE TABLE bench_duty_meta (key text PRIMARY KEY, value text)")
    sql("INSERT INTO bench_duty_meta VALUES ('built', %s)", [t0.isoformat()])
    counts = sql(
        """SELECT (SELECT count(*) FROM grids_household), (SELECT count(*) FROM duty_shift),
                  (SELECT count(*) FROM duty_dutylog), (SELECT count(*) FROM duty_visit),
                  (SELECT count(*) FROM duty_inspection), (SELECT count(*) FROM duty_dutyflag)"""
    )[0]
    print(
        "built: {:,} households, {:,} shifts, {:,} duty logs, {:,} visits, {:,} inspections, {:,} flags".format(
            *counts
        ),
        flush=True,
    )


# --------------------------------------------------------------------------- the floors

# The month grid's facts for one town and month, in one statement: each village's lead
# cadre per day, its logs' states, its inspections, its open flags.
MONTH_FLOOR = """
WITH v AS (SELECT id FROM grids_village WHERE town_id = %(town)s AND deleted_at IS NULL)
SELECT 's', r.village_id, sh.date, u.last_name || u.first_name
  FROM duty_shift sh JOIN duty_roster r ON r.id = sh.roster_id JOIN governance_user u ON u.id = sh.person_id
 WHERE r.village_id IN (SELECT id FROM v) AND sh.date BETWEEN %(first)s AND %(last)s
   AND sh.position = 'lead' AND r.state = 'published' AND r.deleted_at IS NULL AND sh.deleted_at IS NULL
UNION ALL
SELECT 'l', village_id, date, state FROM duty_dutylog
 WHERE village_id IN (SELECT id FROM v) AND date BETWEEN %(first)s AND %(last)s AND deleted_at IS NULL
UNION ALL
SELECT 'i', village_id, (at AT TIME ZONE 'Asia/Shanghai')::date, present::text FROM duty_inspection
 WHERE village_id IN (SELECT id FROM v) AND at >= %(start)s AND at < %(end)s AND deleted_at IS NULL
UNION ALL
SELECT 'f', village_id, date, kind FROM duty_dutyflag
 WHERE village_id IN (SELECT id FROM v) AND date BETWEEN %(first)s AND %(last)s AND dismissed_at IS NULL
"""

# A grid's due list for a month, in one statement: the households not visited this month,
# open three-musts first, then special households, then the longest unvisited, each with
# its last visit; and the grid's coverage.
DUE_FLOOR = """
SELECT h.id, h.number, h.head_name, t.due_on,
       (h.is_low_income OR h.is_dispute OR h.is_petitioner OR h.is_building_applicant
        OR h.is_hotline_caller OR h.is_elderly_alone OR h.is_rented_to_migrants) AS special,
       (SELECT max(visited_at) FROM duty_visit x WHERE x.household_id = h.id AND x.deleted_at IS NULL) AS last
  FROM grids_household h
  LEFT JOIN LATERAL (SELECT min(due_on) AS due_on FROM duty_threemust m
                      WHERE m.household_id = h.id AND m.visit_id IS NULL AND m.deleted_at IS NULL) t ON true
 WHERE h.grid_id = %(grid)s AND h.deleted_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM duty_visit x WHERE x.household_id = h.id AND x.deleted_at IS NULL
                      AND x.visited_at >= %(start)s AND x.visited_at < %(end)s)
 ORDER BY t.due_on NULLS LAST, special DESC, last NULLS FIRST
"""
COVERAGE_FLOOR = """
SELECT count(*), count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM duty_visit x WHERE x.household_id = h.id AND x.deleted_at IS NULL
            AND x.visited_at >= %(start)s AND x.visited_at < %(end)s))
  FROM grids_household h WHERE h.grid_id = %(grid)s AND h.deleted_at IS NULL
"""


def floor(statements: list[str], params: dict, runs: int) -> list[float]:
    for statement in statements:  # warm
        sql(statement, params)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for statement in statements:
            sql(statement, params)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def page(client: Client, url: str, runs: int) -> tuple[list[float], int, float, int]:
    """Times of ``runs`` requests after 3 to warm, the query count, the median time in
    SQL, and the size of the page."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times, in_sql = [], []
    for _ in range(runs):
        with counted() as c:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        in_sql.append(sum(ms for _, ms in c.times))
    with CaptureQueriesContext(connection) as q:
        response = client.get(url)
    return times, len(q), statistics.median(in_sql), len(response.content)


def report(label: str, project: tuple, floor_times: list[float], floor_statements: int) -> None:
    times, queries, in_sql, size = project
    ratio = statistics.median(times) / statistics.median(floor_times)
    goal = "met" if statistics.median(times) <= GOAL_MS else "NOT met"
    print(
        f"  {label}\n"
        f"    project  {mm(times):>15s} ms  {queries:2d} queries ({fmt(in_sql)} ms in SQL), page {size / 1024:.0f} KiB\n"
        f"    floor    {mm(floor_times):>15s} ms  {floor_statements} statement(s)\n"
        f"    project/floor at the median {ratio:.1f}×; goal ≤ {GOAL_MS:.0f} ms at the median: {goal}"
    )


def month_bounds(month: datetime.date):
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        first,
        following - datetime.timedelta(days=1),
        datetime.datetime.combine(first, datetime.time(), tz),
        datetime.datetime.combine(following, datetime.time(), tz),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="empty the bench database and build it again")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run on PostgreSQL: set DATABASE_URL")
    name = connection.settings_dict["NAME"]
    if args.rebuild:
        if "bench" not in name:
            raise SystemExit(f"--rebuild empties the whole database: {name!r} is not a bench database")
        sql("DROP SCHEMA public CASCADE")
        sql("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    if not built():
        build()
    print(
        f"{timezone.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}, database {name}; "
        f"{one('SELECT count(*) FROM duty_dutylog'):,} logs, {one('SELECT count(*) FROM duty_visit'):,} visits"
    )
    town = Town.objects.get(code="BT00")
    office = bench_user("bench_duty_office", Role.TOWN_OFFICE, town=town)
    client = Client()
    client.force_login(office)
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    print(f"\nin-process (Django test client, session), min / median of {args.runs} — load {load()}")
    for month in (last_month, today.replace(day=1)):
        first, last, start, end = month_bounds(month)
        params = {"town": town.pk, "first": first, "last": last, "start": start, "end": end}
        project = page(client, f"/duty/month/?town={town.pk}&month={month:%Y-%m}", args.runs)
        report(
            f"the town's month grid, {month:%Y-%m} ({town.name}, 72 villages × {last.day} days)",
            project,
            floor([MONTH_FLOOR], params, args.runs),
            1,
        )
    grid = Grid.objects.filter(village__town=town).order_by("pk").first()
    worker = bench_user("bench_duty_worker", Role.GRID_WORKER, grid=grid)
    wclient = Client()
    wclient.force_login(worker)
    try:
        url = reverse("duty:visits-grid", args=[grid.pk])
    except NoReverseMatch:
        print("  (no grid due-list page in this revision)")
        return
    first, last, start, end = month_bounds(today)
    params = {"grid": grid.pk, "start": start, "end": end}
    households = one("SELECT count(*) FROM grids_household WHERE grid_id = %s", [grid.pk])
    report(
        f"a grid's due list and coverage, {today:%Y-%m} ({households} households, as its grid worker)",
        page(wclient, url, args.runs),
        floor([DUE_FLOOR, COVERAGE_FLOOR], params, args.runs),
        2,
    )


if __name__ == "__main__":
    main()
