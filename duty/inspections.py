"""Unannounced inspections (一周一暗访): the town office and the supervisors record, on the
spot, whether the cadre on duty was at their post (脱岗 if not), which of the nine items
were being done, what they found, photos and a score; the village sees the result only
once the town publishes it.

Reads: :func:`inspections_for_user` (the scoping rule of duty/policies.py, which hides a
draft from the inspected village) and :class:`InspectionFilter` (pages and API alike).

Writes: create, update, photos, publish, delete. Each is atomic, locks the inspection,
checks every rule before writing, writes one audit row and re-checks that the inspection
is still the actor's to change. A draft is edited or deleted (softly); a published
inspection is final: it is never edited in place and never deleted. Its result feeds the
village's ranking and, at year end, pay: changing it silently would change a published
figure, and an append-only correction (as a signed log's amendments) would need a table
the model does not have yet. An inspection recorded wrongly is caught before publishing —
publishing is its own, deliberate step, by someone who reads the draft first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import audit
from governance.choices import AuditAction
from governance.models import User
from governance.scoping import CHANGE, VIEW, resolve_scope, restrict, scope_q_paths
from governance.services import ensure_in_scope, governed_delete
from grids.models import Village

from .choices import InspectionState, Item, Position, RosterState
from .filters import MonthFilter, _town, _village, id_filter
from .models import Inspection, InspectionPhoto, Shift, month_bounds
from .policies import INSPECTORS
from .services import cadres_of, delete_file_on_commit

#: The fields a draft takes (the town follows the village; the state moves by publishing).
FIELDS = ("village", "at", "inspectors", "on_duty", "present", "items_seen", "findings", "score")
SCORE_MIN, SCORE_MAX = 0, 100
#: Photos taken with one inspection, at most.
MAX_PHOTOS = 12


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def inspections_for_user(user, action: str = VIEW) -> QuerySet[Inspection]:
    """The inspections ``user`` reads (or, with ``CHANGE``, may change): the town's
    inspectors all of their town's, a village's cadres their village's published ones."""
    return restrict(
        Inspection.objects.select_related("village", "town", "on_duty", "published_by"), user, action
    )


def photos_for_user(user) -> QuerySet[InspectionPhoto]:
    """The photos of the inspections ``user`` reads (a draft's are hidden with it)."""
    return restrict(InspectionPhoto.objects.filter(inspection__deleted_at__isnull=True), user, VIEW)


def villages_inspected_by(user) -> QuerySet[Village]:
    """The villages whose inspections ``user`` may record: those of the towns where they
    are the town office or a supervisor (the inspection rule's change scope, asked of
    villages: an inspection not yet recorded has no row to restrict)."""
    scope = resolve_scope(user)
    villages = Village.objects.filter(deleted_at__isnull=True).select_related("town")
    if scope.is_superuser:
        return villages
    q = scope_q_paths(scope, CHANGE, paths=[("town", "town_id")], view=(), change=INSPECTORS)
    return villages.filter(q) if q is not None else villages.none()


def lead_on_duty(village_id: int, day: datetime.date) -> User | None:
    """The cadre on duty (not the second person) in the village that day, on its
    published roster; None where nobody is."""
    shift = (
        Shift.objects.filter(
            roster__village_id=village_id,
            roster__state=RosterState.PUBLISHED,
            roster__deleted_at__isnull=True,
            deleted_at__isnull=True,
            date=day,
            position=Position.LEAD,
        )
        .select_related("person")
        .first()
    )
    return shift.person if shift is not None else None


class InspectionFilter(django_filters.FilterSet):
    """Filters of the inspections list and the API: town, village, month (of ``at``, in
    Beijing time), state, present (``false``: the cadre on duty was 脱岗)."""

    town = _town("town")
    village = _village("village")
    month = MonthFilter(method="filter_month", label=gettext_lazy("month (YYYY-MM)"))
    state = django_filters.ChoiceFilter(choices=InspectionState.choices, label=gettext_lazy("state"))
    present = django_filters.BooleanFilter(label=gettext_lazy("cadre on duty present"))
    cadre = id_filter("on_duty_id", label=gettext_lazy("cadre on duty (user id)"))

    class Meta:
        model = Inspection
        fields = ["town", "village", "month", "state", "present", "cadre"]

    def filter_month(self, queryset, name, value):
        if value is None:
            return queryset
        start, end = month_bounds(value)  # a range on ``at``: the (village, at) index serves it
        return queryset.filter(at__gte=start, at__lt=end)


