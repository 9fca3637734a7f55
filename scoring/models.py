"""Scoring (DESIGN.md "Scoring"; issue: party-member points, village rankings, red and
black lists, quarterly bulletins, cadres' year-end assessment).

The app reads the other apps (duty, cases, grids) and none of them knows it. What it
stores is append-only where it is a record of what happened:

* the points ledger: one entry per rule and source event (a unique key, so a collection
  that runs twice or on two workers writes each entry once); a correction is a reversing
  entry, never an edit;
* point rules are versioned: a change is a new version from a date on, and each entry
  names the version it was earned under, so last year's totals stay as they were;
* ranking snapshots never change once stored: a recompute is a new version beside the
  old one; each row keeps its indicator values, the weights used and the evidence;
* bulletins keep the figures they were generated from.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import GovernedModel

from .choices import CapPeriod, Grade, Indicator, ListKind, ListState, PeriodKind, PointSource

# ---------------------------------------------------------------------------------------
# Party-member points (党员积分制)
# ---------------------------------------------------------------------------------------


class PointRule(models.Model):
    """One version of a town's rule: what earns how many points, capped per period.

    A rule is known by its ``code`` within the town; each change is a new version valid
    from a date (the previous one ends the day before), so an entry always points at the
    version it was earned under."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    source = models.CharField(_("earned by"), max_length=16, choices=PointSource.choices)
    points = models.SmallIntegerField(
        _("points"), validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    cap = models.PositiveSmallIntegerField(
        _("cap"), null=True, blank=True, help_text=_("At most this many points per period (empty: no cap).")
    )
    cap_period = models.CharField(
        _("cap period"), max_length=8, choices=CapPeriod.choices, default=CapPeriod.MONTH
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["town_id", "code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "code", "valid_from"],
                name="scoring_rule_one_version_a_day",
                violation_error_message=_("This rule already has a version from this day."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="scoring_rule_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.points:+d})"


class PointEntry(models.Model):
    """A line of a party member's ledger. Never changed or deleted: a correction is a
    reversing entry (``reverses``). ``source_key`` names the event that earned it
    (``duty_log:12``, ``visit:34``, ``case:56``, ``theme_day:7``); with ``rule_code`` it
    is unique per member, so each event earns each rule once, however often the job runs."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey("grids.Village", on_delete=models.PROTECT, related_name="+", editable=False)
    member = models.ForeignKey(
        "grids.PartyMember",
        on_delete=models.PROTECT,
        related_name="point_entries",
        verbose_name=_("party member"),
    )
    rule = models.ForeignKey(
        PointRule, on_delete=models.PROTECT, related_name="entries", verbose_name=_("rule")
    )
    rule_code = models.SlugField(max_length=32, editable=False)
    points = models.SmallIntegerField(_("points"))
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=16, choices=PointSource.choices)
    source_key = models.CharField(_("source event"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        editable=False,
        verbose_name=_("reverses"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("point entry")
        verbose_name_plural = _("point entries")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "rule_code", "source_key"],
                condition=~Q(source_key=""),
                name="scoring_entry_once_per_rule_and_event",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "date"], name="scoring_entry_member_date"),
            models.Index(fields=["village", "date"], name="scoring_entry_village_date"),
        ]

    def __str__(self):
        return f"{self.member} {self.points:+d} {self.date:%Y-%m-%d}"


class ThemeDay(GovernedModel):
    """The monthly theme party day (主题党日) of a branch: the meeting, the village matters
    put to the members, and who attended (attendance earns points)."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey("grids.Village", on_delete=models.PROTECT, related_name="+", editable=False)
    branch = models.ForeignKey(
        "grids.PartyBranch",
        on_delete=models.PROTECT,
        related_name="theme_days",
        verbose_name=_("party branch"),
    )
    date = models.DateField(_("date"))
    topics = models.TextField(_("topics"), max_length=2000)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("theme party day")
        verbose_name_plural = _("theme party days")
        ordering = ["-date", "branch_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "date"],
                condition=Q(deleted_at__isnull=True),
                name="scoring_theme_day_once_a_day",
                violation_error_message=_("This branch already has a theme party day on this date."),
            )
        ]

    def __str__(self):
        return f"{self.branch} {self.date:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.branch_id:
            self.village_id, self.town_id = self.branch.village_id, self.branch.town_id


class Attendance(models.Model):
    day = models.ForeignKey(ThemeDay, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        "grids.PartyMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("party member")
    )
    present = models.BooleanField(_("present"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["day_id", "member_id"]
        constraints = [models.UniqueConstraint(fields=["day", "member"], name="scoring_attendance_once")]

    def __str__(self):
        return f"{self.member} {self.present}"


class PointsBar(models.Model):
    """The yearly bar of a town: members below it are listed for rectification (整改)."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    year = models.PositiveSmallIntegerField(_("year"))
    minimum = models.PositiveSmallIntegerField(_("minimum points"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("yearly points bar")
        verbose_name_plural = _("yearly points bars")
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="scoring_bar_once_a_year")]

    def __str__(self):
        return f"{self.town} {self.year}: {self.minimum}"


class Rectification(GovernedModel):
    """A member below the bar, and what is done about it."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey("grids.Village", on_delete=models.PROTECT, related_name="+", editable=False)
    member = models.ForeignKey(
        "grids.PartyMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("party member")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    points = models.IntegerField(_("points of the year"))
    plan = models.TextField(_("rectification plan"), max_length=2000)
    done_on = models.DateField(_("rectified on"), null=True, blank=True)
    result = models.TextField(_("result"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["-year", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"],
                condition=Q(deleted_at__isnull=True),
                name="scoring_rectification_once_a_year",
                violation_error_message=_("This member's rectification of this year is already recorded."),
            )
        ]

    def __str__(self):
        return f"{self.member} {self.year}"

    def clean(self):
        super().clean()
        if self.member_id:
            self.village_id, self.town_id = self.member.village_id, self.member.town_id


# ---------------------------------------------------------------------------------------
# Village rankings (一月一排名)
# ---------------------------------------------------------------------------------------


class Weight(models.Model):
    """A town's weight of one indicator (the ranking scheme is the town's set of weights),
    and the fewest events that make it mean something: below, it is shown as not rated
    and its weight spreads over the others."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    indicator = models.CharField(_("indicator"), max_length=32, choices=Indicator.choices)
    weight = models.PositiveSmallIntegerField(_("weight"), validators=[MaxValueValidator(100)])
    min_events = models.PositiveSmallIntegerField(_("fewest events to rate"), default=5)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ranking weight")
        verbose_name_plural = _("ranking weights")
        ordering = ["town_id", "indicator"]
        constraints = [models.UniqueConstraint(fields=["town", "indicator"], name="scoring_weight_once")]

    def __str__(self):
        return f"{self.get_indicator_display()}: {self.weight}"


class Snapshot(models.Model):
    """A town's ranking for one week or month, as computed at ``computed_at``. Never
    changed: a recompute is a new ``version``; the highest is the current one. ``weights``
    are those used ({indicator: [weight, min_events]})."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    weights = models.JSONField(_("weights used"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        ordering = ["town_id", "kind", "-start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "kind", "start", "version"], name="scoring_snapshot_version"
            ),
        ]

    def __str__(self):
        return f"{self.town} {self.get_kind_display()} {self.start:%Y-%m-%d} v{self.version}"


class SnapshotRow(models.Model):
    """A village in a snapshot: each indicator's value, events and evidence, its score, rank
    and the change since the previous period. ``values`` is
    {indicator: {"value": 0.93 | null, "events": n, "rated": bool, "weight": w,
    "share": effective weight, "evidence": {...ids}}}."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True)
    previous_rank = models.PositiveSmallIntegerField(_("previous rank"), null=True)
    values = models.JSONField(_("indicator values"), default=dict)

    class Meta:
        verbose_name = _("ranking row")
        verbose_name_plural = _("ranking rows")
        ordering = ["snapshot_id", "rank", "village_id"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "village"], name="scoring_row_once")]
        indexes = [models.Index(fields=["village", "snapshot"], name="scoring_row_village")]

    def __str__(self):
        return f"{self.village} #{self.rank}"

    @property
    def change(self) -> int | None:
        """Places gained (+) or lost (−) since the previous period."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


# ---------------------------------------------------------------------------------------
# Cadres' year-end assessment (年终考绩)
# ---------------------------------------------------------------------------------------


class Assessment(GovernedModel):
    """A village cadre's year: the figures computed from the records (``figures``, each with
    the ids of its evidence) and the town office's own assessment."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cadre")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    computed_at = models.DateTimeField(_("figures computed at"), null=True, blank=True, editable=False)
    grade = models.CharField(_("town's grade"), max_length=16, choices=Grade.choices, blank=True)
    comment = models.TextField(_("town's assessment"), max_length=2000, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("year-end assessment")
        verbose_name_plural = _("year-end assessments")
        ordering = ["-year", "village_id", "cadre_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "village", "year"],
                condition=Q(deleted_at__isnull=True),
                name="scoring_assessment_once_a_year",
            )
        ]

    def __str__(self):
        return f"{self.cadre} {self.village} {self.year}"

    def clean(self):
        super().clean()
        if self.village_id:
            self.town_id = self.village.town_id


# ---------------------------------------------------------------------------------------
# Red and black list (红黑榜)
# ---------------------------------------------------------------------------------------


class ListEntry(GovernedModel):
    """A household praised (red) or criticised (black) against the village rules (村规民约)
    for a period: proposed by the grid worker or a cadre, approved by the village, then
    published on the grid's public page (the household's display name only) until the
    period ends."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey("grids.Village", on_delete=models.PROTECT, related_name="+", editable=False)
    grid = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="+", editable=False)
    household = models.ForeignKey(
        "grids.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    kind = models.CharField(_("list"), max_length=8, choices=ListKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    rule = models.CharField(_("village rule (村规民约)"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    state = models.CharField(
        _("state"), max_length=16, choices=ListState.choices, default=ListState.PROPOSED, editable=False
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("proposed by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("red or black list entry")
        verbose_name_plural = _("red and black list entries")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["grid", "state", "ends_on"], name="scoring_list_grid_live")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="scoring_list_period"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.household}"

    def clean(self):
        super().clean()
        if self.household_id:
            h = self.household
            self.town_id, self.village_id, self.grid_id = h.town_id, h.village_id, h.grid_id
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The period ends before it starts.")})


# ---------------------------------------------------------------------------------------
# Quarterly bulletin (一季一通报)
# ---------------------------------------------------------------------------------------


class Bulletin(models.Model):
    """A town's bulletin of a quarter, with the figures it was generated from (``content``)
    so that it reads the same later; generating it again makes a new version."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    content = models.JSONField(_("content"), default=dict, editable=False)
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("quarterly bulletin")
        verbose_name_plural = _("quarterly bulletins")
        ordering = ["town_id", "-year", "-quarter", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "year", "quarter", "version"], name="scoring_bulletin_version"
            )
        ]

    def __str__(self):
        return f"{self.town} {self.year} Q{self.quarter} v{self.version}"
