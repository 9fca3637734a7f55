"""Signs of going through the motions (duty.motions): each check fires on its pattern and
not on honest logs, at its boundaries; the perceptual hash; runs twice or at once make
each flag once; a dismissed flag stays dismissed; the beat task; the flags page and API.

Named people: the world's cadre of village A1 (who signs A1's logs), the town office and
supervisor of town A, the town office of town B.
"""

import datetime
import io
import random

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageDraw

from duty import motions, services
from duty.choices import CheckInMethod, FlagKind, LogState
from duty.models import DutyFlag, DutyLog, LogPhoto, OfficeCode, PolicyTalk, SpotCheck, Visit, VisitPhoto
from duty.tasks import check_motions

from . import factories as f

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)  # a Friday; the checks read the signed logs of a day


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def signed_log(village, day, cadre, **fields) -> DutyLog:
    """A signed log as the services leave one (checked in at 08:10, signed at 17:30)."""
    values = {
        "check_in_at": at(day, 8, 10),
        "check_in_method": CheckInMethod.QR,
        "check_out_at": at(day, 16, 30),
        "signed_at": at(day, 17, 30),
        "summary": f"{day:%m月%d日}值班，巡查{day.day}处",
        "state": LogState.SIGNED,
    } | fields
    return DutyLog.objects.create(village=village, date=day, cadre=cadre, **values)


def run(day=DAY, last=None) -> dict:
    return motions.check(first=day, last=last)


