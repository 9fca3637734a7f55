"""Household visits (行村制): recording a visit, its photos, a problem found on it
becoming a case, and the three musts (三必到) made known and answered.

One way in for every visit: :func:`visit_record`, whether the cadre on duty lists it in
the day's log (item 5, 联系农户访一访) or a cadre or grid worker records it from their
due list. A visit made by the cadre who files that village's draft log of the day belongs
to the log, so the day's visits show there. A visit of the kind "three musts" answers
the household's oldest open occasion (or the one chosen), in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit
from governance.choices import AuditAction
from governance.services import ensure_in_scope
from grids.models import Household

from .choices import THREE_MUSTS_DAYS, LogState, VisitKind
from .models import DutyLog, ThreeMust, Visit, VisitPhoto
from .policies import households_visitable_by


def _visitable(actor, household: Household | None) -> Household:
    """The household, if ``actor`` may visit it (a field error otherwise)."""
    if household is None or not households_visitable_by(actor).filter(pk=household.pk).exists():
        raise ValidationError(
            {"household": _("This household is not in your grid or village: visit your own.")}
        )
    return household


def fellow_visitors(household: Household):
    """Who may visit ``household`` beside the one recording: its village's cadres and its
    grid's workers (a first-level grid's too)."""
    from django.db.models import Q

    from governance.choices import Role
    from governance.models import User

    grids = [
        household.grid_id,
        *Household.objects.filter(pk=household.pk).values_list("grid__parent_id", flat=True),
    ]
    return (
        User.objects.filter(
            Q(memberships__role=Role.VILLAGE_CADRE, memberships__village_id=household.village_id)
            | Q(memberships__role=Role.GRID_WORKER, memberships__grid_id__in=[g for g in grids if g]),
            memberships__deleted_at__isnull=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def _duty_log_for(actor, household: Household, day: datetime.date) -> DutyLog | None:
    """The village's draft log of ``day`` filed by ``actor``, locked, if there is one."""
    return (
        DutyLog.objects.select_for_update()
        .filter(
            village_id=household.village_id,
            date=day,
            cadre_id=getattr(actor, "pk", None),
            state=LogState.DRAFT,
            deleted_at__isnull=True,
        )
        .first()
    )


@transaction.atomic
def visit_record(
    *,
    actor,
    household: Household | None,
    visited_at: datetime.datetime | None = None,
    kind: str = VisitKind.ROUTINE,
    found: str = "",
    visitors: Iterable = (),
    log: DutyLog | None = None,
    three_must: ThreeMust | None = None,
) -> Visit:
    """Record a visit to ``household`` by ``actor`` (and ``visitors`` beside them).

    Refused with a field error: a household outside the actor's grid or village, a time
    still to come. With ``log`` (the day's log, item 5) the visit belongs to it, and the
    log must be the actor's draft of the household's village; without, a visit made on a
    day the actor files the village's draft log joins that log. A three-musts visit
    answers ``three_must`` (an open occasion of the household), or else the household's
    oldest open one, if it has any."""
    household = _visitable(actor, household)
    if three_must is not None and kind != VisitKind.THREE_MUSTS:
        raise ValidationError({"kind": _("Only a three-musts visit answers a three-musts occasion.")})
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"visited_at": _("A visit cannot be recorded for a time still to come.")})
    day = timezone.localtime(visited_at).date()
    if log is not None:
        if log.village_id != household.village_id:
            raise ValidationError(
                {"household": _("Not a household of %(village)s.") % {"village": log.village.name}}
            )
        if log.cadre_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Only the cadre who files this log may change it."))
    else:
        log = _duty_log_for(actor, household, day)
    visit = Visit(
        household=household,
        visited_at=visited_at,
        kind=kind,
        found=(found or "").strip(),
        by=actor,
        log=log,
    )
    visit.full_clean()
    people = {actor.pk, *(getattr(v, "pk", v) for v in visitors)}
    if people - {actor.pk} - set(fellow_visitors(household).values_list("pk", flat=True)):
        raise ValidationError(
            {"visitors": _("Fellow visitors are the village's cadres and the grid's workers.")}
        )
    visit.save()
    visit.visitors.set(sorted(people))
    audit.record(action=AuditAction.CREATE, instance=visit, actor=actor, after=audit.snapshot(visit))
    if kind == VisitKind.THREE_MUSTS:
        _answer(visit, three_must, actor)
    ensure_in_scope(instance=visit, actor=actor)
    return visit


