"""阳光三务: a village's party affairs, village affairs and finances disclosed per period
(the town's: monthly or quarterly), on a public page and on the village's paper board.

Writes (the village's cadres): a draft for one period of the town's cadence, edited until
published; finances carry their items (income and spending by item, totals computed) and
the village affairs supervision committee's sign-off; publishing stamps the disclosure
and it never changes again; a correction is a new disclosure that ``corrects`` the
published one, with a reason, published the same way; the cadre confirms the paper board
was updated with a photo. The town office sets its town's cadence and the days after a
period's end the villages have to publish.

Every write is atomic, locks the row it changes (the village's, for a new disclosure, so
that two cadres never begin the same period twice), checks everything before it writes,
writes one audit row and re-checks the actor's scope in the transaction.

Reads: :func:`disclosures_for_user` (the only way out), the town's grid of villages × the
three kinds for the last ended period (:func:`town_overview`, a constant number of
queries), the cadre's disclosures still to publish (:func:`to_publish`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit
from governance.choices import AuditAction
from governance.scoping import CADRE, CHANGE, OFFICE, resolve_scope, restrict, scope_q_paths
from governance.services import ensure_in_scope
from grids.models import Town, Village

from .choices import Cadence, DisclosureKind
from .models import AffairsSettings, Disclosure

MAX_ITEMS = 60
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# ---------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------


def settings_for(town_id: int) -> AffairsSettings:
    """The town's settings, or the defaults (unsaved) where its office has set none."""
    return AffairsSettings.objects.filter(town_id=town_id).first() or AffairsSettings(town_id=town_id)


def settings_by_town(town_ids) -> dict[int, AffairsSettings]:
    """Each town's settings (defaults where none), in one query."""
    found = {s.town_id: s for s in AffairsSettings.objects.filter(town_id__in=list(town_ids))}
    return {t: found.get(t) or AffairsSettings(town_id=t) for t in town_ids}


def period_of(cadence: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of ``cadence`` that ``day`` is in: (first day, last day)."""
    if cadence == Cadence.MONTHLY:
        start = day.replace(day=1)
        months = 1
    else:
        start = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        months = 3
    year, month = divmod(start.month - 1 + months, 12)
    if start.year + year > datetime.MAXYEAR:  # the last period of 9999 ends on the calendar's last day
        return start, datetime.date.max
    end = datetime.date(start.year + year, month + 1, 1) - datetime.timedelta(days=1)
    return start, end


def last_ended(cadence: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The latest period of ``cadence`` that has ended before ``today``."""
    start, _end = period_of(cadence, today)
    return period_of(cadence, start - datetime.timedelta(days=1))


def period_label(start: datetime.date, end: datetime.date) -> str:
    """2026年第3季度, 2026年7月, or the two dates."""
    if start.day == 1 and period_of(Cadence.MONTHLY, start)[1] == end:
        return _("%(year)d-%(month)d") % {"year": start.year, "month": start.month}
    if start.day == 1 and (start.month - 1) % 3 == 0 and period_of(Cadence.QUARTERLY, start)[1] == end:
        return _("%(year)d Q%(quarter)d") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def recent_periods(
    cadence: str, today: datetime.date, count: int = 6
) -> list[tuple[datetime.date, datetime.date]]:
    """The current period and the ``count - 1`` before it, newest first."""
    out = [period_of(cadence, today)]
    while len(out) < count:
        out.append(period_of(cadence, out[-1][0] - datetime.timedelta(days=1)))
    return out


def due_date(settings: AffairsSettings, period_end: datetime.date) -> datetime.date:
    return period_end + datetime.timedelta(days=settings.due_days)


@transaction.atomic
def settings_set(
    *, town: Town, cadence: str, due_days: int, actor, spending_threshold: Decimal | None = None
) -> AffairsSettings:
    """The town office sets how often its villages disclose and the days they have, and
    (when given) the spending above which a matter is major."""
    row = AffairsSettings.objects.select_for_update().filter(town=town).first()
    created = row is None
    row = row or AffairsSettings(town=town)
    before = None if created else audit.snapshot(row)
    row.cadence = cadence
    row.due_days = due_days
    errors = {}
    if due_days is None or not 0 <= due_days <= 60:
        errors["due_days"] = [_("Give between 0 and 60 days.")]
    if spending_threshold is not None:
        if (
            not isinstance(spending_threshold, Decimal)
            or not spending_threshold.is_finite()
            or not 0 <= spending_threshold <= MAX_AMOUNT
            or spending_threshold != spending_threshold.quantize(CENT)
        ):
            errors["spending_threshold"] = [_("Give an amount of at least 0 yuan with at most two decimals.")]
        else:
            row.spending_threshold = spending_threshold
    try:
        row.full_clean()
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
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
# Finance items
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    income: Decimal
    spending: Decimal

    @property
    def balance(self) -> Decimal:
        return self.income - self.spending


def _amount(value, row: int, label: str) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"items": _("Row %(row)d: the %(what)s is not an amount.") % {"row": row, "what": label}}
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(
            {"items": _("Row %(row)d: the %(what)s cannot be negative.") % {"row": row, "what": label}}
        )
    if amount > MAX_AMOUNT:  # first: quantizing 1e30 to fen is an InvalidOperation
        raise ValidationError({"items": _("Row %(row)d: the amount is too large.") % {"row": row}})
    if amount != amount.quantize(CENT):
        raise ValidationError({"items": _("Row %(row)d: at most two decimals (fen).") % {"row": row}})
    return amount.quantize(CENT)


