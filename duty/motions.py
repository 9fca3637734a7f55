"""Signs of going through the motions (走过场): duty logs that look filled without the work.

The seed's problem is duty "落实不到位、擅离职守、走过场". These checks read the signed logs
of a day (or of a range of days) and flag, for the town office, what looks filled in
without the work behind it:

- **repeated text**: the log reads the same as an earlier log of the village;
- **reused photo**: a photo is the same picture as one of an earlier day of the village
  (its logs' photos and its visits' photos), found by a perceptual hash, so a copy
  re-encoded, resized or slightly cropped is still the same picture;
- **check-in far** from the village office's stored location, or **late**, long after
  the duty day began;
- **signed in one sitting**: several days' logs of the village signed within minutes;
- **spot checks that always pass**: four weeks of garbage-sorting checks, none failed.

A flag is a sign, not a verdict: the town office looks at its evidence (the logs, the
photos side by side, the distance) and dismisses it with a reason where there is one.

Which logs a run reads: the signed logs dated in the run's days, and those of the month
before signed in them (a log signed late is read on the day it is signed). Each check
reads its data in a constant number of queries per run (per day for the spot checks),
never per log, and compares in Python within a village (the village's recent texts and
photo hashes).

Safe to repeat and to run on two workers at once: a flag's unique key (kind, village,
day) makes a second insert a no-op (``bulk_create(ignore_conflicts=True)``), never a
check-then-insert, and a dismissed flag keeps its key, so it is not raised again.
"""

from __future__ import annotations

import datetime
import logging
import math
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import FlagKind, LogState
from .models import (
    DutyFlag,
    DutyLog,
    ElderlyHelp,
    Errand,
    LogPhoto,
    OfficeCode,
    PatrolFinding,
    PolicyTalk,
    SpotCheck,
    Visit,
    VisitPhoto,
)

logger = logging.getLogger(__name__)

#: Texts and photos are compared with the village's logs and visits of this many days
#: before (a quarter: the season's work changes, copying from last year is rare).
WINDOW_DAYS = 90
#: A text shorter than this, once normalised (letters and digits only), is a set phrase
#: (无异常, 同上, 已更新), not a copy: 20 Chinese characters make a real sentence.
MIN_TEXT_CHARS = 20
#: Two photos whose 64-bit perceptual hashes differ in at most this many bits are the same
#: picture: a re-encoded or resized copy differs in 0-2, one cropped by 2-3 per cent in
#: up to 10; different pictures differ in 18 or more (tests/test_duty_motions.py).
PHOTO_MAX_BITS = 10
#: A hash with fewer bits set is of a flat picture (black, a blank wall): too little
#: detail to tell two such photos apart, so it is never called a copy.
FLAT_PHOTO_BITS = 8
#: A check-in further than this from the village office's stored location: phone GPS
#: indoors errs by 50-100 m, an office compound is smaller still; 500 m is outside the
#: village centre (the office's QR code photographed and scanned elsewhere).
FAR_METRES = 500
#: The duty day begins at 08:00-08:30 (an 8-hour day in the office); a check-in after
#: 10:00 local time is one and a half to two hours late.
LATE_AFTER = datetime.time(10, 0)
#: This many logs of different days of one village signed within this many minutes were
#: signed in one sitting (a week's logs written up at once).
ONE_SITTING_LOGS = 3
ONE_SITTING_MINUTES = 30
#: A village with at least this many spot checks in the last four weeks (5-15 a duty day:
#: about eight duty days) and not one failed.
ALWAYS_PASS_DAYS = 28
ALWAYS_PASS_MIN_CHECKS = 40
#: A log signed up to this many days after its day is still read on the day it is signed.
LATE_SIGN_DAYS = 31
#: Villages compared at once (their logs' texts and photo hashes are held in memory).
VILLAGES_PER_BATCH = 200

MOTION_KINDS = (
    FlagKind.REPEATED_TEXT,
    FlagKind.REUSED_PHOTO,
    FlagKind.CHECK_IN_FAR,
    FlagKind.CHECK_IN_LATE,
    FlagKind.SIGNED_IN_ONE_SITTING,
    FlagKind.ALWAYS_PASS,
)