def _answer(visit: Visit, chosen: ThreeMust | None, actor) -> None:
    """The three-musts occasion ``visit`` answers: ``chosen``, or the household's oldest
    open one (none open: the visit stands alone). Locked, so two visits recorded at once
    do not both answer it."""
    open_ = ThreeMust.objects.select_for_update().filter(
        household_id=visit.household_id, visit__isnull=True, deleted_at__isnull=True
    )
    if chosen is not None:
        occasion = open_.filter(pk=chosen.pk).first()
        if occasion is None:
            raise ValidationError(
                {"three_must": _("This occasion is not an open three-musts occasion of this household.")}
            )
    else:
        occasion = open_.order_by("due_on", "id").first()
        if occasion is None:
            return
    before = audit.snapshot(occasion)
    occasion.visit = visit
    occasion.save(update_fields=["visit", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=occasion,
        actor=actor,
        before=before,
        after=audit.snapshot(occasion),
    )


def _office_town_ids(actor) -> set[int]:
    from governance.scoping import OFFICE, resolve_scope

    return resolve_scope(actor).ids("town", [OFFICE])


def households_for_three_musts(actor):
    """The households ``actor`` may make a three-musts occasion known for: those they
    visit, and every household of their town office's town."""
    from django.db.models import Q

    towns = _office_town_ids(actor)
    visitable = households_visitable_by(actor)
    if not towns:
        return visitable
    return Household.objects.filter(deleted_at__isnull=True).filter(
        Q(pk__in=visitable.values("pk")) | Q(town_id__in=towns)
    )


@transaction.atomic
def three_must_add(
    *,
    actor,
    household: Household | None,
    occasion: str,
    known_on: datetime.date | None = None,
    note: str = "",
) -> ThreeMust:
    """A three-musts occasion (in hospital, an emergency, a wedding or funeral) made known:
    the household must be visited within THREE_MUSTS_DAYS days of ``known_on``. Made known
    by those who visit the household, or by the town office."""
    if household is None or not households_for_three_musts(actor).filter(pk=household.pk).exists():
        raise ValidationError(
            {"household": _("This household is not in your grid or village: visit your own.")}
        )
    today = timezone.localdate()
    known_on = known_on or today
    if known_on > today:
        raise ValidationError({"known_on": _("An occasion cannot be made known for a day still to come.")})
    row = ThreeMust(
        household=household,
        occasion=occasion,
        note=(note or "").strip(),
        known_on=known_on,
        due_on=known_on + datetime.timedelta(days=THREE_MUSTS_DAYS),
        reported_by=actor,
    )
    row.full_clean()
    row.save()
    audit.record(action=AuditAction.CREATE, instance=row, actor=actor, after=audit.snapshot(row))
    ensure_in_scope(instance=row, actor=actor)
    return row


@transaction.atomic
def visit_photo_add(*, visit: Visit, actor, upload) -> VisitPhoto:
    """A photo of a visit, prepared as a case's photo is (cases.photos: images only,
    re-encoded, resized, size-limited). Only those who made the visit add them."""
    from cases import photos

    from .motions import photo_hash

    stored = photos.prepare(upload)  # before any write
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if not visit.visitors.filter(pk=getattr(actor, "pk", None)).exists():
        raise PermissionDenied(_("Only those who made this visit may add its photos."))
    row = VisitPhoto(visit=visit, phash=photo_hash(stored))
    row.file.save(stored.name, stored, save=False)
    row.save()
    audit.record(
        action=AuditAction.UPDATE,
        instance=visit,
        actor=actor,
        extra={"photo": {"id": row.pk}},
    )
    return row


@transaction.atomic
def visit_report(*, visit: Visit, kind, actor, description: str = "") -> Visit:
    """A problem found on a visit becomes a case (source: household visit) through the
    cases service, linked from the visit. Only its recorder or a fellow visitor reports it."""
    from cases.choices import Source
    from cases.services import case_report

    visit = Visit.objects.select_for_update().select_related("household").get(pk=visit.pk)
    if not visit.visitors.filter(pk=getattr(actor, "pk", None)).exists():
        raise PermissionDenied(_("Only those who made this visit may report what they found."))
    if visit.case_id is not None:
        raise ValidationError({"visit": _("A case is already reported from this visit.")})
    text = (description or "").strip() or visit.found
    if not text:
        raise ValidationError({"description": _("Say what the problem is.")})
    case = case_report(
        actor=actor,
        data={
            "village_id": visit.village_id,
            "grid_id": visit.grid_id,
            "household": visit.household,
            "kind": kind,
            "source": Source.VISIT,
            "description": text,
        },
    )
    before = audit.snapshot(visit)
    visit.case = case
    visit.save(update_fields=["case", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=visit, actor=actor, before=before, after=audit.snapshot(visit)
    )
    return visit
