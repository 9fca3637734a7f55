"""The demo town (or a county of towns), generated and written, and a demo user per role:
the demo steps ``hierarchy`` and ``users`` that ``seed_demo`` runs.

    python manage.py seed_demo                      # 花街镇: 60 villages, 900 grids, ~20,000 households
    python manage.py seed_demo --scale county       # 25 towns, for benchmarks
    python manage.py seed_demo --villages 3 --grids-per-village 3 --households-per-village 20

Two steps per town. :func:`generate_town` is a pure function of the :class:`Plan`: it
draws everything (names, ID numbers, families, coordinates) from one
``random.Random`` seeded with the seed and the town's index, so the same seed yields the
same town. :func:`write_town` turns that into rows with ``bulk_create`` in one
transaction per town; ``clean()`` is not called, so the derived columns (town and village
of every row, grid levels, bounding boxes and centres) are filled here, from the same
values ``clean()`` would use.

A town whose code is already in the database is skipped, so a second run builds nothing
and only makes sure the demo users exist (their password is reset each time).
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db import transaction

from governance import demo
from governance.choices import Role
from governance.models import Membership, User
from grids import geo
from grids.models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village
from grids.validators import id_number_check_digit

# ---------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------

#: Ages are counted from this fixed day, so a seed builds the same people on any day.
REFERENCE_DATE = datetime.date(2026, 1, 1)
COUNTY = "示范县"
#: Town codes and registered residents' ID numbers use this county's region code (永康市).
COUNTY_CODE = "330784"
#: Each town gets three police-station codes (ID number digits 15-16): unique per town up
#: to 33 towns, which keeps ID numbers unique across a county without a shared registry.
MAX_TOWNS = 33

TOWN_NAMES = (
    "花街镇 马街镇 汤泉街道 新桥镇 石门镇 凤岭镇 白沙镇 龙溪镇 桃源镇 清湖镇 金山镇 横塘镇 双林镇 "
    "大溪镇 梅岭镇 永安镇 长乐镇 安仁镇 东城街道 西城街道 南塘镇 北港镇 柳桥镇 竹溪镇 杨湾镇 青山镇 "
    "古城街道 芝英镇 方岩镇 舟山镇 唐先镇 石柱镇 前仓镇"
).split()

# Surnames, most frequent first (weights fall off with rank); 应, 楼, 胡, 吕 for 浙中.
SURNAMES = (
    "王陈李张刘吴徐胡杨黄赵周朱应吕楼程孙马郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
    "余杜叶苏魏丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江薛尹段雷黎史龙陶贺顾"
    "毛郝龚邵万钱严武莫孔向汤"
)
SURNAME_WEIGHTS = [1 / (rank + 6) for rank in range(len(SURNAMES))]

# Given names by generation (born before 1970, 1970-1999, from 2000) and sex.
GIVEN_NAMES = {
    ("old", False): "建国 建华 国强 国华 志刚 德明 德华 福生 金福 根生 水根 永康 永林 忠良 春生 土根 "
    "有才 炳生 荣华 长寿 明 华 林 勇 平 军 福 根",
    ("old", True): "桂英 秀英 玉兰 秀兰 凤英 桂芳 玉珍 美英 金娣 菊花 月娥 彩凤 秀珍 爱华 素珍 兰英 "
    "小妹 英 芳 珍 娟 兰 梅",
    ("mid", False): "伟 强 磊 军 勇 杰 涛 斌 超 刚 鹏 辉 俊 明 峰 浩 伟强 建军 海波 晓东 俊杰 志伟 "
    "文斌 立新 晓峰 海涛 振华 永强 建平 宏伟 剑锋 晓明",
    ("mid", True): "丽 静 敏 燕 艳 娟 霞 芳 萍 婷 玲 琴 丽娟 晓燕 海燕 雪梅 丽萍 春燕 美玲 慧敏 "
    "晓丽 红霞 秀芳 佳丽 丹丹 婷婷 玉婷",
    ("young", False): "浩然 子轩 宇轩 梓豪 俊熙 一鸣 宇航 皓轩 子墨 浩宇 博文 梓睿 奕辰 天佑 嘉懿 "
    "沐宸 睿 轩 辰 宇 航",
    ("young", True): "子涵 梓萱 欣怡 诗涵 雨桐 可馨 一诺 语嫣 梓涵 思彤 若汐 芷若 欣妍 佳怡 雨欣 "
    "萱 涵 彤 悦 琪",
}
GIVEN_NAMES = {key: value.split() for key, value in GIVEN_NAMES.items()}

PLACE_FIRST = "花新石上下东西南北大小长高清金银青白黄龙凤桃李杨柳枫松竹梅兰溪塘前后中里"
PLACE_SECOND = "街桥门塘湾岭坑溪山口园庄田坂头店埠墩岙岗洋湖宅岩畈"
COMMUNITY_NAMES = "新华 人民 文昌 解放 城南 城北 中山 朝阳 和平 建设 胜利 光明".split()
ROADS = "人民路 解放街 文昌路 新华路 建设路 胜利街 中山路 学府路 公园路 环城路 江滨路 工业路".split()

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

# Where migrants (外来人口) to 浙中 come from: counties' region codes, with weights.
MIGRANT_REGIONS = {
    "341221": 8,  # 安徽 临泉县
    "341222": 6,  # 安徽 太和县
    "341225": 5,  # 安徽 阜南县
    "411623": 5,  # 河南 商水县
    "411625": 4,  # 河南 郸城县
    "522422": 6,  # 贵州 大方县
    "522426": 5,  # 贵州 纳雍县
    "511621": 4,  # 四川 岳池县
    "511725": 4,  # 四川 渠县
    "361128": 4,  # 江西 鄱阳县
    "431322": 3,  # 湖南 新化县
    "500236": 3,  # 重庆 奉节县
}

# Household flags over all households (DESIGN.md); the ones marked True only ever fall on
# registered households, at a rate raised so that the share over all households holds.
FLAG_RATES = {
    "is_low_income": (0.03, True),
    "is_dispute": (0.01, False),
    "is_petitioner": (0.003, False),
    "is_building_applicant": (0.01, True),
    "is_hotline_caller": (0.02, False),
    "is_elderly_alone": (0.05, True),
    "is_rented_to_migrants": (0.04, True),
}
#: Mean share of migrant households in a village (they are smaller: ~2 people against ~3).
MIGRANT_HOUSEHOLD_SHARE = 0.47

HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, OTHER = "户主", "配偶", "子女", "父母", "孙子女", "其他"
CN_DIGITS = "零一二三四五六七八九"


def town_code(index: int) -> str:
    return f"{COUNTY_CODE}{101 + index:03d}"


# ---------------------------------------------------------------------------------------
# The plan and what it generates: plain values, no database
# ---------------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # min_lng, min_lat, max_lng, max_lat


@dataclass(frozen=True)
class Plan:
    seed: int = 2026
    town_index: int = 0
    villages: int = 60
    grids_per_village: int = 15  # first-level and second-level together
    households_per_village: int = 333  # on average; villages differ in size


@dataclass
class VillageSpec:
    name: str
    code: str
    kind: str
    box: Box


@dataclass
class GridSpec:
    name: str
    code: str
    village: int  # index into TownSpec.villages
    parent: int | None  # index into TownSpec.grids
    box: Box

    @property
    def level(self) -> int:
        return 1 if self.parent is None else 2


@dataclass
class HouseholdSpec:
    village: int
    grid: int
    number: str
    head_name: str
    address: str
    phone: str
    lat: float
    lng: float
    flags: dict[str, bool]
    migrant: bool


@dataclass
class ResidentSpec:
    household: int
    name: str
    gender: str
    birth_date: datetime.date
    relation: str
    residency: str
    id_number: str
    phone: str


@dataclass
class BranchSpec:
    village: int
    grid: int | None
    name: str
    kind: str


@dataclass
class MemberSpec:
    resident: int
    branch: int
    joined_on: datetime.date
    is_central_household: bool
    covered: list[int]  # household indexes (十户联保)


@dataclass
class TownSpec:
    name: str
    code: str
    box: Box
    villages: list[VillageSpec] = field(default_factory=list)
    grids: list[GridSpec] = field(default_factory=list)
    departments: list[tuple[str, str, str]] = field(default_factory=list)  # name, code, phone
    households: list[HouseholdSpec] = field(default_factory=list)
    residents: list[ResidentSpec] = field(default_factory=list)
    branches: list[BranchSpec] = field(default_factory=list)
    members: list[MemberSpec] = field(default_factory=list)
    dominant: list[str] = field(default_factory=list)  # each village's big clan surname

    def counts(self) -> dict[str, int]:
        return {
            "villages": len(self.villages),
            "grids": len(self.grids),
            "households": len(self.households),
            "residents": len(self.residents),
            "migrants": sum(r.residency == "migrant" for r in self.residents),
            "party branches": len(self.branches),
            "party members": len(self.members),
            "departments": len(self.departments),
        }


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals: 一, 十, 十二, 二十, 二十三."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return CN_DIGITS[n]
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers in proportion to ``weights`` (largest remainder)."""
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError("total is below the minimum")
    scale = sum(weights)
    quotas = [rest * w / scale for w in weights]
    shares = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - quotas[i])
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def _cut(lo: float, hi: float, i: int, n: int) -> float:
    # Shared edges come out of the same expression, so neighbours meet exactly.
    return lo if i == 0 else hi if i == n else round(lo + (hi - lo) * i / n, 6)