# ---------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------


def _may_inspect(village: Village, actor) -> None:
    if not villages_inspected_by(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(
            _("Only the town office and the supervisors of its town inspect this village.")
        )


def _clean_items(value) -> list[int]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError({"items_seen": _("Choose among the nine items.")})
    items = []
    for item in value:
        try:
            number = int(item)
        except (TypeError, ValueError):
            number = 0
        if isinstance(item, bool) or number not in Item.values:
            raise ValidationError({"items_seen": _("Choose among the nine items.")})
        items.append(number)
    return sorted(set(items))


def _check(inspection: Inspection, *, on_duty_given: bool) -> None:
    """Every rule of a draft's values, each a field error (nothing is written before)."""
    errors: dict[str, str] = {}
    at = inspection.at
    if not isinstance(at, datetime.datetime):
        errors["at"] = _("Give the date and time of the inspection.")
    elif timezone.is_naive(at):
        inspection.at = at = timezone.make_aware(at)
    if isinstance(at, datetime.datetime) and at > timezone.now():
        errors["at"] = _("An inspection cannot be recorded for a time still to come.")
    inspection.inspectors = (inspection.inspectors or "").strip()
    if not inspection.inspectors:
        errors["inspectors"] = _("Name the inspectors.")
    inspection.findings = (inspection.findings or "").strip()
    if not isinstance(inspection.present, bool):
        errors["present"] = _("Say whether the cadre on duty was at their post.")
    score = inspection.score
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        errors["score"] = _("A score is a whole number from %(min)d to %(max)d.") % {
            "min": SCORE_MIN,
            "max": SCORE_MAX,
        }
    try:
        inspection.items_seen = _clean_items(inspection.items_seen)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if "at" not in errors and inspection.village_id:
        if not on_duty_given:
            # Who the roster puts on duty that day (Beijing time), where the inspector
            # names nobody.
            inspection.on_duty = lead_on_duty(inspection.village_id, timezone.localtime(at).date())
        elif not cadres_of(inspection.village_id).filter(pk=inspection.on_duty.pk).exists():
            errors["on_duty"] = _("%(name)s is not a cadre of %(village)s.") % {
                "name": inspection.on_duty,
                "village": inspection.village.name,
            }
    if errors:
        raise ValidationError(errors)
    inspection.full_clean()


def _prepare(photos) -> list:
    """The photos' stored copies, made before anything is written (a refused photo
    refuses the whole write)."""
    from cases import photos as case_photos

    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
    return [case_photos.prepare(upload) for upload in photos]


def _save_photos(inspection: Inspection, stored: list) -> list[int]:
    ids = []
    for copy in stored:
        row = InspectionPhoto(inspection=inspection)
        row.file.save(copy.name, copy, save=False)
        row.save()
        ids.append(row.pk)
    return ids


def _lock(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("village").get(pk=inspection.pk)


def _writable(inspection: Inspection, actor) -> Inspection:
    """The inspection, locked, if ``actor`` may still change it: a draft of their town."""
    if not inspections_for_user(actor, CHANGE).filter(pk=inspection.pk).exists():
        raise PermissionDenied(
            _("Only the town office and the supervisors of its town change this inspection.")
        )
    inspection = _lock(inspection)
    if inspection.deleted_at is not None:
        raise PermissionDenied(_("This inspection is deleted."))
    if inspection.state != InspectionState.DRAFT:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "This inspection is published: its result is final and stays as published."
                )
            },
            code="published",
        )
    return inspection


@transaction.atomic
def inspection_create(
    *,
    village: Village,
    at: datetime.datetime,
    present: bool,
    score: int,
    actor,
    inspectors: str = "",
    items_seen: Iterable[int] = (),
    findings: str = "",
    on_duty: User | None = None,
    photos: Iterable = (),
) -> Inspection:
    """A draft inspection of ``village``, hidden from the village until published.
    ``inspectors`` defaults to the actor's name; ``on_duty`` (None) to the cadre on duty
    that day on the village's published roster; else it is one of the village's cadres."""
    _may_inspect(village, actor)
    inspection = Inspection(
        village=village,
        town_id=village.town_id,
        at=at,
        inspectors=inspectors or str(actor),
        on_duty=on_duty,
        present=present,
        items_seen=items_seen,
        findings=findings,
        score=score,
    )
    _check(inspection, on_duty_given=on_duty is not None)
    stored = _prepare(photos)
    inspection.save()
    photo_ids = _save_photos(inspection, stored)
    audit.record(
        action=AuditAction.CREATE,
        instance=inspection,
        actor=actor,
        after=audit.snapshot(inspection),
        extra={"photos": photo_ids} if photo_ids else None,
    )
    ensure_in_scope(instance=inspection, actor=actor)
    return inspection


