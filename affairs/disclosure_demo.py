"""The demo step ``affairs_disclosures``: the demo town's 阳光三务 for the last ended
period (a quarter by default). The first village (the demo cadre's) has published its party
and village affairs but not yet its finances, so the cadre has one to publish and the town
office sees it late; the second village's three went through the services by its cadre —
finances with items and the supervision committee's sign-off, published, the board
confirmed with a photo, then corrected (an item was booked twice); the other villages' are
written in bulk (three kinds each would take the services a while for sixty villages), most
on time, some late, a few not published at all.

Deterministic, and built once: a village that has disclosures of the period is left as
it is.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from governance import audit, demo
from governance.choices import AuditAction

from . import disclosures as ds
from .choices import DisclosureKind
from .models import Disclosure

PARTY = (
    "{period}党务公开",
    "一、召开支部委员会3次、党员大会1次，开展主题党日活动3次；\n"
    "二、发展预备党员1名，按期转正1名；\n"
    "三、收缴党费{fee}元，全部按时上缴；\n"
    "四、党员积分公示：见公开栏附表。",
)
VILLAGE = (
    "{period}村务公开",
    "一、低保、特困供养对象名单及补助标准（不含身份证号、电话）见附表；\n"
    "二、村道路硬化工程经“四议一审两公开”决议实施，完成1.2公里；\n"
    "三、宅基地审批2户，已在公开栏公示；\n"
    "四、村民反映问题{cases}件，已办结。",
)
FINANCE_ITEMS = [
    {"item": "土地发包收入", "income": "86000.00", "spending": "0.00"},
    {"item": "上级转移支付", "income": "52000.00", "spending": "0.00"},
    {"item": "村干部报酬", "income": "0.00", "spending": "36000.00"},
    {"item": "道路维修", "income": "0.00", "spending": "18500.00"},
    {"item": "保洁员工资", "income": "0.00", "spending": "9600.00"},
    {"item": "办公费", "income": "0.00", "spending": "2350.50"},
]
FINANCE_BODY = (
    "本期村集体经济收支情况如下，已经村务监督委员会审核。对公开内容有疑问的，可向村务监督委员会反映。"
)
SIGNERS = ["王建国", "李秀兰", "张德明", "刘春生", "陈玉芬"]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(hour, 30)).replace(
        tzinfo=timezone.get_current_timezone()
    )
    return min(moment, timezone.now())


def _photo() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (235, 228, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 600, 440), outline=(160, 20, 20), width=8)
    for y in range(90, 420, 40):
        draw.line((80, y, 560, y), fill=(60, 60, 60), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG")
    return SimpleUploadedFile("board.jpg", out.getvalue(), content_type="image/jpeg")


def _through_services(village, cadre, start, end, due, *, finances: bool) -> None:
    """A village through the services: party and village affairs; with ``finances``, the
    finances too, the board confirmed, then corrected."""
    label = ds.period_label(start, end)
    after_end = end + datetime.timedelta(days=2)
    for kind, (title, body) in ((DisclosureKind.PARTY, PARTY), (DisclosureKind.VILLAGE, VILLAGE)):
        d = ds.disclosure_create(
            village=village,
            kind=kind,
            period_start=start,
            period_end=end,
            title=title.format(period=label),
            body=body.format(fee=1260, cases=14),
            actor=cadre,
        )
        ds.disclosure_publish(disclosure=d, actor=cadre, now=_at(after_end, 9))
    if not finances:
        return
    finance = ds.disclosure_create(
        village=village,
        kind=DisclosureKind.FINANCE,
        period_start=start,
        period_end=end,
        title=f"{label}财务公开",
        body=FINANCE_BODY,
        items=FINANCE_ITEMS + [{"item": "办公费", "income": "0.00", "spending": "2350.50"}],
        signed_off_by=SIGNERS[0],
        signed_off_on=min(after_end, timezone.localdate()),
        actor=cadre,
    )
    ds.disclosure_publish(disclosure=finance, actor=cadre, now=_at(after_end, 10))
    ds.board_confirm(disclosure=finance, upload=_photo(), actor=cadre, now=_at(after_end, 15))
    correction = ds.disclosure_correct(
        disclosure=finance, reason="“办公费”一项重复列支，予以更正。", actor=cadre
    )
    ds.disclosure_update(
        disclosure=correction,
        data={
            "title": f"{label}财务公开（更正）",
            "items": FINANCE_ITEMS,
            "signed_off_by": SIGNERS[0],
            "signed_off_on": min(after_end + datetime.timedelta(days=3), timezone.localdate()),
        },
        actor=cadre,
    )
    ds.disclosure_publish(
        disclosure=correction, actor=cadre, now=_at(min(after_end + datetime.timedelta(days=3), due), 11)
    )


def _bulk(villages, cadres, start, end, due) -> list[Disclosure]:
    """The other villages' disclosures: on time in most; every seventh village's
    finances published after the due day; every ninth village's finances missing and
    every eleventh village's all three missing (late, once the due day is gone)."""
    label = ds.period_label(start, end)
    rows = []
    for index, village in enumerate(villages, start=3):
        cadre = cadres.get(village.pk)
        if cadre is None or index % 11 == 0:
            continue
        for kind in DisclosureKind.values:
            if kind == DisclosureKind.FINANCE and index % 9 == 0:
                continue
            late = kind == DisclosureKind.FINANCE and index % 7 == 0
            day = due + datetime.timedelta(days=4) if late else end + datetime.timedelta(days=1 + index % 8)
            at = _at(day, 9 + index % 8)
            if at.date() < start:  # pragma: no cover - a period that has only just ended
                continue
            common = dict(
                village=village,
                town_id=village.town_id,
                kind=kind,
                period_start=start,
                period_end=end,
                published_at=at,
                published_by=cadre,
            )
            if kind == DisclosureKind.FINANCE:
                items = [
                    {**row, "income": f"{float(row['income']) * (1 + index % 5 / 10):.2f}"}
                    for row in FINANCE_ITEMS
                ]
                rows.append(
                    Disclosure(
                        **common,
                        title=f"{label}财务公开",
                        body=FINANCE_BODY,
                        items=items,
                        signed_off_by=SIGNERS[index % len(SIGNERS)],
                        signed_off_on=min(at.date(), timezone.localdate()),
                    )
                )
            else:
                title, body = PARTY if kind == DisclosureKind.PARTY else VILLAGE
                rows.append(
                    Disclosure(
                        **common,
                        title=title.format(period=label),
                        body=body.format(fee=800 + 20 * index, cases=3 + index % 12),
                    )
                )
    Disclosure.objects.bulk_create(rows, batch_size=500)
    return rows