def tile(box: Box, n: int) -> list[Box]:
    """Cut a rectangle into ``n`` rectangles that cover it, in rows of near-square tiles."""
    min_lng, min_lat, max_lng, max_lat = box
    width = (max_lng - min_lng) * math.cos(math.radians((min_lat + max_lat) / 2))
    cols = max(1, min(n, round(math.sqrt(n * width / (max_lat - min_lat)))))
    rows = math.ceil(n / cols)
    tiles = []
    for r in range(rows):
        in_row = min(cols, n - r * cols)
        y0, y1 = _cut(min_lat, max_lat, rows - r - 1, rows), _cut(min_lat, max_lat, rows - r, rows)
        for c in range(in_row):
            tiles.append((_cut(min_lng, max_lng, c, in_row), y0, _cut(min_lng, max_lng, c + 1, in_row), y1))
    return tiles


def town_box(index: int) -> Box:
    """Towns side by side, five to a row, the first around 30.6°N 120.5°E (浙江)."""
    row, col = divmod(index, 5)
    lng, lat = 120.45 + col * 0.1, 30.56 + row * 0.08
    return (round(lng, 6), round(lat, 6), round(lng + 0.1, 6), round(lat + 0.08, 6))


class _Draw:
    """Everything random for one town, from one ``random.Random``."""

    def __init__(self, plan: Plan):
        self.rng = random.Random(f"seed_demo:{plan.seed}:{plan.town_index}")
        t = plan.town_index
        self.stations = [f"{3 * t + k:02d}" for k in (1, 2, 3)]
        self.used_ids: set[str] = set()
        self.region_codes = list(MIGRANT_REGIONS)
        self.region_weights = list(MIGRANT_REGIONS.values())

    def surname(self, dominant: str | None = None) -> str:
        if dominant and self.rng.random() < 0.3:
            return dominant
        return self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]

    def given(self, born: datetime.date, female: bool) -> str:
        era = "old" if born.year < 1970 else "mid" if born.year < 2000 else "young"
        return self.rng.choice(GIVEN_NAMES[era, female])

    def born(self, age: int) -> datetime.date:
        days = self.rng.randrange(int(age * 365.25), int((age + 1) * 365.25) - 1)
        return REFERENCE_DATE - datetime.timedelta(days=max(days, 30))

    def id_number(self, region: str, born: datetime.date, female: bool) -> tuple[str, datetime.date]:
        """A valid ID number no one in the town has yet: region, birth date, police
        station, sequence digit (odd for men, even for women), check digit."""
        while True:
            for _ in range(20):
                digit = self.rng.choice("02468" if female else "13579")
                first17 = f"{region}{born:%Y%m%d}{self.rng.choice(self.stations)}{digit}"
                if first17 not in self.used_ids:
                    self.used_ids.add(first17)
                    return first17 + id_number_check_digit(first17), born
            born -= datetime.timedelta(days=1)  # that day is full: the day before

    def mobile(self) -> str:
        second = self.rng.choices("3456789", [30, 2, 25, 2, 8, 25, 8])[0]
        return f"1{second}{self.rng.randrange(10**9):09d}"

    def region(self) -> str:
        return self.rng.choices(self.region_codes, self.region_weights)[0]


