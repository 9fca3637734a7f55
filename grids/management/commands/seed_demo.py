"""``python manage.py seed_demo``: the demo town (or a county of towns, ``--scale county``),
one demo user per role and a few dozen cases. The data is built by :mod:`grids.demo`."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from governance.choices import Role
from governance.models import Membership, User
from grids.demo import CASE_SCRIPTS, DESCRIPTIONS, MAX_TOWNS, Plan, generate_town, town_code, write_town
from grids.models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village


class Command(BaseCommand):
    help = (
        "Load the demo town (~60 villages, ~900 grids, ~20,000 households, ~50,000 residents) "
        "or a county of them, and a demo user per role. Towns already there are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", choices=["town", "county"], default="town")
        parser.add_argument("--towns", type=int, default=None, help="towns at county scale (default 25)")
        parser.add_argument("--villages", type=int, default=60)
        parser.add_argument(
            "--grids-per-village", type=int, default=15, help="first- and second-level grids together"
        )
        parser.add_argument(
            "--households-per-village", type=int, default=333, help="on average (villages differ)"
        )
        parser.add_argument("--password", default="demo12345")

    def handle(self, *args, **options):
        started = time.perf_counter()
        n_towns = (options["towns"] or 25) if options["scale"] == "county" else 1
        if not 1 <= n_towns <= MAX_TOWNS:
            raise CommandError(f"--towns must be between 1 and {MAX_TOWNS}")
        if not 1 <= options["grids_per_village"] <= 99:
            raise CommandError("--grids-per-village must be between 1 and 99")
        if options["villages"] < 1 or options["villages"] > 999 or options["households_per_village"] < 1:
            raise CommandError("--villages must be between 1 and 999, --households-per-village at least 1")
        codes = [town_code(i) for i in range(n_towns)]
        for index, code in enumerate(codes):
            progress = f"[{index + 1}/{n_towns}]"
            if Town.objects.filter(code=code).exists():
                self.stdout.write(f"{progress} town {code} is already there: nothing to build")
                continue
            plan = Plan(
                seed=options["seed"],
                town_index=index,
                villages=options["villages"],
                grids_per_village=options["grids_per_village"],
                households_per_village=options["households_per_village"],
            )
            t0 = time.perf_counter()
            spec = generate_town(plan)
            t1 = time.perf_counter()
            write_town(spec)
            t2 = time.perf_counter()
            counts = ", ".join(f"{k} {v:,}" for k, v in spec.counts().items())
            self.stdout.write(
                f"{progress} built {spec.name} ({spec.code}) in {t2 - t0:.1f} s "
                f"(generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s): {counts}"
            )
            self.stdout.flush()
        logins, token = self.demo_users(options["password"])
        self.demo_cases(options["seed"])
        self.print_summary(codes, time.perf_counter() - started, options["password"], logins, token)

    @transaction.atomic
    def demo_users(self, password: str) -> tuple[list[tuple[str, str, str]], str]:
        from guardian.shortcuts import assign_perm
        from rest_framework.authtoken.models import Token

        town = Town.objects.get(code=town_code(0))
        village = Village.objects.filter(town=town).order_by("code").first()
        grid = (
            Grid.objects.filter(village=village, level=1, children__isnull=False).order_by("code").first()
            or Grid.objects.filter(village=village, level=1).order_by("code").first()
        )
        department = Department.objects.get(town=town, name="社保所")
        member = (
            PartyMember.objects.filter(village=village).select_related("resident").order_by("id").first()
            or PartyMember.objects.filter(town=town).select_related("resident").order_by("id").first()
        )
        users = [
            ("admin", "superuser", None, None),
            ("demo_office", Role.TOWN_OFFICE, "town", town),
            ("demo_supervisor", Role.SUPERVISOR, "town", town),
            ("demo_cadre", Role.VILLAGE_CADRE, "village", village),
            ("demo_grid", Role.GRID_WORKER, "grid", grid),
            ("demo_department", Role.DEPARTMENT, "department", department),
            ("demo_member", Role.PARTY_MEMBER, "party_member", member),
            ("demo_api", Role.API_CLIENT, "town", town),
        ]
        logins = []
        for username, role, area_field, area in users:
            user, _ = User.objects.get_or_create(username=username)
            user.is_superuser = role == "superuser"
            user.is_staff = role in ("superuser", Role.TOWN_OFFICE, Role.SUPERVISOR, Role.VILLAGE_CADRE)
            user.is_active = True
            user.set_password(password)
            user.save()
            if area is not None:
                # Exactly this one membership, whatever an earlier run or a person left.
                fields = {name: None for name in ("town", "village", "grid", "department", "party_member")}
                fields[area_field] = area
                membership = Membership.objects.filter(user=user, role=role, deleted_at__isnull=True).first()
                if membership is None:
                    membership = Membership(user=user, role=role)
                for name, value in fields.items():
                    setattr(membership, name, value)
                membership.full_clean()
                membership.save()
            logins.append((username, str(role), str(area) if area is not None else "—"))
        assign_perm("grids.view_personal_data", User.objects.get(username="demo_office"), town)
        token = Token.objects.get_or_create(user=User.objects.get(username="demo_api"))[0].key
        return logins, token

    @transaction.atomic
    def demo_cases(self, seed: int) -> None:
        """A few dozen cases in every state in the demo grid, made through the services
        like real ones (once: skipped when the town has cases)."""
        from cases.models import Case, CaseKind
        from cases.services import case_move, case_report

        town = Town.objects.get(code=town_code(0))
        if Case.objects.filter(town=town).exists():
            return
        rng = random.Random(f"seed_demo:cases:{seed}")
        users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
        cadre, office = users["demo_cadre"], users["demo_office"]
        grid = users["demo_grid"].memberships.get().grid
        grids = list(grid.children.order_by("code")) or [grid]
        kinds = list(CaseKind.objects.filter(town__isnull=True).order_by("code"))
        department = Department.objects.get(town=town, name="社保所")
        for n in range(40):
            case = case_report(
                actor=users["demo_grid"],
                data={
                    "village": grid.village,
                    "grid": rng.choice(grids),
                    "kind": rng.choice(kinds),
                    "source": "grid_report",
                    "description": rng.choice(DESCRIPTIONS),
                    "reporter_name": "村民",
                    "reporter_contact": "",
                },
            )
            for move in CASE_SCRIPTS[n % len(CASE_SCRIPTS)]:
                actor = office if move in ("assign", "confirm", "close") else cadre
                if move == "accept":
                    actor = users["demo_department"]
                case_move(
                    case=case,
                    move=move,
                    actor=actor,
                    note="演示" if move in ("solve", "escalate", "reject") else "",
                    department=department if move == "assign" else None,
                )

    def print_summary(self, codes, seconds, password, logins, token) -> None:
        from cases.models import Case

        towns = Town.objects.filter(code__in=codes)
        in_towns = {"town__in": towns}
        residents = Resident.objects.filter(**in_towns)
        rows = [
            ("towns", towns.count()),
            ("villages", Village.objects.filter(**in_towns).count()),
            ("grids", Grid.objects.filter(village__town__in=towns).count()),
            ("  first-level", Grid.objects.filter(village__town__in=towns, level=1).count()),
            ("departments", Department.objects.filter(**in_towns).count()),
            ("households", Household.objects.filter(**in_towns).count()),
            ("residents", residents.count()),
            ("  registered", residents.filter(residency="registered").count()),
            ("  migrants", residents.filter(residency="migrant").count()),
            ("party branches", PartyBranch.objects.filter(**in_towns).count()),
            ("party members", PartyMember.objects.filter(**in_towns).count()),
            (
                "households covered",
                PartyMember.covered_households.through.objects.filter(partymember__town__in=towns).count(),
            ),
            ("cases", Case.objects.filter(**in_towns).count()),
        ]
        self.stdout.write("")
        for label, count in rows:
            self.stdout.write(f"  {label:20s} {count:>9,}")
        self.stdout.write(f"  {'seconds':20s} {seconds:>9.1f}")
        self.stdout.write(f"\ndemo log-ins (password {password}):")
        for username, role, area in logins:
            self.stdout.write(f"  {username:16s} {role:14s} {area}")
        self.stdout.write(f"  REST client token (Authorization: Token …): {token}")