@demo.step("affairs_disclosures", after=("hierarchy", "users"))
def build_disclosures(run: demo.DemoRun) -> None:
    from grids.demo import town_code
    from grids.models import Town, Village

    town = Town.objects.get(code=town_code(0))
    cadres = run.built.get("cadres", {})
    settings = ds.settings_for(town.pk)
    start, end = ds.last_ended(settings.cadence, timezone.localdate())
    due = ds.due_date(settings, end)
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    done = set(
        Disclosure.objects.filter(
            village__in=villages, period_start=start, deleted_at__isnull=True
        ).values_list("village_id", flat=True)
    )
    with transaction.atomic():
        for index, village in enumerate(villages[:2]):
            if village.pk not in done and village.pk in cadres:
                _through_services(village, cadres[village.pk], start, end, due, finances=index == 1)
        rest = [v for v in villages[2:] if v.pk not in done]
        rows = _bulk(rest, cadres, start, end, due)
        for row in rows:  # the trail's bulk writer cannot copy the (empty) photo field
            audit.record(action=AuditAction.CREATE, instance=row, actor=None, after=audit.snapshot(row))
    ours = Disclosure.objects.filter(town=town, period_start=start, deleted_at__isnull=True)
    run.count("affairs disclosures", ours.count())
    run.count("  corrections", ours.filter(corrects__isnull=False).count())
    run.count(
        "  villages late", sum(1 for row in ds.town_overview(Village.objects.filter(town=town)) if row.late)
    )