@dataclass
class _Person:
    surname: str
    female: bool
    age: int
    relation: str


def _registered_family(d: _Draw, dominant: str, elderly_alone: bool) -> list[_Person]:
    """A registered household: head first. Ages hang together (children are 22-36 years
    younger than their mother, parents that much older than the head)."""
    rng = d.rng
    if elderly_alone:
        return [_Person(d.surname(dominant), rng.random() < 0.65, rng.randint(70, 92), HEAD)]
    kind = rng.choices(["single", "couple", "nuclear", "three", "elder"], [7, 23, 42, 20, 8])[0]
    if kind == "single":
        return [_Person(d.surname(dominant), rng.random() < 0.4, rng.randint(22, 75), HEAD)]
    if kind == "couple":
        age = rng.randint(25, 34) if rng.random() < 0.3 else rng.randint(45, 80)
    elif kind == "elder":
        age = rng.randint(58, 85)
    else:
        age = rng.randint(28, 55)
    head_female = rng.random() < 0.15
    head = _Person(d.surname(dominant), head_female, age, HEAD)
    spouse_age = max(20, age + (2 if head_female else -2) + rng.randint(-3, 3))
    spouse = _Person(d.surname(), not head_female, spouse_age, SPOUSE)
    family = [head, spouse]
    if kind == "elder" and rng.random() < 0.2:
        family.pop()  # widowed
    father = spouse if head_female else head
    mother_age = head.age if head_female else spouse.age
    if kind in ("nuclear", "three"):
        for _ in range(rng.choices([1, 2], [55, 45])[0]):
            child_age = mother_age - rng.randint(22, 36)
            if child_age >= 0:
                family.append(_Person(father.surname, rng.random() < 0.48, child_age, CHILD))
    if kind == "three":
        for parent_female in rng.sample([False, True], rng.choice([1, 2])):
            parent_age = age + rng.randint(22, 34)
            if parent_age <= 95:
                surname = head.surname if not parent_female else d.surname()
                family.append(_Person(surname, parent_female, parent_age, PARENT))
    if kind == "elder":
        child_age = mother_age - rng.randint(22, 36)
        if child_age >= 18:
            child = _Person(father.surname, rng.random() < 0.4, child_age, CHILD)
            family.append(child)
            if rng.random() < 0.4 and child_age >= 24:
                surname = child.surname if not child.female else d.surname()
                family.append(
                    _Person(surname, rng.random() < 0.5, rng.randint(0, child_age - 22), GRANDCHILD)
                )
    return family