# ---------------------------------------------------------------------------------------
# Perceptual hashes
# ---------------------------------------------------------------------------------------


def photo_hash(file) -> str:
    """The perceptual hash (pHash: 64 bits as 16 hex digits) of the picture in ``file``:
    a path, an open file, or a Django file (a model's ``FieldFile``, a ``ContentFile``).
    A copy re-encoded, resized or slightly cropped hashes within a few bits of it.
    Raises ``OSError`` (Pillow's ``UnidentifiedImageError`` among them) if it is no
    picture. A file object is left at its start."""
    import imagehash
    from PIL import Image, ImageOps

    def of(fh) -> str:
        with Image.open(fh) as image:
            image.draft("L", (256, 256))  # a JPEG decoded small: the hash needs 32x32
            image = ImageOps.exif_transpose(image).convert("L")
            return str(imagehash.phash(image))

    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as fh:
            return of(fh)
    if isinstance(file, FieldFile):
        with file.open("rb") as fh:
            return of(fh)
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        return of(file)
    finally:
        if hasattr(file, "seek"):
            file.seek(0)


def hash_bits(a: str, b: str) -> int:
    """How many of the 64 bits two hashes differ in."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _flat(h: str) -> bool:
    return int(h, 16).bit_count() < FLAT_PHOTO_BITS


def backfill_hashes(*, village_ids: Iterable[int], since: datetime.date) -> int:
    """Hash the photos of the villages' logs and visits since ``since`` that have none
    yet (a visit photo uploaded elsewhere, a photo from before hashing). A file that is
    gone or not a picture is logged and left blank. Returns the photos hashed."""
    village_ids = list(village_ids)
    done = 0
    for model, rows in (
        (LogPhoto, LogPhoto.objects.filter(log__village_id__in=village_ids, log__date__gte=since)),
        (
            VisitPhoto,
            VisitPhoto.objects.filter(
                visit__village_id__in=village_ids, visit__visited_at__gte=_start_of(since)
            ),
        ),
    ):
        hashed = []
        for photo in rows.filter(phash="").only("pk", "file"):
            try:
                photo.phash = photo_hash(photo.file)
            except (OSError, ValueError) as exc:
                logger.warning(
                    "duty.motions: %s %s has no readable picture: %s", model.__name__, photo.pk, exc
                )
                continue
            hashed.append(photo)
        model.objects.bulk_update(hashed, ["phash"], batch_size=500)
        done += len(hashed)
    return done


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------


def check(*, first: datetime.date, last: datetime.date | None = None) -> dict[str, int]:
    """Run every check over the signed logs of ``first`` to ``last`` (one day if not
    given). Returns the flags made, by kind (0 on a second run; two runs at once may
    both count the flags the one of them made)."""
    last = last or first
    logs = _logs_read(first, last)
    rows: list[DutyFlag] = []
    by_village: dict[int, list[dict]] = defaultdict(list)
    for log in logs:
        by_village[log["village_id"]].append(log)
    villages = sorted(by_village)
    for i in range(0, len(villages), VILLAGES_PER_BATCH):
        batch = [log for v in villages[i : i + VILLAGES_PER_BATCH] for log in by_village[v]]
        rows += repeated_text(batch)
        rows += reused_photos(batch)
    rows += check_in_far(logs)
    rows += check_in_late(logs)
    rows += one_sitting(first, last)
    day, passing = first, []
    while day <= last:
        passing += always_pass(day, [log for log in logs if log["date"] == day], made=passing)
        day += datetime.timedelta(days=1)
    rows += passing
    from .services import create_flags

    made = create_flags(rows, kinds=MOTION_KINDS)
    counts = Counter(flag.kind for flag in made)
    return {kind.value: counts.get(kind, 0) for kind in MOTION_KINDS}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _day(d: datetime.date) -> str:
    return date_format(d, "Y-m-d")


LOG_VALUES = (
    "pk",
    "village_id",
    "date",
    "signed_at",
    "check_in_at",
    "check_in_latitude",
    "check_in_longitude",
    "summary",
    "patrol_route",
    "board_note",
)


def _signed() -> Q:
    return Q(state=LogState.SIGNED, deleted_at__isnull=True, village__deleted_at__isnull=True)


def _logs_read(first: datetime.date, last: datetime.date) -> list[dict]:
    """The signed logs a run reads: dated in its days, or of the month before and
    signed in them. The date bound keeps the query on the (date, village) index."""
    signed_in = Q(signed_at__gte=_start_of(first), signed_at__lt=_start_of(last + datetime.timedelta(days=1)))
    return list(
        DutyLog.objects.filter(_signed())
        .filter(date__gte=first - datetime.timedelta(days=LATE_SIGN_DAYS), date__lte=last)
        .filter(Q(date__gte=first) | signed_in)
        .order_by("village_id", "date")
        .values(*LOG_VALUES)
    )


def _flag(kind: str, log: dict, reason: str, evidence: dict) -> DutyFlag:
    return DutyFlag(
        kind=kind,
        village_id=log["village_id"],
        date=log["date"],
        log_id=log["pk"],
        reason=reason[:300],
        evidence=evidence,
    )


# ---------------------------------------------------------------------------------------
# Repeated text
# ---------------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Letters and digits only, full-width folded, lower case: "村内无异常。" and
    "村内 无异常" read the same."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def _texts(log_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each log's texts besides its own fields, as (which, text): one query a kind."""
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    sources = (
        ("finding", PatrolFinding.objects.filter(log_id__in=log_ids), "log_id", ("note",)),
        ("errand", Errand.objects.filter(opened_in_id__in=log_ids), "opened_in_id", ("what", "for_whom")),
        ("talk", PolicyTalk.objects.filter(log_id__in=log_ids), "log_id", ("topic", "audience")),
        ("elderly", ElderlyHelp.objects.filter(log_id__in=log_ids), "log_id", ("who", "what")),
        ("spot_check", SpotCheck.objects.filter(log_id__in=log_ids).exclude(note=""), "log_id", ("note",)),
        (
            "visit",
            Visit.objects.filter(log_id__in=log_ids, deleted_at__isnull=True).exclude(found=""),
            "log_id",
            ("found",),
        ),
    )
    for which, rows, key, fields in sources:
        for row in rows.order_by(key, "pk").values_list(key, *fields):
            out[row[0]].append((which, " ".join(row[1:])))
    return out


