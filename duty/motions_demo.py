"""The demo step ``duty_motions`` (registered in duty/demo.py): last month's closing duty
days in a few villages of the demo town, filed through the services by the cadre on
duty, some of them gone through the motions, and the checks of duty.motions run over them
so that the flags page shows each kind:

- the first chosen village copies its record of one day into the next day's log;
- the second sends a photo again, resized (Pillow draws the demo's photos);
- the third checks in late, and far from its office (whose location is stored);
- the fourth signs its last three days' logs within minutes, on the third evening;
- the fifth's garbage-sorting spot checks all pass, two weeks long.

With fewer villages (a small test town) the patterns share them. Honest days around them differ from day to day and
raise no flag. Built once: a day with a log is left alone.
"""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from grids.demo import town_code
from grids.models import Grid, Household, Town, Village

from . import motions, services
from .choices import CheckInMethod, Position, RosterState
from .models import DutyFlag, DutyLog, OfficeCode, Shift, add_months
from .selectors import this_month

#: Duty days of last month filed for each chosen village (its last ones).
DAYS = 10
PATTERNS = ("repeated_text", "reused_photo", "check_in", "one_sitting", "always_pass")
RECORD = "上午接待来访村民三人，代办医保缴费两件；下午沿溪边巡查，发现护栏松动已联系施工队修复。"
TOPICS = ["垃圾分类新规", "失地保险政策", "防诈骗宣传", "医保缴费", "森林防火", "防汛知识"]
WORK = ["调解邻里宅基地纠纷", "协助办理低保年审", "走访独居老人", "检查村道路灯", "清理公开栏旧通知"]


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _photo(seed: int, *, size=(800, 600)) -> bytes:
    """A photo-like JPEG: coloured shapes on a background, one picture per seed."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        box = [x, y, x + rnd.randrange(60, 360), y + rnd.randrange(60, 360)]
        (draw.rectangle if rnd.random() < 0.5 else draw.ellipse)(
            box, fill=tuple(rnd.randrange(256) for _ in range(3))
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _upload(data: bytes, name: str = "现场.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "image/jpeg")


def _office_place(village: Village) -> tuple[float, float]:
    """The village office: the centre of its grids' box (or the demo county's)."""
    box = Grid.objects.filter(village=village, min_lat__isnull=False).values_list(
        "min_lat", "max_lat", "min_lng", "max_lng"
    )
    rows = list(box[:50])
    if not rows:
        return 30.60, 120.50
    lat = (min(r[0] for r in rows) + max(r[1] for r in rows)) / 2
    lng = (min(r[2] for r in rows) + max(r[3] for r in rows)) / 2
    return round(lat, 6), round(lng, 6)


def _lead_shifts(village: Village, first: datetime.date, last: datetime.date) -> list[Shift]:
    return list(
        Shift.objects.filter(
            roster__village=village,
            roster__state=RosterState.PUBLISHED,
            roster__deleted_at__isnull=True,
            deleted_at__isnull=True,
            position=Position.LEAD,
            date__gte=first,
            date__lte=last,
        )
        .select_related("person")
        .order_by("date")
    )


def build(run) -> None:
    town = Town.objects.get(code=town_code(0))
    today = timezone.localdate()
    first = add_months(this_month(today), -1)
    last = this_month(today) - datetime.timedelta(days=1)
    villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
    # the villages for the patterns: from the second on (the first is the demo cadre's)
    chosen = (villages[1:] or villages)[: len(PATTERNS)]
    if not chosen:
        return
    plan: dict[int, set[str]] = {}
    for i, pattern in enumerate(PATTERNS):
        plan.setdefault(chosen[i % len(chosen)].pk, set()).add(pattern)
    with transaction.atomic():
        for index, village in enumerate(chosen):
            patterns = plan.get(village.pk, set())
            shifts = _lead_shifts(village, first, last)[-DAYS:]
            if (
                not shifts
                or DutyLog.objects.filter(
                    village=village, date__in=[s.date for s in shifts], deleted_at__isnull=True
                ).exists()
            ):
                continue  # built before, or nobody on duty
            _file_days(village, shifts, patterns, seed=index * 97)
    motions.check(first=first, last=today - datetime.timedelta(days=1))
    flags = DutyFlag.objects.filter(village__town=town, kind__in=motions.MOTION_KINDS)
    run.count("motion flags", flags.count())
    for kind in motions.MOTION_KINDS:
        run.count(f"  {kind.value}", flags.filter(kind=kind).count())


def _file_days(village: Village, shifts: list[Shift], patterns: set[str], *, seed: int) -> None:
    """The village's days of ``shifts``, honest but for its ``patterns``."""
    households = list(Household.objects.filter(village=village, deleted_at__isnull=True).order_by("number"))
    if len(households) < 5:
        return
    office = _office_place(village)
    if (
        "check_in" in patterns
        or not OfficeCode.objects.filter(village=village, latitude__isnull=False).exists()
    ):
        services.office_code_issue(village=village, actor=None, latitude=office[0], longitude=office[1])
    always_pass = "always_pass" in patterns
    sitting = {s.date for s in shifts[-3:]} if "one_sitting" in patterns else set()
    sitting_logs = []
    for n, shift in enumerate(shifts):
        cadre, day, s = shift.person, shift.date, seed + n
        last_day = n == len(shifts) - 1
        log = services.log_start(village=village, date=day, actor=cadre)
        late_and_far = "check_in" in patterns and last_day
        # near the office (a few metres of GPS error), or 1.2 km away at 10:40
        lat = office[0] + (0.011 if late_and_far else 0.0002 * (s % 3))
        services.log_check_in(
            log=log,
            actor=cadre,
            method=CheckInMethod.QR,
            at=_at(day, 10, 40) if late_and_far else _at(day, 8, s % 20),
            latitude=lat,
            longitude=office[1],
        )
        for i in range(5 + s % 3):
            household = households[(s * 5 + i) % len(households)]
            passed = always_pass or (s + i) % 7 != 0
            services.spot_check_add(
                log=log,
                actor=cadre,
                household=household,
                passed=passed,
                note="" if passed else "可回收物混投",
            )
        topic = TOPICS[s % len(TOPICS)]
        services.talk_add(log=log, actor=cadre, topic=topic, audience="村民", people=4 + s % 9)
        summary = (
            f"{day.month}月{day.day}日值班：{WORK[s % len(WORK)]}，{topic}宣传{4 + s % 9}人次，村内平稳。"
        )
        if "repeated_text" in patterns and n >= len(shifts) - 2:
            summary = RECORD  # the last day's record copied from the day before
        services.log_update(
            log=log,
            actor=cadre,
            data={
                "patrol_route": "村委会—村口—溪边—文化礼堂—村委会",
                "board_updated": True,
                "summary": summary,
            },
        )
        if "reused_photo" in patterns and n >= len(shifts) - 2:
            data = _photo(seed)  # the same picture on the last two days, the second resized
            if last_day:
                data = _resized(data)
            services.photo_add(log=log, actor=cadre, item=7, upload=_upload(data))
        elif n % 3 == 0:
            services.photo_add(log=log, actor=cadre, item=3, upload=_upload(_photo(seed * 100 + n)))
        services.log_check_out(log=log, actor=cadre, at=_at(day, 16, 40 + s % 15))
        if day in sitting:
            sitting_logs.append((log, cadre))
            continue
        services.log_sign(log=log, actor=cadre, now=_at(day, 17, 5 + s % 40))
    # the last three days' logs signed on the third evening, within minutes
    for k, (log, cadre) in enumerate(sitting_logs):
        services.log_sign(log=log, actor=cadre, now=_at(shifts[-1].date, 20, 5 + 6 * k))


def _resized(data: bytes) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    out = io.BytesIO()
    image.resize((image.width * 2 // 3, image.height * 2 // 3)).save(out, "JPEG", quality=70)
    return out.getvalue()