def _migrant_family(d: _Draw) -> list[_Person]:
    rng = d.rng
    kind = rng.choices(["single", "couple", "family", "coworkers"], [42, 30, 23, 5])[0]
    head_female = rng.random() < (0.35 if kind == "single" else 0.1)
    age = rng.randint(18, 50) if kind in ("single", "coworkers") else rng.randint(22, 48)
    head = _Person(d.surname(), head_female, age, HEAD)
    family = [head]
    if kind in ("couple", "family"):
        family.append(_Person(d.surname(), not head_female, max(18, age + rng.randint(-4, 3)), SPOUSE))
    if kind == "family":
        father = family[1] if head_female else head
        for _ in range(rng.choice([1, 2])):
            family.append(_Person(father.surname, rng.random() < 0.48, rng.randint(0, 15), CHILD))
    if kind == "coworkers":
        for _ in range(rng.choice([2, 3])):
            family.append(_Person(d.surname(), head_female, rng.randint(18, 45), OTHER))
    return family


# ---------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------


def generate_town(plan: Plan) -> TownSpec:
    """Draw one town from ``plan``: a pure function (no database, no clock)."""
    if plan.villages < 1 or plan.grids_per_village < 1 or plan.households_per_village < 1:
        raise ValueError("a town needs at least one village, grid and household a village")
    if not 0 <= plan.town_index < MAX_TOWNS:
        raise ValueError(f"town index must be below {MAX_TOWNS}")
    d = _Draw(plan)
    rng = d.rng
    t = plan.town_index
    spec = TownSpec(name=TOWN_NAMES[t], code=town_code(t), box=town_box(t))

    _villages(d, plan, spec)
    leaves = _grids(plan, spec)
    spec.departments = [
        (name, f"{spec.code}{abbr}", f"0579-87{rng.randrange(10**6):06d}") for name, abbr in DEPARTMENTS
    ]
    sizes = apportion(
        plan.villages * plan.households_per_village,
        [rng.uniform(0.6, 1.4) for _ in spec.villages],
        minimum=1,
    )
    for v, size in enumerate(sizes):
        _households(d, spec, v, leaves[v], size)
    _party(d, spec)
    return spec


def _villages(d: _Draw, plan: Plan, spec: TownSpec) -> None:
    rng = d.rng
    boxes = tile(spec.box, plan.villages)
    # A few communities (社区): the tiles nearest the town centre (the 镇区), never the first.
    cx, cy = (spec.box[0] + spec.box[2]) / 2, (spec.box[1] + spec.box[3]) / 2
    n_communities = round(plan.villages * 0.07) if plan.villages >= 8 else 0
    by_distance = sorted(
        range(1, plan.villages),
        key=lambda i: math.hypot((boxes[i][0] + boxes[i][2]) / 2 - cx, (boxes[i][1] + boxes[i][3]) / 2 - cy),
    )
    communities = set(by_distance[:n_communities])
    community_names = rng.sample(COMMUNITY_NAMES, len(COMMUNITY_NAMES))
    seen: set[str] = set()
    for i, box in enumerate(boxes):
        dominant = d.surname()
        if i in communities and community_names:
            name = community_names.pop() + "社区"
        else:
            while True:
                if rng.random() < 0.3:
                    base = dominant + "家" + rng.choice(PLACE_SECOND)
                else:
                    base = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
                if base not in seen:
                    break
            seen.add(base)
            name = base + ("社区" if i in communities else "村")
        spec.villages.append(
            VillageSpec(
                name=name,
                code=f"{spec.code}{i + 1:03d}",
                kind="community" if i in communities else "village",
                box=box,
            )
        )
        spec.dominant.append(dominant)