def _keys(log: dict, extra: list[tuple[str, str]]) -> dict[str, str]:
    """What is compared, normalised: the whole log's text; the day's record and each
    patrol finding on their own. The patrol route, the talks' topics, who was helped
    recur on honest days: they count only within the whole text."""
    own = [("summary", log["summary"]), ("route", log["patrol_route"]), ("board", log["board_note"])]
    parts = [normalise(t) for _w, t in own + extra]
    keys = {}
    whole = "|".join(parts)
    if sum(map(len, parts)) >= MIN_TEXT_CHARS:
        keys["whole"] = whole
    summary = normalise(log["summary"])
    if len(summary) >= MIN_TEXT_CHARS:
        keys["summary"] = summary
    for which, text in extra:
        if which == "finding" and len(normalise(text)) >= MIN_TEXT_CHARS:
            keys.setdefault("finding", normalise(text))
    return keys


def repeated_text(logs: list[dict]) -> list[DutyFlag]:
    """Each log whose whole text, day's record or a patrol finding (each at least
    MIN_TEXT_CHARS long, normalised) is the same as that of an earlier log of its village
    of the last WINDOW_DAYS days."""
    if not logs:
        return []
    villages = {log["village_id"] for log in logs}
    since = min(log["date"] for log in logs) - datetime.timedelta(days=WINDOW_DAYS)
    # the earlier logs to compare with: signed, of those villages, in the window
    earlier = list(
        DutyLog.objects.filter(_signed(), village_id__in=villages, date__gte=since)
        .filter(date__lte=max(log["date"] for log in logs))
        .values(*LOG_VALUES)
    )
    extra = _texts([log["pk"] for log in earlier])
    # (village, which, key) → [(date, log id)]
    seen: dict[tuple, list[tuple[datetime.date, int]]] = defaultdict(list)
    keys_of = {}
    for log in earlier:
        keys_of[log["pk"]] = _keys(log, extra.get(log["pk"], []))
        for which, key in keys_of[log["pk"]].items():
            seen[(log["village_id"], which, key)].append((log["date"], log["pk"]))
    reasons = {
        "whole": _("The whole log reads word for word as the log of %(date)s."),
        "summary": _("The day's record reads word for word as in the log of %(date)s."),
        "finding": _("A patrol finding reads word for word as in the log of %(date)s."),
    }
    rows = []
    for log in logs:
        keys = keys_of.get(log["pk"]) or _keys(log, extra.get(log["pk"], []))
        window_start = log["date"] - datetime.timedelta(days=WINDOW_DAYS)
        matches = {}
        for which, key in keys.items():
            before = [
                (d, pk)
                for d, pk in seen.get((log["village_id"], which, key), [])
                if window_start <= d < log["date"]
            ]
            if before:
                matches[which] = max(before)  # the latest earlier log
        if not matches:
            continue
        first_which = next(w for w in ("whole", "summary", "finding") if w in matches)
        date, other = matches[first_which]
        rows.append(
            _flag(
                FlagKind.REPEATED_TEXT,
                log,
                reasons[first_which] % {"date": _day(date)},
                {
                    "logs": [log["pk"], other],
                    "earlier_date": date.isoformat(),
                    "texts": sorted(matches, key=["whole", "summary", "finding"].index),
                },
            )
        )
    return rows


