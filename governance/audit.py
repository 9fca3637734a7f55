"""The audit trail: a row per governed change, written inside the change's transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.fields.files import FieldFile

from .choices import AuditAction
from .middleware import current_request_id
from .models import AuditEntry

# Columns that never go into the trail: derived, or personal data in another form.
_SKIP_SUFFIXES = ("_cipher", "_digest")
_SKIP = {"created_at", "updated_at", "min_lat", "max_lat", "min_lng", "max_lng", "password"}


def _jsonable(value):
    if isinstance(value, FieldFile):  # a stored file: the trail keeps its name
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def snapshot(instance: Model) -> dict:
    """The instance's own column values, as the trail stores them.

    Personal data is not copied into the trail; a change to it shows as "changed".
    """
    data = {}
    for f in instance._meta.concrete_fields:
        if f.attname in _SKIP or f.attname.endswith(_SKIP_SUFFIXES):
            continue
        data[f.attname] = _jsonable(getattr(instance, f.attname))
    for name in getattr(type(instance), "PERSONAL_FIELDS", ()):
        data[name] = getattr(instance, f"{name}_digest")  # compared, then replaced below
    return data


def diff(before: dict | None, after: dict | None, personal: tuple[str, ...] = ()) -> dict:
    before, after = before or {}, after or {}
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = ["***", "***"] if key in personal else [old, new]
    return changes


def town_id_of(instance: Model) -> int | None:
    """The town an object belongs to, for the town-scoped reading of the trail."""
    from grids.models import Town

    if isinstance(instance, Town):
        return instance.pk
    for attr in ("town_id",):
        value = getattr(instance, attr, None)
        if value:
            return value
    for parent in ("village", "grid", "department", "household", "party_member"):
        related = getattr(instance, f"{parent}_id", None) and getattr(instance, parent, None)
        if related is not None:
            return town_id_of(related)
    return None


def record(
    *,
    action: str,
    instance: Model,
    actor,
    before: dict | None = None,
    after: dict | None = None,
    extra: dict | None = None,
) -> AuditEntry:
    personal = tuple(getattr(type(instance), "PERSONAL_FIELDS", ()))
    changes = diff(before, after, personal)
    if extra:
        changes.update(extra)
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        town_id=town_id_of(instance),
        request_id=current_request_id(),
    )


def record_many(*, action: str, instances: list[Model], actor) -> None:
    """One trail row per object, written in one statement per model (bulk imports)."""
    request_id = current_request_id()
    rows = []
    for obj in instances:
        after = snapshot(obj)
        rows.append(
            AuditEntry(
                actor=actor if getattr(actor, "pk", None) else None,
                action=action,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                changes=diff(None, after, tuple(getattr(type(obj), "PERSONAL_FIELDS", ()))),
                town_id=town_id_of(obj),
                request_id=request_id,
            )
        )
    AuditEntry.objects.bulk_create(rows, batch_size=1000)


def record_personal_views(
    *, actor, instances: list[Model], fields: tuple[str, ...], lookup: tuple = ()
) -> None:
    """One trail row per request (per town, so each town reads its own trail) naming the
    records whose personal data a user was shown unmasked, and which fields.

    A listing of 500 residents is one row with 500 ids, not 500 rows.
    """
    if not instances:
        return
    request_id = current_request_id()
    content_type = ContentType.objects.get_for_model(instances[0])
    by_town: dict[int | None, list[Model]] = {}
    for obj in instances:
        by_town.setdefault(town_id_of(obj), []).append(obj)
    rows = []
    for town_id, objs in by_town.items():
        single = len(objs) == 1
        changes = {"fields": sorted(fields), "ids": [obj.pk for obj in objs]}
        if lookup:
            changes["lookup"] = sorted(lookup)
        rows.append(
            AuditEntry(
                actor=actor if getattr(actor, "pk", None) else None,
                action=AuditAction.VIEW_PERSONAL,
                content_type=content_type,
                object_id=str(objs[0].pk) if single else "",
                object_repr=(
                    str(objs[0])[:200] if single else f"{len(objs)} {objs[0]._meta.verbose_name_plural}"[:200]
                ),
                changes=changes,
                town_id=town_id,
                request_id=request_id,
            )
        )
    AuditEntry.objects.bulk_create(rows)


def record_personal_lookup(
    *, actor, model: type[Model], fields: tuple[str, ...], ids: list, town_ids
) -> None:
    """An exact-match search by personal data (``?id_number=``): who searched, by what,
    and what it found (the searched value itself stays out of the trail)."""
    content_type = ContentType.objects.get_for_model(model)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor if getattr(actor, "pk", None) else None,
            action=AuditAction.VIEW_PERSONAL,
            content_type=content_type,
            object_id="",
            object_repr=f"{model._meta.verbose_name_plural}: {', '.join(fields)}"[:200],
            changes={"lookup": sorted(fields), "ids": ids},
            town_id=town_id,
            request_id=current_request_id(),
        )
        for town_id in sorted(town_ids)
    )


def record_export(*, actor, model: type[Model], rows_by_town: dict, fmt: str, filters: dict) -> None:
    """A download of a list (``rows_by_town``: the exported ids per town), one trail row
    per town: who, in which format, with which filters (search words masked by the
    caller, as with other searches), how many and which."""
    content_type = ContentType.objects.get_for_model(model)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor if getattr(actor, "pk", None) else None,
            action=AuditAction.EXPORT,
            content_type=content_type,
            object_id="",
            object_repr=f"{len(ids)} {model._meta.verbose_name_plural} ({fmt})"[:200],
            changes={"format": fmt, "filters": filters, "count": len(ids), "ids": ids},
            town_id=town_id,
            request_id=current_request_id(),
        )
        for town_id, ids in (rows_by_town or {None: []}).items()
    )