def _grids(plan: Plan, spec: TownSpec) -> list[list[int]]:
    """First-level grids per village (片) and second-level grids under them (one per
    村民小组, or per 片区 in a community). Returns, per village, the grids households live
    in: the second-level ones, or the first-level one when a village has no others."""
    per_village = []
    n = plan.grids_per_village
    firsts = max(1, round(n / 7.5))
    for v, village in enumerate(spec.villages):
        homes = []
        group = 0
        children = apportion(n - firsts, [1] * firsts)
        for j, (box, n_children) in enumerate(zip(tile(village.box, firsts), children, strict=True)):
            first = len(spec.grids)
            spec.grids.append(
                GridSpec(
                    name=f"{village.name}第{chinese_number(j + 1)}网格",
                    code=f"{village.code}{j + 1:02d}",
                    village=v,
                    parent=None,
                    box=box,
                )
            )
            if not n_children:
                homes.append(first)
            for k, child_box in enumerate(tile(box, n_children) if n_children else []):
                group += 1
                label = (
                    f"第{chinese_number(group)}片区网格"
                    if village.kind == "community"
                    else f"{chinese_number(group)}组网格"
                )
                homes.append(len(spec.grids))
                spec.grids.append(
                    GridSpec(
                        name=f"{village.name}{label}",
                        code=f"{village.code}{j + 1:02d}{k + 1:02d}",
                        village=v,
                        parent=first,
                        box=child_box,
                    )
                )
        per_village.append(homes)
    return per_village


def _point(rng: random.Random, box: Box) -> tuple[float, float]:
    """A point strictly inside ``box`` (also after rounding), as (lat, lng)."""
    min_lng, min_lat, max_lng, max_lat = box
    mx, my = (max_lng - min_lng) / 20, (max_lat - min_lat) / 20
    lng = round(rng.uniform(min_lng + mx, max_lng - mx), 6)
    lat = round(rng.uniform(min_lat + my, max_lat - my), 6)
    return lat, lng


def _households(d: _Draw, spec: TownSpec, v: int, homes: list[int], size: int) -> None:
    rng = d.rng
    village = spec.villages[v]
    migrant_share = min(0.85, max(0.05, rng.gauss(MIGRANT_HOUSEHOLD_SHARE, 0.15)))
    n_migrant = min(size - 1, round(size * migrant_share))
    per_home = apportion(size - n_migrant, [rng.uniform(0.6, 1.4) for _ in homes])
    numbers: Counter[int] = Counter()  # households per home grid, for the 户号
    doors: Counter[str] = Counter()  # house numbers per street or group
    landlords: list[int] = []

    def add(grid: int, people: list[_Person], flags: dict, address: str, migrant: bool) -> int:
        group = homes.index(grid) + 1
        numbers[group] += 1
        index = len(spec.households)
        region = d.region() if migrant else COUNTY_CODE
        phones = []
        names = []
        for person in people:
            born = d.born(person.age)
            given = d.given(born, person.female)
            id_number, born = d.id_number(region, born, person.female)
            age = (REFERENCE_DATE - born).days // 365
            phone = d.mobile() if age >= 16 and rng.random() < (0.5 if age >= 80 else 0.95) else ""
            phones.append(phone)
            names.append(person.surname + given)
            spec.residents.append(
                ResidentSpec(
                    household=index,
                    name=names[-1],
                    gender="female" if person.female else "male",
                    birth_date=born,
                    relation=person.relation,
                    residency="migrant" if migrant else "registered",
                    id_number=id_number,
                    phone=phone,
                )
            )
        lat, lng = _point(rng, spec.grids[grid].box)
        spec.households.append(
            HouseholdSpec(
                village=v,
                grid=grid,
                number=f"{group:02d}{numbers[group]:04d}",
                head_name=names[0],
                address=address,
                phone=next((p for p in phones if p), ""),
                lat=lat,
                lng=lng,
                flags=flags,
                migrant=migrant,
            )
        )
        return index

    registered_share = 1 - MIGRANT_HOUSEHOLD_SHARE
    for group, (grid, count) in enumerate(zip(homes, per_home, strict=True), start=1):
        street = (
            f"{village.name}{ROADS[(group - 1) % len(ROADS)]}"
            if village.kind == "community"
            else f"{village.name}{group}组"
        )
        for _ in range(count):
            flags = {
                flag: rng.random() < (rate / registered_share if registered_only else rate)
                for flag, (rate, registered_only) in FLAG_RATES.items()
            }
            people = _registered_family(d, spec.dominant[v], flags["is_elderly_alone"])
            if len(people) == 1 and people[0].age >= 70 and not flags["is_elderly_alone"]:
                flags["is_elderly_alone"] = True
            doors[street] += 1
            address = f"{street}{doors[street] * (2 if village.kind == 'community' else 1)}号"
            index = add(grid, people, flags, address, migrant=False)
            if flags["is_rented_to_migrants"]:
                landlords.append(index)
    if n_migrant and not landlords:
        first = len(spec.households) - (size - n_migrant)
        spec.households[first].flags["is_rented_to_migrants"] = True
        landlords.append(first)
    weights = [rng.uniform(0.5, 3.0) for _ in landlords]
    rooms: Counter[int] = Counter()
    for _ in range(n_migrant):
        landlord = rng.choices(landlords, weights)[0]
        rooms[landlord] += 1
        floor, door = divmod(rooms[landlord] - 1, 10)
        house = spec.households[landlord]
        flags = {
            flag: (rng.random() < rate) if not registered_only else False
            for flag, (rate, registered_only) in FLAG_RATES.items()
        }
        people = _migrant_family(d)
        add(house.grid, people, flags, f"{house.address}{floor + 1}{door + 1:02d}室", migrant=True)