# ---------------------------------------------------------------------------------------
# Reused photos
# ---------------------------------------------------------------------------------------


def reused_photos(logs: list[dict]) -> list[DutyFlag]:
    """Each log with a photo (its own, or of a visit made on its day) that is the same
    picture as a photo of an earlier day of its village (of its logs or its visits, of
    the last WINDOW_DAYS days). The same picture twice on one day (a visit's photo shown
    on the day's log too) is no reuse."""
    if not logs:
        return []
    villages = {log["village_id"] for log in logs}
    since = min(log["date"] for log in logs) - datetime.timedelta(days=WINDOW_DAYS)
    until = max(log["date"] for log in logs)
    backfill_hashes(village_ids=villages, since=since)
    # (source, id, village, day, log id or None, visit id or None, hash)
    photos = [
        ("log", pk, village, day, log_id, None, h)
        for pk, village, day, log_id, h in LogPhoto.objects.filter(
            log__village_id__in=villages,
            log__deleted_at__isnull=True,
            log__date__gte=since,
            log__date__lte=until,
        )
        .exclude(phash="")
        .values_list("pk", "log__village_id", "log__date", "log_id", "phash")
    ]
    photos += [
        ("visit", pk, village, timezone.localdate(at), log_id, visit_id, h)
        for pk, village, at, log_id, visit_id, h in VisitPhoto.objects.filter(
            visit__village_id__in=villages,
            visit__deleted_at__isnull=True,
            visit__visited_at__gte=_start_of(since),
            visit__visited_at__lt=_start_of(until + datetime.timedelta(days=1)),
        )
        .exclude(phash="")
        .values_list("pk", "visit__village_id", "visit__visited_at", "visit__log_id", "visit_id", "phash")
    ]
    photos = [p for p in photos if not _flat(p[6])]
    of_village: dict[int, list[tuple]] = defaultdict(list)
    for p in photos:
        of_village[p[2]].append(p)
    by_log = {log["pk"]: log for log in logs}
    pairs: dict[int, list[dict]] = defaultdict(list)
    for p in photos:
        log_id = p[4]
        if log_id not in by_log:
            continue
        day = by_log[log_id]["date"]
        window_start = day - datetime.timedelta(days=WINDOW_DAYS)
        best = None
        for q in of_village[p[2]]:
            if not window_start <= q[3] < day:
                continue
            bits = hash_bits(p[6], q[6])
            if bits <= PHOTO_MAX_BITS and (best is None or (bits, -q[3].toordinal()) < best[0]):
                best = ((bits, -q[3].toordinal()), q)
        if best is not None:
            q = best[1]
            pairs[log_id].append(
                {
                    "photo": p[1],
                    "photo_source": p[0],
                    "earlier": q[1],
                    "earlier_source": q[0],
                    "earlier_date": q[3].isoformat(),
                    "earlier_log": q[4],
                    "earlier_visit": q[5],
                    "bits": best[0][0],
                }
            )
    rows = []
    for log_id, found in pairs.items():
        log = by_log[log_id]
        found.sort(key=lambda x: (x["photo_source"], x["photo"]))
        dates = sorted({x["earlier_date"] for x in found})
        evidence_logs = [log_id] + sorted({x["earlier_log"] for x in found if x["earlier_log"]} - {log_id})
        rows.append(
            _flag(
                FlagKind.REUSED_PHOTO,
                log,
                ngettext(
                    "%(n)d photo of this day is the same picture as a photo of %(dates)s.",
                    "%(n)d photos of this day are the same pictures as photos of %(dates)s.",
                    len(found),
                )
                % {"n": len(found), "dates": "、".join(_day(datetime.date.fromisoformat(d)) for d in dates)},
                {
                    "logs": evidence_logs,
                    "photos": sorted(
                        {x["photo"] for x in found if x["photo_source"] == "log"}
                        | {x["earlier"] for x in found if x["earlier_source"] == "log"}
                    ),
                    "visit_photos": sorted(
                        {x["photo"] for x in found if x["photo_source"] == "visit"}
                        | {x["earlier"] for x in found if x["earlier_source"] == "visit"}
                    ),
                    "pairs": [
                        {k: v for k, v in x.items() if k not in ("earlier_log", "earlier_visit")}
                        for x in found
                    ],
                },
            )
        )
    return rows


