"""Writes to duty rosters: create, set days, fill by rotation, publish, amend, delete;
a town's deadline; the daily duty logs (begin, check in and out, the items, sign, amend)
and the town office's flags (the missing-log sweep, dismissing).

Each write is atomic, locks the roster row (so an edit and a publish of the same roster
are applied one after the other), checks every rule before it writes anything (a month
is filled whole or not at all), writes one audit row on the roster, and re-checks that
the roster is still the actor's to change. The unique index on (person, date) is the
last word on "never in two villages the same day": a row that loses a race to another
village's write is a field error, like the check before it.

Field errors on days are keyed ``<field>_<date>`` (``cadre_2026-10-09``,
``second_2026-10-09``): the editor's form fields have those names, and the API's one-day
endpoint takes the field off the front.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from governance import audit, workdays
from governance.choices import AuditAction, Role
from governance.models import User
from governance.services import ensure_in_scope, governed_delete
from grids.models import Household, Town, Village

from .choices import (
    MAX_TEAM,
    SPOT_CHECKS_MAX,
    SPOT_CHECKS_MIN,
    CheckInMethod,
    FlagKind,
    Item,
    LogState,
    Position,
    RosterState,
)
from .models import (
    Amendment,
    DutyFlag,
    DutyLog,
    DutySettings,
    ElderlyHelp,
    Errand,
    LogAmendment,
    LogPhoto,
    LogSubmission,
    OfficeCode,
    PatrolFinding,
    PolicyTalk,
    Roster,
    Shift,
    SpotCheck,
    Visit,
    month_days,
    month_end,
    new_office_token,
)


def cadres_of(village_id: int) -> QuerySet[User]:
    """The users who hold the village cadre role in the village: who may be on duty."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.VILLAGE_CADRE,
            memberships__village_id=village_id,
            memberships__deleted_at__isnull=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "id")
    )


def _day(d: datetime.date) -> str:
    return date_format(d, "Y-m-d")


def _key(field: str, day: datetime.date) -> str:
    return f"{field}_{day.isoformat()}"


def _lock(roster: Roster) -> Roster:
    return Roster.objects.select_for_update().select_related("village").get(pk=roster.pk)


def _must_be_draft(roster: Roster) -> None:
    if roster.state != RosterState.DRAFT:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "This roster is published: change it only with an amendment, with its reason."
                )
            },
            code="published",
        )


def _elsewhere(people_days: Iterable[tuple[int, datetime.date]], roster: Roster) -> dict:
    """(person id, date) → the village where that person is already on duty that day."""
    pairs = set(people_days)
    if not pairs:
        return {}
    rows = (
        Shift.objects.filter(
            deleted_at__isnull=True,
            person_id__in={p for p, _d in pairs},
            date__in={d for _p, d in pairs},
        )
        .exclude(roster_id=roster.pk)
        .values_list("person_id", "date", "roster__village__name")
    )
    return {(p, d): name for p, d, name in rows if (p, d) in pairs}


def _busy_message(person: User, day: datetime.date, village_name: str) -> str:
    return _("%(name)s is already on duty in %(village)s on %(date)s.") % {
        "name": person,
        "village": village_name,
        "date": _day(day),
    }


def _not_cadre_message(person: User, roster: Roster) -> str:
    return _("%(name)s is not a cadre of %(village)s.") % {"name": person, "village": roster.village.name}


def _snapshot_days(roster: Roster) -> dict[str, list]:
    out: dict[str, list] = {}
    for day, position, person_id in roster.shifts.filter(deleted_at__isnull=True).values_list(
        "date", "position", "person_id"
    ):
        out.setdefault(day.isoformat(), [None, None])[0 if position == Position.LEAD else 1] = person_id
    return out


def _write_shifts(roster: Roster, rows: list[Shift], *, clear: Iterable[datetime.date], field: str) -> None:
    """Soft-delete the live shifts of ``clear`` and add ``rows``, in a savepoint: a row
    that another village took in the meantime (the unique index) is a field error."""
    now = timezone.now()
    try:
        with transaction.atomic():
            Shift.objects.filter(roster=roster, date__in=list(clear), deleted_at__isnull=True).update(
                deleted_at=now, updated_at=now
            )
            Shift.objects.bulk_create(rows)
    except IntegrityError:
        raise ValidationError(
            {
                field: _(
                    "Someone has just been put on duty elsewhere on one of these days. Reload and try again."
                )
            },
            code="race",
        ) from None


def _team_size_ok(roster: Roster) -> None:
    team = roster.shifts.filter(deleted_at__isnull=True).values("person_id").distinct().count()
    if team > MAX_TEAM:
        raise ValidationError(
            _("A village's duty team has at most %(n)d people; this roster has %(team)d.")
            % {"n": MAX_TEAM, "team": team}
        )


def _record(roster: Roster, actor, before: dict, *, extra: dict | None = None) -> None:
    after = audit.snapshot(roster)
    audit.record(
        action=AuditAction.UPDATE, instance=roster, actor=actor, before=before, after=after, extra=extra
    )


# ---------------------------------------------------------------------------------------
# The roster itself
# ---------------------------------------------------------------------------------------