def _party(d: _Draw, spec: TownSpec) -> None:
    """Branches, members (~4% of registered adults, at least three a village) and the ten
    or so households each covers (十户联保), neighbours first."""
    rng = d.rng
    village_branch = {}
    grid_branch = {}
    for v, village in enumerate(spec.villages):
        village_branch[v] = len(spec.branches)
        spec.branches.append(BranchSpec(village=v, grid=None, name=f"{village.name}党支部", kind="village"))
    firsts_by_village: dict[int, list[int]] = {}
    for g, grid in enumerate(spec.grids):
        if grid.parent is None:
            firsts_by_village.setdefault(grid.village, []).append(g)
    for v, firsts in firsts_by_village.items():
        if len(firsts) < 2:
            continue
        for g in firsts:
            if rng.random() < 0.75:
                grid_branch[g] = len(spec.branches)
                spec.branches.append(
                    BranchSpec(village=v, grid=g, name=f"{spec.grids[g].name}党支部", kind="grid")
                )

    eligible: dict[int, list[int]] = {}
    for r, resident in enumerate(spec.residents):
        age = (REFERENCE_DATE - resident.birth_date).days // 365
        if resident.residency == "registered" and age >= 18:
            eligible.setdefault(spec.households[resident.household].village, []).append(r)
    households_by_grid: dict[int, list[int]] = {}
    households_by_village: dict[int, list[int]] = {}
    for h, household in enumerate(spec.households):
        households_by_grid.setdefault(household.grid, []).append(h)
        households_by_village.setdefault(household.village, []).append(h)

    for v in range(len(spec.villages)):
        adults = eligible.get(v, [])
        chosen = []
        for r in adults:
            age = (REFERENCE_DATE - spec.residents[r].birth_date).days // 365
            if rng.random() < (0.025 if age < 30 else 0.04 if age < 60 else 0.055):
                chosen.append(r)
        if len(chosen) < min(3, len(adults)):
            rest = [r for r in adults if r not in chosen]
            chosen += rng.sample(rest, min(3, len(adults)) - len(chosen))
            chosen.sort()
        for r in chosen:
            resident = spec.residents[r]
            household = spec.households[resident.household]
            first = spec.grids[household.grid].parent
            first = household.grid if first is None else first
            branch = village_branch[v]
            if first in grid_branch and rng.random() < 0.8:
                branch = grid_branch[first]
            age = (REFERENCE_DATE - resident.birth_date).days // 365
            joined = resident.birth_date + datetime.timedelta(days=rng.randint(18 * 365, max(18, age) * 365))
            neighbours = [h for h in households_by_grid[household.grid] if h != resident.household]
            want = rng.randint(8, 12)
            covered = rng.sample(neighbours, min(want, len(neighbours)))
            if len(covered) < want:
                taken = {resident.household, *covered}
                others = [h for h in households_by_village[v] if h not in taken]
                covered += rng.sample(others, min(want - len(covered), len(others)))
            spec.members.append(
                MemberSpec(
                    resident=r,
                    branch=branch,
                    joined_on=min(joined, REFERENCE_DATE),
                    is_central_household=rng.random() < 0.15,
                    covered=sorted(covered),
                )
            )


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def _area(model, box: Box, **fields):
    """An area with its boundary, bounding box and centre filled as ``clean()`` would."""
    boundary = geo.rectangle(*box)
    min_lng, min_lat, max_lng, max_lat = geo.bounding_box(boundary)
    centre_lng, centre_lat = geo.centroid(boundary)
    return model(
        boundary=boundary,
        min_lng=min_lng,
        min_lat=min_lat,
        max_lng=max_lng,
        max_lat=max_lat,
        centre_lng=round(centre_lng, 6),
        centre_lat=round(centre_lat, 6),
        **fields,
    )


