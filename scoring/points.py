"""Party-member points (党员积分制): the rule book, the ledger and how points arrive.

* Rules are versioned: a change is a new version valid from a date (the previous version
  ends the day before); an old version is never edited, and every entry names the version
  it was earned under, so last year's totals stay as they were.
* The ledger is append-only: a manual entry (the town office's only; cadres read their
  village's ledger) or a collected one; a correction is a reversing entry.
* Collection (:func:`collect`) reads the other apps' events of a date range — signed duty
  logs, household visits, cases solved at the village level in time, attendance at the
  theme party day — in one query per source, and writes each (rule, event, member) once:
  the unique key (member, rule_code, source_key) with ``bulk_create(ignore_conflicts=True)``,
  never a check-then-insert. A rule's cap per month or year holds on two workers because
  every writer of a town's entries takes the town's lock (:func:`_lock_town`) and counts
  what the ledger already holds under it.
* Theme party days (主题党日) with their attendance, the yearly bar and rectifications.

Each write is atomic, checks everything before it writes, is audited, and re-checks that
what it wrote is the actor's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit
from governance.choices import AuditAction, Role
from governance.scoping import CADRE, CHANGE, OFFICE, VIEW, resolve_scope, restrict
from governance.services import ensure_in_scope
from grids.models import PartyBranch, PartyMember, Town

from .choices import CapPeriod, PointSource
from .models import Attendance, PointEntry, PointRule, PointsBar, Rectification, ThemeDay

#: The sources an entry may be recorded by hand under.
MANUAL_SOURCES = (PointSource.MANUAL, PointSource.VOLUNTEERING)
POINTS_MIN, POINTS_MAX = -100, 100
# The class of the PostgreSQL advisory locks that serialise the writers of a town's
# ledger (the second key is the town's id).
LOCK_CLASS = 7001


def _day_before(d: datetime.date) -> datetime.date:
    return d - datetime.timedelta(days=1)


def this_year() -> int:
    return timezone.localdate().year


# ---------------------------------------------------------------------------------------
# Selectors: the only ways out
# ---------------------------------------------------------------------------------------


def rules_for_user(user, action: str = VIEW) -> QuerySet[PointRule]:
    return restrict(PointRule.objects.select_related("town"), user, action)


def entries_for_user(user, action: str = VIEW) -> QuerySet[PointEntry]:
    return restrict(
        PointEntry.objects.select_related(
            "member__resident", "member__branch", "rule", "village", "recorded_by", "reverses"
        ),
        user,
        action,
    )


def theme_days_for_user(user, action: str = VIEW) -> QuerySet[ThemeDay]:
    return restrict(
        ThemeDay.objects.filter(deleted_at__isnull=True).select_related("branch", "village"), user, action
    )


def bars_for_user(user, action: str = VIEW) -> QuerySet[PointsBar]:
    return restrict(PointsBar.objects.select_related("town"), user, action)


def rectifications_for_user(user, action: str = VIEW) -> QuerySet[Rectification]:
    return restrict(
        Rectification.objects.filter(deleted_at__isnull=True).select_related("member__resident", "village"),
        user,
        action,
    )


def members_for_user(user) -> QuerySet[PartyMember]:
    return restrict(
        PartyMember.objects.filter(deleted_at__isnull=True).select_related("resident", "branch", "village"),
        user,
    )


def members_writable_by(user) -> QuerySet[PartyMember]:
    """The members whose ledger ``user`` may write a manual entry in: the town office's
    town, a village cadre's village."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return members_for_user(user)
    towns, villages = scope.ids("town", [OFFICE]), scope.ids("village", [CADRE])
    if not towns and not villages:
        return PartyMember.objects.none()
    return members_for_user(user).filter(Q(town_id__in=towns) | Q(village_id__in=villages))