@transaction.atomic
def inspection_update(*, inspection: Inspection, actor, data: Mapping, photos: Iterable = ()) -> Inspection:
    """Change a draft: any of :data:`FIELDS` given in ``data`` (``on_duty`` None: the
    roster's cadre on duty that day); ``photos`` are added to it."""
    inspection = _writable(inspection, actor)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}}
        )
    before = audit.snapshot(inspection)
    if "village" in data and data["village"].pk != inspection.village_id:
        _may_inspect(data["village"], actor)
        if "on_duty" not in data:  # the old village's cadre is not this one's
            inspection.on_duty = None
    for name, value in data.items():
        setattr(inspection, name, value)
    inspection.town_id = inspection.village.town_id
    _check(inspection, on_duty_given=inspection.on_duty is not None)
    stored = _prepare(photos)
    if len(stored) + inspection.photos.count() > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
    inspection.save()
    photo_ids = _save_photos(inspection, stored)
    audit.record(
        action=AuditAction.UPDATE,
        instance=inspection,
        actor=actor,
        before=before,
        after=audit.snapshot(inspection),
        extra={"photos": photo_ids} if photo_ids else None,
    )
    ensure_in_scope(instance=inspection, actor=actor)
    return inspection


@transaction.atomic
def inspection_photo_add(*, inspection: Inspection, actor, upload) -> InspectionPhoto:
    """One more photo on a draft, prepared as a case's photo is (cases.photos)."""
    stored = _prepare([upload])  # before any write
    inspection = _writable(inspection, actor)
    if inspection.photos.count() >= MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
    row_id = _save_photos(inspection, stored)[0]
    audit.record(action=AuditAction.UPDATE, instance=inspection, actor=actor, extra={"photo": row_id})
    ensure_in_scope(instance=inspection, actor=actor)
    return InspectionPhoto.objects.get(pk=row_id)


@transaction.atomic
def inspection_photo_remove(*, inspection: Inspection, actor, photo_id: int) -> None:
    """Take a photo back off a draft."""
    inspection = _writable(inspection, actor)
    row = InspectionPhoto.objects.filter(inspection=inspection, pk=photo_id).first()
    if row is None:
        raise ValidationError({"photos": _("No such photo on this inspection.")})
    name = row.file.name
    row.delete()
    delete_file_on_commit(row.file)
    audit.record(
        action=AuditAction.UPDATE,
        instance=inspection,
        actor=actor,
        extra={"photo_removed": {"id": photo_id, "file": name}},
    )


@transaction.atomic
def inspection_publish(*, inspection: Inspection, actor, now: datetime.datetime | None = None) -> Inspection:
    """Publish the result: the village sees it from now on, and it is final."""
    inspection = _writable(inspection, actor)
    before = audit.snapshot(inspection)
    inspection.state = InspectionState.PUBLISHED
    inspection.published_at = now or timezone.now()
    inspection.published_by = actor if getattr(actor, "pk", None) else None
    inspection.save(update_fields=["state", "published_at", "published_by", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=inspection,
        actor=actor,
        before=before,
        after=audit.snapshot(inspection),
    )
    ensure_in_scope(instance=inspection, actor=actor)
    return inspection


@transaction.atomic
def inspection_delete(*, inspection: Inspection, actor) -> None:
    """A draft goes (softly, with its history); a published inspection stays."""
    inspection = _writable(inspection, actor)
    governed_delete(instance=inspection, actor=actor)


def inspections_of_day(user, log) -> list[Inspection]:
    """The inspections of a duty log's village and day that ``user`` reads (for its
    village's cadres: the published ones only), for the log's page."""
    return list(
        inspections_for_user(user).filter(village_id=log.village_id, at__date=log.date).order_by("at", "id")
    )
