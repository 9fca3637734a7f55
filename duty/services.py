"""Writes to duty rosters: create, set days, fill by rotation, publish, amend, delete;
and a town's deadline.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from governance import audit, workdays
from governance.choices import AuditAction, Role
from governance.models import User
from governance.services import ensure_in_scope, governed_delete
from grids.models import Town, Village

from .choices import MAX_TEAM, Position, RosterState
from .models import Amendment, DutySettings, Roster, Shift, month_days, month_end


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