BATCH = 2000


@transaction.atomic
def write_town(spec: TownSpec) -> Town:
    """Write a generated town in one transaction: all of it or nothing, so a town found by
    its code is always whole."""
    town = _area(Town, spec.box, name=spec.name, code=spec.code, county=COUNTY)
    town.save()
    villages = Village.objects.bulk_create(
        [_area(Village, v.box, town=town, name=v.name, code=v.code, kind=v.kind) for v in spec.villages],
        batch_size=BATCH,
    )
    grids: list[Grid | None] = [None] * len(spec.grids)
    for level in (1, 2):
        batch = []
        for i, g in enumerate(spec.grids):
            if g.level == level:
                grids[i] = _area(
                    Grid,
                    g.box,
                    village=villages[g.village],
                    parent=None if g.parent is None else grids[g.parent],
                    level=level,
                    name=g.name,
                    code=g.code,
                )
                batch.append(grids[i])
        Grid.objects.bulk_create(batch, batch_size=BATCH)
    Department.objects.bulk_create(
        [Department(town=town, name=name, code=code, phone=phone) for name, code, phone in spec.departments]
    )

    households = []
    for h in spec.households:
        household = Household(
            town_id=town.pk,
            village_id=villages[h.village].pk,
            grid_id=grids[h.grid].pk,
            number=h.number,
            head_name=h.head_name,
            address=h.address,
            latitude=h.lat,
            longitude=h.lng,
            **h.flags,
        )
        household.phone = h.phone  # encrypts and computes the digest
        households.append(household)
    Household.objects.bulk_create(households, batch_size=BATCH)

    residents = []
    for r in spec.residents:
        household = households[r.household]
        resident = Resident(
            town_id=town.pk,
            village_id=household.village_id,
            household_id=household.pk,
            name=r.name,
            gender=r.gender,
            birth_date=r.birth_date,
            relation=r.relation,
            residency=r.residency,
        )
        resident.id_number = r.id_number
        resident.phone = r.phone
        residents.append(resident)
    Resident.objects.bulk_create(residents, batch_size=BATCH)

    branches = PartyBranch.objects.bulk_create(
        [
            PartyBranch(
                town_id=town.pk,
                village_id=villages[b.village].pk,
                grid_id=None if b.grid is None else grids[b.grid].pk,
                name=b.name,
                kind=b.kind,
            )
            for b in spec.branches
        ],
        batch_size=BATCH,
    )
    members = PartyMember.objects.bulk_create(
        [
            PartyMember(
                town_id=town.pk,
                village_id=residents[m.resident].village_id,
                resident_id=residents[m.resident].pk,
                branch_id=branches[m.branch].pk,
                joined_on=m.joined_on,
                is_central_household=m.is_central_household,
            )
            for m in spec.members
        ],
        batch_size=BATCH,
    )
    through = PartyMember.covered_households.through
    through.objects.bulk_create(
        [
            through(partymember_id=member.pk, household_id=households[h].pk)
            for member, m in zip(members, spec.members, strict=True)
            for h in m.covered
        ],
        batch_size=5000,
    )
    return town


# ---------------------------------------------------------------------------------------
# The demo steps (run by ``seed_demo``; see governance.demo)
# ---------------------------------------------------------------------------------------


def _hierarchy_arguments(parser) -> None:
    parser.add_argument("--scale", choices=["town", "county"], default="town")
    parser.add_argument("--towns", type=int, default=None, help="towns at county scale (default 25)")
    parser.add_argument("--villages", type=int, default=60)
    parser.add_argument(
        "--grids-per-village", type=int, default=15, help="first- and second-level grids together"
    )
    parser.add_argument(
        "--households-per-village", type=int, default=333, help="on average (villages differ)"
    )


@demo.step("hierarchy", arguments=_hierarchy_arguments)
def build_hierarchy(run: demo.DemoRun) -> None:
    """The towns, each generated and written whole; a town already there is skipped."""
    options = run.options
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
            run.write(f"{progress} town {code} is already there: nothing to build")
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
        run.write(
            f"{progress} built {spec.name} ({spec.code}) in {t2 - t0:.1f} s "
            f"(generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s): {counts}"
        )
    towns = Town.objects.filter(code__in=codes)
    run.built["towns"] = towns
    residents = Resident.objects.filter(town__in=towns)
    for label, count in [
        ("towns", towns.count()),
        ("villages", Village.objects.filter(town__in=towns).count()),
        ("grids", Grid.objects.filter(village__town__in=towns).count()),
        ("  first-level", Grid.objects.filter(village__town__in=towns, level=1).count()),
        ("departments", Department.objects.filter(town__in=towns).count()),
        ("households", Household.objects.filter(town__in=towns).count()),
        ("residents", residents.count()),
        ("  registered", residents.filter(residency="registered").count()),
        ("  migrants", residents.filter(residency="migrant").count()),
        ("party branches", PartyBranch.objects.filter(town__in=towns).count()),
        ("party members", PartyMember.objects.filter(town__in=towns).count()),
        (
            "households covered",
            PartyMember.covered_households.through.objects.filter(partymember__town__in=towns).count(),
        ),
    ]:
        run.count(label, count)