# ---------------------------------------------------------------------------------------
# Check-in far and late
# ---------------------------------------------------------------------------------------


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Metres between two points on the earth (haversine; a sphere is close enough)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def check_in_far(logs: list[dict]) -> list[DutyFlag]:
    """Each log checked in (with the phone's location) further than FAR_METRES from its
    village office's stored location. A log without a location, or a village whose office
    has none stored, is not judged."""
    located = [
        log for log in logs if log["check_in_latitude"] is not None and log["check_in_longitude"] is not None
    ]
    if not located:
        return []
    offices = {
        v: (lat, lng)
        for v, lat, lng in OfficeCode.objects.filter(
            village_id__in={log["village_id"] for log in located},
            latitude__isnull=False,
            longitude__isnull=False,
        ).values_list("village_id", "latitude", "longitude")
    }
    rows = []
    for log in located:
        office = offices.get(log["village_id"])
        if office is None:
            continue
        metres = distance_m(*office, log["check_in_latitude"], log["check_in_longitude"])
        if metres <= FAR_METRES:
            continue
        rows.append(
            _flag(
                FlagKind.CHECK_IN_FAR,
                log,
                _("Checked in %(m)s m from the village office (more than %(limit)s m).")
                % {"m": f"{round(metres):,}", "limit": FAR_METRES},
                {
                    "logs": [log["pk"]],
                    "distance_m": round(metres),
                    "limit_m": FAR_METRES,
                    "office": list(office),
                    "check_in": [log["check_in_latitude"], log["check_in_longitude"]],
                },
            )
        )
    return rows


def check_in_late(logs: list[dict]) -> list[DutyFlag]:
    """Each log checked in after LATE_AFTER, local time."""
    rows = []
    for log in logs:
        at = log["check_in_at"]
        if at is None:
            continue
        local = timezone.localtime(at)
        if local.time() <= LATE_AFTER:
            continue
        rows.append(
            _flag(
                FlagKind.CHECK_IN_LATE,
                log,
                _("Checked in at %(time)s, after %(limit)s.")
                % {"time": local.strftime("%H:%M"), "limit": LATE_AFTER.strftime("%H:%M")},
                {
                    "logs": [log["pk"]],
                    "check_in_at": local.isoformat(),
                    "limit": LATE_AFTER.strftime("%H:%M"),
                },
            )
        )
    return rows


