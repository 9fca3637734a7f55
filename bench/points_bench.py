"""County-scale benchmark of the party-member points collection (scoring.points.collect):
a week's events of the duty bench's county (25 towns, 1,800 villages, 27,000 grids,
450,000 duty logs, 7,200,000 visits, 1,000,000 cases) collected in one run, then the same
week again (exactly once: nothing more is written).

The duty bench's data set has no party members: inside one transaction this makes each
village's cadre and each grid's worker a party member (a resident, a village branch, a
membership of role party member), names each visit's recorder as its visitor, has the
cadre of the village solve its cases of the last weeks, and gives each town the four
collected rules; it measures, and rolls everything back, so the data set stays as built.

Usage (the duty bench's database, built once by bench/duty_bench.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/governance_duty_bench python bench/points_bench.py
        [--visitors-days 365]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections import Counter as Tally
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases_bench import counted, one, sql  # noqa: E402  (sets up Django as a bench does)
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from scoring import points  # noqa: E402
from scoring.choices import PointSource  # noqa: E402
from scoring.models import PointEntry  # noqa: E402


class Rollback(Exception):
    pass


def members(t0, visitors_days: int) -> None:
    steps = [
        (
            "a resident per village cadre and grid worker",
            """INSERT INTO grids_resident (created_at, updated_at, name, gender, relation, residency,
                       id_number_cipher, id_number_digest, phone_cipher, phone_digest, household_id,
                       town_id, village_id)
               SELECT %(t0)s, %(t0)s, u.username, 'male', 'head', 'registered', '', '', '', '', h.id,
                      h.town_id, h.village_id
                 FROM governance_user u
                 JOIN LATERAL (SELECT id, town_id, village_id FROM grids_household x
                                WHERE (u.username LIKE 'bgw%%' AND x.grid_id = substr(u.username, 4)::bigint)
                                   OR (u.username LIKE 'bvc%%' AND x.village_id = substr(u.username, 4)::bigint)
                                ORDER BY x.id LIMIT 1) h ON true
                WHERE u.username LIKE 'bgw%%' OR u.username LIKE 'bvc%%'""",
        ),
        (
            "a branch per village",
            """INSERT INTO grids_partybranch (created_at, updated_at, town_id, village_id, name, kind)
               SELECT %(t0)s, %(t0)s, town_id, id, name || '党支部', 'village' FROM grids_village""",
        ),
        (
            "their party members",
            """INSERT INTO grids_partymember (created_at, updated_at, is_central_household, branch_id,
                       resident_id, town_id, village_id)
               SELECT %(t0)s, %(t0)s, false, b.id, r.id, r.town_id, r.village_id
                 FROM grids_resident r JOIN grids_partybranch b ON b.village_id = r.village_id""",
        ),
        (
            "memberships of role party member",
            """INSERT INTO governance_membership (created_at, updated_at, user_id, role, party_member_id)
               SELECT %(t0)s, %(t0)s, u.id, 'party_member', m.id
                 FROM grids_partymember m JOIN grids_resident r ON r.id = m.resident_id
                 JOIN governance_user u ON u.username = r.name""",
        ),
        (
            f"each visit's recorder its visitor (the last {visitors_days} days)",
            """INSERT INTO duty_visit_visitors (visit_id, user_id)
               SELECT id, by_id FROM duty_visit WHERE visited_at >= %(t0)s - %(days)s * interval '1 day'""",
        ),
        (
            "the village's cadre solves its cases (the last 3 weeks)",
            """UPDATE cases_case c SET solved_by_id = u.id
                 FROM governance_user u
                WHERE u.username = 'bvc' || c.village_id AND c.solved_at >= %(t0)s - interval '21 days'""",
        ),
    ]
    for label, statement in steps:
        start = time.perf_counter()
        sql(statement, {"t0": t0, "days": visitors_days})
        print(f"  {label}: {time.perf_counter() - start:.1f} s", flush=True)
    for table in (
        "grids_resident",
        "grids_partymember",
        "governance_membership",
        "duty_visit_visitors",
        "cases_case",
    ):
        sql(f"ANALYZE {table}")


def rules(first: datetime.date) -> None:
    from scoring.models import PointRule

    PointRule.objects.bulk_create(
        PointRule(town_id=town_id, code=code, name=code, source=source, points=n, cap=cap, valid_from=first)
        for town_id in [row[0] for row in sql("SELECT id FROM grids_town")]
        for code, source, n, cap in [
            ("duty_log", PointSource.DUTY_LOG, 2, 20),
            ("visit", PointSource.VISIT, 1, 30),
            ("case_on_time", PointSource.CASE_ON_TIME, 3, None),
            ("theme_day", PointSource.THEME_DAY, 5, None),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors-days", type=int, default=365)
    args = parser.parse_args()
    if not one("SELECT to_regclass('bench_duty_meta') IS NOT NULL"):
        raise SystemExit("build the duty bench first: python bench/duty_bench.py")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    sunday = monday + datetime.timedelta(days=6)
    try:
        with transaction.atomic():
            print("setting up (rolled back at the end):", flush=True)
            members(timezone.now(), args.visitors_days)
            rules(datetime.date(today.year - 1, 1, 1))
            print(
                "  {:,} party members, {:,} visitor rows".format(
                    one("SELECT count(*) FROM grids_partymember"),
                    one("SELECT count(*) FROM duty_visit_visitors"),
                ),
                flush=True,
            )
            for run in ("first run", "second run (the same week)"):
                with counted() as counter:
                    start = time.perf_counter()
                    written = points.collect(first=monday, last=sunday)
                    elapsed = time.perf_counter() - start
                print(
                    f"{run}, {monday} to {sunday}: {elapsed:.2f} s, {counter.n} statements, "
                    f"{sum(written.values()):,} entries written {dict(written)}",
                    flush=True,
                )
                slowest = sorted(counter.times, key=lambda t: -t[1])[:4]
                for text, ms in slowest:
                    print(f"    {ms:8.0f} ms  {text}")
            by_source = Tally(PointEntry.objects.values_list("source", flat=True))
            print(f"ledger: {sum(by_source.values()):,} entries {dict(by_source)}")
            raise Rollback
    except Rollback:
        print("rolled back: the data set is as it was")


if __name__ == "__main__":
    main()