def clean_items(items) -> list[dict]:
    """Finance items as stored: ``[{"item", "income", "spending"}]``, amounts as strings
    with two decimals; empty rows dropped. ValidationError on ``items`` otherwise."""
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise ValidationError({"items": _("Give the items as a list.")})
    out = []
    for number, raw in enumerate(items, start=1):
        if not isinstance(raw, dict):
            raise ValidationError({"items": _("Row %(row)d is not an item.") % {"row": number}})
        name = str(raw.get("item") or "").strip()
        income = _amount(raw.get("income"), number, _("income"))
        spending = _amount(raw.get("spending"), number, _("spending"))
        if not name and income == ZERO and spending == ZERO:
            continue
        if not name:
            raise ValidationError({"items": _("Row %(row)d: name the item.") % {"row": number}})
        if len(name) > 100:
            raise ValidationError({"items": _("Row %(row)d: the item's name is too long.") % {"row": number}})
        if income == ZERO and spending == ZERO:
            raise ValidationError(
                {"items": _("Row %(row)d: give its income or its spending.") % {"row": number}}
            )
        out.append({"item": name, "income": str(income), "spending": str(spending)})
    if len(out) > MAX_ITEMS:
        raise ValidationError({"items": _("At most %(max)d items.") % {"max": MAX_ITEMS}})
    return out


def totals(items) -> Totals:
    """The income and spending of stored items, computed (never typed)."""
    income = sum((Decimal(row.get("income") or 0) for row in items or []), ZERO)
    spending = sum((Decimal(row.get("spending") or 0) for row in items or []), ZERO)
    return Totals(income, spending)


# ---------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------

FIELDS = ("title", "body", "items", "signed_off_by", "signed_off_on")


def writable_villages(user) -> QuerySet[Village]:
    """The villages whose disclosures ``user`` may write: the disclosure rule's change
    scope, asked of villages (a disclosure not yet begun has no row to restrict)."""
    scope = resolve_scope(user)
    villages = Village.objects.filter(deleted_at__isnull=True)
    if scope.is_superuser:
        return villages
    q = scope_q_paths(scope, CHANGE, paths=[("village", "pk"), ("town", "town_id")], view=(), change={CADRE})
    return villages.filter(q) if q is not None else villages.none()


def _lock(disclosure: Disclosure) -> Disclosure:
    return Disclosure.objects.select_for_update().get(pk=disclosure.pk)


def _must_be_draft(disclosure: Disclosure) -> None:
    if disclosure.published_at is not None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "This disclosure is published and is never edited: publish a correction instead."
                )
            },
            code="published",
        )


def _set_fields(disclosure: Disclosure, data: dict) -> None:
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "items":
            value = clean_items(value)
        elif name in ("title", "body", "signed_off_by"):
            value = (value or "").strip()
        setattr(disclosure, name, value)
    if disclosure.kind != DisclosureKind.FINANCE and disclosure.items:
        raise ValidationError({"items": _("Only a finance disclosure has items.")})


