"""County-scale benchmark of the escalation sweep and the open-case page, measured side by
side with the bare-SQL floor of ../shared/bench-floor in the same run.

Usage (see bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/governance_bench python bench/cases_bench.py
        [--rounds 5] [--reruns 3] [--no-floor] [--skip-sweep] [--skip-list]
        [--indexes [--index-rounds 5]] [--reset] [--rebuild]

The first call builds the data set once (a few minutes) and keeps a snapshot of what the
sweep changes; every later first run starts from that snapshot (``reset()``), so the
database never needs a rebuild.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import hashlib
import logging
import os
import re
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
# Measure as production runs: no query log kept on every cursor. Fixed keys, so the
# reporters' contacts encrypted at build time stay readable on every later run.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEY",  # what an unset key derived from this SECRET_KEY before it had to be set
    base64.urlsafe_b64encode(
        hashlib.sha256(f"field-encryption:{os.environ['SECRET_KEY']}".encode()).digest()
    ).decode(),
)
os.environ.setdefault("FIELD_HASH_KEY", "bench-only-field-hash-key")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # no sign-in or delivery lines between the figures

warnings.filterwarnings(
    "ignore", message="No directory at"
)  # whitenoise: static files are not collected here

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance import crypto, workdays  # noqa: E402
from governance.choices import Role  # noqa: E402
from governance.models import Membership, User  # noqa: E402
from grids import geo  # noqa: E402
from grids.models import Department, Grid, Household, Town, Village  # noqa: E402

TOWNS, VILLAGES, GRIDS, DEPARTMENTS = 25, 72, 15, 10
CASES, OPEN_VILLAGE, OPEN_TOWN = 1_000_000, 60_000, 40_000
CLOSED = CASES - OPEN_VILLAGE - OPEN_TOWN
CONTACTS = 1000  # distinct reporter phone numbers, encrypted once and reused
OPEN = ("registered", "claimed", "escalated", "assigned", "accepted")
VILLAGE_OPEN, TOWN_OPEN = OPEN[:2], OPEN[2:]
# Tables the sweep appends to; reset() deletes what lies beyond the snapshot's last id.
APPENDED = ("cases_caseperiod", "cases_caseevent", "cases_notification", "governance_auditentry")
WRITTEN = ("cases_case", "cases_caseperiod", "cases_caseevent", "cases_notification", "governance_auditentry")

FLOOR_DIR = Path(os.environ.get("FLOOR_DIR", Path(__file__).resolve().parents[2] / "shared" / "bench-floor"))
FLOOR_DB, FLOOR_LIST_DB = os.environ.get("FLOOR_DB", "floor2_a"), os.environ.get("FLOOR_LIST_DB", "floor2_b")
GOAL_SWEEP, GOAL_PAGE_MS = 1.5, 30.0


# --------------------------------------------------------------------------- helpers


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def sql(statement: str, params=()) -> list[tuple]:
    """Run one statement; ``%`` is always a placeholder (write ``%%`` for the operator)."""
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else []


def one(statement: str, params=()):
    return sql(statement, params)[0][0]


def fmt(ms: float) -> str:
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def mm(values: list[float]) -> str:
    return f"{fmt(min(values))} / {fmt(statistics.median(values))}" if values else "—"


class Counter:
    """Counts the statements Django sends (``execute`` and ``executemany`` calls) and the
    time each took in the driver and the server, at no measurable cost to the timing
    (unlike a captured query log)."""

    def __init__(self):
        self.n = 0
        self.times: list[tuple[str, float]] = []

    def __call__(self, execute, sql_, params, many, context):
        self.n += 1
        t0 = time.perf_counter()
        try:
            return execute(sql_, params, many, context)
        finally:
            self.times.append((" ".join(sql_.split())[:70], (time.perf_counter() - t0) * 1000))


@contextlib.contextmanager
def counted():
    counter = Counter()
    with connection.execute_wrapper(counter):
        yield counter


def vacuum(*tables: str) -> None:
    for table in tables:
        sql(f"VACUUM ANALYZE {table}")


def table_exists(name: str) -> bool:
    return one("SELECT to_regclass(%s) IS NOT NULL", [name])


def meta() -> dict[str, str]:
    return dict(sql("SELECT key, value FROM bench_meta")) if table_exists("bench_meta") else {}


# --------------------------------------------------------------------------- build


@contextlib.contextmanager
def bulk_load(*tables: str):
    """Load without the tables' secondary indexes and triggers (FK checks); the indexes
    are made again afterwards, as they were, from their definitions."""
    defs = sql(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [list(tables)],
    )
    for name, _ in defs:
        sql(f'DROP INDEX "{name}"')
    sql("SET session_replication_role = replica")
    try:
        yield
    finally:
        sql("SET session_replication_role = origin")
        t0 = time.perf_counter()
        for _, definition in defs:
            sql(definition)
        print(f"  {len(defs)} indexes made again in {time.perf_counter() - t0:.1f} s", flush=True)


def build_hierarchy(t0: datetime.datetime) -> None:
    with transaction.atomic():
        towns = Town.objects.bulk_create(
            [
                Town(
                    name=f"基准镇{t}",
                    code=f"BT{t:02d}",
                    boundary=geo.rectangle(120 + t * 0.1, 30, 120.09 + t * 0.1, 30.09),
                )
                for t in range(TOWNS)
            ]
        )
        villages = Village.objects.bulk_create(
            [
                Village(town=town, name=f"{town.name}第{v}村", code=f"{town.code}V{v:02d}")
                for town in towns
                for v in range(VILLAGES)
            ],
            batch_size=5000,
        )
        Grid.objects.bulk_create(
            [
                Grid(village=v, name=f"{v.name}第{g}网格", code=f"{v.code}G{g:02d}")
                for v in villages
                for g in range(GRIDS)
            ],
            batch_size=5000,
        )
        Department.objects.bulk_create(
            [
                Department(town=town, name=f"{town.name}部门{d}", code=f"{town.code}D{d:02d}")
                for town in towns
                for d in range(DEPARTMENTS)
            ]
        )
        # People who hold cases: a worker per grid, a cadre per village, a handler per
        # department (passwords unusable: they never sign in).
        for prefix, table, join in [
            (
                "bgw",
                "grids_grid",
                "JOIN grids_village v ON v.id = a.village_id JOIN grids_town t ON t.id = v.town_id",
            ),
            ("bvc", "grids_village", "JOIN grids_town t ON t.id = a.town_id"),
            ("bdh", "grids_department", "JOIN grids_town t ON t.id = a.town_id"),
        ]:
            sql(
                f"""INSERT INTO governance_user (password, is_superuser, username, first_name, last_name,
                        email, is_staff, is_active, date_joined, phone)
                    SELECT '!', false, '{prefix}' || a.id, '', '{prefix}' || a.id, '', false, true, %s, ''
                      FROM {table} a {join} WHERE t.code LIKE 'BT%%'""",
                [t0],
            )


def build_cases(t0: datetime.datetime) -> None:
    from cases.models import CaseKind

    kinds = list(CaseKind.objects.filter(town__isnull=True).order_by("id").values_list("id", flat=True))
    horizon = workdays.deadline(t0, 1).at  # what remind_due looks ahead to
    phones = [f"139{n:08d}" for n in range(CONTACTS)]
    ciphers = [crypto.encrypt(crypto.normalise(p)) for p in phones]
    digests = [crypto.digest(crypto.normalise(p)) for p in phones]
    p = {
        "t0": t0,
        "horizon": horizon,
        "cases": CASES,
        "closed": CLOSED,
        "open_v": OPEN_VILLAGE,
        "kinds": kinds,
        "ciphers": ciphers,
        "digests": digests,
        "contacts": CONTACTS,
    }
    sql("SET maintenance_work_mem = '512MB'")
    sql("SET work_mem = '256MB'")
    sql(
        """CREATE TEMP TABLE bench_grid AS
           SELECT row_number() OVER (ORDER BY g.id)::int AS n, g.id AS grid_id, g.village_id, v.town_id,
                  gw.id AS worker_id, vc.id AS cadre_id
             FROM grids_grid g JOIN grids_village v ON v.id = g.village_id JOIN grids_town t ON t.id = v.town_id
             JOIN governance_user gw ON gw.username = 'bgw' || g.id
             JOIN governance_user vc ON vc.username = 'bvc' || v.id
            WHERE t.code LIKE 'BT%%'"""
    )
    sql("CREATE UNIQUE INDEX ON bench_grid (n)")
    sql(
        """CREATE TEMP TABLE bench_dept AS
           SELECT d.town_id, (row_number() OVER (PARTITION BY d.town_id ORDER BY d.id) - 1)::int AS k,
                  d.id AS department_id, u.id AS handler_id
             FROM grids_department d JOIN grids_town t ON t.id = d.town_id
             JOIN governance_user u ON u.username = 'bdh' || d.id
            WHERE t.code LIKE 'BT%%'"""
    )
    ngrids = one("SELECT count(*) FROM bench_grid")
    sql("SELECT setseed(0.42)")
    # The floor's shape (gen.sql): creation spread over a year, states drawn at random,
    # 15% of the closed ones closed at town level, open deadlines uniform in [-1, +9]
    # days of build time, so about 10% are overdue.
    sql(
        f"""CREATE TEMP TABLE bench_raw AS
            SELECT n, 1 + floor(random() * {ngrids})::int AS gi,
                   %(t0)s::timestamptz - interval '365 days' + n * (365.0 / %(cases)s) * interval '1 day' AS reg,
                   CASE WHEN rk <= %(closed)s THEN 'closed'
                        WHEN rk <= %(closed)s + %(open_v)s
                             THEN (CASE WHEN n %% 2 = 0 THEN 'registered' ELSE 'claimed' END)
                        ELSE (CASE n %% 3 WHEN 0 THEN 'escalated' WHEN 1 THEN 'assigned' ELSE 'accepted' END)
                   END AS st,
                   random() AS r2, random() AS r3, random() AS r4
              FROM (SELECT n, row_number() OVER (ORDER BY random()) AS rk
                      FROM generate_series(1, %(cases)s) AS n) x
             ORDER BY n""",
        p,
    )
    sql(
        """CREATE TEMP TABLE bench_c1 AS
           SELECT r.n, r.reg, r.st, r.r3, r.r4, g.grid_id, g.village_id, g.town_id, g.worker_id, g.cadre_id,
                  CASE WHEN r.st IN ('escalated', 'assigned', 'accepted') OR (r.st = 'closed' AND r.r2 < 0.15)
                       THEN 'town' ELSE 'village' END AS level,
                  r.n %% 20 AS src
             FROM bench_raw r JOIN bench_grid g ON g.n = r.gi"""
    )
    # Sources: 0-4 grid report, 5-6 patrol, 7-10 household visit, 11-12 walk-in,
    # 13-17 12345 hotline, 18-19 REST client. The reporter left a contact on visits,
    # walk-ins, hotline calls and client reports: 65% of the cases.
    sql(
        """CREATE TEMP TABLE bench_c2 AS
           SELECT c.*,
                  CASE WHEN st = 'closed' THEN reg + (3 + r3 * 7) * interval '1 day'
                       ELSE %(t0)s::timestamptz + (r3 * 10 - 1) * interval '1 day' END AS deadline,
                  CASE WHEN level = 'town'
                       THEN least(%(t0)s::timestamptz, reg + (1 + r4 * 5) * interval '1 day') END AS escalated_at,
                  CASE WHEN st = 'closed' THEN least(%(t0)s::timestamptz, reg + r4 * 12 * interval '1 day') END
                    AS closed_raw,
                  (st = 'claimed' OR (st NOT IN ('registered', 'claimed') AND n %% 4 <> 0)) AS was_claimed,
                  CASE WHEN st IN ('assigned', 'accepted') OR (st = 'closed' AND level = 'town')
                       THEN n %% 10 END AS dept_k,
                  src >= 7 AS has_contact
             FROM bench_c1 c""",
        p,
    )
    sql(
        """CREATE TEMP TABLE bench_case AS
           SELECT c.n AS id, c.reg AS created_at, c.st AS state, c.level, c.deadline, c.escalated_at,
                  CASE WHEN c.level = 'town' THEN greatest(c.closed_raw, c.escalated_at) ELSE c.closed_raw END
                    AS closed_at,
                  c.grid_id, c.village_id, c.town_id, c.src, c.has_contact, c.was_claimed,
                  CASE WHEN c.was_claimed THEN c.cadre_id END AS claimed_by_id,
                  CASE WHEN c.src < 11 THEN c.worker_id WHEN c.src < 13 THEN c.cadre_id END AS reported_by_id,
                  d.department_id, d.handler_id, c.cadre_id
             FROM bench_c2 c LEFT JOIN bench_dept d ON d.town_id = c.town_id AND d.k = c.dept_k
            ORDER BY c.n"""
    )
    sql("CREATE UNIQUE INDEX ON bench_case (id)")
    for temp in ("bench_raw", "bench_c1", "bench_c2"):
        sql(f"DROP TABLE {temp}")
    sql("ANALYZE bench_case")

    t = time.perf_counter()
    with bulk_load("cases_case"):
        sql(
            """INSERT INTO cases_case (id, created_at, updated_at, deleted_at, tracking_number, latitude, longitude,
                   address, source, description, reporter_name, reporter_contact_cipher, reporter_contact_digest,
                   is_anonymous, state, level, deadline, reminded_for, supervised_at, solved_at, solution,
                   closed_at, satisfaction, claimed_by_id, department_id, grid_id, household_id, reported_by_id,
                   solved_by_id, town_id, village_id, kind_id)
               SELECT id, created_at, coalesce(closed_at, escalated_at, created_at), NULL,
                      'B' || lpad(id::text, 9, '0'), NULL, NULL, '',
                      (ARRAY['grid_report', 'grid_report', 'grid_report', 'grid_report', 'grid_report', 'patrol',
                             'patrol', 'visit', 'visit', 'visit', 'visit', 'walk_in', 'walk_in', 'hotline',
                             'hotline', 'hotline', 'hotline', 'hotline', 'api', 'api'])[1 + src],
                      '基准事项 ' || id,
                      CASE WHEN has_contact THEN '群众' || (id %% 1000) ELSE '' END,
                      CASE WHEN has_contact THEN (%(ciphers)s::text[])[1 + id %% %(contacts)s] ELSE '' END,
                      CASE WHEN has_contact THEN (%(digests)s::text[])[1 + id %% %(contacts)s] ELSE '' END,
                      false, state, level, deadline,
                      CASE WHEN state <> 'closed' AND deadline >= %(t0)s AND deadline <= %(horizon)s
                           THEN deadline END,
                      NULL,
                      closed_at, CASE WHEN state = 'closed' THEN '已处理' ELSE '' END, closed_at,
                      CASE WHEN state = 'closed' AND has_contact
                           THEN (ARRAY['satisfied', 'satisfied', 'basically'])[1 + id %% 3] ELSE '' END,
                      claimed_by_id, department_id, grid_id, NULL, reported_by_id,
                      CASE WHEN state = 'closed' THEN coalesce(handler_id, cadre_id) END,
                      town_id, village_id, (%(kinds)s::bigint[])[1 + id %% cardinality(%(kinds)s::bigint[])]
                 FROM bench_case ORDER BY id""",
            p,
        )
    sql("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))")
    print(f"  cases in {time.perf_counter() - t:.0f} s", flush=True)

    # Periods as gen_full.sql: every case a village period (open for open village cases,
    # closed for the others), town-level cases also a town period.
    t = time.perf_counter()
    with bulk_load("cases_caseperiod"):
        sql(
            """INSERT INTO cases_caseperiod (level, started_at, deadline, ended_at, met, outcome, case_id,
                   department_id, village_id)
               SELECT level, started_at, deadline, ended_at, met, outcome, case_id, department_id, village_id FROM (
                 SELECT 'village' AS level, created_at AS started_at,
                        CASE WHEN level = 'village' THEN deadline ELSE created_at + interval '3 days' END AS deadline,
                        CASE WHEN level = 'town' THEN escalated_at WHEN state = 'closed' THEN closed_at END AS ended_at,
                        CASE WHEN level = 'town' THEN false WHEN state = 'closed' THEN closed_at <= deadline END AS met,
                        CASE WHEN level = 'town' THEN 'escalate' WHEN state = 'closed' THEN 'solve' ELSE '' END
                          AS outcome,
                        id AS case_id, NULL::bigint AS department_id, village_id
                   FROM bench_case
                 UNION ALL
                 SELECT 'town', escalated_at, deadline,
                        CASE WHEN state = 'closed' THEN closed_at END,
                        CASE WHEN state = 'closed' THEN closed_at <= deadline END,
                        CASE WHEN state = 'closed' THEN 'solve' ELSE '' END,
                        id, department_id, NULL
                   FROM bench_case WHERE level = 'town'
               ) p ORDER BY started_at, case_id, level DESC"""
        )
    print(f"  periods in {time.perf_counter() - t:.0f} s", flush=True)

    # Each case's history: reported; claimed by the cadre; escalated, assigned, accepted
    # at town level; solved and closed.
    t = time.perf_counter()
    with bulk_load("cases_caseevent"):
        sql(
            """INSERT INTO cases_caseevent (at, move, from_state, to_state, note, data, actor_id, case_id)
               SELECT at, move, from_state, to_state, note, data::jsonb, actor_id, case_id FROM (
                 SELECT created_at AS at, 'report' AS move, '' AS from_state, 'registered' AS to_state, '' AS note,
                        '{}' AS data, reported_by_id AS actor_id, id AS case_id, 1 AS seq
                   FROM bench_case
                 UNION ALL
                 SELECT created_at + (coalesce(escalated_at, closed_at, %(t0)s) - created_at) * 0.2, 'claim',
                        'registered', 'claimed', '', '{}', claimed_by_id, id, 2
                   FROM bench_case WHERE was_claimed
                 UNION ALL
                 SELECT escalated_at, 'escalate', CASE WHEN was_claimed THEN 'claimed' ELSE 'registered' END,
                        'escalated', 'Overdue at village level: escalated to the town.', '{"sweep": true}', NULL, id, 3
                   FROM bench_case WHERE level = 'town'
                 UNION ALL
                 SELECT escalated_at + (coalesce(closed_at, %(t0)s) - escalated_at) * 0.3, 'assign', 'escalated',
                        'assigned', '', '{"department": ' || department_id || '}', NULL, id, 4
                   FROM bench_case WHERE department_id IS NOT NULL
                 UNION ALL
                 SELECT escalated_at + (coalesce(closed_at, %(t0)s) - escalated_at) * 0.6, 'accept', 'assigned',
                        'accepted', '', '{}', handler_id, id, 5
                   FROM bench_case WHERE department_id IS NOT NULL AND state IN ('accepted', 'closed')
                 UNION ALL
                 SELECT closed_at - (closed_at - created_at) * 0.05, 'solve',
                        CASE WHEN level = 'town' THEN 'accepted' WHEN was_claimed THEN 'claimed' ELSE 'registered' END,
                        'solved', '已处理', '{}', coalesce(handler_id, cadre_id), id, 6
                   FROM bench_case WHERE state = 'closed'
                 UNION ALL
                 SELECT closed_at, 'close', 'solved', 'closed', '', '{}', NULL, id, 7
                   FROM bench_case WHERE state = 'closed'
               ) e ORDER BY at, case_id, seq""",
            p,
        )
    print(f"  events in {time.perf_counter() - t:.0f} s", flush=True)

    # Sent notifications as gen_full.sql: one deadline reminder per closed case; plus the
    # reminders already sent for open cases due by the end of the next working day (the
    # sweep that ran before build time sent them), so remind_due finds none to send.
    t = time.perf_counter()
    with bulk_load("cases_notification"):
        sql(
            """INSERT INTO cases_notification (kind, channel, recipient, body, key, created_at, sent_at, case_id)
               SELECT 'reminder', 'log',
                      CASE WHEN level = 'town' AND department_id IS NOT NULL THEN 'department:' || department_id
                           WHEN level = 'village' THEN 'village:' || village_id ELSE 'town' END,
                      'Case B' || lpad(id::text, 9, '0') || ' is due by '
                        || to_char(deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || '.',
                      'remind:' || id || ':'
                        || to_char(deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                      deadline - interval '1 day', deadline - interval '1 day' + interval '2 seconds', id
                 FROM bench_case
                WHERE state = 'closed' OR (deadline >= %(t0)s AND deadline <= %(horizon)s)
                ORDER BY deadline, id""",
            p,
        )
    print(f"  notifications in {time.perf_counter() - t:.0f} s", flush=True)
    for table in ("cases_case", "cases_caseperiod", "cases_caseevent", "cases_notification"):
        sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    sql("DROP TABLE bench_case, bench_grid, bench_dept")


def snapshot(t0: datetime.datetime) -> None:
    """What the sweep changes, kept so that reset() can put it back."""
    open_states = "(" + ", ".join(f"'{s}'" for s in OPEN) + ")"
    sql("DROP TABLE IF EXISTS bench_snap_case, bench_snap_period, bench_meta")
    sql(f"CREATE TABLE bench_snap_case AS SELECT * FROM cases_case WHERE state IN {open_states}")
    sql("ALTER TABLE bench_snap_case ADD PRIMARY KEY (id)")
    sql("CREATE TABLE bench_snap_period AS SELECT * FROM cases_caseperiod WHERE ended_at IS NULL")
    sql("ALTER TABLE bench_snap_period ADD PRIMARY KEY (id)")
    sql("CREATE TABLE bench_meta (key text PRIMARY KEY, value text NOT NULL)")
    rows = [("built_at", t0.isoformat())]
    for table in APPENDED:
        rows.append((f"{table}_max", str(one(f"SELECT coalesce(max(id), 0) FROM {table}"))))
    with connection.cursor() as cur:
        cur.executemany("INSERT INTO bench_meta VALUES (%s, %s)", rows)
    vacuum("bench_snap_case", "bench_snap_period")


def build() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("the county data set is built with generate_series: run on PostgreSQL")
    t0 = timezone.now().replace(microsecond=0)
    start = time.perf_counter()
    build_hierarchy(t0)
    print(f"hierarchy and people built in {time.perf_counter() - start:.0f} s", flush=True)
    build_cases(t0)
    start = time.perf_counter()
    vacuum("cases_case", "cases_caseperiod", "cases_caseevent", "cases_notification", "governance_user")
    print(f"  vacuum analyze in {time.perf_counter() - start:.0f} s", flush=True)
    snapshot(t0)
    counts = sql(
        """SELECT (SELECT count(*) FROM cases_case), (SELECT count(*) FROM cases_caseperiod),
                  (SELECT count(*) FROM cases_caseevent), (SELECT count(*) FROM cases_notification),
                  (SELECT count(*) FROM cases_case WHERE reporter_contact_cipher <> '')"""
    )[0]
    print(
        "built: {:,} cases, {:,} periods, {:,} events, {:,} notifications; {:,} cases with a reporter "
        "contact".format(*counts),
        flush=True,
    )


def rebuild() -> None:
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"--rebuild empties the whole database: {name!r} is not named like a bench database")
    sql("DROP SCHEMA public CASCADE")
    sql("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


# --------------------------------------------------------------------------- reset


def _columns(table: str) -> list[str]:
    return [
        r[0]
        for r in sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
    ]


def reset() -> dict[str, int]:
    """Put back what the sweep changed, set-based: the open cases and open periods from the
    snapshot (only rows that differ), and delete what was appended after it. Then VACUUM
    ANALYZE, as the floor's reset_full.sql does (autovacuum is off on this server)."""
    m = meta()
    done: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cur:
        for table in APPENDED:
            if f"{table}_max" in m and table_exists(table):
                cur.execute(f"DELETE FROM {table} WHERE id > %s", [int(m[f"{table}_max"])])
                done[table] = cur.rowcount
        for table, snap in (("cases_caseperiod", "bench_snap_period"), ("cases_case", "bench_snap_case")):
            cols = [c for c in _columns(snap) if c != "id" and c in set(_columns(table))]
            cur.execute(
                f"""UPDATE {table} t SET ({", ".join(cols)}) = ({", ".join("s." + c for c in cols)})
                      FROM {snap} s WHERE s.id = t.id
                       AND ({", ".join("t." + c for c in cols)}) IS DISTINCT FROM ({", ".join("s." + c for c in cols)})"""
            )
            done[table] = cur.rowcount
    vacuum("cases_case", "cases_caseperiod", "cases_caseevent", "cases_notification")
    return done


def xid() -> int:
    return one("SELECT txid_current() %% 4294967296")


def written_since(x0: int) -> dict[str, int]:
    """Rows each table got (inserted or rewritten) by transactions after x0."""
    return {
        t: one(f"SELECT count(*) FROM {t} WHERE xmin::text::bigint > %s", [x0])
        for t in WRITTEN
        if table_exists(t)
    }


# --------------------------------------------------------------------------- the floor


def psql(db: str, *args: str, check: bool = True) -> str:
    d = connection.settings_dict
    cmd = [
        "psql",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        d["HOST"] or "127.0.0.1",
        "-p",
        str(d["PORT"] or 5432),
    ]
    cmd += ["-U", d["USER"] or "postgres", "-d", db, *args]
    env = {**os.environ, "PGPASSWORD": d.get("PASSWORD") or ""}
    done = subprocess.run(cmd, cwd=FLOOR_DIR, env=env, capture_output=True, text=True)
    if check and done.returncode:
        raise RuntimeError(f"psql {' '.join(args)} on {db}: {done.stderr[-2000:]}")
    return done.stdout


def database_exists(db: str) -> bool:
    return one("SELECT count(*) FROM pg_database WHERE datname = %s", [db]) > 0


def floor_ready() -> bool:
    if not database_exists(FLOOR_DB):
        return False
    return (
        psql(FLOOR_DB, "-Atc", "SELECT to_regclass('full_snap_meta') IS NOT NULL", check=False).strip() == "t"
    )


def build_floor() -> None:
    """gen.sql, a copy for the list floor (gen.sql only), then gen_full.sql (about 2.5 min)."""
    print(f"building the floor in {FLOOR_DB} (gen.sql + gen_full.sql) …", flush=True)
    t = time.perf_counter()
    # (CREATE DATABASE cannot run in a transaction: Django's connection is in autocommit here)
    if database_exists(FLOOR_DB):
        sql(f'DROP DATABASE "{FLOOR_DB}"')
    sql(f'CREATE DATABASE "{FLOOR_DB}"')
    psql(FLOOR_DB, "-f", "gen.sql")
    if not database_exists(FLOOR_LIST_DB):
        sql(f'CREATE DATABASE "{FLOOR_LIST_DB}" TEMPLATE "{FLOOR_DB}"')
    psql(FLOOR_DB, "-f", "gen_full.sql")
    print(f"  floor built in {time.perf_counter() - t:.0f} s", flush=True)


TIME = re.compile(r"^Time: ([0-9.]+) ms", re.M)


def _floor_counts(out: str) -> dict[str, int]:
    """The one-row results of sweep_full.sql's two statements (as bench_full_summary.py)."""
    found, header = {}, None
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 1 and all(re.fullmatch(r"[a-z_]+", c) for c in cells):
            header = cells
        elif header and len(cells) == len(header) and all(c.isdigit() for c in cells):
            prefix = "esc_" if "escalated" in header else "sup_"
            found.update({prefix + h: int(c) for h, c in zip(header, cells, strict=True)})
            header = None
    return found


def floor_sweep() -> tuple[float, list[float], dict[str, int]]:
    out = psql(FLOOR_DB, "-f", "sweep_full.sql")
    times = [float(t) for t in TIME.findall(out)]
    return sum(times), times, _floor_counts(out)


def floor_list() -> dict[str, list[float]]:
    """list_run.sql on the gen.sql-only copy: the list and the count, 4 times each, without
    and with the floor's partial index (which the script makes and drops)."""
    if not database_exists(FLOOR_LIST_DB):
        return {}
    out = psql(FLOOR_LIST_DB, "-f", "list_run.sql")
    blocks: dict[str, list[float]] = {}
    label = None
    for line in out.splitlines():
        if line.strip() in ("list", "count", "list-with-partial", "count-with-partial"):
            label = line.strip()
            blocks[label] = []
        elif label and (m := TIME.match(line)) and len(blocks[label]) < 4:
            blocks[label].append(float(m.group(1)))
    return blocks


# --------------------------------------------------------------------------- the list page


def bench_user(username: str, role: str, **area) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    Membership.objects.get_or_create(user=user, role=role, **area)
    return user


def token_client(user: User) -> Client:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def measure_page(client: Client, url: str, runs: int = 30) -> tuple[list[float], int, int, float]:
    """Times of ``runs`` requests (after 3 to warm), the query count, the row count, and
    the median time spent in SQL (driver and server) per request."""
    for _ in range(3):  # warm
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
    times, in_sql = [], []
    for _ in range(runs):
        with counted() as c:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        in_sql.append(sum(ms for _, ms in c.times))
        assert response.status_code == 200, response.content[:500]
    with CaptureQueriesContext(connection) as q:
        response = client.get(url)
    return times, len(q), response.json()["count"], statistics.median(in_sql)


def list_section(town: Town, with_floor: bool) -> dict:
    office = bench_user("bench_office", Role.TOWN_OFFICE, town=town)
    client = token_client(office)
    session = Client()
    session.force_login(office)
    base = f"/api/v1/cases/?town={town.pk}"
    print(
        f"\ncase list, one town, as the town office, in-process (test client; min / median of 30 ms) — load {load()}"
    )
    results = {}
    for label, c, url in [
        ("open cases, 50 a page (token)", client, f"{base}&open=true&page_size=50"),
        ("open cases, 50 a page (session)", session, f"{base}&open=true&page_size=50"),
        ("open cases, 10 a page", client, f"{base}&open=true&page_size=10"),
        ("state=escalated", client, f"{base}&state=escalated&page_size=50"),
        ("overdue", client, f"{base}&overdue=true&page_size=50"),
        ("all, newest first", client, f"{base}&page_size=50"),
    ]:
        times, queries, count, in_sql = measure_page(c, url)
        results[label] = (times, queries, count)
        print(
            f"  {label:34s} {mm(times):>15s} ms  {queries:2d} queries ({fmt(in_sql)} ms in SQL)  {count:,} rows"
        )
    page = results["open cases, 50 a page (token)"][0]
    goal = "met" if statistics.median(page) <= GOAL_PAGE_MS else "not met"
    print(f"  goal: the open-case page ≤ {GOAL_PAGE_MS:.0f} ms in-process at the median: {goal}")
    if with_floor:
        blocks = floor_list()
        if blocks:
            print(f"  floor ({FLOOR_LIST_DB}, list_run.sql: one town's open cases, 50 rows; then the count):")
            for a, b in (("list", "count"), ("list-with-partial", "count-with-partial")):
                both = [x + y for x, y in zip(blocks[a], blocks[b], strict=False)]
                print(
                    f"    {a:18s} {mm(blocks[a]):>13s} + count {mm(blocks[b]):>13s} = {mm(both):>13s} ms"
                    f"   (project/floor at the median {statistics.median(page) / statistics.median(both):.1f}×)"
                )
        else:
            print(
                f"  (no {FLOOR_LIST_DB}: make it with CREATE DATABASE {FLOOR_LIST_DB} TEMPLATE … before gen_full.sql)"
            )
    return results


# --------------------------------------------------------------------------- the sweep


def sweep_now() -> datetime.datetime:
    """The build time: the overdue set is the same on every first run, however long ago
    the data set was built (the floor's own deadlines drift with the clock instead)."""
    return datetime.datetime.fromisoformat(meta()["built_at"])


def project_run(now) -> tuple[float, Counter, object]:
    from cases.sweeps import run_sweep

    one("SELECT 1")  # the connection is open before the clock starts
    with counted() as c:
        t0 = time.perf_counter()
        result = run_sweep(now)
        ms = (time.perf_counter() - t0) * 1000
    return ms, c, result


def per_statement(runs: list[Counter]) -> list[str]:
    """Median time of each statement of the runs (by position), with its first words;
    statements with the same first words summed when there are many."""
    if not runs:
        return []
    width = min(len(c.times) for c in runs)
    stmts = [(runs[-1].times[i][0], statistics.median(c.times[i][1] for c in runs)) for i in range(width)]
    if width > 20:
        grouped: dict[str, list[float]] = {}
        for head, ms in stmts:
            grouped.setdefault(head[:45], []).append(ms)
        return [f"{fmt(sum(v)):>7s} ms  {len(v):3d} × {head}" for head, v in grouped.items()]
    return [f"{fmt(ms):>7s} ms  {head}" for head, ms in stmts]


def _result(r) -> str:
    return ", ".join(f"{k} {getattr(r, k, 0):,}" for k in ("escalated", "supervised", "reminded"))


def sweep_section(rounds: int, reruns: int, with_floor: bool) -> dict:
    now = sweep_now()
    m = meta()
    due_v = one(
        "SELECT count(*) FROM bench_snap_case WHERE state IN %s AND deadline < %s AND deleted_at IS NULL",
        [VILLAGE_OPEN, now],
    )
    due_t = one(
        "SELECT count(*) FROM bench_snap_case WHERE state IN %s AND deadline < %s AND supervised_at IS NULL "
        "AND deleted_at IS NULL",
        [TOWN_OPEN, now],
    )
    contact = one(
        "SELECT count(*) FROM bench_snap_case WHERE state IN %s AND deadline < %s AND reporter_contact_cipher <> ''",
        [VILLAGE_OPEN, now],
    )
    print(
        f"\nescalation sweep at {now:%Y-%m-%d %H:%M} UTC (the build time): {due_v:,} village cases overdue "
        f"({contact:,} with a reporter contact), {due_t:,} town cases to flag"
    )
    if with_floor:
        age = psql(
            FLOOR_DB, "-Atc", "SELECT round(extract(epoch FROM now() - max(registered_at)) / 3600) FROM cases"
        )
        print(f"  floor: {FLOOR_DB}, built {age.strip()} h ago (its overdue set grows by ~250 cases an hour)")
    res: dict[str, list] = {k: [] for k in ("p_first", "p_rerun", "f_first", "f_rerun")}
    p_queries, p_rerun_queries, p_rows, p_rerun_rows, f_counts, f_rerun_counts = None, [], None, [], None, []
    f_stmt: list[list[float]] = []
    p_first_stmts: list[Counter] = []
    p_rerun_stmts: list[Counter] = []
    # One round of each side first, not counted: the first run after the list section (or
    # after the other database's run) reads its tables back into memory.
    reset()
    project_run(now)
    if with_floor:
        psql(FLOOR_DB, "-f", "reset_full.sql")
        floor_sweep()
    print(f"  (one uncounted warm-up round of each side done, load {load()})", flush=True)
    for i in range(rounds):
        order = ["project", "floor"] if i % 2 == 0 else ["floor", "project"]
        for who in order:
            if who == "floor" and not with_floor:
                continue
            if who == "project":
                reset()
                before = {t: int(m.get(f"{t}_max", 0)) for t in APPENDED}
                x0, ld = xid(), load()
                ms, c, result = project_run(now)
                n = c.n
                p_first_stmts.append(c)
                rows = written_since(x0)
                rows["periods_opened"] = one(
                    "SELECT count(*) FROM cases_caseperiod WHERE id > %s", [before["cases_caseperiod"]]
                )
                rows["notifications_by_kind"] = dict(
                    sql(
                        "SELECT kind, count(*) FROM cases_notification WHERE id > %s GROUP BY kind ORDER BY kind",
                        [before["cases_notification"]],
                    )
                )
                res["p_first"].append((ms, ld))
                p_queries, p_rows = n, rows
                print(
                    f"  round {i + 1} project first run {fmt(ms):>7s} ms  {n:3d} queries  load {ld}  {_result(result)}"
                )
                for k in range(reruns):
                    x0, ld = xid(), load()
                    ms, c, again = project_run(now)
                    res["p_rerun"].append((ms, ld))
                    p_rerun_queries.append(c.n)
                    p_rerun_stmts.append(c)
                    if k == 0:
                        p_rerun_rows.append({**written_since(x0), "result": _result(again)})
            else:
                psql(FLOOR_DB, "-f", "reset_full.sql")
                ld = load()
                ms, per, counts = floor_sweep()
                res["f_first"].append((ms, ld))
                f_stmt.append(per)
                f_counts = counts
                print(
                    f"  round {i + 1} floor   first run {fmt(ms):>7s} ms    2 statements  load {ld}  {counts}"
                )
                for _ in range(reruns):
                    ld = load()
                    ms, _per, counts = floor_sweep()
                    res["f_rerun"].append((ms, ld))
                    f_rerun_counts.append(counts)
    reset()
    if with_floor:
        psql(FLOOR_DB, "-f", "reset_full.sql")

    def col(key):
        return [v[0] for v in res[key]]

    def loads(key):
        return ", ".join(v[1] for v in res[key][:: max(1, reruns) if "rerun" in key else 1])

    print(f"\n  {'':22s} {'min / median ms':>17s}   statements     1-min load")
    print(
        f"  {'project first run':22s} {mm(col('p_first')):>17s}   {p_queries} queries    {loads('p_first')}"
    )
    print(
        f"  {'project rerun':22s} {mm(col('p_rerun')):>17s}   {max(p_rerun_queries or [0])} queries     {loads('p_rerun')}"
    )
    if with_floor and res["f_first"]:
        per = [statistics.median(s[i] for s in f_stmt) for i in range(len(f_stmt[0]))]
        print(f"  {'floor first run':22s} {mm(col('f_first')):>17s}   2 + commit     {loads('f_first')}")
        print(f"  {'':22s}   per statement (median): {' + '.join(fmt(x) for x in per)}")
        print(f"  {'floor rerun':22s} {mm(col('f_rerun')):>17s}   2 + commit     {loads('f_rerun')}")
        ratio_min = min(col("p_first")) / min(col("f_first"))
        ratio_med = statistics.median(col("p_first")) / statistics.median(col("f_first"))
        met = "met" if ratio_med <= GOAL_SWEEP else "not met"
        print(
            f"  {'ratio project/floor':22s} {ratio_min:>7.1f}× / {ratio_med:.1f}×   goal ≤ {GOAL_SWEEP}× at the median: {met}"
        )
        print(f"  floor rows, last first run: {f_counts}")
        touched = [c for c in f_rerun_counts if any(c.values())]
        print(f"  floor reruns touching rows: {len(touched)} of {len(f_rerun_counts)} {touched[:1]}")
    for label, runs, key in (("first run", p_first_stmts, "p_first"), ("rerun", p_rerun_stmts, "p_rerun")):
        lines = per_statement(runs)
        width = min((len(c.times) for c in runs), default=0)
        in_sql = sum(statistics.median(c.times[i][1] for c in runs) for i in range(width))
        print(
            f"  project {label}, per statement (median; the rest, {fmt(statistics.median(col(key)) - in_sql)} ms, "
            "is Python and the commits):"
        )
        for line in lines:
            print(f"    {line}")
    print(f"  project rows, last first run: {p_rows}")
    dirty = [r for r in p_rerun_rows if any(v for k, v in r.items() if k != "result")]
    print(
        f"  project reruns touching rows: {len(dirty)} of {len(p_rerun_rows)} checked "
        f"(goal: none) {dirty[:1] or p_rerun_rows[:1]}"
    )
    return res


# --------------------------------------------------------------------------- index study


def case_indexes() -> list[tuple[str, str, int, str | None]]:
    """(name, definition, size in bytes, constraint name or None) of every index on cases_case."""
    return sql(
        """SELECT i.indexname, i.indexdef, pg_relation_size(i.indexname::regclass),
                  (SELECT c.conname FROM pg_constraint c WHERE c.conname = i.indexname)
             FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = 'cases_case'
            ORDER BY i.indexname"""
    )


def drop(name: str, constraint: str | None) -> None:
    if constraint:
        sql(f'ALTER TABLE cases_case DROP CONSTRAINT "{constraint}"')
    else:
        sql(f'DROP INDEX "{name}"')


def _explain(statement: str, params) -> tuple[float, int, int]:
    """Run ``statement`` under EXPLAIN (ANALYZE, BUFFERS, TIMING OFF): its time in ms, the
    rows its scan fed the UPDATE, and the buffers it touched (which, unlike the time,
    the machine's load does not move)."""
    plan = one(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) {statement}", params)[0]
    top = plan["Plan"]
    buffers = top["Shared Hit Blocks"] + top["Shared Read Blocks"]
    return plan["Execution Time"], top["Plans"][0]["Actual Rows"], buffers


def sweep_updates(now) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    """The case writes of the sweep as SQL: the escalation (state, level, department,
    deadline, updated_at) and the supervision flag (supervised_at, updated_at), each as
    (ms, rows, buffers). Run inside a transaction that the caller rolls back."""
    deadline = workdays.deadline(now, 7).at
    e = _explain(
        "UPDATE cases_case SET state = 'escalated', level = 'town', department_id = NULL, deadline = %s, "
        "updated_at = %s WHERE state IN %s AND deadline < %s AND deleted_at IS NULL",
        [deadline, now, VILLAGE_OPEN, now],
    )
    s = _explain(
        "UPDATE cases_case SET supervised_at = %s, updated_at = %s WHERE state IN %s AND deadline < %s "
        "AND supervised_at IS NULL AND deleted_at IS NULL",
        [now, now, TOWN_OPEN, now],
    )
    return e, s


def timed(fn: Callable[[], object], runs: int = 5) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def readers(town: Town) -> tuple[dict[str, tuple[str, Callable[[], object]]], Callable, Callable]:
    """For each kind of index (reader_key), the project's query that reads through it and a
    callable that runs it; and the other readers of the kind index: deleting a case kind,
    Open311's list by service code."""
    from cases.models import Case, CaseKind

    now = sweep_now()
    village = Village.objects.filter(town=town).order_by("id")[3]
    grid = Grid.objects.filter(village=village).order_by("id")[2]
    dept = Department.objects.filter(town=town).order_by("id").first()
    office = token_client(bench_user("bench_office", Role.TOWN_OFFICE, town=town))
    cadre = token_client(bench_user("bench_cadre", Role.VILLAGE_CADRE, village=village))
    worker = token_client(bench_user("bench_worker", Role.GRID_WORKER, grid=grid))
    handler = token_client(bench_user("bench_handler", Role.DEPARTMENT, department=dept))
    kind = Case.objects.filter(town=town).values_list("kind_id", flat=True).first()
    number = Case.objects.filter(town=town, state="closed").values_list("tracking_number", flat=True).first()

    def get(client, url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]

        return run

    def delete_user():
        with transaction.atomic():
            sql("SET CONSTRAINTS ALL IMMEDIATE")  # the FK checks run now, not at a commit that never comes
            User.objects.create(username="bench_deleted_user").delete()
            transaction.set_rollback(True)

    def delete_household():
        with transaction.atomic():
            sql("SET CONSTRAINTS ALL IMMEDIATE")
            Household.objects.create(
                town_id=town.pk, village_id=grid.village_id, grid=grid, number="BENCH-DEL", head_name="x"
            ).delete()
            transaction.set_rollback(True)

    def delete_kind():
        with transaction.atomic():
            sql("SET CONSTRAINTS ALL IMMEDIATE")
            CaseKind.objects.create(town=town, code="bench_del", name="x").delete()
            transaction.set_rollback(True)

    kind_code = CaseKind.objects.filter(pk=kind).values_list("code", flat=True).first()

    def open311_kind():  # open311.get_requests: one service code, the last 90 days, county-wide
        since = timezone.now() - datetime.timedelta(days=90)
        return list(
            Case.objects.filter(deleted_at__isnull=True, kind__code__in=[kind_code], created_at__gte=since)
            .select_related("kind", "village", "grid", "department")
            .order_by("-created_at")[:1000]
        )

    def due(states, **extra):
        def run():  # the sweep's selection of due cases (both versions of cases.sweeps)
            return list(
                Case.objects.filter(state__in=states, deadline__lt=now, deleted_at__isnull=True, **extra)
                .order_by()
                .values_list("id", "state", "deadline", "supervised_at", "reminded_for")
            )

        return run

    base = "/api/v1/cases/?page_size=50"
    user_delete = (
        "none: only select_related / Python; deleting a user (PROTECT check + FK trigger)",
        delete_user,
    )
    worker_list = ("grid worker's list (scoping: grid_id IN … OR reported_by_id = me)", get(worker, base))
    return (
        {
            "(id)": ("every read by id; the FK checks of events, periods, notifications", lambda: None),
            "(tracking_number)": (
                "public tracking by number (selectors.case_by_tracking_number, open311 get_request)",
                lambda: Case.objects.filter(tracking_number=number, deleted_at__isnull=True).first(),
            ),
            "like": (
                "none: nothing filters tracking_number by prefix (admin search is icontains)",
                lambda: Case.objects.filter(tracking_number__icontains=number[-6:]).count(),
            ),
            "(town_id)": (
                "town office's list, all newest first (scoping town_id)",
                get(office, f"{base}&town={town.pk}"),
            ),
            "(village_id)": ("village cadre's list (scoping village_id)", get(cadre, base)),
            "(grid_id)": worker_list,
            "(household_id)": (
                "none on cases; deleting a household (PROTECT check + FK trigger)",
                delete_household,
            ),
            "(kind_id)": (
                "?kind= on the town office's list (also admin list_filter, open311 service_code)",
                get(office, f"{base}&town={town.pk}&kind={kind}"),
            ),
            "(reported_by_id)": worker_list,
            "(claimed_by_id)": user_delete,
            "(solved_by_id)": user_delete,
            "(department_id)": ("department handler's list (scoping department_id)", get(handler, base)),
            "(department_id, state)": ("department handler's open cases", get(handler, f"{base}&open=true")),
            "(village_id, state)": ("village cadre's open cases", get(cadre, f"{base}&open=true")),
            "open_page": (
                "the open-case page (town office, open=true)",
                get(office, f"{base}&town={town.pk}&open=true"),
            ),
            "(town_id, created_at DESC, id DESC)": (
                "town office's list, all newest first",
                get(office, f"{base}&town={town.pk}"),
            ),
            "sweep_village": ("the sweep: overdue village cases (escalate_overdue)", due(VILLAGE_OPEN)),
            "sweep_town": (
                "the sweep: overdue town cases (supervise_overdue)",
                due(TOWN_OPEN, supervised_at__isnull=True),
            ),
        },
        delete_kind,
        open311_kind,
    )


def reader_key(definition: str) -> str:
    cols = definition.split(" USING btree ", 1)[-1]
    key, _, where = cols.partition(" WHERE ")
    if "varchar_pattern_ops" in key:
        return "like"
    if where and key == "(deadline)":
        return "sweep_village" if "'registered'" in where else "sweep_town"
    if where and key.startswith("(town_id"):
        return "open_page"
    return key


# Indexes the study proposes to drop (by reader_key): no query that runs needs them, or
# another index serves the same reads (see bench/README.md).
PROPOSED_DROP = (
    "(town_id)",
    "(village_id)",
    "(department_id)",
    "like",
    "(claimed_by_id)",
    "(solved_by_id)",
    "(household_id)",
    "(kind_id)",
)


def proposed_set(indexes) -> None:
    """Inside a transaction: the proposed index set in place of the project's."""
    for name, definition, _size, con in indexes:
        if reader_key(definition) in PROPOSED_DROP:
            drop(name, con)


def rolled_back_sweep(now, indexes, proposed: bool) -> tuple[float, float, int, int]:
    """The project's run_sweep, first run then rerun, inside one transaction rolled back
    (so no commit: the deferred FK checks are left out), with the project's indexes or
    the proposed set. Times in ms and statement counts."""
    from cases.sweeps import run_sweep

    with transaction.atomic():
        if proposed:
            proposed_set(indexes)
            sql("ANALYZE cases_case")
        with counted() as c1:
            t0 = time.perf_counter()
            run_sweep(now)
            first = (time.perf_counter() - t0) * 1000
        with counted() as c2:
            t0 = time.perf_counter()
            run_sweep(now)
            rerun = (time.perf_counter() - t0) * 1000
        transaction.set_rollback(True)
    vacuum("cases_case", "cases_caseperiod", "cases_caseevent", "cases_notification")
    return first, rerun, c1.n, c2.n


def index_study(town: Town, rounds: int) -> None:
    now = sweep_now()
    reset()
    indexes = case_indexes()
    reader_map, delete_kind, open311_kind = readers(town)

    def reader_for(definition: str):
        return reader_map.get(reader_key(definition), ("? (no reader known to the bench)", lambda: None))

    print(
        f"\nindex study ({timezone.now():%Y-%m-%d %H:%M} UTC): {len(indexes)} indexes on cases_case; the sweep's two "
        f"UPDATEs, rolled back, {rounds} rounds; load {load()}",
        flush=True,
    )
    # Each variant is run in a pair with the project's full set (in turns first and
    # second), and its cost is read from the pair: on a shared machine the load drifts
    # more between minutes than between two neighbouring runs.
    variants = ["(proposed set)"] + [n for n, *_ in indexes if not n.endswith("_pkey")]
    cons = {n: c for n, _d, _s, c in indexes}
    pairs: dict[str, list] = {v: [] for v in variants}

    def run(name: str):
        with transaction.atomic():
            if name == "(proposed set)":
                proposed_set(indexes)
            elif name != "(all indexes)":
                drop(name, cons[name])
            e, s_ = sweep_updates(now)
            transaction.set_rollback(True)
        vacuum("cases_case")
        return e, s_

    for r in range(rounds):
        for k, name in enumerate(variants):
            first, second = ("(all indexes)", name) if (r + k) % 2 == 0 else (name, "(all indexes)")
            got = {first: run(first)}
            got[second] = run(second)
            pairs[name].append((got["(all indexes)"], got[name]))
        print(f"  round {r + 1}: load {load()}", flush=True)

    def total(x, k):  # escalate + supervise; k: 0 ms, 2 buffers
        return x[0][k] + x[1][k]

    def saved(name, k, agg=statistics.median):
        return agg(total(base, k) - total(var, k) for base, var in pairs[name])

    every_base = [b for v in variants for b, _ in pairs[v]]
    rows_e, rows_s = every_base[0][0][1], every_base[0][1][1]
    print(
        f"  all indexes: escalate {mm([b[0][0] for b in every_base])} ms ({rows_e:,} rows, "
        f"{statistics.median(b[0][2] for b in every_base):,.0f} buffers), supervise "
        f"{mm([b[1][0] for b in every_base])} ms ({rows_s:,} rows, {statistics.median(b[1][2] for b in every_base):,.0f} buffers)"
    )
    prop = [v for _, v in pairs["(proposed set)"]]
    print(
        f"  proposed set: escalate {mm([v[0][0] for v in prop])} ms ({statistics.median(v[0][2] for v in prop):,.0f} "
        f"buffers), supervise {mm([v[1][0] for v in prop])} ms ({statistics.median(v[1][2] for v in prop):,.0f} buffers); "
        f"saved per pair (min / median): {fmt(saved('(proposed set)', 0, min))} / {fmt(saved('(proposed set)', 0))} ms",
        flush=True,
    )

    rows = []
    for name, definition, size, con in indexes:
        label, fn = reader_for(definition)
        if name.endswith("_pkey"):
            rows.append((name, definition, size, label, None, None, None, None))
            continue
        saved_ms = saved(name, 0)
        saved_buf = saved(name, 2)
        with_ = timed(fn)
        with transaction.atomic():
            drop(name, con)
            without = timed(fn)
            transaction.set_rollback(True)
        extra = ""
        if reader_key(definition) == "(kind_id)":
            more = []
            for what, f in (("open311 ?service_code=", open311_kind), ("deleting a kind", delete_kind)):
                w1 = timed(f)
                with transaction.atomic():
                    drop(name, con)
                    w2 = timed(f)
                    transaction.set_rollback(True)
                more.append(f"{what} {fmt(w1)} → {fmt(w2)}")
            extra = "; " + "; ".join(more)
        rows.append(
            (name, definition, size, label, saved_ms, saved_buf, f"{fmt(with_)} → {fmt(without)}{extra}")
        )
        print(f"  {name}: done, load {load()}", flush=True)
    # Dropping the three user FK indexes together: what deleting a user costs then.
    user_fn = reader_map["(claimed_by_id)"][1]
    user_cols = ("(claimed_by_id)", "(solved_by_id)", "(reported_by_id)")
    user_with = timed(user_fn)
    with transaction.atomic():
        for n, d, _s, c in indexes:
            if reader_key(d) in user_cols:
                drop(n, c)
        user_without = timed(user_fn)
        transaction.set_rollback(True)

    print(f"\n  the project's run_sweep, first run + rerun in one rolled-back transaction ({rounds} rounds):")
    sweeps: dict[bool, list] = {False: [], True: []}
    for r in range(rounds):
        for proposed in (False, True) if r % 2 == 0 else (True, False):
            sweeps[proposed].append(rolled_back_sweep(now, indexes, proposed))
    for proposed, label in ((False, "project's indexes"), (True, "proposed set")):
        runs = sweeps[proposed]
        print(
            f"    {label:18s} first run {mm([x[0] for x in runs]):>15s} ms ({runs[0][2]} statements), "
            f"rerun {mm([x[1] for x in runs]):>13s} ms ({runs[0][3]} statements)"
        )
    for i, what in ((0, "first run"), (1, "rerun")):
        diffs = [a[i] - b[i] for a, b in zip(sweeps[False], sweeps[True], strict=True)]
        print(f"    saved by the proposed set, {what}, per round (min / median): {mm(diffs)} ms")

    print(
        "\n| index | size | the query of the project that reads it | sweep UPDATEs: ms saved by dropping it, "
        "median of paired runs (buffers) | that reader with → without it (ms) |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        name, definition, size, label = row[:4]
        cols = definition.split(" USING btree ")[-1]
        if row[4] is None:
            print(f"| `{name}` {cols} | {size / 2**20:.0f} MB | {label} | (primary key: kept) | — |")
        else:
            _n, _d, _s, _l, saved_ms, saved_buf, reader = row
            print(
                f"| `{name}` {cols} | {size / 2**20:.0f} MB | {label} | {saved_ms:+.0f} ({saved_buf:+,.0f}) | {reader} |"
            )
    print(
        f"\ndeleting a user: {fmt(user_with)} ms with the reported_by/claimed_by/solved_by indexes, "
        f"{fmt(user_without)} ms without them"
    )
    print(f"load at the end: {load()}")


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="empty the bench database and build it again")
    parser.add_argument("--reset", action="store_true", help="only put the sweep's state back, then stop")
    parser.add_argument("--rounds", type=int, default=5, help="first runs of each side (default 5)")
    parser.add_argument("--reruns", type=int, default=3, help="reruns after each first run (default 3)")
    parser.add_argument("--no-floor", action="store_true", help="measure the project alone")
    parser.add_argument(
        "--rebuild-floor",
        action="store_true",
        help="build the floor again (its deadlines drift with the clock)",
    )
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-list", action="store_true")
    parser.add_argument("--indexes", action="store_true", help="the index study (about 10 minutes)")
    parser.add_argument("--index-rounds", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run on PostgreSQL: set DATABASE_URL")
    from governance.celery import app

    # Notifications are queued after commit; in the bench the queue is in memory, so
    # enqueueing costs what it costs and nothing is delivered (no worker shares the files).
    app.conf.broker_url = "memory://"
    app.conf.task_always_eager = False
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "no hostname supplied": none is needed
    if args.rebuild:
        rebuild()
    call_command("migrate", verbosity=0)
    if not meta():
        if Town.objects.exists():
            raise SystemExit("the database has other data: use an empty bench database, or --rebuild")
        build()
    if args.reset:
        print("reset:", reset())
        return
    with_floor = not args.no_floor and FLOOR_DIR.exists()
    if with_floor and (args.rebuild_floor or not floor_ready()):
        build_floor()
    print(
        f"{timezone.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}, "
        f"database {connection.settings_dict['NAME']}, floor {FLOOR_DB if with_floor else '(none)'}"
    )
    town = Town.objects.get(code="BT00")
    if not args.skip_list:
        list_section(town, with_floor)
    if not args.skip_sweep:
        sweep_section(args.rounds, args.reruns, with_floor)
    if args.indexes:
        index_study(town, args.index_rounds)


if __name__ == "__main__":
    main()
