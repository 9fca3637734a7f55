"""Household visits (行村制): recording a visit, and a problem found on it becoming a case.

One way in for every visit: :func:`visit_record`, whether the cadre on duty lists it in
the day's log (item 5, 联系农户访一访) or a cadre or grid worker records it from their
due list. A visit made by the cadre who files that village's draft log of the day belongs
to the log, so the day's visits show there.
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

from .choices import LogState, VisitKind
from .models import DutyLog, Visit
from .policies import households_visitable_by


def _visitable(actor, household: Household | None) -> Household:
    """The household, if ``actor`` may visit it (a field error otherwise)."""
    if household is None or not households_visitable_by(actor).filter(pk=household.pk).exists():
        raise ValidationError(
            {"household": _("This household is not in your grid or village: visit your own.")}
        )
    return household


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
) -> Visit:
    """Record a visit to ``household`` by ``actor`` (and ``visitors`` beside them).

    Refused with a field error: a household outside the actor's grid or village, a time
    still to come. With ``log`` (the day's log, item 5) the visit belongs to it, and the
    log must be the actor's draft of the household's village; without, a visit made on a
    day the actor files the village's draft log joins that log."""
    household = _visitable(actor, household)
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
    visit.save()
    people = {actor.pk, *(getattr(v, "pk", v) for v in visitors)}
    visit.visitors.set(sorted(people))
    audit.record(action=AuditAction.CREATE, instance=visit, actor=actor, after=audit.snapshot(visit))
    ensure_in_scope(instance=visit, actor=actor)
    return visit


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