def _check(disclosure: Disclosure, today: datetime.date) -> None:
    """The period is one of the town's, not yet to come; the sign-off is whole and not
    before the period begins or after today; then the model's own rules."""
    errors: dict[str, list[str]] = {}
    settings = settings_for(disclosure.village.town_id)
    start, end = disclosure.period_start, disclosure.period_end
    if start and start > today:
        errors["period_start"] = [_("This period has not begun yet.")]
    elif start and end and (start, end) != period_of(settings.cadence, start):
        errors["period_start"] = [
            _("The town discloses %(cadence)s: choose a whole period (%(example)s).")
            % {
                "cadence": settings.get_cadence_display(),
                "example": period_label(*period_of(settings.cadence, start)),
            }
        ]
    if bool(disclosure.signed_off_by) != bool(disclosure.signed_off_on):
        key = "signed_off_on" if disclosure.signed_off_by else "signed_off_by"
        errors[key] = [_("Give both the name and the date of the sign-off.")]
    elif disclosure.signed_off_on:
        if disclosure.signed_off_on > today:
            errors["signed_off_on"] = [_("The sign-off cannot be dated in the future.")]
        elif start and disclosure.signed_off_on < start:
            errors["signed_off_on"] = [_("The sign-off cannot be dated before the period begins.")]
    try:
        disclosure.full_clean()
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _record(disclosure: Disclosure, actor, before: dict | None, *, action=AuditAction.UPDATE, extra=None):
    audit.record(
        action=action,
        instance=disclosure,
        actor=actor,
        before=before,
        after=audit.snapshot(disclosure),
        extra=extra,
    )


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def disclosure_create(
    *,
    village: Village,
    kind: str,
    period_start: datetime.date | None,
    period_end: datetime.date | None,
    actor,
    title: str = "",
    body: str = "",
    items=None,
    signed_off_by: str = "",
    signed_off_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Disclosure:
    """A draft disclosure of ``kind`` for one period of the town's cadence; one per
    village, kind and period (a published one is corrected, not begun again)."""
    today = today or timezone.localdate()
    village = Village.objects.select_for_update().select_related("town").get(pk=village.pk)
    if not writable_villages(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("You do not keep this village's disclosures."))
    disclosure = Disclosure(village=village, town_id=village.town_id, kind=kind)
    disclosure.period_start, disclosure.period_end = period_start, period_end
    if kind not in DisclosureKind.values:
        raise ValidationError({"kind": _("Choose party affairs, village affairs or finances.")})
    _set_fields(
        disclosure,
        {
            "title": title,
            "body": body,
            "items": items or [],
            "signed_off_by": signed_off_by,
            "signed_off_on": signed_off_on,
        },
    )
    _check(disclosure, today)
    twin = Disclosure.objects.filter(
        village=village,
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        corrects__isnull=True,
        deleted_at__isnull=True,
    ).first()
    if twin is not None:
        raise ValidationError(
            {
                "period_start": _(
                    "This village already has a disclosure of these affairs for this period: "
                    "open it (a published one is corrected)."
                )
            }
        )
    disclosure.save()
    _record(disclosure, actor, None, action=AuditAction.CREATE)
    ensure_in_scope(instance=disclosure, actor=actor)
    return disclosure


@transaction.atomic
def disclosure_update(
    *, disclosure: Disclosure, data: dict, actor, today: datetime.date | None = None
) -> Disclosure:
    """A draft's title, content, items and sign-off (the village, affairs and period stay)."""
    today = today or timezone.localdate()
    disclosure = _lock(disclosure)
    _must_be_draft(disclosure)
    before = audit.snapshot(disclosure)
    _set_fields(disclosure, data)
    _check(disclosure, today)
    disclosure.save()
    _record(disclosure, actor, before)
    ensure_in_scope(instance=disclosure, actor=actor)
    return disclosure


def publish_problems(disclosure: Disclosure) -> dict[str, str]:
    """What still keeps a draft from being published, by field."""
    problems = {}
    if not disclosure.title:
        problems["title"] = _("Give the disclosure a title.")
    if not disclosure.body:
        problems["body"] = _("Write what is disclosed.")
    if disclosure.kind == DisclosureKind.FINANCE:
        if not disclosure.items:
            problems["items"] = _("A finance disclosure lists its income and spending by item.")
        if not (disclosure.signed_off_by and disclosure.signed_off_on):
            problems["signed_off_by"] = _(
                "The village affairs supervision committee signs the finances off before they are published."
            )
    if disclosure.corrects_id and not disclosure.correction_reason:
        problems["correction_reason"] = _("Say why the disclosure is corrected.")
    return problems


@transaction.atomic
def disclosure_publish(*, disclosure: Disclosure, actor, now: datetime.datetime | None = None) -> Disclosure:
    """Publish a draft: stamped with when and by whom; from now on it never changes."""
    disclosure = _lock(disclosure)
    _must_be_draft(disclosure)
    problems = publish_problems(disclosure)
    if problems:
        raise ValidationError(problems)
    if disclosure.corrects_id:
        original = Disclosure.objects.select_for_update().get(pk=disclosure.corrects_id)
        if original.published_at is None:  # never: a correction is begun from a published one
            raise ValidationError({NON_FIELD_ERRORS: _("Only a published disclosure is corrected.")})
    before = audit.snapshot(disclosure)
    disclosure.published_at = now or timezone.now()
    disclosure.published_by = _actor(actor)
    disclosure.save(update_fields=["published_at", "published_by", "updated_at"])
    _record(disclosure, actor, before, extra={"published": True})
    ensure_in_scope(instance=disclosure, actor=actor)
    return disclosure


@transaction.atomic
def disclosure_correct(*, disclosure: Disclosure, reason: str, actor) -> Disclosure:
    """Begin a correction of a published disclosure: a new draft with its content, that
    ``corrects`` it, with the reason; edited and published as any draft is."""
    original = _lock(disclosure)
    reason = (reason or "").strip()
    if original.published_at is None:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This disclosure is still a draft: edit it instead.")}, code="draft"
        )
    existing = Disclosure.objects.filter(corrects=original).first()
    if existing is not None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _("This disclosure already has a correction (%(title)s): open that one.")
                % {"title": existing.title}
            }
        )
    if not reason:
        raise ValidationError({"correction_reason": _("Say why the disclosure is corrected.")})
    if len(reason) > 300:
        raise ValidationError({"correction_reason": _("At most 300 characters.")})
    if not writable_villages(actor).filter(pk=original.village_id).exists():
        raise PermissionDenied(_("You do not keep this village's disclosures."))
    correction = Disclosure(
        village_id=original.village_id,
        town_id=original.town_id,
        kind=original.kind,
        period_start=original.period_start,
        period_end=original.period_end,
        title=original.title,
        body=original.body,
        items=list(original.items or []),
        signed_off_by="" if original.kind == DisclosureKind.FINANCE else original.signed_off_by,
        signed_off_on=None if original.kind == DisclosureKind.FINANCE else original.signed_off_on,
        corrects=original,
        correction_reason=reason,
    )
    correction.full_clean()
    correction.save()
    _record(correction, actor, None, action=AuditAction.CREATE, extra={"corrects": original.pk})
    ensure_in_scope(instance=correction, actor=actor)
    return correction


