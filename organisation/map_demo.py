"""The demo step ``organisation_map``: who answers for every household of the demo town.

* the responsibility map: a town leader for each village, a cadre (the village's duty
  cadre) for each first-level grid, and for every household the demo grid worker (in
  their grid) or a party member of the village — the one covering it (十户联保) where there
  is one, else the village's party members in turn;
* informant groups (十户一员、十员一组) in the first two villages, each informant looking
  after about ten households (one of them the account that reports the village's cases,
  so the town sees reports), and one homestay trade group;
* a compound team (三长五员, a stairwell leader) with its service card on the first
  community's first grid (or the first village's, when the town has no community).

Thousands of rows: written with ``bulk_create`` straight into the tables, without the
services' audit rows (the demo's history is not anyone's act). Idempotent: only what is
missing is built (a household with a current link keeps it).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from governance import demo

LEADERS = "张建国 李卫东 王志强 刘振华 陈明亮 杨光辉 赵德胜 黄立新 周永平 吴海军 徐正东 孙国庆".split()
INFORMANT_NAMES = (
    "周桂芳 钱秀英 孙美华 李玉兰 郑秀珍 王凤英 冯丽娟 陈素梅 褚桂兰 卫春花 蒋金凤 沈玉珍".split()
)
POSTS = [
    ("point_leader", "", "小区日常事务、矛盾纠纷第一时间报告"),
    ("emergency", "", "火灾、汛情等突发事件先期处置和疏散"),
    ("honour", "", "老党员、老干部议事，调解邻里纠纷"),
    ("property", "", "水电维修、环境卫生、停车管理"),
    ("gate", "", "门岗值守、外来人员车辆登记"),
    ("health", "", "垃圾分类、卫生死角督查"),
    ("police", "", "治安防范、反诈宣传、矛盾纠纷排查"),
    ("street", "", "政策咨询、办事代办、民情收集"),
]


def _phone(n: int) -> str:
    return f"139{(57300000 + n * 7919) % 100000000:08d}"


@demo.step("organisation_map", after=("hierarchy", "users"))
def build_map(run: demo.DemoRun) -> None:
    from grids.demo import town_code
    from grids.models import Grid, Household, PartyMember, Town, Village

    from .choices import InformantGroupKind, Level
    from .models import Informant, InformantGroup, Responsibility, ServicePost

    town = Town.objects.filter(code=town_code(0)).first()
    users = run.built.get("users") or {}
    cadres = run.built.get("cadres") or {}
    if town is None:
        return
    today = timezone.localdate()
    since = today - datetime.timedelta(days=180)
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    grids = list(Grid.objects.filter(village__town=town, deleted_at__isnull=True).order_by("code"))
    demo_grid = users.get("demo_grid")
    demo_member = users.get("demo_member")
    grid_user_grids: set[int] = set()
    if demo_grid is not None:
        from governance.models import Membership

        ids = set(
            Membership.objects.filter(
                user=demo_grid, deleted_at__isnull=True, grid__isnull=False
            ).values_list("grid_id", flat=True)
        )
        grid_user_grids = ids | {g.pk for g in grids if g.parent_id in ids}
    member_account = {}
    if demo_member is not None:
        from governance.models import Membership

        for pm in Membership.objects.filter(
            user=demo_member, deleted_at__isnull=True, party_member__isnull=False
        ).values_list("party_member_id", flat=True):
            member_account[pm] = demo_member

    current = Responsibility.objects.filter(town=town, until__isnull=True, deleted_at__isnull=True)
    have_village = set(current.filter(level=Level.VILLAGE).values_list("village_id", flat=True))
    have_area = set(current.filter(level=Level.AREA).values_list("grid_id", flat=True))
    have_household = set(current.filter(level=Level.HOUSEHOLD).values_list("household_id", flat=True))

    members_by_village: dict[int, list] = defaultdict(list)
    for pk, village_id, name in (
        PartyMember.objects.filter(town=town, deleted_at__isnull=True)
        .order_by("village_id", "id")
        .values_list("pk", "village_id", "resident__name")
    ):
        members_by_village[village_id].append((pk, name))
    member_names = {pk: name for rows in members_by_village.values() for pk, name in rows}
    covering: dict[int, int] = {}
    for household_id, member_id in (
        PartyMember.covered_households.through.objects.filter(partymember__town=town)
        .order_by("partymember_id")
        .values_list("household_id", "partymember_id")
    ):
        covering.setdefault(household_id, member_id)

    links: list[dict] = []
    duties = dict(education=True, service=True, joint_defence=True)
    for i, village in enumerate(villages):
        if village.pk not in have_village:
            links.append(
                dict(
                    town_id=town.pk,
                    village_id=village.pk,
                    level=Level.VILLAGE.value,
                    name=LEADERS[i % len(LEADERS)],
                    title="镇党委委员（科级干部包村）",
                    phone=_phone(i),
                    since=since,
                    **duties,
                )
            )
    for grid in grids:
        if grid.level != 1 or grid.pk in have_area:
            continue
        cadre = cadres.get(grid.village_id)
        if cadre is None:
            continue
        links.append(
            dict(
                town_id=town.pk,
                village_id=grid.village_id,
                level=Level.AREA.value,
                grid_id=grid.pk,
                name=str(cadre)[:32],
                title="村两委委员（分片包组）",
                phone=cadre.phone or _phone(grid.pk),
                user_id=cadre.pk,
                since=since,
                **duties,
            )
        )
    turn: dict[int, int] = defaultdict(int)
    households = (
        Household.objects.filter(town_id=town.pk, deleted_at__isnull=True)
        .order_by("village_id", "grid_id", "number")
        .values_list("pk", "village_id", "grid_id")
    )
    for pk, village_id, grid_id in households:
        if pk in have_household:
            continue
        if grid_id in grid_user_grids and demo_grid is not None:
            links.append(
                dict(
                    town_id=town.pk,
                    village_id=village_id,
                    level=Level.HOUSEHOLD.value,
                    household_id=pk,
                    name=str(demo_grid)[:32],
                    title="网格员",
                    phone=demo_grid.phone or _phone(7),
                    user_id=demo_grid.pk,
                    since=since,
                    **duties,
                )
            )
            continue
        member = covering.get(pk)
        if member is None or member not in member_names:
            pool = members_by_village.get(village_id)
            if not pool:
                continue
            member = pool[turn[village_id] % len(pool)][0]
            turn[village_id] += 1
        account = member_account.get(member)
        links.append(
            dict(
                town_id=town.pk,
                village_id=village_id,
                level=Level.HOUSEHOLD.value,
                household_id=pk,
                name=member_names[member][:32],
                title="党员",
                phone=(account.phone if account is not None and account.phone else _phone(member)),
                user_id=account.pk if account is not None else None,
                party_member_id=member,
                since=since,
                **duties,
            )
        )
    with transaction.atomic():
        _insert(Responsibility, links)
        _informants(town, villages, users, cadres, since, InformantGroup, Informant, InformantGroupKind)
        _posts(town, villages, grids, members_by_village, since, ServicePost)

    mine = Responsibility.objects.filter(town=town, until__isnull=True, deleted_at__isnull=True)
    run.count("responsibility links", mine.count())
    run.count(
        "  households with someone",
        mine.filter(level=Level.HOUSEHOLD).values("household_id").distinct().count(),
    )
    run.count("informants", Informant.objects.filter(town=town, until__isnull=True).count())
    run.count("compound posts", ServicePost.objects.filter(town=town, until__isnull=True).count())


COLUMNS = (
    "town_id",
    "village_id",
    "level",
    "grid_id",
    "household_id",
    "name",
    "title",
    "phone",
    "user_id",
    "party_member_id",
    "education",
    "service",
    "joint_defence",
    "since",
)


def _insert(model, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts of COLUMNS) with multi-row INSERTs through the cursor: the
    ORM's per-object work (model instances, per-value preparation) is most of the time
    of twenty thousand links, which this step must write in a few seconds."""
    from django.db import connection

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ["created_at", "updated_at", *COLUMNS]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    per_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(1, 900 // len(columns))  # within SQLite's bound on a statement's parameters
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params: list = []
            for row in chunk:
                params += [now, now]
                params += [
                    connection.ops.adapt_datefield_value(row[c]) if c == "since" else row.get(c)
                    for c in COLUMNS
                ]
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) VALUES {', '.join([per_row] * len(chunk))}", params
            )