# ---------------------------------------------------------------------------------------
# Signed in one sitting
# ---------------------------------------------------------------------------------------


def one_sitting(first: datetime.date, last: datetime.date) -> list[DutyFlag]:
    """Villages where ONE_SITTING_LOGS or more logs (of different days: a village has one
    log a day) were signed within ONE_SITTING_MINUTES, in the run's days: a flag on the
    latest of those days, naming them all. A sitting across midnight is seen by both
    days' runs, which agree on its day."""
    span = datetime.timedelta(minutes=ONE_SITTING_MINUTES)
    signed = list(
        DutyLog.objects.filter(_signed())
        .filter(
            date__gte=first - datetime.timedelta(days=LATE_SIGN_DAYS),
            date__lte=last + datetime.timedelta(days=1),
            signed_at__gte=_start_of(first) - span,
            signed_at__lt=_start_of(last + datetime.timedelta(days=1)) + span,
        )
        .order_by("village_id", "signed_at", "pk")
        .values("pk", "village_id", "date", "signed_at")
    )
    by_village: dict[int, list[dict]] = defaultdict(list)
    for log in signed:
        by_village[log["village_id"]].append(log)
    rows = []
    for logs in by_village.values():
        for group in _sittings(logs, span):
            latest = max(group, key=lambda g: g["date"])
            minutes = max(1, math.ceil((group[-1]["signed_at"] - group[0]["signed_at"]).total_seconds() / 60))
            rows.append(
                _flag(
                    FlagKind.SIGNED_IN_ONE_SITTING,
                    latest,
                    _("The logs of %(n)d days (%(dates)s) were signed within %(minutes)d minutes.")
                    % {
                        "n": len(group),
                        "dates": "、".join(_day(g["date"]) for g in sorted(group, key=lambda g: g["date"])),
                        "minutes": minutes,
                    },
                    {
                        "logs": [g["pk"] for g in sorted(group, key=lambda g: g["date"])],
                        "signed_at": [
                            timezone.localtime(g["signed_at"]).isoformat()
                            for g in sorted(group, key=lambda g: g["date"])
                        ],
                        "span_minutes": minutes,
                    },
                )
            )
    return rows


def _sittings(logs: list[dict], span: datetime.timedelta) -> list[list[dict]]:
    """The runs of logs (sorted by signing time) each signed within ``span`` of the run's
    first, of at least ONE_SITTING_LOGS logs; overlapping runs are one sitting."""
    groups: list[list[dict]] = []
    start = 0
    for end in range(len(logs)):
        while logs[end]["signed_at"] - logs[start]["signed_at"] > span:
            start += 1
        if end - start + 1 >= ONE_SITTING_LOGS:
            window = logs[start : end + 1]
            if groups and groups[-1][-1]["signed_at"] >= window[0]["signed_at"]:
                groups[-1] += [g for g in window if g not in groups[-1]]
            else:
                groups.append(list(window))
    return groups


# ---------------------------------------------------------------------------------------
# Spot checks that always pass
# ---------------------------------------------------------------------------------------