@transaction.atomic
def disclosure_discard(*, disclosure: Disclosure, actor) -> None:
    """A draft is taken back (softly); a published one stays."""
    disclosure = _lock(disclosure)
    _must_be_draft(disclosure)
    ensure_in_scope(instance=disclosure, actor=actor)
    before = audit.snapshot(disclosure)
    if disclosure.corrects_id:
        # the one-to-one would keep the corrected one from another correction
        disclosure.corrects = None
    disclosure.deleted_at = timezone.now()
    disclosure.save(update_fields=["deleted_at", "corrects", "updated_at"])
    _record(disclosure, actor, before, action=AuditAction.DELETE)


@transaction.atomic
def board_confirm(
    *, disclosure: Disclosure, upload, actor, now: datetime.datetime | None = None
) -> Disclosure:
    """The cadre confirms the village's paper board carries the published disclosure,
    with a photo of it (prepared as a case's photo is: a real image, re-encoded)."""
    from cases import photos

    if upload is None:
        raise ValidationError({"photo": _("Take a photo of the board.")})
    try:
        stored = photos.prepare(upload)  # before any write
    except ValidationError as exc:
        raise ValidationError({"photo": [m for ms in exc.message_dict.values() for m in ms]}) from None
    disclosure = _lock(disclosure)
    if disclosure.published_at is None:
        raise ValidationError({"photo": _("Publish the disclosure before putting it on the board.")})
    if not writable_villages(actor).filter(pk=disclosure.village_id).exists():
        raise PermissionDenied(_("You do not keep this village's disclosures."))
    before = audit.snapshot(disclosure)
    disclosure.board_photo.save(stored.name, stored, save=False)
    disclosure.board_confirmed_at = now or timezone.now()
    disclosure.save(update_fields=["board_photo", "board_confirmed_at", "updated_at"])
    _record(disclosure, actor, before, extra={"board": True})
    ensure_in_scope(instance=disclosure, actor=actor)
    return disclosure


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def disclosures_for_user(user, action: str = "view") -> QuerySet[Disclosure]:
    return restrict(
        Disclosure.objects.filter(deleted_at__isnull=True).select_related("village", "town", "corrects"),
        user,
        action,
    )


