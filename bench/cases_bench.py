"""County-scale benchmark of the escalation sweep and the case list endpoint.

Usage: DATABASE_URL=postgres://…/governance_bench python bench/cases_bench.py [--rebuild]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.choices import Role  # noqa: E402
from governance.models import Membership, User  # noqa: E402
from grids import geo  # noqa: E402
from grids.models import Grid, Town, Village  # noqa: E402

TOWNS, VILLAGES, GRIDS = 25, 72, 15
CASES, OPEN_VILLAGE, OPEN_TOWN = 1_000_000, 60_000, 40_000


def build() -> None:
    from cases.models import Case, CaseKind

    t0 = time.perf_counter()
    kinds = list(CaseKind.objects.values_list("id", flat=True))
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
    print(f"hierarchy built in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    if connection.vendor != "postgresql":
        raise SystemExit("the 1M-case build uses generate_series: run on PostgreSQL")
    village_ids = list(Village.objects.order_by("id").values_list("id", "town_id"))
    grids = dict(
        Grid.objects.filter(parent__isnull=True).order_by("village_id", "id").values_list("village_id", "id")
    )
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_v (n int, village_id bigint, town_id bigint, grid_id bigint)")
        cur.executemany(
            "INSERT INTO bench_v VALUES (%s, %s, %s, %s)",
            [(i, v, t, grids[v]) for i, (v, t) in enumerate(village_ids)],
        )
        # Closed cases first, then 60k open at village level and 40k at town level; about
        # 10% of the open ones are past their deadline.
        cur.execute(
            f"""
            INSERT INTO cases_case (tracking_number, town_id, village_id, grid_id, source, kind_id, description,
                reporter_name, reporter_contact_cipher, reporter_contact_digest, is_anonymous, state, level,
                deadline, supervised_at, solution, satisfaction, created_at, updated_at, address)
            SELECT 'B' || lpad(s::text, 9, '0'), v.town_id, v.village_id, v.grid_id, 'grid_report',
                   (ARRAY{kinds})[1 + s % {len(kinds)}], '基准事项 ' || s, '', '', '', false,
                   CASE WHEN s <= {CASES - OPEN_VILLAGE - OPEN_TOWN} THEN 'closed'
                        WHEN s <= {CASES - OPEN_TOWN} THEN (CASE WHEN s % 2 = 0 THEN 'registered' ELSE 'claimed' END)
                        ELSE (CASE s % 3 WHEN 0 THEN 'escalated' WHEN 1 THEN 'assigned' ELSE 'accepted' END) END,
                   CASE WHEN s <= {CASES - OPEN_VILLAGE - OPEN_TOWN} THEN 'village'
                        WHEN s <= {CASES - OPEN_TOWN} THEN 'village' ELSE 'town' END,
                   now() + CASE WHEN s % 10 = 0 THEN interval '-1 day' ELSE interval '5 days' END,
                   NULL, '', '', now() - (s % 365) * interval '1 day', now(), ''
            FROM generate_series(1, {CASES}) AS s
            JOIN bench_v v ON v.n = s % {len(village_ids)}
            """
        )
        cur.execute("ANALYZE cases_case")
    print(f"{Case.objects.count():,} cases built in {time.perf_counter() - t0:.1f} s", flush=True)


def office_user(town: Town) -> User:
    user, _ = User.objects.get_or_create(username="bench_office", defaults={"is_staff": True})
    Membership.objects.get_or_create(user=user, role=Role.TOWN_OFFICE, town=town)
    return user


def measure_list(client: Client, url: str, runs: int = 20) -> tuple[float, int, int]:
    client.get(url)  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content[:500]
    with CaptureQueriesContext(connection) as q:
        client.get(url)
    return statistics.median(times), len(q), response.json()["count"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from cases.models import Case
    from cases.sweeps import run_sweep

    if args.rebuild or not Town.objects.filter(code="BT00").exists():
        if Case.objects.exists():
            raise SystemExit("the database has other data: use an empty bench database")
        build()
    town = Town.objects.get(code="BT00")
    client = Client()
    client.force_login(office_user(town))
    print("\ncase list, one town, 50 a page, as the town office (median of 20, ms / queries / total):")
    for label, url in [
        ("open cases", f"/api/v1/cases/?town={town.pk}&open=true&page_size=50"),
        ("open cases, 10 a page", f"/api/v1/cases/?town={town.pk}&open=true&page_size=10"),
        ("state=escalated", f"/api/v1/cases/?town={town.pk}&state=escalated&page_size=50"),
        ("overdue", f"/api/v1/cases/?town={town.pk}&overdue=true&page_size=50"),
        ("all, newest first", f"/api/v1/cases/?town={town.pk}&page_size=50"),
    ]:
        median, queries, count = measure_list(client, url)
        print(f"  {label:28s} {median:7.1f} ms  {queries:2d} queries  {count:,} rows")
    if args.skip_sweep:
        return
    now = timezone.now()
    due_v = Case.objects.filter(state__in=("registered", "claimed"), deadline__lt=now).count()
    due_t = Case.objects.filter(
        state__in=("escalated", "assigned", "accepted"), deadline__lt=now, supervised_at__isnull=True
    ).count()
    print(f"\nescalation sweep: {due_v:,} village cases overdue, {due_t:,} town cases to flag")
    with CaptureQueriesContext(connection) as q:
        t0 = time.perf_counter()
        result = run_sweep(now)
        first = time.perf_counter() - t0
    print(
        f"  first run: {first * 1000:.0f} ms, {len(q)} queries: escalated {result.escalated:,}, "
        f"supervised {result.supervised:,}, reminded {result.reminded:,}"
    )
    with CaptureQueriesContext(connection) as q:
        t0 = time.perf_counter()
        again = run_sweep(now)
        second = time.perf_counter() - t0
    print(
        f"  rerun:     {second * 1000:.0f} ms, {len(q)} queries: escalated {again.escalated}, "
        f"supervised {again.supervised}, reminded {again.reminded}"
    )
    print("  (the sweep changed the data: run with --rebuild on a fresh database to measure it again)")


if __name__ == "__main__":
    main()
