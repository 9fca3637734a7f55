"""Monthly duty rosters (值班表): who of a village's cadres is on duty on which day.

A roster is a draft until it is published; publishing freezes it (it is archived with the
town office, 每月上传镇组织办存档), and later changes are appended as amendments, each
with its reason. The roster's shifts are the people on duty, one row per person and day:
so that "the same person is never on duty in two villages on the same day" is a unique
index on (person, date), which the database keeps even when two offices write at once.

Below them, the daily duty log (值班日记) with the nine duties (九个一), its item rows,
its amendments, the village offices' QR codes and the town office's flags; then the
household visits (行村制) with the three musts (三必到) waiting for one, and the town's
unannounced inspections (一周一暗访).
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import GovernedModel

from .choices import (
    DEFAULT_PUBLISH_BY_DAY,
    CheckInMethod,
    FlagKind,
    InspectionState,
    Item,
    LogState,
    Occasion,
    Position,
    RosterState,
    VisitKind,
)

# The months a roster may be kept for: the platform's years, not whatever a date can hold
# (a month's end past 9999-12 cannot be counted).
FIRST_ROSTER_YEAR, LAST_ROSTER_YEAR = 2000, 2099


def month_end(month: datetime.date) -> datetime.date:
    """The last day of the month that ``month`` (any day of it) is in."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def month_days(month: datetime.date) -> list[datetime.date]:
    first = month.replace(day=1)
    return [first + datetime.timedelta(days=i) for i in range(month_end(first).day)]


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def parse_month(value) -> datetime.date | None:
    """``2026-10`` (or a whole date) → the month's first day; None for anything else,
    and for a month outside the platform's years. The one month parser of the app: the
    pages fall back to a default on None, the filters answer a field error."""
    try:
        year, month = str(value or "").split("-")[:2]
        first = datetime.date(int(year), int(month), 1)
    except (TypeError, ValueError, OverflowError):
        return None
    return first if FIRST_ROSTER_YEAR <= first.year <= LAST_ROSTER_YEAR else None


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first instant and the next month's first, in the platform's time zone:
    ``[start, end)`` for a range on a datetime column (its index serves it)."""
    zone = timezone.get_current_timezone()
    first, following = month.replace(day=1), add_months(month, 1)
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(following, datetime.time.min, tzinfo=zone),
    )


class DutySettings(models.Model):
    """A town's rules for its rosters, kept by its town office: by which day of the month
    before the villages publish next month's roster."""

    town = models.OneToOneField(
        "grids.Town", on_delete=models.CASCADE, related_name="+", verbose_name=_("town")
    )
    publish_by_day = models.PositiveSmallIntegerField(
        _("publish by day"),
        default=DEFAULT_PUBLISH_BY_DAY,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_(
            "Next month's roster is due by this day of the month before "
            "(the month's last day where it is shorter)."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("duty settings")
        verbose_name_plural = _("duty settings")
        ordering = ["town_id"]

    def __str__(self):
        return str(_("Duty settings of %(town)s") % {"town": self.town})

    def deadline(self, month: datetime.date) -> datetime.date:
        return publish_deadline(month, self.publish_by_day)


def publish_deadline(month: datetime.date, day: int = DEFAULT_PUBLISH_BY_DAY) -> datetime.date:
    """The day by which the roster of ``month`` is due: ``day`` of the month before."""
    before = add_months(month, -1)
    return before.replace(day=min(day, month_end(before).day))


class Roster(GovernedModel):
    """One village's duty roster for one month (``month`` is the month's first day)."""

    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    month = models.DateField(_("month"))
    duty_phone = models.CharField(
        _("duty phone"),
        max_length=32,
        help_text=_("The village's duty telephone, shown on the public board."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=RosterState.choices, default=RosterState.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering = ["-month", "village_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "month"],
                condition=Q(deleted_at__isnull=True),
                name="duty_roster_one_per_village_month",
                violation_error_message=_("This village already has a roster for this month."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="duty_roster_month_first_day"),
            models.CheckConstraint(
                condition=Q(state=RosterState.DRAFT) | Q(published_at__isnull=False),
                name="duty_roster_published_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.village} {self.month:%Y-%m}"

    @property
    def is_published(self) -> bool:
        return self.state == RosterState.PUBLISHED

    @property
    def last_day(self) -> datetime.date:
        return month_end(self.month)

    def clean(self):
        if self.month and self.month.day != 1:
            self.month = self.month.replace(day=1)
        if self.month and not FIRST_ROSTER_YEAR <= self.month.year <= LAST_ROSTER_YEAR:
            raise ValidationError(
                {
                    "month": _("A roster's month must lie between %(first)s and %(last)s.")
                    % {"first": FIRST_ROSTER_YEAR, "last": LAST_ROSTER_YEAR}
                }
            )


class Shift(GovernedModel):
    """One person on duty in one village on one day: the cadre on duty, or the second
    person beside them. ``date`` is the day itself (the roster says which month)."""

    roster = models.ForeignKey(
        Roster, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("roster")
    )
    date = models.DateField(_("date"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person on duty")
    )
    position = models.CharField(_("position"), max_length=8, choices=Position.choices, default=Position.LEAD)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["date", "position", "id"]
        constraints = [
            # The rule of the seed: nobody is on duty in two villages (or twice) a day. A
            # unique index, so two offices filling their villages at once cannot both win;
            # it also serves the cadre's "am I on duty today / next duty day".
            models.UniqueConstraint(
                fields=["person", "date"],
                condition=Q(deleted_at__isnull=True),
                name="duty_shift_one_place_per_person_day",
                violation_error_message=_("This person is already on duty that day."),
            ),
            models.UniqueConstraint(
                fields=["roster", "date", "position"],
                condition=Q(deleted_at__isnull=True),
                name="duty_shift_one_per_position_day",
                violation_error_message=_("This day already has someone in this position."),
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.person}"


class AppendedRecord(models.Model):
    """A correction written once and kept: why, by whom, when (a roster's or a signed
    log's amendment)."""

    reason = models.CharField(_("reason"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True


class Amendment(AppendedRecord):
    """A change to a published roster: on ``date``, ``replacement`` is on duty instead
    of ``replaced``, for ``reason``. Append-only: never changed, never deleted."""

    roster = models.ForeignKey(
        Roster, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("roster")
    )
    date = models.DateField(_("date"))
    replaced = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("replaced")
    )
    replacement = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("replaced by")
    )

    class Meta:
        verbose_name = _("roster amendment")
        verbose_name_plural = _("roster amendments")
        ordering = ["roster_id", "date", "id"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.replaced} → {self.replacement}"

    def clean(self):
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Say why the roster is changed.")})


# ---------------------------------------------------------------------------------------
# The daily duty log (值班日记): the nine duties (九个一) of one village's duty day
# ---------------------------------------------------------------------------------------


def new_office_token() -> str:
    return secrets.token_urlsafe(24)


class OfficeCode(models.Model):
    """The secret of a village office's QR code: scanning it (a URL holding the token)
    checks the cadre on duty in, which says they were in the office. A new token voids
    a code that was photographed and taken away."""

    village = models.OneToOneField(
        "grids.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_office_token, editable=False)
    latitude = models.FloatField(_("office latitude"), null=True, blank=True)
    longitude = models.FloatField(_("office longitude"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("village office code")
        verbose_name_plural = _("village office codes")
        ordering = ["village_id"]

    def __str__(self):
        return str(self.village)


class DutyLog(GovernedModel):
    """One village's duty log of one duty day, filed by the cadre on duty: a draft they
    fill in through the day, then signed, after which it is locked and corrected only by
    amendments. The items with several entries (errands, spot checks, visits, talks,
    elderly helped, patrol findings, photos) are rows of their own below."""

    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    date = models.DateField(_("duty day"))
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cadre on duty")
    )
    shift = models.ForeignKey(
        Shift,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("roster shift"),
    )
    off_roster_reason = models.CharField(
        _("why someone not on the roster files it"), max_length=200, blank=True
    )
    state = models.CharField(_("state"), max_length=16, choices=LogState.choices, default=LogState.DRAFT)
    # 1. 办公场所扫一扫
    check_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_method = models.CharField(
        _("check-in method"), max_length=8, choices=CheckInMethod.choices, blank=True
    )
    check_in_reason = models.CharField(_("why by hand"), max_length=200, blank=True)
    check_in_latitude = models.FloatField(_("check-in latitude"), null=True, blank=True)
    check_in_longitude = models.FloatField(_("check-in longitude"), null=True, blank=True)
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    # 3. 村庄里外巡一巡
    patrol_route = models.TextField(_("patrol route"), max_length=1000, blank=True)
    # 7. 公开栏内整一整 (None: not answered yet)
    board_updated = models.BooleanField(_("public board updated"), null=True, blank=True)
    board_note = models.CharField(_("note on the board"), max_length=200, blank=True)
    # 9. 值班记录记一记
    summary = models.TextField(_("the day's record"), max_length=2000, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("duty log")
        verbose_name_plural = _("duty logs")
        ordering = ["-date", "village_id"]
        constraints = [
            # One log per village and duty day: a unique index, so two phones starting
            # the day's log at once make one log, not two.
            models.UniqueConstraint(
                fields=["village", "date"],
                condition=Q(deleted_at__isnull=True),
                name="duty_log_one_per_village_day",
                violation_error_message=_("This village already has a duty log for this day."),
            ),
            models.CheckConstraint(
                condition=Q(state=LogState.DRAFT) | Q(signed_at__isnull=False),
                name="duty_log_signed_has_time",
            ),
        ]
        # The town's today board and the missing-log sweep read a day's logs of a town's
        # villages: (date, village).
        indexes = [models.Index(fields=["date", "village"], name="duty_log_date_village")]

    def __str__(self):
        return f"{self.village} {self.date:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.state == LogState.SIGNED

    @property
    def hours(self) -> float | None:
        """Hours served between check-in and check-out (the rule is DUTY_HOURS)."""
        if self.check_in_at and self.check_out_at:
            return round((self.check_out_at - self.check_in_at).total_seconds() / 3600, 1)
        return None


class _LogRow(models.Model):
    """A row of one of the items with several entries; each names its ``log``."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]


class Errand(models.Model):
    """2. 代办事项办一办: a matter handled on a villager's behalf. It belongs to the
    village from the log it was taken on (``opened_in``) until the log it was done in
    (``done_in``), and shows in every log of the village in between: an open one carries
    over from duty day to duty day, so how many days a villager waited is counted."""

    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    opened_in = models.ForeignKey(
        DutyLog, on_delete=models.CASCADE, related_name="errands_opened", verbose_name=_("taken on")
    )
    opened_on = models.DateField(_("taken on"))
    done_in = models.ForeignKey(
        DutyLog,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="errands_done",
        verbose_name=_("done in"),
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    what = models.CharField(_("what"), max_length=200)
    for_whom = models.CharField(_("for whom"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("errand")
        verbose_name_plural = _("errands")
        ordering = ["opened_on", "id"]
        # A day's log lists the village's errands open that day: (village, done_on).
        indexes = [models.Index(fields=["village", "done_on"], name="duty_errand_village_done")]

    def __str__(self):
        return f"{self.what} ({self.for_whom})"

    @property
    def is_done(self) -> bool:
        return self.done_in_id is not None


class SpotCheck(_LogRow):
    """4. 垃圾分类查一查: one household of the village checked, passed or not."""

    log = models.ForeignKey(DutyLog, on_delete=models.CASCADE, related_name="spot_checks")
    household = models.ForeignKey(
        "grids.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta(_LogRow.Meta):
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        constraints = [
            models.UniqueConstraint(
                fields=["log", "household"],
                name="duty_spot_check_once_a_day",
                violation_error_message=_("This household is already checked today."),
            )
        ]

    def __str__(self):
        return f"{self.household}: {self.passed}"


class PolicyTalk(_LogRow):
    """6. 政策宣传讲一讲: a policy explained, to whom, to how many."""

    log = models.ForeignKey(DutyLog, on_delete=models.CASCADE, related_name="talks")
    topic = models.CharField(_("topic"), max_length=200)
    audience = models.CharField(_("audience"), max_length=200)
    people = models.PositiveIntegerField(_("how many people"), validators=[MinValueValidator(1)])

    class Meta(_LogRow.Meta):
        verbose_name = _("policy talk")
        verbose_name_plural = _("policy talks")

    def __str__(self):
        return self.topic


class ElderlyHelp(_LogRow):
    """8. 居家养老帮一帮: an elderly person helped at home, and how."""

    log = models.ForeignKey(DutyLog, on_delete=models.CASCADE, related_name="elderly")
    who = models.CharField(_("who"), max_length=64)
    what = models.CharField(_("what was done"), max_length=200)

    class Meta(_LogRow.Meta):
        verbose_name = _("elderly helped")
        verbose_name_plural = _("elderly helped")

    def __str__(self):
        return f"{self.who}: {self.what}"


class PatrolFinding(_LogRow):
    """3. 村庄里外巡一巡: something found on patrol; reported as a case in one action
    (``case``, through the cases app's service)."""

    log = models.ForeignKey(DutyLog, on_delete=models.CASCADE, related_name="findings")
    note = models.CharField(_("finding"), max_length=500)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("case"),
    )

    class Meta(_LogRow.Meta):
        verbose_name = _("patrol finding")
        verbose_name_plural = _("patrol findings")

    def __str__(self):
        return self.note


def log_photo_path(instance, filename):
    return f"duty/{instance.log_id}/{secrets.token_hex(8)}.jpg"


class LogPhoto(_LogRow):
    """A photo on one of the nine items, prepared as cases' photos are (re-encoded,
    resized, size-limited; the place it was taken kept for the town). ``phash`` is its
    perceptual hash (hex), so the same picture sent again, even re-encoded or resized, is
    found (duty.motions)."""

    log = models.ForeignKey(DutyLog, on_delete=models.CASCADE, related_name="photos")
    item = models.PositiveSmallIntegerField(_("item"), choices=Item.choices)
    file = models.FileField(_("file"), upload_to=log_photo_path)
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True, editable=False, db_index=True)

    class Meta(_LogRow.Meta):
        verbose_name = _("duty log photo")
        verbose_name_plural = _("duty log photos")

    def __str__(self):
        return self.file.name


class LogAmendment(AppendedRecord):
    """A correction to a signed log, append-only: which item, what is corrected, why."""

    log = models.ForeignKey(DutyLog, on_delete=models.PROTECT, related_name="amendments")
    item = models.PositiveSmallIntegerField(_("item"), choices=Item.choices)
    correction = models.TextField(_("correction"), max_length=2000)

    class Meta:
        verbose_name = _("duty log amendment")
        verbose_name_plural = _("duty log amendments")
        ordering = ["log_id", "at", "id"]

    def __str__(self):
        return f"{self.log} #{self.item}: {self.reason}"

    def clean(self):
        errors = {}
        if not (self.reason or "").strip():
            errors["reason"] = _("Say why the signed log is corrected.")
        if not (self.correction or "").strip():
            errors["correction"] = _("Say what is corrected.")
        if errors:
            raise ValidationError(errors)


class DutyFlag(models.Model):
    """Something the town office should look at about a village's duty day: a duty day
    without a signed log (the missing-log sweep); the "going through the motions" checks
    add their own kinds. One flag per kind, village and day (a unique key, so two
    workers running the sweep make one flag). Dismissed with a reason, never deleted."""

    kind = models.CharField(_("kind"), max_length=32, choices=FlagKind.choices)
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    date = models.DateField(_("duty day"))
    log = models.ForeignKey(
        DutyLog,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("duty log"),
    )
    reason = models.CharField(_("why"), max_length=300)
    # What the flag rests on, for the page to link: {"logs": [ids], "photos": [ids],
    # "visits": [ids], "distance_m": n, ...}; each check writes its own keys.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("flagged at"), auto_now_add=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True, editable=False)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    dismiss_reason = models.CharField(_("why dismissed"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("duty flag")
        verbose_name_plural = _("duty flags")
        ordering = ["-date", "village_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "village", "date"], name="duty_flag_one_per_kind_village_day"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.village} {self.date:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.dismissed_at is None


class LogSubmission(models.Model):
    """An entry sent to a log from a phone, by its idempotency key: a phone that lost its
    connection sends its queue again, and each entry is applied exactly once (the key is
    unique; it is written in the same transaction as the entry)."""

    log = models.ForeignKey(DutyLog, on_delete=models.CASCADE, related_name="+", verbose_name=_("duty log"))
    key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    action = models.CharField(_("action"), max_length=32)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("duty log submission")
        verbose_name_plural = _("duty log submissions")
        ordering = ["-at"]

    def __str__(self):
        return self.key


# ---------------------------------------------------------------------------------------
# Household visits (行村制): every household of a grid at least once a month, special
# households first; the three musts (三必到) within days of being known.
# ---------------------------------------------------------------------------------------


class _InGrid(GovernedModel):
    """A row about one household: ``town``, ``village`` and ``grid`` repeat the
    household's (set by ``clean()``), so scoping and the per-grid counts filter on one
    indexed column."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey("grids.Village", on_delete=models.PROTECT, related_name="+", editable=False)
    grid = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="+", editable=False)
    household = models.ForeignKey(
        "grids.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.household_id:
            household = self.household
            self.town_id, self.village_id, self.grid_id = (
                household.town_id,
                household.village_id,
                household.grid_id,
            )


class Visit(_InGrid):
    """A household visited (走访纪实表): by whom, when, how, what was found. A visit made
    by the cadre on duty belongs to that day's log (item 5); a problem found becomes a
    case in one action (``case``, through the cases app's service)."""

    visited_at = models.DateTimeField(_("visited at"))
    kind = models.CharField(
        _("kind of visit"), max_length=16, choices=VisitKind.choices, default=VisitKind.ROUTINE
    )
    found = models.TextField(_("what was found"), max_length=1000, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("visitors"))
    log = models.ForeignKey(
        DutyLog,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits_made",
        editable=False,
        verbose_name=_("duty log"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("case"),
    )

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "visited_at"], name="duty_visit_grid_at"),
            models.Index(fields=["household", "visited_at"], name="duty_visit_household_at"),
            models.Index(fields=["village", "visited_at"], name="duty_visit_village_at"),
            # A town's visits newest first (the office's list and the API): without it the
            # county's 7 million visits are read to find one town's latest.
            models.Index(fields=["town", "-visited_at"], name="duty_visit_town_at"),
        ]

    def __str__(self):
        return f"{self.household} {self.visited_at:%Y-%m-%d}"


def visit_photo_path(instance, filename):
    return f"visits/{instance.visit_id}/{secrets.token_hex(8)}.jpg"


class VisitPhoto(models.Model):
    """A photo of a visit, prepared as cases' photos are; ``phash`` as a log photo's."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=visit_photo_path)
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.file.name


class ThreeMust(_InGrid):
    """An occasion of the three musts (三必到) made known: the household must be visited by
    ``due_on``; ``visit`` is the visit that answered it."""

    occasion = models.CharField(_("occasion"), max_length=16, choices=Occasion.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    known_on = models.DateField(_("known on"))
    due_on = models.DateField(_("visit due by"), editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("made known by"),
    )
    visit = models.OneToOneField(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="three_must",
        editable=False,
        verbose_name=_("answered by visit"),
    )

    class Meta:
        verbose_name = _("three-musts occasion")
        verbose_name_plural = _("three-musts occasions")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["grid", "visit"], name="duty_three_must_grid_open")]

    def __str__(self):
        return f"{self.household} {self.get_occasion_display()}"


# ---------------------------------------------------------------------------------------
# Unannounced inspections (一周一暗访)
# ---------------------------------------------------------------------------------------


class Inspection(GovernedModel):
    """An unannounced inspection of a village's duty by the town office or a supervisor:
    was the cadre on duty there (脱岗 if not), which of the nine items were being done,
    what was found, a score. Hidden from the inspected village until published."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    at = models.DateTimeField(_("inspected at"))
    inspectors = models.CharField(_("inspectors"), max_length=200)
    on_duty = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cadre on duty"),
    )
    present = models.BooleanField(_("cadre on duty present"))
    items_seen = models.JSONField(_("items being done"), default=list, blank=True)
    findings = models.TextField(_("findings"), max_length=2000, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=InspectionState.choices,
        default=InspectionState.DRAFT,
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["village", "at"], name="duty_inspection_village_at")]

    def __str__(self):
        return f"{self.village} {self.at:%Y-%m-%d %H:%M}"

    @property
    def absent(self) -> bool:
        """脱岗: the cadre on duty was not at their post."""
        return not self.present

    def clean(self):
        super().clean()
        if self.village_id:
            self.town_id = self.village.town_id
        items = self.items_seen
        if not isinstance(items, list) or any(i not in Item.values for i in items):
            raise ValidationError({"items_seen": _("Choose among the nine items.")})
        self.items_seen = sorted(set(items))


def inspection_photo_path(instance, filename):
    return f"inspections/{instance.inspection_id}/{secrets.token_hex(8)}.jpg"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=inspection_photo_path)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.file.name