def published_of_village(village: Village) -> QuerySet[Disclosure]:
    """A village's published disclosures, for the public page (no log-in)."""
    return (
        Disclosure.objects.filter(village=village, published_at__isnull=False, deleted_at__isnull=True)
        .select_related("corrects")
        .order_by("-period_end", "kind", "-published_at")
    )


def published_correction(disclosure: Disclosure) -> Disclosure | None:
    """The published correction of ``disclosure``, if there is one."""
    return Disclosure.objects.filter(
        corrects=disclosure, published_at__isnull=False, deleted_at__isnull=True
    ).first()


class Status:
    PUBLISHED = "published"  # by the due day
    PUBLISHED_LATE = "published_late"
    WAITING = "waiting"  # not yet, the due day still to come
    LATE = "late"  # not published, the due day gone


@dataclass
class Cell:
    kind: str
    status: str
    disclosure_id: int | None = None
    published_at: datetime.datetime | None = None

    @property
    def late(self) -> bool:
        return self.status in (Status.LATE, Status.PUBLISHED_LATE)


@dataclass
class Row:
    village: Village
    period_start: datetime.date
    period_end: datetime.date
    due: datetime.date
    cells: list[Cell] = field(default_factory=list)

    @property
    def late(self) -> bool:
        return any(c.status == Status.LATE for c in self.cells)

    @property
    def label(self) -> str:
        return period_label(self.period_start, self.period_end)


def town_overview(villages: QuerySet[Village], today: datetime.date | None = None) -> list[Row]:
    """Each village × the three kinds for its town's last ended period: published (on
    time or late), still due, or late. Three queries whatever the number of villages:
    the villages, their towns' settings, the first publication of each."""
    today = today or timezone.localdate()
    villages = list(villages.select_related("town").order_by("town__code", "code"))
    if not villages:
        return []
    settings = settings_by_town({v.town_id for v in villages})
    periods = {t: last_ended(s.cadence, today) for t, s in settings.items()}
    starts = {p[0] for p in periods.values()}
    first = {
        (row["village_id"], row["kind"], row["period_start"], row["period_end"]): (row["first"], row["pk"])
        for row in Disclosure.objects.filter(
            village_id__in=[v.pk for v in villages],
            period_start__in=starts,
            published_at__isnull=False,
            deleted_at__isnull=True,
        )
        .values("village_id", "kind", "period_start", "period_end")
        .annotate(first=Min("published_at"), pk=Min("id"))
    }
    rows = []
    for village in villages:
        start, end = periods[village.town_id]
        due = due_date(settings[village.town_id], end)
        row = Row(village=village, period_start=start, period_end=end, due=due)
        for kind in DisclosureKind.values:
            hit = first.get((village.pk, kind, start, end))
            if hit is not None:
                on_time = timezone.localdate(hit[0]) <= due
                status = Status.PUBLISHED if on_time else Status.PUBLISHED_LATE
                row.cells.append(Cell(kind, status, hit[1], hit[0]))
            else:
                row.cells.append(Cell(kind, Status.WAITING if today <= due else Status.LATE))
        rows.append(row)
    return rows


def overview_villages(user) -> QuerySet[Village]:
    """The villages whose disclosures ``user`` watches as the town does (office and
    supervisors: their towns' villages)."""
    from governance.scoping import SUPERVISOR

    scope = resolve_scope(user)
    villages = Village.objects.filter(deleted_at__isnull=True)
    if scope.is_superuser:
        return villages
    towns = scope.ids("town", [OFFICE, SUPERVISOR])
    return villages.filter(town_id__in=sorted(towns)) if towns else villages.none()


def settings_towns(user) -> QuerySet[Town]:
    """The towns whose disclosure settings ``user`` sets (their town office's)."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return Town.objects.all()
    return Town.objects.filter(pk__in=sorted(scope.ids("town", [OFFICE])))


def late_villages(user, today: datetime.date | None = None) -> int:
    """How many of the user's towns' villages have a kind not published by its due day."""
    return sum(1 for row in town_overview(overview_villages(user), today) if row.late)


def to_publish(user, today: datetime.date | None = None) -> list[Cell]:
    """The cadre's villages' disclosures of the last ended period not yet published."""
    rows = town_overview(writable_villages(user), today)
    return [c for row in rows for c in row.cells if c.status in (Status.WAITING, Status.LATE)]