def flags(kind):
    return list(DutyFlag.objects.filter(kind=kind).order_by("date", "village_id"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cadre(world):
    return world.users["cadre"]


@pytest.fixture
def households(world):
    return [f.HouseholdFactory(grid=world.grid_a1, number=f"A1-2{i:02d}") for i in range(6)]


# ---------------------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------------------


def picture(seed: int, size=(640, 480)) -> Image.Image:
    """A photo-like picture: coloured shapes on a background, different for each seed."""
    rnd = random.Random(seed)
    image = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        box = [x, y, x + rnd.randrange(40, 300), y + rnd.randrange(40, 300)]
        (draw.rectangle if rnd.random() < 0.5 else draw.ellipse)(
            box, fill=tuple(rnd.randrange(256) for _ in range(3))
        )
    return image


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def variants(image: Image.Image) -> dict[str, bytes]:
    w, h = image.size
    return {
        "re-encoded": jpeg(image, quality=35),
        "resized": jpeg(image.resize((w // 3, h // 3))),
        "slightly cropped": jpeg(image.crop((int(w * 0.02), int(h * 0.02), w, h))),
        "as a PNG": (lambda out: (image.save(out, "PNG"), out.getvalue())[1])(io.BytesIO()),
    }


def test_the_photo_hash_finds_a_re_encoded_resized_or_cropped_copy_and_not_another_picture():
    original = motions.photo_hash(io.BytesIO(jpeg(picture(1))))
    assert len(original) == 16 and int(original, 16) >= 0
    for how, data in variants(picture(1)).items():
        bits = motions.hash_bits(original, motions.photo_hash(io.BytesIO(data)))
        assert bits <= motions.PHOTO_MAX_BITS, how
    for seed in range(2, 12):
        other = motions.photo_hash(io.BytesIO(jpeg(picture(seed))))
        assert motions.hash_bits(original, other) > motions.PHOTO_MAX_BITS + 4, seed


def test_the_photo_hash_reads_a_path_a_file_and_a_stored_file(tmp_path, world, cadre):
    data = jpeg(picture(3))
    path = tmp_path / "p.jpg"
    path.write_bytes(data)
    stream = io.BytesIO(data)
    assert motions.photo_hash(path) == motions.photo_hash(stream) == motions.photo_hash(str(path))
    assert stream.tell() == 0  # left at its start, to be stored after
    log = signed_log(world.village_a1, DAY, cadre)
    row = LogPhoto(log=log, item=3)
    row.file.save("p.jpg", ContentFile(data), save=True)
    assert motions.photo_hash(LogPhoto.objects.get(pk=row.pk).file) == motions.photo_hash(path)


def test_a_photo_added_to_a_log_gets_its_hash(world, cadre):
    today = timezone.localdate()
    log = services.log_start(village=world.village_a1, date=today, actor=cadre, reason="代班")
    upload = SimpleUploadedFile("巡查.png", variants(picture(4))["as a PNG"], "image/png")
    row = services.photo_add(log=log, actor=cadre, item=3, upload=upload)
    assert len(row.phash) == 16
    assert motions.hash_bits(row.phash, motions.photo_hash(io.BytesIO(jpeg(picture(4))))) <= 2


# ---------------------------------------------------------------------------------------
# Repeated text
# ---------------------------------------------------------------------------------------

RECORD = "上午接待村民三人，代办医保缴费两件；下午巡查溪边护栏，已联系施工队修复。"


def test_the_same_days_record_as_an_earlier_log_is_flagged_with_both_logs(world, cadre):
    earlier = signed_log(
        world.village_a1, DAY - datetime.timedelta(days=10), cadre, summary=RECORD, patrol_route="村口—溪边"
    )
    # the same words, other punctuation and spacing; the route of the day differs
    copied = RECORD.replace("，", ", ").replace("；", " ").replace("三", "三 ")
    log = signed_log(world.village_a1, DAY, cadre, summary=copied, patrol_route="村委会—文化礼堂")
    assert run()[FlagKind.REPEATED_TEXT] == 1
    (flag,) = flags(FlagKind.REPEATED_TEXT)
    assert (flag.village, flag.date, flag.log) == (world.village_a1, DAY, log)
    assert flag.evidence["logs"] == [log.pk, earlier.pk]
    assert flag.evidence["texts"] == ["summary"]
    assert "2026-11-10" in flag.reason


def test_the_whole_log_the_same_is_flagged_though_each_text_is_short(world, cadre):
    texts = {"summary": "无异常", "patrol_route": "村委会—村口—溪边", "board_note": "更新值班表"}
    earlier = signed_log(world.village_a1, DAY - datetime.timedelta(days=3), cadre, **texts)
    log = signed_log(world.village_a1, DAY, cadre, **texts)
    for row in (earlier, log):
        PolicyTalk.objects.create(log=row, topic="垃圾分类新规", audience="村民", people=5)
    run()
    (flag,) = flags(FlagKind.REPEATED_TEXT)
    assert flag.evidence["logs"] == [log.pk, earlier.pk] and flag.evidence["texts"] == ["whole"]


def test_honest_logs_that_share_set_phrases_and_the_route_are_not_flagged(world, cadre):
    route = "村委会—村口—溪边—文化礼堂—村委会，沿途查看河道和垃圾桶"  # the same route daily
    for n, day in enumerate([DAY - datetime.timedelta(days=2), DAY - datetime.timedelta(days=1), DAY]):
        log = signed_log(
            world.village_a1, day, cadre, summary="九项工作均已落实，村内无异常。", patrol_route=route
        )
        PolicyTalk.objects.create(log=log, topic=["医保", "防诈骗", "垃圾分类"][n], audience="村民", people=3)
    assert run(DAY - datetime.timedelta(days=2), DAY)[FlagKind.REPEATED_TEXT] == 0


def test_repeated_text_compares_within_the_village_and_the_window(world, cadre):
    b1_cadre = f.member("village_cadre", village=world.village_b1)
    signed_log(world.village_b1, DAY - datetime.timedelta(days=1), b1_cadre, summary=RECORD)
    signed_log(
        world.village_a1, DAY - datetime.timedelta(days=motions.WINDOW_DAYS + 1), cadre, summary=RECORD
    )
    signed_log(world.village_a1, DAY, cadre, summary=RECORD)
    assert run()[FlagKind.REPEATED_TEXT] == 0  # another village's; older than the window
    signed_log(world.village_a1, DAY - datetime.timedelta(days=motions.WINDOW_DAYS), cadre, summary=RECORD)
    assert run()[FlagKind.REPEATED_TEXT] == 1  # the window's first day counts


def test_a_draft_is_not_read(world, cadre):
    signed_log(world.village_a1, DAY - datetime.timedelta(days=1), cadre, summary=RECORD)
    signed_log(world.village_a1, DAY, cadre, summary=RECORD, state=LogState.DRAFT, signed_at=None)
    assert run()[FlagKind.REPEATED_TEXT] == 0


# ---------------------------------------------------------------------------------------
# Reused photos
# ---------------------------------------------------------------------------------------


def photo_on(log, data: bytes, item: int = 3) -> LogPhoto:
    row = LogPhoto(log=log, item=item)  # no hash yet: the run hashes it first
    row.file.save("x.jpg", ContentFile(data), save=True)
    return row


def visit_photo_on(world, cadre, day, data: bytes, log=None) -> VisitPhoto:
    h = world.household_a1
    visit = Visit.objects.create(
        household=h,
        town_id=h.town_id,
        village_id=h.village_id,
        grid_id=h.grid_id,
        visited_at=at(day, 10),
        by=cadre,
        log=log,
    )
    row = VisitPhoto(visit=visit)
    row.file.save("v.jpg", ContentFile(data), save=True)
    return row


def test_a_photo_used_again_on_a_later_day_is_flagged_with_both_photos(world, cadre):
    earlier = signed_log(world.village_a1, DAY - datetime.timedelta(days=5), cadre)
    first = photo_on(earlier, jpeg(picture(5)))
    log = signed_log(world.village_a1, DAY, cadre)
    again = photo_on(log, variants(picture(5))["resized"], item=7)
    photo_on(log, jpeg(picture(6)))  # a new picture beside it
    assert run()[FlagKind.REUSED_PHOTO] == 1
    (flag,) = flags(FlagKind.REUSED_PHOTO)
    assert flag.log == log and flag.evidence["logs"] == [log.pk, earlier.pk]
    assert flag.evidence["photos"] == sorted([first.pk, again.pk])
    (pair,) = flag.evidence["pairs"]
    assert (pair["photo"], pair["earlier"], pair["earlier_source"]) == (again.pk, first.pk, "log")
    assert pair["bits"] <= motions.PHOTO_MAX_BITS and pair["earlier_date"] == "2026-11-15"
    assert LogPhoto.objects.filter(phash="").count() == 0  # hashed on the way


def test_a_visit_photo_of_an_earlier_day_counts_and_is_hashed_first(world, cadre):
    seen = visit_photo_on(world, cadre, DAY - datetime.timedelta(days=20), jpeg(picture(7)))
    assert seen.phash == ""  # uploaded elsewhere without a hash
    log = signed_log(world.village_a1, DAY, cadre)
    photo_on(log, variants(picture(7))["slightly cropped"])
    run()
    (flag,) = flags(FlagKind.REUSED_PHOTO)
    assert flag.evidence["visit_photos"] == [seen.pk]
    assert flag.evidence["pairs"][0]["earlier_source"] == "visit"
    seen.refresh_from_db()
    assert len(seen.phash) == 16


def test_honest_photos_are_not_flagged(world, cadre):
    b1_cadre = f.member("village_cadre", village=world.village_b1)
    photo_on(signed_log(world.village_b1, DAY - datetime.timedelta(days=1), b1_cadre), jpeg(picture(8)))
    photo_on(signed_log(world.village_a1, DAY - datetime.timedelta(days=1), cadre), jpeg(picture(9)))
    log = signed_log(world.village_a1, DAY, cadre)
    photo_on(log, jpeg(picture(8)))  # another village's picture
    photo_on(log, jpeg(picture(10)))
    # the visit made today shows its photo on today's log too: the same day is no reuse
    visit_photo_on(world, cadre, DAY, jpeg(picture(10)), log=log)
    flat = Image.new("RGB", (400, 300), (20, 20, 20))  # two dark photos: too flat to compare
    photo_on(signed_log(world.village_a1, DAY - datetime.timedelta(days=2), cadre), jpeg(flat))
    photo_on(log, jpeg(flat))
    assert run()[FlagKind.REUSED_PHOTO] == 0


# ---------------------------------------------------------------------------------------
# Check-in far and late
# ---------------------------------------------------------------------------------------

OFFICE = (30.0, 120.0)
METRES_PER_DEGREE_LAT = 111_195


def test_a_check_in_far_from_the_office_is_flagged_with_the_distance(world, cadre):
    OfficeCode.objects.create(village=world.village_a1, latitude=OFFICE[0], longitude=OFFICE[1])
    near = signed_log(
        world.village_a1,
        DAY - datetime.timedelta(days=1),
        cadre,
        check_in_latitude=OFFICE[0] + 490 / METRES_PER_DEGREE_LAT,
        check_in_longitude=OFFICE[1],
    )
    far = signed_log(
        world.village_a1,
        DAY,
        cadre,
        check_in_latitude=OFFICE[0] + 510 / METRES_PER_DEGREE_LAT,
        check_in_longitude=OFFICE[1],
    )
    run(DAY - datetime.timedelta(days=1), DAY)
    (flag,) = flags(FlagKind.CHECK_IN_FAR)
    assert flag.log == far and flag.log != near
    assert 505 <= flag.evidence["distance_m"] <= 515 and flag.evidence["limit_m"] == motions.FAR_METRES
    assert f"{flag.evidence['distance_m']}" in flag.reason.replace(",", "")


def test_without_a_stored_office_or_a_phone_location_distance_is_not_judged(world, cadre):
    signed_log(world.village_a1, DAY, cadre, check_in_latitude=31.0, check_in_longitude=121.0)
    OfficeCode.objects.create(village=world.village_a2, latitude=OFFICE[0], longitude=OFFICE[1])
    a2_cadre = f.member("village_cadre", village=world.village_a2)
    signed_log(world.village_a2, DAY, a2_cadre)  # checked in by hand, no location
    assert run()[FlagKind.CHECK_IN_FAR] == 0


def test_a_check_in_after_ten_is_late(world, cadre):
    signed_log(
        world.village_a1,
        DAY - datetime.timedelta(days=1),
        cadre,
        check_in_at=at(DAY, 10, 0) - datetime.timedelta(days=1),
    )
    late = signed_log(world.village_a1, DAY, cadre, check_in_at=at(DAY, 10, 1))
    run(DAY - datetime.timedelta(days=1), DAY)
    (flag,) = flags(FlagKind.CHECK_IN_LATE)
    assert flag.log == late and "10:01" in flag.reason and flag.evidence["logs"] == [late.pk]


# ---------------------------------------------------------------------------------------
# Signed in one sitting
# ---------------------------------------------------------------------------------------


def test_three_days_logs_signed_within_half_an_hour_are_one_sitting(world, cadre):
    days = [DAY - datetime.timedelta(days=n) for n in (3, 2, 1)]
    logs = [
        signed_log(world.village_a1, day, cadre, signed_at=at(DAY, 18, minute))
        for day, minute in zip(days, (0, 12, 30), strict=True)
    ]
    signed_log(world.village_a1, DAY, cadre, signed_at=at(DAY, 17, 25))  # today's, 35 minutes before
    assert run()[FlagKind.SIGNED_IN_ONE_SITTING] == 1
    (flag,) = flags(FlagKind.SIGNED_IN_ONE_SITTING)
    assert flag.date == days[-1] and flag.log == logs[-1]  # on the latest of those days
    assert flag.evidence["logs"] == [log.pk for log in logs] and flag.evidence["span_minutes"] == 30


def test_logs_signed_a_little_further_apart_or_two_at_once_are_not_one_sitting(world, cadre):
    for n, minute in ((3, 0), (2, 16), (1, 31)):  # 31 minutes from first to last
        signed_log(world.village_a1, DAY - datetime.timedelta(days=n), cadre, signed_at=at(DAY, 20, minute))
    a2_cadre = f.member("village_cadre", village=world.village_a2)
    for n in (2, 1):  # two of village A2's at once, and one of another village beside them
        signed_log(world.village_a2, DAY - datetime.timedelta(days=n), a2_cadre, signed_at=at(DAY, 20, n))
    assert run()[FlagKind.SIGNED_IN_ONE_SITTING] == 0


# ---------------------------------------------------------------------------------------
# Spot checks that always pass
# ---------------------------------------------------------------------------------------


def duty_days(n: int, end=DAY) -> list[datetime.date]:
    """``n`` weekdays to ``end``."""
    out, day = [], end
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day -= datetime.timedelta(days=1)
    return sorted(out)


def checked(world, cadre, households, days, *, fail_on=None) -> list[DutyLog]:
    logs = []
    for day in days:
        log = signed_log(world.village_a1, day, cadre)
        SpotCheck.objects.bulk_create(
            SpotCheck(log=log, household=h, passed=not (day == fail_on and i == 0))
            for i, h in enumerate(households[:5])
        )
        logs.append(log)
    return logs


def test_four_weeks_of_spot_checks_that_all_pass_are_flagged(world, cadre, households):
    logs = checked(world, cadre, households, duty_days(8))  # 8 days x 5 = 40 checks
    assert run()[FlagKind.ALWAYS_PASS] == 1
    (flag,) = flags(FlagKind.ALWAYS_PASS)
    assert flag.log == logs[-1] and flag.evidence["checks"] == 40
    assert flag.evidence["logs"] == [log.pk for log in logs]
    # the next duty day is the same four weeks: not flagged again
    checked(world, cadre, households, [DAY + datetime.timedelta(days=3)])
    assert run(DAY + datetime.timedelta(days=3))[FlagKind.ALWAYS_PASS] == 0


def test_a_run_over_several_days_flags_an_always_passing_village_once(world, cadre, households):
    logs = checked(world, cadre, households, duty_days(10))
    assert run(logs[0].date, DAY)[FlagKind.ALWAYS_PASS] == 1
    (flag,) = flags(FlagKind.ALWAYS_PASS)
    assert flag.date == logs[7].date  # the day the 40th check passed


def test_one_failed_check_or_too_few_checks_is_no_flag(world, cadre, households):
    checked(world, cadre, households, duty_days(7))  # 35 checks
    assert run()[FlagKind.ALWAYS_PASS] == 0
    day = DAY + datetime.timedelta(days=3)
    checked(world, cadre, households, [day], fail_on=day)  # 40, one failed
    assert run(day)[FlagKind.ALWAYS_PASS] == 0


def test_checks_older_than_four_weeks_do_not_count(world, cadre, households):
    days = duty_days(8)
    days[0] = DAY - datetime.timedelta(days=motions.ALWAYS_PASS_DAYS)  # just outside
    checked(world, cadre, households, days)
    assert run()[FlagKind.ALWAYS_PASS] == 0


# ---------------------------------------------------------------------------------------
# Runs: twice, at once, a dismissed flag, late signing, the beat task
# ---------------------------------------------------------------------------------------


def a_day_of_each_kind(world, cadre, households):
    """Village A1's logs showing every sign at once on DAY."""
    OfficeCode.objects.create(village=world.village_a1, latitude=OFFICE[0], longitude=OFFICE[1])
    logs = checked(world, cadre, households, duty_days(8))
    for log in logs[-4:-1]:
        DutyLog.objects.filter(pk=log.pk).update(signed_at=at(DAY, 21, log.date.day % 20))
    earlier = logs[-2]
    DutyLog.objects.filter(pk=earlier.pk).update(summary=RECORD)
    photo_on(earlier, jpeg(picture(11)))
    today = logs[-1]
    DutyLog.objects.filter(pk=today.pk).update(
        summary=RECORD,
        check_in_at=at(DAY, 11, 5),
        check_in_latitude=OFFICE[0] + 0.02,
        check_in_longitude=OFFICE[1],
        signed_at=at(DAY, 21, 25),
    )
    photo_on(today, variants(picture(11))["re-encoded"])


def test_two_runs_make_each_flag_once(world, cadre, households):
    a_day_of_each_kind(world, cadre, households)
    first = check_motions.delay(DAY.isoformat()).get()
    assert first == {kind: 1 for kind in motions.MOTION_KINDS}
    assert check_motions.delay(DAY.isoformat()).get() == {kind: 0 for kind in motions.MOTION_KINDS}
    assert DutyFlag.objects.count() == len(motions.MOTION_KINDS)
    assert set(DutyFlag.objects.values_list("date", flat=True)) == {DAY}


def test_a_dismissed_flag_stays_dismissed(world, cadre, households):
    a_day_of_each_kind(world, cadre, households)
    run()
    for flag in DutyFlag.objects.all():
        services.flag_dismiss(flag=flag, actor=world.users["office"], reason="已核实，情况属实")
    assert run() == {kind: 0 for kind in motions.MOTION_KINDS}
    assert not DutyFlag.objects.filter(dismissed_at__isnull=True).exists()


def test_a_log_signed_days_late_is_read_on_the_day_it_is_signed(world, cadre):
    signed_log(world.village_a1, DAY - datetime.timedelta(days=6), cadre, summary=RECORD)
    late = signed_log(
        world.village_a1,
        DAY - datetime.timedelta(days=4),
        cadre,
        summary=RECORD,
        state=LogState.DRAFT,
        signed_at=None,
    )
    assert run(DAY - datetime.timedelta(days=4))[FlagKind.REPEATED_TEXT] == 0  # a draft that day
    DutyLog.objects.filter(pk=late.pk).update(state=LogState.SIGNED, signed_at=at(DAY, 9))
    assert run()[FlagKind.REPEATED_TEXT] == 1
    flag = DutyFlag.objects.get()
    assert (flag.log, flag.date) == (late, late.date)


def test_the_beat_runs_the_checks_every_morning_after_the_missing_log_sweep():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE
    entry = next(e for e in schedule.values() if e["task"] == "duty.tasks.check_motions")
    sweep = next(e for e in schedule.values() if e["task"] == "duty.tasks.flag_missing_logs")
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {30}
    assert (min(sweep["schedule"].hour), min(sweep["schedule"].minute)) < (7, 30)


def test_the_task_reads_yesterday_by_default(world, cadre, time_machine):
    time_machine.move_to(at(DAY + datetime.timedelta(days=1), 7, 30))
    signed_log(world.village_a1, DAY, cadre, check_in_at=at(DAY, 11))
    assert check_motions.delay().get()[FlagKind.CHECK_IN_LATE] == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_checks_at_once_make_each_flag_once(world, cadre, households):
    from django.db import connection

    from .test_duty_log import _race

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; two runs one after the other are tested above")
    a_day_of_each_kind(world, cadre, households)
    outcomes = _race(lambda: run(), [(), ()])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(DutyFlag.objects.values_list("kind", flat=True)) == sorted(motions.MOTION_KINDS)


# ---------------------------------------------------------------------------------------
# The flags page and the API
# ---------------------------------------------------------------------------------------


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_the_flags_page_shows_why_and_the_evidence_to_the_office_and_the_supervisor(world, cadre, households):
    a_day_of_each_kind(world, cadre, households)
    run()
    photo_ids = DutyFlag.objects.get(kind=FlagKind.REUSED_PHOTO).evidence["photos"]
    for who in ("office", "supervisor"):
        page = browser(world.users[who]).get("/duty/flags/").content.decode()
        for kind in motions.MOTION_KINDS:
            assert f'data-kind="{kind}"' in page
        for pk in photo_ids:
            assert f'src="/duty/logs/photos/{pk}/"' in page
        today = DutyFlag.objects.get(kind=FlagKind.CHECK_IN_FAR)
        assert f'href="/duty/logs/{today.log_id}/"' in page
        assert "2,224" in page or "2224" in page  # metres from the office
    only = browser(world.users["office"]).get("/duty/flags/?kind=reused_photo").content.decode()
    assert 'data-kind="reused_photo"' in only and 'data-kind="check_in_late"' not in only


def test_the_flags_page_is_the_towns_only(world, cadre, households):
    a_day_of_each_kind(world, cadre, households)
    run()
    assert browser(cadre).get("/duty/flags/").status_code == 403  # no page for a cadre
    page = browser(world.users["office_b"]).get("/duty/flags/").content.decode()
    assert "data-kind=" not in page
    photo = DutyFlag.objects.get(kind=FlagKind.REUSED_PHOTO).evidence["photos"][0]
    assert browser(world.users["office_b"]).get(f"/duty/logs/photos/{photo}/").status_code == 404
    flag = DutyFlag.objects.first()
    refused = browser(world.users["office_b"]).post("/duty/flags/", {"flag": flag.pk, "reason": "x"})
    assert refused.status_code == 404


def test_the_flags_page_reads_in_a_constant_number_of_queries(world, cadre, households, count_queries):
    a_day_of_each_kind(world, cadre, households)
    run()
    client = browser(world.users["office"])
    client.get("/duty/flags/")
    with count_queries() as few:
        client.get("/duty/flags/")
    b2 = f.VillageFactory(town=world.town_a, name="甲三村", code="VA3")
    b2_cadre = f.member("village_cadre", village=b2)
    for n in range(3):
        signed_log(
            b2,
            DAY - datetime.timedelta(days=n),
            b2_cadre,
            check_in_at=at(DAY, 11) - datetime.timedelta(days=n),
        )
    run(DAY - datetime.timedelta(days=2), DAY)
    with count_queries() as more:
        client.get("/duty/flags/")
    assert len(more.captured_queries) == len(few.captured_queries), more.listing()


def test_the_flags_api_filters_by_kind_and_gives_the_evidence(world, cadre, households, as_user):
    a_day_of_each_kind(world, cadre, households)
    run()
    office = as_user(world.users["office"])
    body = office.get("/api/v1/duty/flags/?kind=check_in_far").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["kind"] == "check_in_far" and row["evidence"]["distance_m"] > 2000
    assert row["evidence"]["logs"] == [DutyFlag.objects.get(kind="check_in_far").log_id]
    assert as_user(world.users["office_b"]).get("/api/v1/duty/flags/").json()["count"] == 0


def test_a_run_reads_in_the_same_number_of_queries_however_many_logs(world, cadre, households, count_queries):
    def day_of(village, person, day, seed):
        log = signed_log(village, day, person, summary=RECORD, check_in_at=at(day, 11))
        photo_on(log, jpeg(picture(seed)))
        SpotCheck.objects.bulk_create(SpotCheck(log=log, household=h, passed=True) for h in households[:5])

    day_of(world.village_a1, cadre, DAY - datetime.timedelta(days=1), 20)
    day_of(world.village_a1, cadre, DAY, 20)
    with count_queries() as one:
        run()
    DutyFlag.objects.all().delete()
    a2_cadre = f.member("village_cadre", village=world.village_a2)
    for n in range(1, 4):
        day_of(world.village_a2, a2_cadre, DAY - datetime.timedelta(days=n), 30 + n)
    day_of(world.village_a2, a2_cadre, DAY, 31)
    with count_queries() as more:
        run()
    assert DutyFlag.objects.values("village").distinct().count() == 2
    assert len(more.captured_queries) == len(one.captured_queries), more.listing()
