"""Writes to governed data: validated, audited and re-checked against the actor's scope,
all in one transaction. Views, serializers and the admin call these; they hold no rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .choices import AuditAction
from .scoping import CHANGE, restrict


def ensure_in_scope(*, instance: models.Model, actor, action: str = CHANGE) -> None:
    """After a write, inside its transaction: the object must still be the actor's to
    change; otherwise the whole write is rolled back."""
    if actor is None:  # system jobs and management commands
        return
    qs = restrict(type(instance)._default_manager.filter(pk=instance.pk), actor, action)
    if not qs.exists():
        raise PermissionDenied(_("This would place the record outside your area."))


def _apply(instance: models.Model, data: dict) -> dict:
    m2m = {}
    for name, value in data.items():
        field = instance._meta.get_field(name) if name in _field_names(instance) else None
        if field is not None and field.many_to_many:
            m2m[name] = value
        else:
            setattr(instance, name, value)
    return m2m


def _field_names(instance: models.Model) -> set[str]:
    return {f.name for f in instance._meta.get_fields()}


@transaction.atomic
def governed_create(*, model: type[models.Model], data: dict, actor) -> models.Model:
    instance = model()
    m2m = _apply(instance, data)
    instance.full_clean()
    instance.save()
    for name, value in m2m.items():
        getattr(instance, name).set(value)
    audit.record(action=AuditAction.CREATE, instance=instance, actor=actor, after=audit.snapshot(instance))
    ensure_in_scope(instance=instance, actor=actor)
    return instance


@transaction.atomic
def governed_update(*, instance: models.Model, data: dict, actor) -> models.Model:
    # Lock the row: two people editing at once are applied one after the other.
    type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    before = audit.snapshot(type(instance)._default_manager.get(pk=instance.pk))
    m2m = _apply(instance, data)
    instance.full_clean()
    instance.save()
    extra = {}
    for name, value in m2m.items():
        manager = getattr(instance, name)
        old = sorted(manager.values_list("pk", flat=True))
        manager.set(value)
        new = sorted(obj.pk for obj in value)
        if old != new:
            extra[name] = [old, new]
    after = audit.snapshot(instance)
    if audit.diff(before, after) or extra:
        audit.record(
            action=AuditAction.UPDATE, instance=instance, actor=actor, before=before, after=after, extra=extra
        )
    ensure_in_scope(instance=instance, actor=actor)
    return instance


def live_dependants(instance: models.Model) -> list[str]:
    """Names of governed records that still hang off ``instance`` through a PROTECT key."""
    found = []
    # Hidden relations too (related_name="+"): a membership's area, a record's town.
    reverse = (f for f in instance._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete)
    for rel in reverse:
        if getattr(rel, "on_delete", None) is not models.PROTECT or rel.many_to_many:
            continue
        related = rel.related_model
        if not is_soft_deletable(related):
            continue
        if related._default_manager.filter(
            **{rel.field.name: instance.pk, "deleted_at__isnull": True}
        ).exists():
            found.append(str(related._meta.verbose_name_plural))
    return found


def is_soft_deletable(model: type[models.Model]) -> bool:
    return any(f.name == "deleted_at" for f in model._meta.concrete_fields)


@transaction.atomic
def governed_delete(*, instance: models.Model, actor) -> None:
    """Soft delete: the row stays with its history; for every user it is gone.

    Configuration without a ``deleted_at`` column (calendar days) is deleted for real,
    with its last state kept in the trail.
    """
    ensure_in_scope(instance=instance, actor=actor)
    if not is_soft_deletable(type(instance)):
        audit.record(
            action=AuditAction.DELETE, instance=instance, actor=actor, before=audit.snapshot(instance)
        )
        instance.delete()
        return
    blockers = live_dependants(instance)
    if blockers:
        raise ValidationError(
            _("Cannot delete: %(names)s still belong to it. Move or delete them first.")
            % {"names": ", ".join(blockers)},
            code="protected",
        )
    before = audit.snapshot(instance)
    instance.deleted_at = timezone.now()
    instance.save(update_fields=["deleted_at", "updated_at"])
    audit.record(action=AuditAction.DELETE, instance=instance, actor=actor, before=before)