@transaction.atomic
def roster_create(*, village: Village, month: datetime.date, duty_phone: str, actor) -> Roster:
    """A draft roster for ``village`` and the month ``month`` is in."""
    roster = Roster(village=village, month=month.replace(day=1), duty_phone=(duty_phone or "").strip())
    roster.full_clean()
    roster.save()
    audit.record(action=AuditAction.CREATE, instance=roster, actor=actor, after=audit.snapshot(roster))
    ensure_in_scope(instance=roster, actor=actor)
    return roster


@transaction.atomic
def roster_update(*, roster: Roster, duty_phone: str, actor) -> Roster:
    """The duty phone of a draft."""
    roster = _lock(roster)
    _must_be_draft(roster)
    before = audit.snapshot(roster)
    roster.duty_phone = (duty_phone or "").strip()
    roster.full_clean()
    roster.save(update_fields=["duty_phone", "updated_at"])
    _record(roster, actor, before)
    ensure_in_scope(instance=roster, actor=actor)
    return roster


@transaction.atomic
def roster_delete(*, roster: Roster, actor) -> None:
    """A draft goes with its shifts (softly); a published roster stays, archived."""
    roster = _lock(roster)
    _must_be_draft(roster)
    now = timezone.now()
    roster.shifts.filter(deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
    governed_delete(instance=roster, actor=actor)


# ---------------------------------------------------------------------------------------
# Days
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """Who is on duty on one day: the cadre, and the second person if any (None: nobody)."""

    cadre: User | None
    second: User | None = None


@transaction.atomic
def roster_set_days(*, roster: Roster, days: Mapping[datetime.date, Day], actor) -> Roster:
    """Set who is on duty on each of ``days`` (the other days stay as they are)."""
    roster = _lock(roster)
    _must_be_draft(roster)
    errors: dict[str, list[str]] = {}
    cadres = set(cadres_of(roster.village_id).values_list("id", flat=True))
    wanted: list[tuple[datetime.date, str, User]] = []
    for day, entry in sorted(days.items()):
        if not roster.month <= day <= roster.last_day:
            errors.setdefault(_key("date", day), []).append(
                _("%(date)s is not in this roster's month (%(month)s).")
                % {"date": _day(day), "month": roster.month.strftime("%Y-%m")}
            )
            continue
        if entry.cadre is None and entry.second is not None:
            errors.setdefault(_key("cadre", day), []).append(_("Choose the cadre on duty first."))
        if entry.second is not None and entry.cadre is not None and entry.second.pk == entry.cadre.pk:
            errors.setdefault(_key("second", day), []).append(
                _("The second person must be someone other than the cadre on duty.")
            )
        for field, person, position in (
            ("cadre", entry.cadre, Position.LEAD),
            ("second", entry.second, Position.SECOND),
        ):
            if person is None:
                continue
            if person.pk not in cadres:
                errors.setdefault(_key(field, day), []).append(_not_cadre_message(person, roster))
            else:
                wanted.append((day, position, person))
    busy = _elsewhere(((p.pk, d) for d, _pos, p in wanted), roster)
    for day, position, person in wanted:
        if (person.pk, day) in busy:
            field = "cadre" if position == Position.LEAD else "second"
            errors.setdefault(_key(field, day), []).append(_busy_message(person, day, busy[(person.pk, day)]))
    if errors:
        raise ValidationError(errors)

    before_days = _snapshot_days(roster)
    changed = {
        day
        for day, entry in days.items()
        if before_days.get(day.isoformat(), [None, None])
        != [entry.cadre.pk if entry.cadre else None, entry.second.pk if entry.second else None]
    }
    if not changed:
        return roster
    rows = [
        Shift(roster=roster, date=day, person=person, position=position)
        for day, position, person in wanted
        if day in changed
    ]
    _write_shifts(roster, rows, clear=changed, field=_key("cadre", min(changed)))
    _team_size_ok(roster)
    before = audit.snapshot(roster)
    roster.save(update_fields=["updated_at"])
    after_days = _snapshot_days(roster)
    _record(
        roster,
        actor,
        before,
        extra={
            "days": {
                d.isoformat(): [before_days.get(d.isoformat()), after_days.get(d.isoformat())]
                for d in sorted(changed)
            }
        },
    )
    ensure_in_scope(instance=roster, actor=actor)
    return roster


def duty_dates(
    month: datetime.date, *, town_id: int | None, include_weekends: bool = False
) -> list[datetime.date]:
    """The month's duty days on the town's working-day calendar: its working days (make-up
    days included); with ``include_weekends``, also the weekends that are not holidays."""
    first, last = month.replace(day=1), month_end(month)
    calendar = workdays.CalendarView(first, last, town_id)
    out = []
    for day in month_days(first):
        if calendar.is_workday(day):
            out.append(day)
        elif include_weekends and day not in calendar.overrides and day.weekday() >= 5:
            out.append(day)
    return out


def rotation(
    people: list[User], dates: list[datetime.date], *, days_each: int = 1
) -> dict[datetime.date, User]:
    """``people`` in turn over ``dates``, ``days_each`` consecutive duty days each."""
    return {day: people[(i // days_each) % len(people)] for i, day in enumerate(dates)}


@transaction.atomic
def roster_fill(
    *,
    roster: Roster,
    people: list[User],
    actor,
    days_each: int = 1,
    include_weekends: bool = False,
) -> Roster:
    """Fill a draft's month by rotation: ``people`` (the village's cadres, in order) take
    ``days_each`` duty days each in turn, on the calendar's duty days. The month's
    earlier shifts are replaced; nothing is written unless every day can be filled."""
    roster = _lock(roster)
    _must_be_draft(roster)
    if not people:
        raise ValidationError({"people": _("Choose at least one cadre.")})
    ids = [p.pk for p in people]
    if len(set(ids)) != len(ids):
        raise ValidationError({"people": _("Each person may appear only once in the rotation.")})
    if len(people) > MAX_TEAM:
        raise ValidationError(
            {"people": _("A village's duty team has at most %(n)d people.") % {"n": MAX_TEAM}}
        )
    if not 1 <= days_each <= 31:
        raise ValidationError({"days_each": _("Between 1 and 31 days each.")})
    cadres = set(cadres_of(roster.village_id).values_list("id", flat=True))
    outsiders = [p for p in people if p.pk not in cadres]
    if outsiders:
        raise ValidationError({"people": [_not_cadre_message(p, roster) for p in outsiders]})
    dates = duty_dates(roster.month, town_id=roster.village.town_id, include_weekends=include_weekends)
    if not dates:
        raise ValidationError({"include_weekends": _("This month has no duty days on the calendar.")})
    plan = rotation(people, dates, days_each=days_each)
    busy = _elsewhere(((p.pk, d) for d, p in plan.items()), roster)
    if busy:
        by_id = {p.pk: p for p in people}
        raise ValidationError(
            {
                "people": [
                    _busy_message(by_id[p], d, name)
                    for (p, d), name in sorted(busy.items(), key=lambda x: x[0][1])
                ]
            }
        )
    before_days = _snapshot_days(roster)
    rows = [Shift(roster=roster, date=d, person=p, position=Position.LEAD) for d, p in plan.items()]
    _write_shifts(roster, rows, clear=month_days(roster.month), field="people")
    before = audit.snapshot(roster)
    roster.save(update_fields=["updated_at"])
    _record(
        roster,
        actor,
        before,
        extra={
            "fill": {
                "people": ids,
                "days_each": days_each,
                "include_weekends": include_weekends,
                "days": len(rows),
                "replaced_days": len(before_days),
            }
        },
    )
    ensure_in_scope(instance=roster, actor=actor)
    return roster


# ---------------------------------------------------------------------------------------
# Publishing and amendments
# ---------------------------------------------------------------------------------------


@transaction.atomic
def roster_publish(*, roster: Roster, actor, now: datetime.datetime | None = None) -> Roster:
    """Freeze the roster and archive it with the town office: from now on it changes only
    by amendments."""
    roster = _lock(roster)
    _must_be_draft(roster)
    if not roster.shifts.filter(deleted_at__isnull=True, position=Position.LEAD).exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: _("Nobody is on duty yet: fill the roster before publishing it.")}
        )
    if not roster.duty_phone:
        raise ValidationError({"duty_phone": _("Give the village's duty phone before publishing.")})
    before = audit.snapshot(roster)
    roster.state = RosterState.PUBLISHED
    roster.published_at = now or timezone.now()
    roster.published_by = actor if getattr(actor, "pk", None) else None
    roster.save(update_fields=["state", "published_at", "published_by", "updated_at"])
    _record(roster, actor, before)
    ensure_in_scope(instance=roster, actor=actor)
    return roster


@transaction.atomic
def roster_amend(
    *,
    roster: Roster,
    date: datetime.date,
    replaced: User,
    replacement: User,
    reason: str,
    actor,
) -> Amendment:
    """On a published roster: ``replacement`` is on duty on ``date`` instead of
    ``replaced``, for ``reason`` (a swap of two days is two amendments)."""
    roster = _lock(roster)
    if roster.state != RosterState.PUBLISHED:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This roster is still a draft: change its days directly.")}, code="draft"
        )
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Say why the roster is changed.")]
    shift = None
    if not roster.month <= date <= roster.last_day:
        errors["date"] = [
            _("%(date)s is not in this roster's month (%(month)s).")
            % {"date": _day(date), "month": roster.month.strftime("%Y-%m")}
        ]
    else:
        shift = roster.shifts.filter(deleted_at__isnull=True, date=date, person=replaced).first()
        if shift is None:
            errors["replaced"] = [
                _("%(name)s is not on duty on %(date)s in this roster.")
                % {"name": replaced, "date": _day(date)}
            ]
    if replacement.pk == replaced.pk:
        errors.setdefault("replacement", []).append(_("Choose someone else."))
    elif not cadres_of(roster.village_id).filter(pk=replacement.pk).exists():
        errors.setdefault("replacement", []).append(_not_cadre_message(replacement, roster))
    elif shift is not None:
        here = roster.shifts.filter(deleted_at__isnull=True, date=date, person=replacement).exists()
        if here:
            errors.setdefault("replacement", []).append(
                _("%(name)s is already on duty that day.") % {"name": replacement}
            )
        busy = _elsewhere([(replacement.pk, date)], roster)
        if busy:
            errors.setdefault("replacement", []).append(
                _busy_message(replacement, date, busy[(replacement.pk, date)])
            )
    if errors:
        raise ValidationError(errors)
    amendment = Amendment(
        roster=roster,
        date=date,
        replaced=replaced,
        replacement=replacement,
        reason=reason,
        by=actor if getattr(actor, "pk", None) else None,
    )
    amendment.full_clean()
    row = Shift(roster=roster, date=date, person=replacement, position=shift.position)
    now = timezone.now()
    try:
        with transaction.atomic():
            Shift.objects.filter(pk=shift.pk).update(deleted_at=now, updated_at=now)
            row.save()
    except IntegrityError:
        raise ValidationError(
            {
                "replacement": _(
                    "Someone has just been put on duty elsewhere on this day. Reload and try again."
                )
            }
        ) from None
    amendment.save()
    before = audit.snapshot(roster)
    roster.save(update_fields=["updated_at"])
    _record(
        roster,
        actor,
        before,
        extra={
            "amendment": {
                "id": amendment.pk,
                "date": date.isoformat(),
                "replaced": replaced.pk,
                "replacement": replacement.pk,
                "reason": reason,
            }
        },
    )
    ensure_in_scope(instance=roster, actor=actor)
    return amendment


# ---------------------------------------------------------------------------------------
# A town's deadline
# ---------------------------------------------------------------------------------------


def settings_for(town_id: int) -> DutySettings:
    """The town's settings, or the defaults (unsaved) where its office has set none."""
    return DutySettings.objects.filter(town_id=town_id).first() or DutySettings(town_id=town_id)


@transaction.atomic
def settings_set(*, town: Town, publish_by_day: int, actor) -> DutySettings:
    row = DutySettings.objects.select_for_update().filter(town=town).first()
    created = row is None
    row = row or DutySettings(town=town)
    before = None if created else audit.snapshot(row)
    row.publish_by_day = publish_by_day
    row.full_clean()
    row.save()
    audit.record(
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=row,
        actor=actor,
        before=before,
        after=audit.snapshot(row),
    )
    ensure_in_scope(instance=row, actor=actor)
    return row


# ---------------------------------------------------------------------------------------
# The daily duty log (值班日记)
#
# Every write locks the log row, refuses a signed log (corrections are amendments) and a
# writer other than the log's cadre, validates the whole entry before it writes, writes
# one audit row on the log naming the item, and re-checks the scope in the transaction.
# ---------------------------------------------------------------------------------------


def duty_shift(village_id: int, day: datetime.date, person_id: int) -> Shift | None:
    """``person``'s shift in the village that day, on a published roster."""
    return (
        Shift.objects.filter(
            roster__village_id=village_id,
            roster__state=RosterState.PUBLISHED,
            roster__deleted_at__isnull=True,
            deleted_at__isnull=True,
            date=day,
            person_id=person_id,
        )
        .order_by("position")
        .first()
    )


def _local(at: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(at)


def _hm(at: datetime.datetime) -> str:
    return _local(at).strftime("%H:%M")


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _log_lock(log: DutyLog) -> DutyLog:
    return DutyLog.objects.select_for_update().select_related("village").get(pk=log.pk)


def _log_writable(log: DutyLog, actor) -> DutyLog:
    """The log, locked, if ``actor`` may still change it."""
    log = _log_lock(log)
    if log.state != LogState.DRAFT:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This log is signed: correct it only with an amendment, with its reason.")},
            code="signed",
        )
    if getattr(actor, "pk", None) != log.cadre_id:
        raise PermissionDenied(_("Only the cadre who files this log may change it."))
    return log


def _log_record(log: DutyLog, actor, item: int, what: str, data: dict | None = None, before=None) -> None:
    """One audit row on the log: which item, what was done, the values."""
    DutyLog.objects.filter(pk=log.pk).update(updated_at=timezone.now())
    audit.record(
        action=AuditAction.UPDATE,
        instance=log,
        actor=actor,
        before=before,
        after=audit.snapshot(log) if before is not None else None,
        extra={"item": item, what: data or {}},
    )
    ensure_in_scope(instance=log, actor=actor)


@transaction.atomic
def log_start(*, village: Village, date: datetime.date, actor, reason: str = "") -> DutyLog:
    """Begin the village's log of ``date``, filed by ``actor``: the cadre on duty that
    day on the published roster, or another cadre of the village with ``reason``."""
    reason = (reason or "").strip()
    if date > timezone.localdate():
        raise ValidationError({"date": _("A duty log cannot be begun for a day still to come.")})
    if not cadres_of(village.pk).filter(pk=getattr(actor, "pk", None)).exists():
        raise PermissionDenied(
            _("Only a cadre of %(village)s files its duty log.") % {"village": village.name}
        )
    shift = duty_shift(village.pk, date, actor.pk)
    if shift is None and not reason:
        raise ValidationError(
            {
                "off_roster_reason": _(
                    "You are not on the duty roster of %(village)s on %(date)s: say why you file its log."
                )
                % {"village": village.name, "date": _day(date)}
            }
        )
    log = DutyLog(
        village=village, date=date, cadre=actor, shift=shift, off_roster_reason="" if shift else reason
    )
    log.full_clean()
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:  # another phone began it a moment ago
        raise ValidationError(
            {"date": _("This village already has a duty log for this day.")}, code="unique"
        ) from None
    audit.record(action=AuditAction.CREATE, instance=log, actor=actor, after=audit.snapshot(log))
    ensure_in_scope(instance=log, actor=actor)
    return log


@transaction.atomic
def log_check_in(
    *,
    log: DutyLog,
    actor,
    method: str,
    reason: str = "",
    at: datetime.datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> DutyLog:
    """1. 办公场所扫一扫: arrival in the village office, by its QR code or by hand with a
    reason."""
    log = _log_writable(log, actor)
    now = timezone.now()
    at = at or now
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if log.check_in_at is not None:
        errors["check_in_at"] = [_("Already checked in at %(time)s.") % {"time": _hm(log.check_in_at)}]
    if at > now + datetime.timedelta(minutes=1):
        errors.setdefault("check_in_at", []).append(_("A check-in cannot be in the future."))
    elif _local(at).date() != log.date:
        errors.setdefault("check_in_at", []).append(
            _("The check-in must be on the duty day, %(date)s.") % {"date": _day(log.date)}
        )
    if method not in CheckInMethod.values:
        errors["check_in_method"] = [_("Check in by the office's QR code or by hand.")]
    if method == CheckInMethod.MANUAL and not reason:
        errors["check_in_reason"] = [_("Say why you check in by hand, not with the office's QR code.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(log)
    log.check_in_at, log.check_in_method = at, method
    log.check_in_reason = reason if method == CheckInMethod.MANUAL else ""
    log.check_in_latitude, log.check_in_longitude = latitude, longitude
    log.full_clean()
    log.save()
    _log_record(log, actor, Item.CHECK_IN, "check_in", {"method": method}, before=before)
    return log


@transaction.atomic
def log_check_in_by_code(
    *, token: str, actor, latitude: float | None = None, longitude: float | None = None
) -> DutyLog:
    """The office's QR code scanned: today's log of its village (begun now if the cadre
    is on duty today) checked in by QR. An unknown token: ``OfficeCode.DoesNotExist``."""
    code = OfficeCode.objects.select_related("village").get(token=token)
    today = timezone.localdate()
    log = DutyLog.objects.filter(village=code.village, date=today, deleted_at__isnull=True).first()
    if log is None:
        log = log_start(village=code.village, date=today, actor=actor)
    return log_check_in(log=log, actor=actor, method=CheckInMethod.QR, latitude=latitude, longitude=longitude)


@transaction.atomic
def log_check_out(*, log: DutyLog, actor, at: datetime.datetime | None = None) -> DutyLog:
    """Leaving the office at the end of the duty day: the hours served (the rule is 8)."""
    log = _log_writable(log, actor)
    now = timezone.now()
    at = at or now
    if log.check_in_at is None:
        raise ValidationError({"check_out_at": _("Check in first.")})
    if at > now + datetime.timedelta(minutes=1):
        raise ValidationError({"check_out_at": _("A check-out cannot be in the future.")})
    if at <= log.check_in_at:
        raise ValidationError({"check_out_at": _("The check-out must be after the check-in.")})
    before = audit.snapshot(log)
    log.check_out_at = at
    log.save(update_fields=["check_out_at", "updated_at"])
    _log_record(log, actor, Item.CHECK_IN, "check_out", {"hours": log.hours}, before=before)
    return log


LOG_FIELDS = {
    "patrol_route": Item.PATROL,
    "board_updated": Item.BOARD,
    "board_note": Item.BOARD,
    "summary": Item.SIGN_OFF,
}


@transaction.atomic
def log_update(*, log: DutyLog, actor, data: Mapping) -> DutyLog:
    """The items kept on the log itself: the patrol route, the public board, the record."""
    log = _log_writable(log, actor)
    unknown = set(data) - set(LOG_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in sorted(unknown)})
    before = audit.snapshot(log)
    for name, value in data.items():
        setattr(log, name, value.strip() if isinstance(value, str) else value)
    log.full_clean()
    log.save()
    _log_record(log, actor, min(LOG_FIELDS[k] for k in data) if data else 0, "fields", before=before)
    return log


def _add_row(log: DutyLog, actor, item: int, row) -> object:
    row.full_clean()
    row.save()
    _log_record(
        log, actor, item, "added", {"model": row._meta.model_name, "id": row.pk, "text": str(row)[:200]}
    )
    return row


def _household_of_village(log: DutyLog, household: Household) -> None:
    if household is None or household.village_id != log.village_id or household.deleted_at is not None:
        raise ValidationError(
            {"household": _("Not a household of %(village)s.") % {"village": log.village.name}}
        )


@transaction.atomic
def errand_add(*, log: DutyLog, actor, what: str, for_whom: str, done: bool = False) -> Errand:
    """2. 代办事项办一办: a matter taken on for a villager (done at once, or left open,
    when it carries over to the village's next logs until it is done)."""
    log = _log_writable(log, actor)
    errand = Errand(
        village=log.village,
        opened_in=log,
        opened_on=log.date,
        what=(what or "").strip(),
        for_whom=(for_whom or "").strip(),
        done_in=log if done else None,
        done_on=log.date if done else None,
    )
    return _add_row(log, actor, Item.ERRANDS, errand)


@transaction.atomic
def errand_done(*, log: DutyLog, errand: Errand, actor) -> Errand:
    """An open errand of the village (taken on today or carried over) done today."""
    log = _log_writable(log, actor)
    errand = Errand.objects.select_for_update().get(pk=errand.pk)
    if errand.village_id != log.village_id or errand.opened_on > log.date:
        raise ValidationError({"errand": _("This errand is not one of this log's.")})
    if errand.done_in_id is not None:
        raise ValidationError({"errand": _("This errand is already done.")})
    errand.done_in, errand.done_on = log, log.date
    errand.save(update_fields=["done_in", "done_on"])
    _log_record(log, actor, Item.ERRANDS, "done", {"errand": errand.pk})
    return errand


@transaction.atomic
def spot_check_add(*, log: DutyLog, actor, household: Household, passed: bool, note: str = "") -> SpotCheck:
    """4. 垃圾分类查一查: a household of the village checked (at most 15 a day)."""
    log = _log_writable(log, actor)
    _household_of_village(log, household)
    if SpotCheck.objects.filter(log=log).count() >= SPOT_CHECKS_MAX:
        raise ValidationError(
            {"household": _("At most %(n)d households are spot-checked a day.") % {"n": SPOT_CHECKS_MAX}}
        )
    if SpotCheck.objects.filter(log=log, household=household).exists():
        raise ValidationError({"household": _("This household is already checked today.")})
    row = SpotCheck(log=log, household=household, passed=bool(passed), note=(note or "").strip())
    return _add_row(log, actor, Item.SPOT_CHECKS, row)


def log_visits(log: DutyLog) -> QuerySet[Visit]:
    """Item 5 of a log: the visits that belong to it (listed on it, or made from the due
    list by its cadre that day), not taken back."""
    return Visit.objects.filter(log=log, deleted_at__isnull=True)


@transaction.atomic
def visit_add(
    *, log: DutyLog, actor, household: Household, note: str = "", at: datetime.datetime | None = None
) -> Visit:
    """5. 联系农户访一访: a household of the village visited, recorded as every visit is
    (:func:`duty.visits.visit_record`, a routine visit by the cadre, ``note`` what was
    found) and belonging to the log. ``at`` is now on the duty day itself; a draft of an
    earlier day filled in late gets that day's noon (the day is what the log says)."""
    from .visits import visit_record  # the one way in for every visit

    log = _log_writable(log, actor)
    _household_of_village(log, household)
    if log_visits(log).filter(household=household).exists():
        raise ValidationError({"household": _("This household is already listed today.")})
    if at is None:
        now = timezone.now()
        at = now if _local(now).date() == log.date else _noon(log.date)
    elif _local(at).date() != log.date:
        raise ValidationError(
            {"visited_at": _("The visit must be on the duty day, %(date)s.") % {"date": _day(log.date)}}
        )
    visit = visit_record(actor=actor, household=household, visited_at=at, found=note, log=log)
    _log_record(
        log, actor, Item.VISITS, "added", {"model": "visit", "id": visit.pk, "text": str(visit)[:200]}
    )
    return visit


@transaction.atomic
def talk_add(*, log: DutyLog, actor, topic: str, audience: str, people: int) -> PolicyTalk:
    """6. 政策宣传讲一讲."""
    log = _log_writable(log, actor)
    row = PolicyTalk(log=log, topic=(topic or "").strip(), audience=(audience or "").strip(), people=people)
    return _add_row(log, actor, Item.TALKS, row)


@transaction.atomic
def elderly_add(*, log: DutyLog, actor, who: str, what: str) -> ElderlyHelp:
    """8. 居家养老帮一帮."""
    log = _log_writable(log, actor)
    row = ElderlyHelp(log=log, who=(who or "").strip(), what=(what or "").strip())
    return _add_row(log, actor, Item.ELDERLY, row)


@transaction.atomic
def finding_add(*, log: DutyLog, actor, note: str, kind=None) -> PatrolFinding:
    """3. 村庄里外巡一巡: a finding on patrol; with ``kind`` (a case kind) it is reported
    as a case at once (:func:`finding_report`)."""
    log = _log_writable(log, actor)
    row = _add_row(log, actor, Item.PATROL, PatrolFinding(log=log, note=(note or "").strip()))
    if kind is not None:
        row = finding_report(finding=row, kind=kind, actor=actor)
    return row


@transaction.atomic
def finding_report(*, finding: PatrolFinding, kind, actor) -> PatrolFinding:
    """A patrol finding becomes a case (source: duty patrol) through the cases service,
    linked from the finding. Allowed on a signed log too: the case is new work, not a
    change of the record."""
    from cases.choices import Source
    from cases.services import case_report

    finding = PatrolFinding.objects.select_for_update().select_related("log__village").get(pk=finding.pk)
    if getattr(actor, "pk", None) != finding.log.cadre_id:
        raise PermissionDenied(_("Only the cadre who files this log may report its findings."))
    if finding.case_id is not None:
        raise ValidationError({"finding": _("This finding is already a case.")})
    case = case_report(
        actor=actor,
        data={
            "village": finding.log.village,
            "kind": kind,
            "source": Source.PATROL,
            "description": finding.note,
        },
    )
    finding.case = case
    finding.save(update_fields=["case"])
    _log_record(finding.log, actor, Item.PATROL, "reported", {"finding": finding.pk, "case": case.pk})
    return finding


@transaction.atomic
def photo_add(*, log: DutyLog, actor, item: int, upload) -> LogPhoto:
    """A photo on one of the items, prepared as a case's photo is (cases.photos), with
    its perceptual hash (the same picture used again is flagged, duty.motions)."""
    from cases import photos

    from .motions import photo_hash

    stored = photos.prepare(upload)  # before any write
    log = _log_writable(log, actor)
    if item not in Item.values:
        raise ValidationError({"item": _("Choose one of the nine items.")})
    row = LogPhoto(log=log, item=item, phash=photo_hash(stored))
    row.file.save(stored.name, stored, save=False)
    row.save()
    _log_record(log, actor, item, "photo", {"id": row.pk})
    return row


ROW_MODELS = {
    "spot_check": (SpotCheck, Item.SPOT_CHECKS),
    "visit": (Visit, Item.VISITS),
    "talk": (PolicyTalk, Item.TALKS),
    "elderly": (ElderlyHelp, Item.ELDERLY),
    "finding": (PatrolFinding, Item.PATROL),
    "photo": (LogPhoto, Item.CHECK_IN),
}


@transaction.atomic
def row_remove(*, log: DutyLog, actor, kind: str, row_id: int) -> None:
    """Take back an entry of a draft (not an errand: it is done or stays open; not a
    finding or a visit reported as a case). A visit is governed data: it is soft-deleted,
    with its own audit row, and gone from every list."""
    log = _log_writable(log, actor)
    model, item = ROW_MODELS[kind]
    rows = log_visits(log) if model is Visit else model.objects.filter(log=log)
    row = rows.filter(pk=row_id).first()
    if row is None:
        raise ValidationError({"row": _("No such entry in this log.")})
    if getattr(row, "case_id", None):
        if model is Visit:
            raise ValidationError({"row": _("A case was reported from this visit: it stays.")})
        raise ValidationError({"row": _("This finding is a case now: it stays.")})
    text = str(row)[:200]
    if model is Visit:
        try:
            governed_delete(instance=row, actor=actor)
        except ValidationError as exc:  # a three-musts occasion it answered
            raise ValidationError({"row": exc.messages}) from None
    else:
        row.delete()
        if model is LogPhoto:
            delete_file_on_commit(row.file)
    _log_record(
        log, actor, getattr(row, "item", item), "removed", {"model": kind, "id": row_id, "text": text}
    )


def delete_file_on_commit(file) -> None:
    """A removed photo's file, deleted from storage once its row's removal is committed
    (a rolled-back removal keeps it)."""
    if file and file.name:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))


def sign_problems(log: DutyLog) -> list[str]:
    """What keeps the log from being signed, in the rules' words (empty: it may be)."""
    problems = []
    if log.check_in_at is None:
        problems.append(_("Check in at the village office first (by its QR code, or by hand with a reason)."))
    checks = SpotCheck.objects.filter(log=log).count()
    if checks < SPOT_CHECKS_MIN:
        problems.append(
            _("Spot-check at least %(min)d households' garbage sorting (%(n)d so far).")
            % {"min": SPOT_CHECKS_MIN, "n": checks}
        )
    return problems


@transaction.atomic
def log_sign(*, log: DutyLog, actor, now: datetime.datetime | None = None) -> DutyLog:
    """9. 值班记录记一记: sign the log; from now on it is locked."""
    log = _log_writable(log, actor)
    problems = sign_problems(log)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems}, code="incomplete")
    before = audit.snapshot(log)
    log.state, log.signed_at = LogState.SIGNED, now or timezone.now()
    log.save(update_fields=["state", "signed_at", "updated_at"])
    _log_record(log, actor, Item.SIGN_OFF, "signed", before=before)
    return log


