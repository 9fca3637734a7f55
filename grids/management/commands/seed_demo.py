"""Build the demo town (or a county of them) and one demo user per role.

Deterministic for a given --seed; a second run finds the towns by code, builds nothing
again and only makes sure the demo users exist.
"""

import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from guardian.shortcuts import assign_perm
from rest_framework.authtoken.models import Token

from governance.choices import Role
from governance.models import Membership, User
from grids.demo import Plan, build_town, town_code
from grids.models import Department, Grid, PartyMember, Town, Village


class Command(BaseCommand):
    help = (
        "Load the demo town (~60 villages, ~900 grids, ~20,000 households, ~50,000 residents) and demo users."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", choices=["town", "county"], default="town")
        parser.add_argument("--towns", type=int, default=None, help="towns at county scale (default 25)")
        parser.add_argument("--villages", type=int, default=60)
        parser.add_argument(
            "--grids-per-village", type=int, default=5, help="first-level grids, two sub-grids each"
        )
        parser.add_argument("--households-per-village", type=int, default=333)
        parser.add_argument("--password", default="demo12345")

    def handle(
        self,
        *args,
        seed,
        scale,
        towns,
        villages,
        grids_per_village,
        households_per_village,
        password,
        **options,
    ):
        count = (towns or 25) if scale == "county" else 1
        started = time.perf_counter()
        for index in range(count):
            if Town.objects.filter(code=town_code(index)).exists():
                self.stdout.write(f"town {town_code(index)} is already there: nothing to build")
                continue
            plan = Plan(
                seed=seed,
                town_index=index,
                villages=villages,
                first_level_grids=grids_per_village,
                households_per_village=households_per_village,
            )
            t0 = time.perf_counter()
            town = build_town(plan)
            counts = ", ".join(f"{k} {v:,}" for k, v in plan.counts.items())
            self.stdout.write(
                f"built {town.name} ({town.code}) in {time.perf_counter() - t0:.1f} s: {counts}"
            )
        token = self.demo_users(password)
        self.demo_cases(seed)
        self.stdout.write(f"\nready in {time.perf_counter() - started:.1f} s\n")
        self.print_logins(password, token)

    @transaction.atomic
    def demo_users(self, password: str) -> str:
        town = Town.objects.get(code=town_code(0))
        village = Village.objects.filter(town=town).order_by("code").first()
        grid = Grid.objects.filter(village=village, level=1).order_by("code").first()
        department = Department.objects.get(town=town, name="社保所")
        member = PartyMember.objects.filter(village=village).order_by("id").first()
        self.logins = [
            ("admin", "superuser", "—", {}),
            ("demo_office", Role.TOWN_OFFICE, town.name, {"town": town}),
            ("demo_supervisor", Role.SUPERVISOR, town.name, {"town": town}),
            ("demo_cadre", Role.VILLAGE_CADRE, village.name, {"village": village}),
            ("demo_grid", Role.GRID_WORKER, grid.name, {"grid": grid}),
            ("demo_department", Role.DEPARTMENT, department.name, {"department": department}),
            ("demo_member", Role.PARTY_MEMBER, str(member), {"party_member": member}),
            ("demo_api", Role.API_CLIENT, town.name, {"town": town}),
        ]
        for username, role, _area, area in self.logins:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = role in ("superuser", Role.TOWN_OFFICE, Role.SUPERVISOR, Role.VILLAGE_CADRE)
            user.is_superuser = role == "superuser"
            user.set_password(password)
            user.save()
            if area:
                Membership.objects.get_or_create(user=user, role=role, deleted_at__isnull=True, **area)
        assign_perm("grids.view_personal_data", User.objects.get(username="demo_office"), town)
        return Token.objects.get_or_create(user=User.objects.get(username="demo_api"))[0].key

    @transaction.atomic
    def demo_cases(self, seed: int) -> None:
        """A few dozen cases in every state, made through the services like real ones."""
        from cases.models import Case, CaseKind
        from cases.services import case_move, case_report

        town = Town.objects.get(code=town_code(0))
        if Case.objects.filter(town=town).exists():
            return
        rng = random.Random(seed)
        users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
        cadre, office = users["demo_cadre"], users["demo_office"]
        village = Village.objects.get(pk=cadre.memberships.get().village_id)
        grids = list(Grid.objects.filter(village=village, level=2))
        kinds = list(CaseKind.objects.filter(town__isnull=True))
        department = Department.objects.get(town=town, name="社保所")
        descriptions = [
            "三组路口排水沟堵塞，雨天积水",
            "村委会旁垃圾桶破损",
            "东头田埂边界有争议",
            "独居老人家中漏雨",
            "村道有坑洼，电动车易摔",
            "路灯不亮已一周",
            "有人在河边倾倒建筑垃圾",
            "低保材料需要代办",
        ]
        scripts = [
            [],
            ["claim"],
            ["claim", "solve"],
            ["claim", "solve", "confirm", "close"],
            ["escalate"],
            ["escalate", "assign"],
            ["escalate", "assign", "accept"],
            ["reject"],
        ]
        for n in range(40):
            grid = rng.choice(grids)
            case = case_report(
                actor=users["demo_grid"],
                data={
                    "village": village,
                    "grid": grid,
                    "kind": rng.choice(kinds),
                    "source": "grid_report",
                    "description": rng.choice(descriptions),
                    "reporter_name": "村民",
                    "reporter_contact": "",
                },
            )
            for move in scripts[n % len(scripts)]:
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

    def print_logins(self, password: str, token: str) -> None:
        self.stdout.write(f"demo log-ins (password {password}):")
        for username, role, area, _ in self.logins:
            self.stdout.write(f"  {username:16s} {role:14s} {area}")
        self.stdout.write(f"  REST client token (Authorization: Token …): {token}")