def ledger_members_writable_by(user) -> QuerySet[PartyMember]:
    """The members in whose ledger ``user`` may record a manual entry: the town office's
    town only (DESIGN: the ledger is read-only for village cadres)."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return members_for_user(user)
    towns = scope.ids("town", [OFFICE])
    if not towns:
        return PartyMember.objects.none()
    return members_for_user(user).filter(town_id__in=towns)


def branches_writable_by(user) -> QuerySet[PartyBranch]:
    """The branches whose theme party days ``user`` records (office: the town's; cadre:
    the village's)."""
    scope = resolve_scope(user)
    qs = PartyBranch.objects.filter(deleted_at__isnull=True).select_related("village")
    if scope.is_superuser:
        return qs
    towns, villages = scope.ids("town", [OFFICE]), scope.ids("village", [CADRE])
    return qs.filter(Q(town_id__in=towns) | Q(village_id__in=villages))


def member_of_user(user) -> PartyMember | None:
    """The party member a user is, through their membership of role party member."""
    from governance.models import Membership

    row = (
        Membership.objects.filter(
            user_id=user.pk,
            role=Role.PARTY_MEMBER,
            deleted_at__isnull=True,
            party_member__deleted_at__isnull=True,
        )
        .select_related("party_member__resident", "party_member__branch", "party_member__village")
        .order_by("id")
        .first()
    )
    return row.party_member if row else None


def year_totals(members: QuerySet[PartyMember], year: int) -> QuerySet[PartyMember]:
    """``members`` with ``total``: the sum of their entries of ``year`` (0 without any)."""
    return members.annotate(
        total=Coalesce(
            Sum("point_entries__points", filter=Q(point_entries__date__year=year)),
            Value(0),
            output_field=IntegerField(),
        )
    )


@dataclass(frozen=True)
class Standing:
    total: int
    rank: int
    of: int


def branch_standing(member: PartyMember, year: int) -> Standing:
    """The member's total of ``year`` and rank in their branch (1 + the members ahead;
    equal totals share a rank), in one query."""
    totals = list(
        year_totals(
            PartyMember.objects.filter(branch_id=member.branch_id, deleted_at__isnull=True), year
        ).values_list("pk", "total")
    )
    mine = next((t for pk, t in totals if pk == member.pk), 0)
    return Standing(total=mine, rank=1 + sum(1 for _pk, t in totals if t > mine), of=len(totals))


def totals_by_source(entries: QuerySet[PointEntry]) -> list[dict]:
    """Where the points came from: the sum and count of ``entries`` per source."""
    labels = dict(PointSource.choices)
    rows = entries.order_by().values("source").annotate(total=Sum("points"), n=Count("id")).order_by("-total")
    return [{"source": r["source"], "label": labels.get(r["source"], r["source"]), **r} for r in rows]


def rule_in_force(*, town_id: int, code: str, on: datetime.date) -> PointRule | None:
    return (
        PointRule.objects.filter(town_id=town_id, code=code, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .first()
    )


def current_rules(town_ids: Iterable[int] | None = None) -> QuerySet[PointRule]:
    """Each rule's latest version (the one without an end)."""
    qs = PointRule.objects.filter(valid_until__isnull=True)
    return qs.filter(town_id__in=town_ids) if town_ids is not None else qs


# ---------------------------------------------------------------------------------------
# Locks
# ---------------------------------------------------------------------------------------


def _lock_town(town_id: int) -> None:
    """Serialise the writers of one town's ledger until the transaction ends: two
    collections (or a collection and a manual entry) then count each other's points
    against a cap. PostgreSQL: an advisory lock, which blocks no other write (a row lock
    on the town would hold up every insert that refers to the town). Elsewhere the
    database serialises writers itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, town_id])


def _period_bounds(rule: PointRule, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    if rule.cap_period == CapPeriod.YEAR:
        return datetime.date(on.year, 1, 1), datetime.date(on.year, 12, 31)
    first = on.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, _day_before(following)


def _period_key(rule: PointRule, on: datetime.date) -> tuple[int, int]:
    return (on.year, 0) if rule.cap_period == CapPeriod.YEAR else (on.year, on.month)


# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------


def _check_points(points) -> None:
    if points is None or not POINTS_MIN <= points <= POINTS_MAX or points == 0:
        raise ValidationError({"points": _("Points are a whole number from -100 to 100, not 0.")})


RULES_EARLIEST = datetime.date(2000, 1, 1)


def _check_valid_from(valid_from) -> None:
    """A rule's version starts from 2000-01-01 to a year ahead (a later day would overflow
    the dates computed from it)."""
    latest = timezone.localdate() + datetime.timedelta(days=366)
    if valid_from is not None and not RULES_EARLIEST <= valid_from <= latest:
        raise ValidationError(
            {"valid_from": _("A rule applies from a day between 1 January 2000 and a year from today.")}
        )


def _office_of(actor, town_id: int) -> None:
    scope = resolve_scope(actor)
    if not scope.is_superuser and town_id not in scope.ids("town", [OFFICE]):
        raise PermissionDenied(_("Only the town office keeps its town's point rules."))


@transaction.atomic
def rule_create(
    *,
    town: Town,
    code: str,
    name: str,
    source: str,
    points: int,
    cap: int | None = None,
    cap_period: str = CapPeriod.MONTH,
    valid_from: datetime.date,
    actor,
) -> PointRule:
    """A new rule of ``town`` (its first version, from ``valid_from``)."""
    _office_of(actor, town.pk)
    code = (code or "").strip()
    if code and PointRule.objects.filter(town=town, code=code).exists():
        raise ValidationError(
            {"code": _("The town already has a rule with this code: give it a new version instead.")}
        )
    _check_valid_from(valid_from)
    _check_points(points)
    rule = PointRule(
        town=town,
        code=code,
        name=(name or "").strip(),
        source=source,
        points=points,
        cap=cap,
        cap_period=cap_period or CapPeriod.MONTH,
        valid_from=valid_from,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    rule.full_clean()
    rule.save()
    audit.record(action=AuditAction.CREATE, instance=rule, actor=actor, after=audit.snapshot(rule))
    ensure_in_scope(instance=rule, actor=actor)
    return rule


@transaction.atomic
def rule_new_version(
    *,
    rule: PointRule,
    valid_from: datetime.date,
    actor,
    name: str | None = None,
    points: int | None = None,
    cap: int | None = None,
    cap_period: str | None = None,
) -> PointRule:
    """A new version of ``rule`` (any of its versions names it) from ``valid_from``: the
    latest version ends the day before. Old versions are never edited otherwise, so what
    was earned under them stays as it was."""
    _office_of(actor, rule.town_id)
    # Every version of the rule, locked: two new versions at once are applied in turn.
    versions = list(
        PointRule.objects.select_for_update()
        .filter(town_id=rule.town_id, code=rule.code)
        .order_by("-valid_from")
    )
    latest = versions[0]
    if valid_from is None:
        raise ValidationError({"valid_from": _("Say from which day the new version applies.")})
    _check_valid_from(valid_from)
    if any(v.valid_from == valid_from for v in versions):
        raise ValidationError({"valid_from": _("This rule already has a version from this day.")})
    if valid_from < latest.valid_from:
        raise ValidationError(
            {
                "valid_from": _("A new version starts after the latest one (from %(date)s).")
                % {"date": latest.valid_from.isoformat()}
            }
        )
    points = latest.points if points is None else points
    _check_points(points)
    new = PointRule(
        town_id=latest.town_id,
        code=latest.code,
        name=(name if name is not None else latest.name).strip(),
        source=latest.source,
        points=points,
        cap=cap,
        cap_period=cap_period or latest.cap_period,
        valid_from=valid_from,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    new.full_clean()
    before = audit.snapshot(latest)
    latest.valid_until = _day_before(valid_from)
    latest.save(update_fields=["valid_until"])
    audit.record(
        action=AuditAction.UPDATE, instance=latest, actor=actor, before=before, after=audit.snapshot(latest)
    )
    new.save()
    audit.record(action=AuditAction.CREATE, instance=new, actor=actor, after=audit.snapshot(new))
    ensure_in_scope(instance=new, actor=actor)
    return new


# ---------------------------------------------------------------------------------------
# The ledger: manual entries and reversals
# ---------------------------------------------------------------------------------------


def _cap_room(rule: PointRule, member_id: int, on: datetime.date) -> int | None:
    """How many more points ``rule`` may give the member in the period of ``on``."""
    if not rule.cap:
        return None
    first, last = _period_bounds(rule, on)
    held = (
        PointEntry.objects.filter(
            member_id=member_id, rule_code=rule.code, date__range=(first, last)
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )
    return rule.cap - held


@transaction.atomic
def entry_record(
    *,
    member: PartyMember,
    rule: PointRule,
    date: datetime.date,
    reason: str,
    actor,
    points: int | None = None,
) -> PointEntry:
    """A manual entry in ``member``'s ledger under ``rule`` (of source manual or
    volunteering; the version in force on ``date``), with a reason. The town office
    records for its town's members; a village cadre only reads the ledger."""
    if not ledger_members_writable_by(actor).filter(pk=member.pk).exists():
        raise PermissionDenied(_("This party member is not yours to record points for."))
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the points are given or taken.")
    if rule.source not in MANUAL_SOURCES:
        errors["rule"] = _("Points of this rule arrive by themselves; choose a manual or volunteering rule.")
    elif rule.town_id != member.town_id:
        errors["rule"] = _("This rule is another town's.")
    if date is None:
        errors["date"] = _("Give the date.")
    elif date > timezone.localdate():
        errors["date"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    version = rule_in_force(town_id=rule.town_id, code=rule.code, on=date)
    if version is None:
        raise ValidationError({"date": _("This rule was not in force on that day.")})
    points = version.points if points is None else points
    _check_points(points)
    _lock_town(member.town_id)
    room = _cap_room(version, member.pk, date)
    if room is not None and points > 0 and points > room:
        raise ValidationError(
            {
                "points": _("This rule gives at most %(cap)s points %(period)s; %(room)s are left.")
                % {"cap": version.cap, "period": version.get_cap_period_display(), "room": max(room, 0)}
            }
        )
    entry = PointEntry(
        town_id=member.town_id,
        village_id=member.village_id,
        member=member,
        rule=version,
        rule_code=version.code,
        points=points,
        date=date,
        source=version.source,
        reason=reason,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    entry.full_clean()
    entry.save()
    audit.record(action=AuditAction.CREATE, instance=entry, actor=actor, after=audit.snapshot(entry))
    ensure_in_scope(instance=entry, actor=actor)
    return entry


@transaction.atomic
def entry_reverse(*, entry: PointEntry, reason: str, actor) -> PointEntry:
    """A reversing entry: the opposite points, the same member, rule and date, with a
    reason; the entry itself is never changed. One reversal per entry; a reversal is not
    reversed (record a new entry instead). The town office's."""
    if not restrict(PointEntry.objects.filter(pk=entry.pk), actor, CHANGE).exists():
        raise PermissionDenied(_("Only the town office reverses entries of its town's ledger."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is reversed.")})
    reversal = _reverse(entry, reason=reason, actor=actor)
    ensure_in_scope(instance=reversal, actor=actor)
    return reversal


def _reverse(entry: PointEntry, *, reason: str, actor) -> PointEntry:
    # The entry's row locked: two reversals at once are applied in turn, and the second
    # finds the first (the one-to-one ``reverses`` would refuse it anyway).
    locked = PointEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.reverses_id:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This entry is itself a reversal; record a new entry instead.")}
        )
    if PointEntry.objects.filter(reverses=locked).exists():
        raise ValidationError({NON_FIELD_ERRORS: _("This entry is already reversed.")})
    _lock_town(locked.town_id)
    reversal = PointEntry(
        town_id=locked.town_id,
        village_id=locked.village_id,
        member_id=locked.member_id,
        rule_id=locked.rule_id,
        rule_code=locked.rule_code,
        points=-locked.points,
        date=locked.date,
        source=locked.source,
        reason=reason[:200],
        recorded_by=actor if getattr(actor, "pk", None) else None,
        reverses=locked,
    )
    reversal.save()
    audit.record(
        action=AuditAction.CREATE,
        instance=reversal,
        actor=actor,
        after=audit.snapshot(reversal),
        extra={"reverses": locked.pk},
    )
    return reversal


# ---------------------------------------------------------------------------------------
# Collection: points that arrive by themselves
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A source event that earns a member points: ``key`` names it in the ledger."""

    town_id: int
    village_id: int
    member_id: int
    source: str
    key: str
    date: datetime.date


def _party_members_by_user() -> dict[int, list[tuple[int, int, int]]]:
    """user id → [(member id, town id, village id)] through memberships of role party
    member (one query): users without one earn nothing."""
    from governance.models import Membership

    out: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    rows = Membership.objects.filter(
        role=Role.PARTY_MEMBER,
        deleted_at__isnull=True,
        party_member__isnull=False,
        party_member__deleted_at__isnull=True,
        user__is_active=True,
    ).values_list("user_id", "party_member_id", "party_member__town_id", "party_member__village_id")
    for user_id, member_id, town_id, village_id in rows:
        out[user_id].append((member_id, town_id, village_id))
    return out


def _span(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def collected_events(first: datetime.date, last: datetime.date) -> list[Event]:
    """The events from ``first`` to ``last`` (local dates) that earn points, one query
    per source: the cadre of a signed duty log, each visitor of a household visit, the
    solver of a case solved at the village level within its deadline, each member present
    at a theme party day."""
    from cases.choices import Level, Move
    from cases.models import CasePeriod
    from duty.choices import LogState
    from duty.models import DutyLog, Visit
    from governance.models import Membership

    by_user = _party_members_by_user()
    if not by_user and not Attendance.objects.exists():
        return []
    party_users = Membership.objects.filter(
        role=Role.PARTY_MEMBER, deleted_at__isnull=True, party_member__isnull=False
    ).values("user_id")
    start, end = _span(first, last)
    events: list[Event] = []

    def add(user_id, source, key, on):
        for member_id, town_id, village_id in by_user.get(user_id, ()):
            events.append(Event(town_id, village_id, member_id, source, key, on))

    if by_user:
        logs = DutyLog.objects.filter(
            state=LogState.SIGNED,
            deleted_at__isnull=True,
            date__range=(first, last),
            cadre_id__in=party_users,
        ).values_list("id", "cadre_id", "date")
        for pk, user_id, on in logs:
            add(user_id, PointSource.DUTY_LOG, f"duty_log:{pk}", on)

        visitors = Visit.visitors.through.objects.filter(
            visit__visited_at__gte=start,
            visit__visited_at__lt=end,
            visit__deleted_at__isnull=True,
            user_id__in=party_users,
        ).values_list("visit_id", "user_id", "visit__visited_at")
        for pk, user_id, at in visitors:
            add(user_id, PointSource.VISIT, f"visit:{pk}", timezone.localdate(at))

        # A case solved at the village level before its deadline: the village's period
        # that ended with the solution and met its deadline; the solver earns it.
        solved = CasePeriod.objects.filter(
            level=Level.VILLAGE,
            met=True,
            outcome__in=[Move.SOLVE, Move.SOLVE_ON_SPOT],
            ended_at__gte=start,
            ended_at__lt=end,
            case__deleted_at__isnull=True,
            case__solved_by_id__in=party_users,
        ).values_list("case_id", "case__solved_by_id", "ended_at")
        for pk, user_id, at in solved:
            add(user_id, PointSource.CASE_ON_TIME, f"case:{pk}", timezone.localdate(at))

    present = Attendance.objects.filter(
        present=True,
        day__deleted_at__isnull=True,
        day__date__range=(first, last),
        member__deleted_at__isnull=True,
    ).values_list("day_id", "member_id", "member__town_id", "member__village_id", "day__date")
    for day_id, member_id, town_id, village_id, on in present:
        events.append(Event(town_id, village_id, member_id, PointSource.THEME_DAY, f"theme_day:{day_id}", on))
    return events


def _versions(town_ids: set[int], first: datetime.date, last: datetime.date) -> dict:
    """(town id, source) → the versions of its collected rules overlapping the range."""
    out: dict[tuple[int, str], list[PointRule]] = defaultdict(list)
    rows = PointRule.objects.filter(town_id__in=town_ids, valid_from__lte=last).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=first)
    )
    for rule in rows.order_by("code", "valid_from"):
        out[(rule.town_id, rule.source)].append(rule)
    return out


def _in_force(versions: list[PointRule], on: datetime.date) -> list[PointRule]:
    return [v for v in versions if v.valid_from <= on and (v.valid_until is None or v.valid_until >= on)]


def collect(*, first: datetime.date, last: datetime.date) -> dict[str, int]:
    """Points for the events from ``first`` to ``last``, each (member, rule, event) once,
    within the caps of the versions in force on the events' dates. Idempotent and safe on
    two workers: each town in a transaction of its own under the town's lock, what the
    ledger holds counted under it, inserts that ignore a key already there. Returns the
    entries written per source."""
    events = collected_events(first, last)
    written: dict[str, int] = defaultdict(int)
    if not events:
        return dict(written)
    by_town: dict[int, list[Event]] = defaultdict(list)
    for e in events:
        by_town[e.town_id].append(e)
    versions = _versions(set(by_town), first, last)
    for town_id in sorted(by_town):
        for source, n in _collect_town(town_id, by_town[town_id], versions, first, last).items():
            written[source] += n
    return dict(written)


@transaction.atomic
def _collect_town(town_id: int, events: list[Event], versions: dict, first, last) -> dict[str, int]:
    plans = []  # (event, version)
    for e in sorted(events, key=lambda e: (e.date, e.source, e.key, e.member_id)):
        for version in _in_force(versions.get((town_id, e.source), ()), e.date):
            plans.append((e, version))
    if not plans:
        return {}
    _lock_town(town_id)
    codes = {v.code for _e, v in plans}
    # What the ledger already holds, read under the lock: the events already earned, and
    # the points of the capped rules in their periods (a month or a year around the range).
    held_keys = set(
        PointEntry.objects.filter(town_id=town_id, rule_code__in=codes, date__range=(first, last))
        .exclude(source_key="")
        .values_list("member_id", "rule_code", "source_key")
    )
    capped = {v.code for _e, v in plans if v.cap}
    held: dict[tuple, int] = defaultdict(int)
    if capped:
        span_first = datetime.date(first.year, 1, 1)
        span_last = datetime.date(last.year, 12, 31)
        rows = (
            PointEntry.objects.filter(
                town_id=town_id, rule_code__in=capped, date__range=(span_first, span_last)
            )
            .values_list("member_id", "rule_code", "date__year", "date__month")
            .annotate(s=Sum("points"))
            .order_by()
        )
        for member_id, code, year, month, s in rows:
            held[(member_id, code, year, month)] += s or 0
            held[(member_id, code, year, 0)] += s or 0
    now_new: list[PointEntry] = []
    written: dict[str, int] = defaultdict(int)
    for e, v in plans:
        k = (e.member_id, v.code, e.key)
        if k in held_keys:
            continue
        held_keys.add(k)
        points = v.points
        if v.cap and points > 0:
            period = (e.member_id, v.code, *_period_key(v, e.date))
            room = v.cap - held[period]
            if room <= 0:
                continue
            points = min(points, room)
            held[period] += points
            if v.cap_period == CapPeriod.MONTH:  # keep the year's figure right too
                held[(e.member_id, v.code, e.date.year, 0)] += points
        now_new.append(
            PointEntry(
                town_id=town_id,
                village_id=e.village_id,
                member_id=e.member_id,
                rule_id=v.pk,
                rule_code=v.code,
                points=points,
                date=e.date,
                source=e.source,
                source_key=e.key,
            )
        )
        written[e.source] += 1
    # The unique key is the last word: a row another writer put there first is skipped.
    PointEntry.objects.bulk_create(now_new, batch_size=2000, ignore_conflicts=True)
    return dict(written)


# ---------------------------------------------------------------------------------------
# Theme party days (主题党日)
# ---------------------------------------------------------------------------------------


def first_friday(year: int, month: int) -> datetime.date:
    d = datetime.date(year, month, 1)
    return d + datetime.timedelta(days=(4 - d.weekday()) % 7)


def _attendance_rows(
    branch: PartyBranch, attendance: Mapping[int, tuple[bool, str]]
) -> dict[int, tuple[bool, str]]:
    members = set(
        PartyMember.objects.filter(branch=branch, deleted_at__isnull=True).values_list("pk", flat=True)
    )
    strangers = set(attendance) - members
    if strangers:
        raise ValidationError(
            {"attendance": _("Only members of the branch can be marked present or absent.")}
        )
    return {pk: attendance.get(pk, (False, "")) for pk in members}


@transaction.atomic
def theme_day_record(
    *,
    branch: PartyBranch,
    date: datetime.date,
    topics: str,
    note: str = "",
    attendance: Mapping[int, tuple[bool, str]],
    actor,
) -> ThemeDay:
    """The branch's theme party day: the meeting, its topics and each member present or
    absent (those not named are absent). The village's cadres or the town office."""
    if not branches_writable_by(actor).filter(pk=branch.pk).exists():
        raise PermissionDenied(_("This branch is not yours to record."))
    errors = {}
    if date is None:
        errors["date"] = _("Give the date.")
    elif date > timezone.localdate():
        errors["date"] = _("The date cannot be in the future.")
    if not (topics or "").strip():
        errors["topics"] = _("Name the matters put to the members.")
    if errors:
        raise ValidationError(errors)
    rows = _attendance_rows(branch, attendance)
    day = ThemeDay(branch=branch, date=date, topics=topics.strip(), note=(note or "").strip())
    day.full_clean()
    day.save()
    Attendance.objects.bulk_create(
        Attendance(day=day, member_id=pk, present=present, note=(n or "")[:200])
        for pk, (present, n) in sorted(rows.items())
    )
    audit.record(
        action=AuditAction.CREATE,
        instance=day,
        actor=actor,
        after=audit.snapshot(day),
        extra={"present": sorted(pk for pk, (p, _n) in rows.items() if p)},
    )
    ensure_in_scope(instance=day, actor=actor)
    return day


@transaction.atomic
def theme_day_update(
    *,
    day: ThemeDay,
    topics: str,
    note: str,
    attendance: Mapping[int, tuple[bool, str]],
    actor,
) -> ThemeDay:
    """Change the topics, note and attendance. A member now marked absent who has been
    given the day's points gets a reversing entry (the ledger is never edited)."""
    day = theme_days_for_user(actor, CHANGE).select_for_update(of=("self",)).filter(pk=day.pk).first()
    if day is None:
        raise PermissionDenied(_("This theme party day is not yours to change."))
    if not (topics or "").strip():
        raise ValidationError({"topics": _("Name the matters put to the members.")})
    rows = _attendance_rows(day.branch, attendance)
    before = audit.snapshot(day)
    day.topics, day.note = topics.strip(), (note or "").strip()
    day.full_clean()
    day.save(update_fields=["topics", "note", "updated_at"])
    existing = {a.member_id: a for a in day.attendance.all()}
    changed = []
    for pk, (present, n) in rows.items():
        a = existing.get(pk)
        if a is None:
            Attendance.objects.create(day=day, member_id=pk, present=present, note=(n or "")[:200])
        elif (a.present, a.note) != (present, (n or "")[:200]):
            if a.present and not present:
                changed.append(pk)
            a.present, a.note = present, (n or "")[:200]
            a.save(update_fields=["present", "note"])
    earned = PointEntry.objects.filter(
        member_id__in=changed,
        source_key=f"theme_day:{day.pk}",
        reverses__isnull=True,
        reversed_by__isnull=True,
    )
    for entry in earned:
        # The system's consequence of the attendance record (not a manual ledger write,
        # which is the office's only): the reason names who changed the record.
        who = getattr(actor, "get_username", lambda: "")() or "-"
        _reverse(
            entry,
            reason=_("Marked absent after the points were given (by %(who)s).") % {"who": who},
            actor=actor,
        )
    audit.record(
        action=AuditAction.UPDATE,
        instance=day,
        actor=actor,
        before=before,
        after=audit.snapshot(day),
        extra={"present": sorted(pk for pk, (p, _n) in rows.items() if p)},
    )
    return day


def next_theme_day(today: datetime.date) -> datetime.date:
    """The next first Friday (the day 双山村 holds it) from ``today`` on."""
    d = first_friday(today.year, today.month)
    if d < today:
        nxt = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        d = first_friday(nxt.year, nxt.month)
    return d


# ---------------------------------------------------------------------------------------
# The yearly bar and rectifications (整改)
# ---------------------------------------------------------------------------------------


@transaction.atomic
def bar_set(*, town: Town, year: int, minimum: int, actor) -> PointsBar:
    """The town's bar of ``year`` (set again: changed)."""
    _office_of(actor, town.pk)
    if minimum is None or minimum < 0 or minimum > 10000:
        raise ValidationError({"minimum": _("The bar is a whole number from 0 to 10000.")})
    if year is None or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year from 2000 to 2100.")})
    bar = PointsBar.objects.select_for_update().filter(town=town, year=year).first()
    before = audit.snapshot(bar) if bar else None
    if bar is None:
        bar = PointsBar(town=town, year=year, minimum=minimum)
    bar.minimum = minimum
    bar.full_clean()
    bar.save()
    audit.record(
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=bar,
        actor=actor,
        before=before,
        after=audit.snapshot(bar),
    )
    return bar


def below_bar(user, year: int) -> QuerySet[PartyMember]:
    """The members ``user`` sees whose total of ``year`` is below their town's bar, lowest
    first, each with ``total`` and ``minimum`` (one query)."""
    bar = PointsBar.objects.filter(town_id=OuterRef("town_id"), year=year).values("minimum")[:1]
    return (
        year_totals(members_for_user(user), year)
        .annotate(minimum=Subquery(bar))
        .filter(minimum__isnull=False, total__lt=F("minimum"))
        .order_by("total", "village__code", "pk")
    )


@transaction.atomic
def rectification_record(*, member: PartyMember, year: int, plan: str, actor) -> Rectification:
    """A member below the bar of ``year`` and the plan to rectify (整改): the town office
    or the member's village's cadres."""
    if not members_writable_by(actor).filter(pk=member.pk).exists():
        raise PermissionDenied(_("This party member is not yours to record."))
    if not (plan or "").strip():
        raise ValidationError({"plan": _("Write the rectification plan.")})
    bar = PointsBar.objects.filter(town_id=member.town_id, year=year).first()
    if bar is None:
        raise ValidationError({"year": _("The town has set no bar for this year.")})
    total = PointEntry.objects.filter(member=member, date__year=year).aggregate(s=Sum("points"))["s"] or 0
    if total >= bar.minimum:
        raise ValidationError(
            {
                "member": _("This member's %(total)s points are not below the bar of %(bar)s.")
                % {"total": total, "bar": bar.minimum}
            }
        )
    rect = Rectification(member=member, year=year, points=total, plan=plan.strip())
    rect.full_clean()
    rect.save()
    audit.record(action=AuditAction.CREATE, instance=rect, actor=actor, after=audit.snapshot(rect))
    ensure_in_scope(instance=rect, actor=actor)
    return rect


@transaction.atomic
def rectification_update(
    *, rectification: Rectification, plan: str, done_on: datetime.date | None, result: str, actor
) -> Rectification:
    rect = (
        rectifications_for_user(actor, CHANGE)
        .select_for_update(of=("self",))
        .filter(pk=rectification.pk)
        .first()
    )
    if rect is None:
        raise PermissionDenied(_("This rectification is not yours to change."))
    errors = {}
    if not (plan or "").strip():
        errors["plan"] = _("Write the rectification plan.")
    if done_on is not None and done_on > timezone.localdate():
        errors["done_on"] = _("The date cannot be in the future.")
    if done_on is not None and not (result or "").strip():
        errors["result"] = _("Say what the rectification achieved.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(rect)
    rect.plan, rect.done_on, rect.result = plan.strip(), done_on, (result or "").strip()
    rect.full_clean()
    rect.save()
    audit.record(
        action=AuditAction.UPDATE, instance=rect, actor=actor, before=before, after=audit.snapshot(rect)
    )
    return rect
