"""Monthly duty rosters (值班表): who of a village's cadres is on duty on which day.

A roster is a draft until it is published; publishing freezes it (it is archived with the
town office, 每月上传镇组织办存档), and later changes are appended as amendments, each
with its reason. The roster's shifts are the people on duty, one row per person and day:
so that "the same person is never on duty in two villages on the same day" is a unique
index on (person, date), which the database keeps even when two offices write at once.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import GovernedModel

from .choices import DEFAULT_PUBLISH_BY_DAY, Position, RosterState


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


class Amendment(models.Model):
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
        verbose_name = _("roster amendment")
        verbose_name_plural = _("roster amendments")
        ordering = ["roster_id", "date", "id"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.replaced} → {self.replacement}"

    def clean(self):
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Say why the roster is changed.")})
