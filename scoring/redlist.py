"""The red and black list (红黑榜) of a grid: households praised (red) or criticised
(black) against the village rules (村规民约), for a period.

The workflow: proposed by the grid worker (households of their grid) or a village cadre
(households of their village) → approved, or rejected with a note, by the village (a cadre
of the village other than the proposer) or the town office → published by the village or
the town office. Published entries show on the grid's public page, with the household's
display name only (:func:`display_name`), from ``starts_on`` until ``ends_on``: the public
query filters by the date, so an entry expires without a job.

Each write is atomic, locks the entry, checks the move and the actor, is audited, and
re-checks that the entry is still the actor's.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit
from governance.choices import AuditAction
from governance.scoping import CADRE, GRID_WORKER, OFFICE, VIEW, resolve_scope, restrict
from governance.services import ensure_in_scope
from grids.models import Grid, Household, Village

from .choices import ListKind, ListState
from .models import ListEntry

#: The longest period an entry may be shown for.
MAX_DAYS = 366
REASON_MAX, RULE_MAX, NOTE_MAX = 300, 200, 200
# Two-character surnames (复姓) kept whole in a display name.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 百里".split()
)


def display_name(household: Household) -> str:
    """What the public reads of a household: the head's surname and 某, e.g. 王某家 (no
    full name, phone, address or household number)."""
    name = (household.head_name or "").strip()
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return f"{surname}某家" if surname else _("A household")


# ---------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------


def entries_for_user(user, action: str = VIEW) -> QuerySet[ListEntry]:
    return restrict(
        ListEntry.objects.select_related("village", "grid", "household", "proposed_by", "decided_by"),
        user,
        action,
    )


def households_proposable_by(user) -> QuerySet[Household]:
    """The households ``user`` may propose: a grid worker's grids' (with their child
    grids), a village cadre's village's."""
    scope = resolve_scope(user)
    qs = Household.objects.filter(deleted_at__isnull=True).select_related("grid")
    if scope.is_superuser:
        return qs
    grids, villages = scope.ids("grid", [GRID_WORKER]), scope.ids("village", [CADRE])
    if not grids and not villages:
        return qs.none()
    return qs.filter(Q(grid_id__in=grids) | Q(village_id__in=villages))


def _deciders(user) -> tuple[bool, set[int], set[int]]:
    scope = resolve_scope(user)
    return scope.is_superuser, scope.ids("town", [OFFICE]), scope.ids("village", [CADRE])


def may_decide(user, entry: ListEntry) -> bool:
    """Approve or reject: the town office of the entry's town, or a cadre of its village
    who did not propose it."""
    su, towns, villages = _deciders(user)
    if su or entry.town_id in towns:
        return True
    return entry.village_id in villages and entry.proposed_by_id != user.pk


def may_publish(user, entry: ListEntry) -> bool:
    su, towns, villages = _deciders(user)
    return su or entry.town_id in towns or entry.village_id in villages


def decidable_by(user) -> QuerySet[ListEntry]:
    """The proposed entries waiting for ``user``'s decision."""
    su, towns, villages = _deciders(user)
    qs = entries_for_user(user).filter(state=ListState.PROPOSED)
    if su:
        return qs
    return qs.filter(Q(town_id__in=towns) | (Q(village_id__in=villages) & ~Q(proposed_by_id=user.pk)))


def public_grid(code: str) -> Grid | None:
    return (
        Grid.objects.filter(code=code, deleted_at__isnull=True, village__deleted_at__isnull=True)
        .select_related("village__town")
        .first()
    )


def public_village(code: str) -> Village | None:
    return Village.objects.filter(code=code, deleted_at__isnull=True).select_related("town").first()


def published_live(
    *, grid: Grid | None = None, village: Village | None = None, on: datetime.date | None = None
):
    """The public's query: entries published and in their period on ``on`` (today), of a
    grid (with its child grids) or a village. Only the columns the public page shows."""
    on = on or timezone.localdate()
    qs = ListEntry.objects.filter(
        deleted_at__isnull=True,
        state=ListState.PUBLISHED,
        starts_on__lte=on,
        ends_on__gte=on,
        household__deleted_at__isnull=True,
    )
    if grid is not None:
        qs = qs.filter(Q(grid_id=grid.pk) | Q(grid__parent_id=grid.pk))
    elif village is not None:
        qs = qs.filter(village_id=village.pk)
    else:
        return qs.none()
    return (
        qs.select_related("grid", "household")
        .only("kind", "reason", "rule", "starts_on", "ends_on", "grid__name", "household__head_name")
        .order_by("kind", "-starts_on", "pk")
    )


# ---------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------


