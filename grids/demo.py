"""The demo town: realistic, deterministic data for `make run`, tests and benchmarks.

Everything is built in memory from one ``random.Random(seed)`` and written with
``bulk_create``; ``clean()`` is not called, so the derived columns (town and village of
households and residents, grid levels, bounding boxes) are filled here, consistently.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction

from . import geo
from .models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village
from .validators import id_number_check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌春梅海燕辉鹏飞林玲云凤新利清宇浩然子涵雨欣梓萱俊杰佳怡家豪晨阳"
PLACE_A = "花新石上下东西南北大小长高清金银青白黄龙凤桃李杨柳枫松竹梅兰溪塘"
PLACE_B = "街桥门塘湾岭坑溪山口园庄田坂头店埠墩岙岗洋湖"
DEPARTMENTS = [
    ("社保所", "SB"),
    ("派出所", "PCS"),
    ("综合执法中队", "ZF"),
    ("自然资源和规划所", "ZR"),
    ("民政办", "MZ"),
    ("卫生健康办", "WJ"),
    ("农业农村办", "NY"),
    ("市场监管所", "SJ"),
    ("应急管理办", "YJ"),
    ("司法所", "SF"),
    ("城建办", "CJ"),
    ("信访办", "XF"),
]
FLAG_RATES = {
    "is_low_income": 0.03,
    "is_dispute": 0.01,
    "is_petitioner": 0.003,
    "is_building_applicant": 0.01,
    "is_hotline_caller": 0.02,
    "is_elderly_alone": 0.05,
    "is_rented_to_migrants": 0.04,
}


@dataclass
class Plan:
    seed: int = 2026
    town_index: int = 0
    villages: int = 60
    first_level_grids: int = 5  # each with two second-level grids: 15 grids a village
    households_per_village: int = 333
    counts: dict = field(default_factory=dict)


def town_code(index: int) -> str:
    return f"330784{101 + index:03d}"


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _id_number(rng: random.Random, region: str, born: datetime.date, female: bool, used: set[str]) -> str:
    """A valid, unique ID number: region, birth date, sequence (odd for men), check digit."""
    while True:
        sequence = rng.randrange(500) * 2 + (0 if female else 1)
        first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + id_number_check_digit(first17)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def _birth(rng: random.Random, min_age: int, max_age: int) -> datetime.date:
    today = datetime.date(2026, 1, 1)  # fixed: the same data every run
    return today - datetime.timedelta(days=rng.randrange(min_age * 365, max_age * 365))


def village_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        base = rng.choice(PLACE_A) + rng.choice(PLACE_B)
        if base in seen:
            continue
        seen.add(base)
        names.append(base)
    return names


def _area(model, *, box, **fields):
    min_lng, min_lat, max_lng, max_lat = box
    return model(
        boundary=geo.rectangle(round(min_lng, 6), round(min_lat, 6), round(max_lng, 6), round(max_lat, 6)),
        min_lng=min_lng,
        min_lat=min_lat,
        max_lng=max_lng,
        max_lat=max_lat,
        centre_lng=round((min_lng + max_lng) / 2, 6),
        centre_lat=round((min_lat + max_lat) / 2, 6),
        **fields,
    )


@transaction.atomic
def build_town(plan: Plan) -> Town:
    rng = random.Random(f"{plan.seed}:{plan.town_index}")
    t = plan.town_index
    # Towns side by side: 0.3° of longitude each.
    town_box = (120.0 + t * 0.3, 30.6, 120.28 + t * 0.3, 30.8)
    town_name = "花街镇" if t == 0 else rng.choice(PLACE_A) + rng.choice(PLACE_B) + "镇"
    town = _area(Town, box=town_box, name=town_name, code=town_code(t), county="示范县")
    town.save()

    cols = 10
    rows = (plan.villages + cols - 1) // cols
    vw, vh = (town_box[2] - town_box[0]) / cols, (town_box[3] - town_box[1]) / rows
    villages = []
    for i, base in enumerate(village_names(rng, plan.villages)):
        community = i % 15 == 14
        box = (
            town_box[0] + (i % cols) * vw,
            town_box[1] + (i // cols) * vh,
            town_box[0] + (i % cols + 1) * vw,
            town_box[1] + (i // cols + 1) * vh,
        )
        villages.append(
            _area(
                Village,
                box=box,
                town=town,
                name=base + ("社区" if community else "村"),
                code=f"{town.code}{i + 1:03d}",
                kind="community" if community else "village",
            )
        )
    Village.objects.bulk_create(villages, batch_size=1000)

    firsts, seconds = [], []
    for v in villages:
        g = plan.first_level_grids
        for j in range(g):
            x0 = v.min_lng + (v.max_lng - v.min_lng) * j / g
            x1 = v.min_lng + (v.max_lng - v.min_lng) * (j + 1) / g
            first = _area(
                Grid,
                box=(x0, v.min_lat, x1, v.max_lat),
                village=v,
                level=1,
                name=f"{v.name}第{j + 1}网格",
                code=f"{v.code}{j + 1:02d}",
            )
            firsts.append(first)
    Grid.objects.bulk_create(firsts, batch_size=1000)
    for first in firsts:
        mid = (first.min_lat + first.max_lat) / 2
        for k, (y0, y1) in enumerate(((first.min_lat, mid), (mid, first.max_lat))):
            seconds.append(
                _area(
                    Grid,
                    box=(first.min_lng, y0, first.max_lng, y1),
                    village=first.village,
                    parent=first,
                    level=2,
                    name=f"{first.name}{k + 1}组",
                    code=f"{first.code}{k + 1}",
                )
            )
    Grid.objects.bulk_create(seconds, batch_size=1000)
    leaves_by_village: dict[int, list[Grid]] = {}
    for grid in seconds:
        leaves_by_village.setdefault(grid.village_id, []).append(grid)

    Department.objects.bulk_create(
        [
            Department(
                town=town, name=name, code=f"{town.code}{code}", phone=f"0579-8{rng.randrange(10**6):06d}"
            )
            for name, code in DEPARTMENTS
        ]
    )

    households, people = [], []  # people: (household index, dict)
    serial = 0
    for v in villages:
        leaves = leaves_by_village[v.pk]
        for n in range(plan.households_per_village):
            grid = leaves[n % len(leaves)]
            head_name = _name(rng)
            head_female = rng.random() < 0.2
            h = Household(
                town=town,
                village=v,
                grid=grid,
                number=f"{n + 1:04d}",
                head_name=head_name,
                address=f"{v.name}{(n % len(leaves)) // 2 + 1}组{n // len(leaves) + 1}号",
                latitude=round(rng.uniform(grid.min_lat, grid.max_lat), 6),
                longitude=round(rng.uniform(grid.min_lng, grid.max_lng), 6),
                **{flag: rng.random() < rate for flag, rate in FLAG_RATES.items()},
            )
            h.phone = _phone(rng)
            households.append(h)
            index = len(households) - 1
            migrant_house = h.is_rented_to_migrants or rng.random() < 0.30
            size = rng.choices([1, 2, 3, 4, 5], weights=[12, 30, 28, 20, 10])[0]
            head_born = _birth(rng, 70, 90) if h.is_elderly_alone else _birth(rng, 28, 80)
            members = [(head_name, "户主", head_female, head_born)]
            if not h.is_elderly_alone:
                if size >= 2:
                    members.append((_name(rng), "配偶", not head_female, _birth(rng, 26, 80)))
                for _c in range(max(0, size - 2)):
                    female = rng.random() < 0.5
                    members.append((_name(rng), "女" if female else "子", female, _birth(rng, 1, 40)))
            for m_name, relation, female, born in members:
                serial += 1
                people.append((index, m_name, relation, female, born, migrant_house, serial))
    Household.objects.bulk_create(households, batch_size=2000)

    # Each town its own region code, so that ID numbers never clash across a county.
    residents, used_ids, region = [], set(), f"33{784 + t:04d}"
    for index, m_name, relation, female, born, migrant_house, _serial in people:
        household = households[index]
        r = Resident(
            town=town,
            village_id=household.village_id,
            household=household,
            name=m_name,
            gender="female" if female else "male",
            birth_date=born,
            relation=relation,
            residency="migrant" if migrant_house else "registered",
        )
        r.id_number = _id_number(rng, region, born, female, used_ids)
        if born.year < 2010:
            r.phone = _phone(rng)
        residents.append(r)
    Resident.objects.bulk_create(residents, batch_size=2000)

    branches = []
    for v in villages:
        branches.append(PartyBranch(town=town, village=v, name=f"{v.name}党支部", kind="village"))
        for first in [g for g in firsts if g.village_id == v.pk][:3]:
            branches.append(
                PartyBranch(town=town, village=v, grid=first, name=f"{first.name}党支部", kind="grid")
            )
    PartyBranch.objects.bulk_create(branches, batch_size=1000)
    village_branch = {b.village_id: b for b in branches if b.kind == "village"}
    grid_branches: dict[int, list[PartyBranch]] = {}
    for b in branches:
        if b.kind == "grid":
            grid_branches.setdefault(b.village_id, []).append(b)

    adults = [r for r in residents if r.residency == "registered" and r.birth_date.year <= 2004]
    chosen = [r for r in adults if rng.random() < 0.045]
    members = []
    for r in chosen:
        options = [village_branch[r.village_id], *grid_branches.get(r.village_id, [])]
        members.append(
            PartyMember(
                town=town,
                village_id=r.village_id,
                resident=r,
                branch=rng.choice(options),
                joined_on=_birth(rng, 1, 40),
                is_central_household=rng.random() < 0.2,
            )
        )
    PartyMember.objects.bulk_create(members, batch_size=2000)
    by_village: dict[int, list[Household]] = {}
    for h in households:
        by_village.setdefault(h.village_id, []).append(h)
    through = PartyMember.covered_households.through
    links = []
    for m in members:
        for h in rng.sample(by_village[m.village_id], k=min(10, len(by_village[m.village_id]))):
            links.append(through(partymember_id=m.pk, household_id=h.pk))
    through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)

    plan.counts = {
        "villages": len(villages),
        "grids": len(firsts) + len(seconds),
        "households": len(households),
        "residents": len(residents),
        "migrants": sum(r.residency == "migrant" for r in residents),
        "party branches": len(branches),
        "party members": len(members),
        "departments": len(DEPARTMENTS),
    }
    return town