@transaction.atomic
def log_amend(*, log: DutyLog, actor, item: int, correction: str, reason: str) -> LogAmendment:
    """A correction to a signed log, with its reason, appended (the log stays as signed)."""
    log = _log_lock(log)
    if log.state != LogState.SIGNED:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This log is not signed yet: change it directly.")}, code="draft"
        )
    if getattr(actor, "pk", None) != log.cadre_id:
        raise PermissionDenied(_("Only the cadre who files this log may correct it."))
    amendment = LogAmendment(
        log=log,
        item=item,
        correction=(correction or "").strip(),
        reason=(reason or "").strip(),
        by=actor,
    )
    amendment.full_clean()
    amendment.save()
    _log_record(log, actor, item, "amendment", {"id": amendment.pk, "reason": amendment.reason})
    return amendment


# ---------------------------------------------------------------------------------------
# Flags for the town office
# ---------------------------------------------------------------------------------------


def flag_missing_logs(*, day: datetime.date, last: datetime.date | None = None) -> int:
    """Flag each village with someone on duty on ``day`` (to ``last``: the beat sweeps a
    week, so a morning the job did not run is made up) — a published roster's lead shift
    — and no signed log of it. Safe to repeat and to run on two workers at once: the
    flag's unique key (kind, village, day) makes a second insert a no-op
    (``ignore_conflicts``), never a check-then-insert; a dismissed flag keeps its key, so
    it is not raised again. Returns the flags made (each in the audit trail)."""
    last = last or day
    on_duty = set(
        Shift.objects.filter(
            date__range=(day, last),
            position=Position.LEAD,
            deleted_at__isnull=True,
            roster__deleted_at__isnull=True,
            roster__state=RosterState.PUBLISHED,
            roster__village__deleted_at__isnull=True,
        ).values_list("roster__village_id", "date")
    )
    logs = {
        (village_id, date): (pk, state)
        for village_id, date, pk, state in DutyLog.objects.filter(
            date__range=(day, last),
            village_id__in=sorted({v for v, _d in on_duty}),
            deleted_at__isnull=True,
        ).values_list("village_id", "date", "pk", "state")
    }
    missing = sorted(key for key in on_duty if logs.get(key, (None, None))[1] != LogState.SIGNED)
    rows = [
        DutyFlag(
            kind=FlagKind.MISSING_LOG,
            village_id=v,
            date=d,
            log_id=logs[(v, d)][0] if (v, d) in logs else None,
            reason=(
                _("The log of %(date)s was begun but not signed.")
                if (v, d) in logs
                else _("Nobody filed a duty log on %(date)s.")
            )
            % {"date": _day(d)},
        )
        for v, d in missing
    ]
    return len(create_flags(rows, kinds=[FlagKind.MISSING_LOG]))