def _check_fields(*, kind, reason, rule, starts_on, ends_on) -> dict:
    errors = {}
    if kind not in ListKind.values:
        errors["kind"] = _("Choose the red or the black list.")
    if not (reason or "").strip():
        errors["reason"] = _("Say what the household did.")
    elif len(reason.strip()) > REASON_MAX:
        errors["reason"] = _("At most %(n)s characters.") % {"n": REASON_MAX}
    if len((rule or "").strip()) > RULE_MAX:
        errors["rule"] = _("At most %(n)s characters.") % {"n": RULE_MAX}
    if starts_on is None:
        errors["starts_on"] = _("Give the first day it is shown.")
    if ends_on is None:
        errors["ends_on"] = _("Give the last day it is shown.")
    if starts_on and ends_on:
        if ends_on < starts_on:
            errors["ends_on"] = _("The period ends before it starts.")
        elif (ends_on - starts_on).days >= MAX_DAYS:
            errors["ends_on"] = _("An entry is shown for a year at most.")
        elif ends_on < timezone.localdate():
            errors["ends_on"] = _("The period is already over.")
    return errors


@transaction.atomic
def entry_propose(
    *,
    household: Household,
    kind: str,
    reason: str,
    rule: str = "",
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    actor,
) -> ListEntry:
    """A household proposed for the red or black list: the grid worker for households of
    their grid, a village cadre for their village's."""
    if household is None or not households_proposable_by(actor).filter(pk=household.pk).exists():
        if not (
            resolve_scope(actor).ids("grid", [GRID_WORKER]) or resolve_scope(actor).ids("village", [CADRE])
        ):
            raise PermissionDenied(_("Grid workers and village cadres propose entries."))
        raise ValidationError({"household": _("Choose a household of your grid or village.")})
    errors = _check_fields(kind=kind, reason=reason, rule=rule, starts_on=starts_on, ends_on=ends_on)
    if errors:
        raise ValidationError(errors)
    entry = ListEntry(
        household=household,
        kind=kind,
        reason=reason.strip(),
        rule=(rule or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        state=ListState.PROPOSED,
        proposed_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit.record(action=AuditAction.CREATE, instance=entry, actor=actor, after=audit.snapshot(entry))
    ensure_in_scope(instance=entry, actor=actor)
    return entry


def _locked(entry: ListEntry, actor) -> ListEntry:
    locked = entries_for_user(actor).select_for_update(of=("self",)).filter(pk=entry.pk).first()
    if locked is None:
        raise PermissionDenied(_("This entry is not yours to decide."))
    return locked


def _move(locked: ListEntry, actor, before: dict, fields: list[str]) -> ListEntry:
    locked.full_clean()
    locked.save(update_fields=[*fields, "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=locked, actor=actor, before=before, after=audit.snapshot(locked)
    )
    return locked


@transaction.atomic
def entry_approve(*, entry: ListEntry, actor, note: str = "") -> ListEntry:
    """Approve a proposed entry: a cadre of the village who did not propose it, or the
    town office."""
    locked = _locked(entry, actor)
    if not may_decide(actor, locked):
        if locked.proposed_by_id == actor.pk:
            raise PermissionDenied(
                _("Another cadre of the village or the town office approves what you proposed.")
            )
        raise PermissionDenied(_("The village or the town office approves entries."))
    if locked.state != ListState.PROPOSED:
        raise ValidationError({NON_FIELD_ERRORS: _("Only a proposed entry can be approved.")})
    if locked.ends_on < timezone.localdate():
        raise ValidationError({NON_FIELD_ERRORS: _("The period is already over.")})
    before = audit.snapshot(locked)
    locked.state = ListState.APPROVED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.decision_note = (note or "").strip()[:NOTE_MAX]
    return _move(locked, actor, before, ["state", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def entry_reject(*, entry: ListEntry, note: str, actor) -> ListEntry:
    """Reject a proposed (or approved, not yet published) entry, with a note saying why."""
    locked = _locked(entry, actor)
    if not may_decide(actor, locked):
        if locked.proposed_by_id == actor.pk:
            raise PermissionDenied(
                _("Another cadre of the village or the town office decides what you proposed.")
            )
        raise PermissionDenied(_("The village or the town office decides on entries."))
    if locked.state not in (ListState.PROPOSED, ListState.APPROVED):
        raise ValidationError({NON_FIELD_ERRORS: _("Only a proposed or approved entry can be rejected.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the entry is rejected.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    before = audit.snapshot(locked)
    locked.state = ListState.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
    return _move(locked, actor, before, ["state", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def entry_publish(*, entry: ListEntry, actor) -> ListEntry:
    """Publish an approved entry on the grid's public page: a cadre of the village or the
    town office."""
    locked = _locked(entry, actor)
    if not may_publish(actor, locked):
        raise PermissionDenied(_("The village or the town office publishes entries."))
    if locked.state != ListState.APPROVED:
        raise ValidationError({NON_FIELD_ERRORS: _("Only an approved entry can be published.")})
    if locked.ends_on < timezone.localdate():
        raise ValidationError({NON_FIELD_ERRORS: _("The period is already over.")})
    before = audit.snapshot(locked)
    locked.state, locked.published_at = ListState.PUBLISHED, timezone.now()
    return _move(locked, actor, before, ["state", "published_at"])