def always_pass(day: datetime.date, logs: list[dict], *, made: Iterable[DutyFlag] = ()) -> list[DutyFlag]:
    """The villages with a signed log on ``day`` whose signed logs of the four weeks to
    ``day`` hold at least ALWAYS_PASS_MIN_CHECKS spot checks and not one failed. Once a
    village is flagged (or the flag dismissed; or ``made`` earlier in this run) it is not
    flagged again for the same four weeks: the next flag may come four weeks later."""
    if not logs:
        return []
    since = day - datetime.timedelta(days=ALWAYS_PASS_DAYS - 1)
    log_of = {log["village_id"]: log for log in logs}
    window = Q(
        log__date__gte=since,
        log__date__lte=day,
        log__state=LogState.SIGNED,
        log__deleted_at__isnull=True,
    )
    tallies = (
        SpotCheck.objects.filter(window, log__village_id__in=log_of)
        .values("log__village_id")
        .annotate(n=Count("id"), failed=Count("id", filter=Q(passed=False)))
    )
    perfect = {
        t["log__village_id"]: t["n"] for t in tallies if t["n"] >= ALWAYS_PASS_MIN_CHECKS and not t["failed"]
    }
    if not perfect:
        return []
    flagged = set(
        DutyFlag.objects.filter(
            kind=FlagKind.ALWAYS_PASS, village_id__in=perfect, date__gte=since, date__lt=day
        ).values_list("village_id", flat=True)
    )
    flagged |= {row.village_id for row in made if since <= row.date < day}
    perfect = {v: n for v, n in perfect.items() if v not in flagged}
    if not perfect:
        return []
    window_logs: dict[int, list[int]] = defaultdict(list)
    for pk, village in (
        DutyLog.objects.filter(_signed(), village_id__in=perfect, date__gte=since, date__lte=day)
        .order_by("date")
        .values_list("pk", "village_id")
    ):
        window_logs[village].append(pk)
    return [
        _flag(
            FlagKind.ALWAYS_PASS,
            log_of[v],
            _("All %(n)d garbage-sorting spot checks of the four weeks to %(date)s passed; none failed.")
            % {"n": n, "date": _day(day)},
            {"logs": window_logs[v], "checks": n, "since": since.isoformat(), "until": day.isoformat()},
        )
        for v, n in sorted(perfect.items())
    ]


# ---------------------------------------------------------------------------------------
# What a flag rests on, for the flags page
# ---------------------------------------------------------------------------------------


def evidence_for(flags: list[DutyFlag], user) -> None:
    """Resolve the ids of the flags' evidence for the page, within ``user``'s scope (three
    queries whatever the number of flags): ``flag.evidence_logs`` (the logs, by date),
    ``flag.evidence_pairs`` (a photo and the earlier one beside it, each with the address
    of its picture, None where out of scope or not served)."""
    from django.urls import NoReverseMatch, reverse

    from governance.scoping import restrict

    wanted: dict[str, set[int]] = {"logs": set(), "photos": set(), "visit_photos": set()}
    for flag in flags:
        for key, ids in wanted.items():
            ids.update(i for i in (flag.evidence or {}).get(key, []) if isinstance(i, int))
    logs = {
        log.pk: log
        for log in restrict(DutyLog.objects.filter(pk__in=wanted["logs"]), user).only(
            "pk", "date", "signed_at", "village_id"
        )
    }
    seen = {
        "log": set(
            restrict(LogPhoto.objects.filter(pk__in=wanted["photos"]), user).values_list("pk", flat=True)
        ),
        "visit": set(
            restrict(VisitPhoto.objects.filter(pk__in=wanted["visit_photos"]), user).values_list(
                "pk", flat=True
            )
        ),
    }
    # a visit's photo is served by the visit pages (when there is such a page)
    names = {"log": "duty:photo", "visit": "duty:visit-photo"}

    def src(source, pk):
        if pk not in seen.get(source, ()):
            return None
        try:
            return reverse(names[source], args=[pk])
        except NoReverseMatch:
            return None

    for flag in flags:
        ev = flag.evidence or {}
        flag.evidence_logs = sorted(
            (logs[i] for i in ev.get("logs", []) if i in logs), key=lambda log: log.date
        )
        flag.evidence_pairs = [
            {
                "src": src(p.get("photo_source"), p.get("photo")),
                "source": p.get("photo_source"),
                "earlier_src": src(p.get("earlier_source"), p.get("earlier")),
                "earlier_source": p.get("earlier_source"),
                "earlier_date": p.get("earlier_date"),
                "bits": p.get("bits"),
            }
            for p in ev.get("pairs", [])
            if isinstance(p, dict)
        ]