def create_flags(rows: list[DutyFlag], *, kinds) -> list[DutyFlag]:
    """Insert a job's flags (those already there are skipped by the unique key) and put
    the ones made in the audit trail, one row each in one statement, by no one (the job):
    each town reads its own flags' rows. Returns the flags made."""
    from django.db.models import Max

    if not rows:
        return []
    latest = DutyFlag.objects.aggregate(n=Max("pk"))["n"] or 0
    days = [row.date for row in rows]
    with transaction.atomic():
        DutyFlag.objects.bulk_create(rows, ignore_conflicts=True)
        # ids only grow: the rows past the latest before are this run's (or, at the same
        # moment, another worker's, which it records too)
        made = list(
            DutyFlag.objects.filter(
                kind__in=kinds, date__gte=min(days), date__lte=max(days), pk__gt=latest
            ).select_related("village")
        )
        audit.record_many(action=AuditAction.CREATE, instances=made, actor=None)
    return made


@transaction.atomic
def flag_dismiss(*, flag: DutyFlag, actor, reason: str) -> DutyFlag:
    """The town office looked at the flag and dismisses it, saying why."""
    flag = DutyFlag.objects.select_for_update().get(pk=flag.pk)
    reason = (reason or "").strip()
    if flag.dismissed_at is not None:
        raise ValidationError({NON_FIELD_ERRORS: _("This flag is already dismissed.")})
    if not reason:
        raise ValidationError({"dismiss_reason": _("Say why the flag is dismissed.")})
    before = audit.snapshot(flag)
    flag.dismissed_at, flag.dismissed_by, flag.dismiss_reason = timezone.now(), actor, reason
    flag.save(update_fields=["dismissed_at", "dismissed_by", "dismiss_reason"])
    audit.record(
        action=AuditAction.UPDATE, instance=flag, actor=actor, before=before, after=audit.snapshot(flag)
    )
    ensure_in_scope(instance=flag, actor=actor)
    return flag