def _informants(town, villages, users, cadres, since, InformantGroup, Informant, InformantGroupKind) -> None:
    from grids.models import Household

    if InformantGroup.objects.filter(town=town).exists():
        return
    through = Informant.households.through
    pairs = []
    n = 0
    for index, village in enumerate(villages[:2]):
        group = InformantGroup.objects.create(
            town=town,
            kind=InformantGroupKind.VILLAGE,
            village=village,
            name=f"{village.name}信息员第一组",
            leader=INFORMANT_NAMES[index],
        )
        ids = list(
            Household.objects.filter(village=village, deleted_at__isnull=True)
            .order_by("grid_id", "number")
            .values_list("pk", flat=True)[:100]
        )
        # One of them is the account that reports the village's cases: the town sees reports.
        reporter = users.get("demo_grid") if index == 0 else cadres.get(village.pk)
        for k in range(0, len(ids), 10):
            account = reporter if k == 0 else None
            name = INFORMANT_NAMES[(n + 2) % len(INFORMANT_NAMES)]
            if account is not None:
                name = (f"{account.last_name}{account.first_name}" or name)[:32]
            informant = Informant.objects.create(
                town=town, group=group, name=name, phone=_phone(100 + n), user=account, since=since
            )
            pairs += [through(informant_id=informant.pk, household_id=h) for h in ids[k : k + 10]]
            n += 1
    homestays = InformantGroup.objects.create(
        town=town, kind=InformantGroupKind.HOMESTAY, name="民宿协会信息员组", leader="沈玉珍"
    )
    for k, name in enumerate(["山居民宿 王老板", "溪畔客栈 陈老板", "竹林小院 李老板", "云上人家 赵老板"]):
        Informant.objects.create(town=town, group=homestays, name=name, phone=_phone(200 + k), since=since)
    through.objects.bulk_create(pairs, batch_size=2000)


def _posts(town, villages, grids, members_by_village, since, ServicePost) -> None:
    if ServicePost.objects.filter(town=town).exists():
        return
    community = next((v for v in villages if v.kind == "community"), villages[0] if villages else None)
    if community is None:
        return
    compound = next((g for g in grids if g.village_id == community.pk and g.level == 2), None) or next(
        (g for g in grids if g.village_id == community.pk), None
    )
    if compound is None:
        return
    members = members_by_village.get(community.pk, [])
    rows = []
    for k, (post, building, handles) in enumerate(POSTS):
        rows.append(
            ServicePost(
                town=town,
                village=community,
                grid=compound,
                post=post,
                building=building,
                name=LEADERS[(k + 3) % len(LEADERS)],
                phone=_phone(300 + k),
                handles=handles,
                since=since,
            )
        )
    for k, (pm, name) in enumerate(members[:2]):
        rows.append(
            ServicePost(
                town=town,
                village=community,
                grid=compound,
                post="stairwell",
                building=f"{k + 1}号楼",
                name=name[:32],
                phone=_phone(400 + k),
                handles="本楼道政策宣传、邻里互助、民情上报",
                party_member_id=pm,
                since=since,
            )
        )
    ServicePost.objects.bulk_create(rows)