def _users_arguments(parser) -> None:
    parser.add_argument("--password", default="demo12345")


@demo.step("users", after=("hierarchy",), arguments=_users_arguments)
@transaction.atomic
def build_users(run: demo.DemoRun) -> None:
    """One demo user per role in the first town (password reset on every run)."""
    from guardian.shortcuts import assign_perm
    from rest_framework.authtoken.models import Token

    password = run.options["password"]
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
        ("admin", "", "superuser", None, None),
        ("demo_office", "王丽萍", Role.TOWN_OFFICE, "town", town),
        ("demo_supervisor", "陈国强", Role.SUPERVISOR, "town", town),
        ("demo_cadre", _cadre_name(village), Role.VILLAGE_CADRE, "village", village),
        ("demo_grid", "李晓燕", Role.GRID_WORKER, "grid", grid),
        ("demo_department", "周海涛", Role.DEPARTMENT, "department", department),
        ("demo_member", member.resident.name if member else "", Role.PARTY_MEMBER, "party_member", member),
        ("demo_api", "", Role.API_CLIENT, "town", town),
    ]
    run.notes.append(f"\ndemo log-ins (password {password}):")
    for username, name, role, area_field, area in users:
        demo_user(username, name, role, area_field, area, password=password)
        run.notes.append(f"  {username:16s} {str(role):14s} {str(area) if area is not None else '—'}")
    assign_perm("grids.view_personal_data", User.objects.get(username="demo_office"), town)
    token = Token.objects.get_or_create(user=User.objects.get(username="demo_api"))[0].key
    run.notes.append(f"  REST client token (Authorization: Token …): {token}")
    run.built["users"] = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in users])}

    # The town's other people on duty, who act in the demo's history but do not log in:
    # a cadre of each village, a handler of each department.
    cadres = {village.pk: run.built["users"]["demo_cadre"]}
    for other in Village.objects.filter(town=town).exclude(pk=village.pk).order_by("code"):
        cadres[other.pk] = demo_user(
            f"cadre_{other.code}", _cadre_name(other), Role.VILLAGE_CADRE, "village", other
        )
    handlers = {department.pk: run.built["users"]["demo_department"]}
    for other in Department.objects.filter(town=town).exclude(pk=department.pk).order_by("code"):
        handlers[other.pk] = demo_user(
            f"dept_{other.code.lower()}", f"{other.name}经办人", Role.DEPARTMENT, "department", other
        )
    run.built["cadres"], run.built["handlers"] = cadres, handlers


def _cadre_name(village: Village) -> str:
    """A village cadre is one of its party members (the first, for a fixed choice)."""
    member = PartyMember.objects.filter(village=village).select_related("resident").order_by("id").first()
    return member.resident.name if member else f"{village.name}值班员"


def demo_user(username: str, name: str, role, area_field, area, *, password: str | None = None) -> User:
    """The user ``username`` with exactly one membership: ``role`` in ``area``, whatever
    an earlier run or a person left. Without a password the account cannot log in."""
    user, _ = User.objects.get_or_create(username=username)
    user.is_superuser = role == "superuser"
    user.is_staff = role in ("superuser", Role.TOWN_OFFICE, Role.SUPERVISOR, Role.VILLAGE_CADRE)
    user.is_active = True
    user.last_name, user.first_name = (name[:1], name[1:]) if name else ("", "")
    if password is None:
        user.set_unusable_password()
    elif not user.check_password(password):
        # Only when it differs: a new password revokes the user's API tokens, and the
        # printed demo token should stay the same from one run to the next.
        user.set_password(password)
    user.save()
    if area is not None:
        fields = {name: None for name in ("town", "village", "grid", "department", "party_member")}
        fields[area_field] = area
        membership = Membership.objects.filter(user=user, role=role, deleted_at__isnull=True).first()
        if membership is None:
            membership = Membership(user=user, role=role)
        for field_name, value in fields.items():
            setattr(membership, field_name, value)
        membership.full_clean()
        membership.save()
    return user