@transaction.atomic
def office_code_issue(*, village: Village, actor, latitude=None, longitude=None) -> OfficeCode:
    """The village office's QR code: made, or made anew (voiding the printed one) by the
    town office."""

    def snap(c):  # the token is the office's secret: never in the trail
        return {k: v for k, v in audit.snapshot(c).items() if k != "token"} | {"token": "***"}

    code = OfficeCode.objects.select_for_update().filter(village=village).first()
    created = code is None
    before = None if created else snap(code)
    code = code or OfficeCode(village=village)
    if not created:
        code.token = new_office_token()
    if latitude is not None and longitude is not None:
        code.latitude, code.longitude = latitude, longitude
    code.full_clean()
    code.save()
    audit.record(
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=code,
        actor=actor,
        before=before,
        after=snap(code),
        extra=None if created else {"token": "renewed"},
    )
    ensure_in_scope(instance=code, actor=actor)
    return code


def run_once(*, log: DutyLog, key: str, action: str, run: Callable[[], object]) -> tuple[bool, object]:
    """Apply an entry sent with an idempotency key exactly once: the key is written
    first, in the same transaction as the entry (a second sending, even at the same
    moment, meets the unique key and applies nothing); an entry refused by its rules
    rolls the key back with it, so it can be sent again corrected. Returns (applied,
    what ``run`` returned)."""
    key = (key or "").strip()[:64]
    if not key:
        return True, run()
    with transaction.atomic():
        try:
            with transaction.atomic():
                LogSubmission.objects.create(log=log, key=key, action=action[:32])
        except IntegrityError:
            return False, None
        return True, run()
