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


def _column_values(instance: models.Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@transaction.atomic
def governed_update(*, instance: models.Model, data: dict, actor) -> models.Model:
    """Apply ``data`` to the row as it is under the lock and save only what changed.

    Two people editing at once are applied one after the other, and neither loses the
    other's change: the row is read again under ``select_for_update`` (the caller's copy
    may be stale), ``data`` is applied to that fresh copy, and only the columns that
    differ afterwards (with those ``clean()`` derives from them) are written.
    """
    model = type(instance)
    locked = model._default_manager.select_for_update().get(pk=instance.pk)
    before = audit.snapshot(locked)
    columns_before = _column_values(locked)
    m2m = _apply(locked, data)
    locked.full_clean()
    changed = [name for name, value in _column_values(locked).items() if columns_before[name] != value]
    if changed:
        if any(f.attname == "updated_at" for f in model._meta.concrete_fields):
            changed.append("updated_at")
        locked.save(update_fields=changed)
    extra = {}
    for name, value in m2m.items():
        manager = getattr(locked, name)
        old = sorted(manager.values_list("pk", flat=True))
        manager.set(value)
        new = sorted(obj.pk for obj in value)
        if old != new:
            extra[name] = [old, new]
    # Records that copy this one's place in the hierarchy (a household's residents copy
    # its village and town) follow it in the same transaction.
    sync = getattr(locked, "sync_descendants", None)
    if changed and sync is not None:
        moved = sync()
        if moved:
            extra["moved_with_it"] = moved
    after = audit.snapshot(locked)
    if audit.diff(before, after) or extra:
        audit.record(
            action=AuditAction.UPDATE, instance=locked, actor=actor, before=before, after=after, extra=extra
        )
    ensure_in_scope(instance=locked, actor=actor)
    return locked


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

    Nothing governed is deleted for real, so a model without ``deleted_at`` cannot be
    deleted through here at all.
    """
    ensure_in_scope(instance=instance, actor=actor)
    if not is_soft_deletable(type(instance)):
        raise PermissionDenied(_("This record cannot be deleted."))
    blockers = live_dependants(instance)
    if blockers:
        raise ValidationError(
            _("Cannot delete: %(names)s still belong to it. Move or delete them first.")
            % {"names": ", ".join(blockers)},
            code="protected",
        )
    before = audit.snapshot(instance)
    instance.deleted_at = timezone.now()
    fields = ["deleted_at"]
    if any(f.attname == "updated_at" for f in type(instance)._meta.concrete_fields):
        fields.append("updated_at")
    instance.save(update_fields=fields)
    audit.record(action=AuditAction.DELETE, instance=instance, actor=actor, before=before)
