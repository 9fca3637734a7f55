"""The demo step ``affairs_matters``: 双山村's kind of major matters (seed 002) on the
first village of the demo town, through the services: 5,000 mu of high-standard farmland
(all seven steps), re-letting reclaimed land for 260,000 yuan (up to the resolution
published), and a road waiting for the town's review."""

import datetime

from django.db import transaction
from django.utils import timezone

from governance import demo

from .choices import Assembly, MatterKind, Step

FARMLAND = "修建5000亩高标准农田"
RELETTING = "清理“五荒”及被侵占耕地重新发包"
ROAD = "村部至三组道路硬化"


def _matter_steps(matter, *, cadre, office, until: Step, start: datetime.date) -> None:
    from . import matters

    def day(n):
        return min(start + datetime.timedelta(days=n), timezone.localdate())

    records = {
        Step.PROPOSE: dict(
            members=7, present=7, note="村党总支委员会提议，提交主题党日征求党员意见。", actor=cadre
        ),
        Step.CONSULT: dict(members=9, present=8, note="村“两委”联席会议商议，形成方案。", actor=cadre),
        Step.DELIBERATE: dict(
            members=46,
            present=41,
            votes_for=39,
            votes_against=0,
            abstentions=2,
            note="党员大会审议，同意提交镇党委、政府审核。",
            actor=cadre,
        ),
        Step.REVIEW: dict(
            approved=True, note="经审核，方案符合政策规定，同意提交村民代表会议决议。", actor=office
        ),
        Step.RESOLVE: dict(
            assembly=Assembly.REPRESENTATIVES,
            members=45,
            present=38,
            votes_for=36,
            votes_against=1,
            abstentions=1,
            note="村民代表会议表决通过。",
            actor=cadre,
        ),
    }
    for step in Step:
        if step > until:
            break
        if matter.step is not None and step <= matter.step:
            continue
        values = dict(records.get(step, {}))
        if step == Step.PUBLISH_RESOLUTION:
            values = dict(
                note=f"决议公开：{matter.title}，经村民代表会议表决通过，现予公开，接受村民监督。",
                actor=cadre,
            )
        if step == Step.PUBLISH_RESULT:
            values = dict(note="实施结果公开：已按决议完成，账目在村务公开栏公示。", actor=cadre)
        matters.step_record(matter=matter, step=step, date=day(3 * int(step)), **values)
        matter.refresh_from_db()


@demo.step("affairs_matters", after=("hierarchy", "users"))
def build_matters(run: demo.DemoRun) -> None:
    from grids.demo import town_code
    from grids.models import Town, Village

    from . import matters
    from .models import Matter

    town = Town.objects.get(code=town_code(0))
    village = Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code").first()
    cadre = run.built["cadres"].get(village.pk) if village else None
    office = run.built["users"].get("demo_office")
    if cadre is None or office is None:
        return
    today = timezone.localdate()
    plan = [
        (
            FARMLAND,
            MatterKind.PROJECT,
            None,
            Step.PUBLISH_RESULT,
            200,
            "全村修建5000亩旱能灌、涝能排的高标准农田，村民投工投劳。",
        ),
        (
            RELETTING,
            MatterKind.INCOME,
            "260000",
            Step.PUBLISH_RESOLUTION,
            40,
            "对全村清理的“五荒”、被侵占耕地重新制定发包方案，增加村集体收入26万元。",
        ),
        (
            ROAD,
            MatterKind.SPENDING,
            "180000",
            Step.DELIBERATE,
            12,
            "村部至三组1.2公里道路硬化，预算18万元，由村集体经济收入列支。",
        ),
    ]
    with transaction.atomic():
        for title, kind, amount, until, days_ago, description in plan:
            matter = Matter.objects.filter(village=village, title=title, deleted_at__isnull=True).first()
            if matter is None:
                matter = matters.matter_create(
                    village=village,
                    kind=kind,
                    title=title,
                    description=description,
                    amount=amount,
                    actor=cadre,
                )
            _matter_steps(
                matter,
                cadre=cadre,
                office=office,
                until=until,
                start=today - datetime.timedelta(days=days_ago),
            )
    mine = Matter.objects.filter(town=town, deleted_at__isnull=True)
    run.count("major matters", mine.count())
    run.count("  waiting for the town's review", mine.filter(step=Step.DELIBERATE).count())
