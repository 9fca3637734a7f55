"""Village affairs in the open (seeds 002, 003): the villagers' council (理事会 9+X) with
its topics, meetings and suggestions; major decisions by 四议一审两公开, each step
recorded in order with its attendance and vote; disputes heard in public (评理说事,
群众评议团); and 阳光三务, the village's party, village and finance affairs disclosed per
period.

What is published is never edited in place: a decision's steps are appended (one row per
step, in order), and a correction of a disclosure is a new publication linked to the one
it corrects.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import GovernedModel

from .choices import Assembly, Cadence, DisclosureKind, MatterKind, Seat, Step, TopicKind, TopicState


class _InVillage(GovernedModel):
    """A row of one village; ``town`` repeats the village's, for scoping on one column."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.village_id:
            self.town_id = self.village.town_id


class AffairsSettings(models.Model):
    """A town's rules for its villages' affairs: above which spending a matter is major,
    how often the villages disclose their three affairs, and how many days after a
    period's end they have to do it."""

    town = models.OneToOneField(
        "grids.Town", on_delete=models.CASCADE, related_name="affairs_settings", verbose_name=_("town")
    )
    spending_threshold = models.DecimalField(
        _("major spending from (yuan)"), max_digits=12, decimal_places=2, default=50000
    )
    cadence = models.CharField(
        _("disclosure period"), max_length=16, choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    due_days = models.PositiveSmallIntegerField(_("days to disclose after the period"), default=10)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("village affairs settings")
        verbose_name_plural = _("village affairs settings")

    def __str__(self):
        return str(self.town)


# ---------------------------------------------------------------------------------------
# The villagers' council (村民议事厅, 理事会 9+X)
# ---------------------------------------------------------------------------------------


class Topic(_InVillage):
    """A topic (议题) put to the council, or a courtyard meeting's (院坝会): proposed,
    published ahead of the meeting for villagers to look into, discussed, closed."""

    kind = models.CharField(_("kind"), max_length=16, choices=TopicKind.choices, default=TopicKind.COUNCIL)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("proposed by"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=TopicState.choices, default=TopicState.PROPOSED, editable=False
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    outcome = models.TextField(_("what came of it"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("council topic")
        verbose_name_plural = _("council topics")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Member(_InVillage):
    """A seat of the village's council: one of the nine fixed kinds, or a stakeholder of
    one topic (X), released when the topic is closed (``until``)."""

    seat = models.CharField(_("seat"), max_length=32, choices=Seat.choices)
    name = models.CharField(_("name"), max_length=32)
    resident = models.ForeignKey(
        "grids.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stakeholders",
        verbose_name=_("for the topic"),
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        ordering = ["village_id", "seat", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seat=Seat.STAKEHOLDER, topic__isnull=False)
                | (~Q(seat=Seat.STAKEHOLDER) & Q(topic__isnull=True)),
                name="affairs_stakeholder_has_topic",
                violation_error_message=_("A stakeholder sits for one topic; a fixed seat for none."),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_seat_display()})"


class Meeting(_InVillage):
    """A council meeting or a courtyard meeting: when, where, the topics discussed, who
    attended and who spoke."""

    kind = models.CharField(_("kind"), max_length=16, choices=TopicKind.choices, default=TopicKind.COUNCIL)
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200)
    topics = models.ManyToManyField(Topic, related_name="meetings", verbose_name=_("topics"))
    attendees = models.ManyToManyField(
        Member, blank=True, related_name="+", verbose_name=_("council members present")
    )
    others_present = models.PositiveIntegerField(_("villagers present besides"), default=0)
    speakers = models.TextField(_("who spoke"), max_length=2000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=8000, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_at", "-id"]

    def __str__(self):
        return f"{self.village} {self.held_at:%Y-%m-%d}"


class Suggestion(models.Model):
    """A suggestion made on a topic, adopted or not, and what came of it."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="suggestions")
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("meeting"),
    )
    by = models.CharField(_("suggested by"), max_length=64)
    text = models.TextField(_("suggestion"), max_length=2000)
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)
    outcome = models.TextField(_("what came of it"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["topic_id", "id"]

    def __str__(self):
        return self.text[:40]


# ---------------------------------------------------------------------------------------
# Major decisions: 四议一审两公开
# ---------------------------------------------------------------------------------------


class Matter(_InVillage):
    """A major matter of a village, decided by 四议一审两公开: its steps are appended in
    order (:class:`StepRecord`); ``step`` is the last one taken."""

    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    step = models.PositiveSmallIntegerField(_("last step"), choices=Step.choices, null=True, editable=False)

    class Meta:
        verbose_name = _("major matter")
        verbose_name_plural = _("major matters")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class StepRecord(models.Model):
    """One step of a matter, appended in order and never changed: when, which body met,
    how many of its members were there and how they voted (where there is a vote), the
    town's verdict (一审), what was published (两公开)."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="steps")
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices)
    date = models.DateField(_("date"))
    assembly = models.CharField(_("resolved by"), max_length=16, choices=Assembly.choices, blank=True)
    members = models.PositiveIntegerField(
        _("members of the body"),
        null=True,
        blank=True,
        help_text=_("Adult villagers or households for a villagers' meeting."),
    )
    present = models.PositiveIntegerField(_("present"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    abstentions = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    approved = models.BooleanField(_("approved"), null=True, blank=True)
    note = models.TextField(_("record"), max_length=4000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision step")
        verbose_name_plural = _("decision steps")
        ordering = ["matter_id", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "step"],
                name="affairs_step_once",
                violation_error_message=_("This step is already recorded."),
            )
        ]

    def __str__(self):
        return f"{self.matter} · {self.get_step_display()}"


# ---------------------------------------------------------------------------------------
# Disputes heard in public (评理说事, 群众评议团)
# ---------------------------------------------------------------------------------------


class Hearing(_InVillage):
    """A dispute that mediation has not settled, put to a public review panel (两代表一委员,
    cadres, mediators, villagers' representatives): the hearing, the panel's view and
    the outcome; the case that led to it, if any (the cases app does not know this one)."""

    title = models.CharField(_("dispute"), max_length=200)
    parties = models.CharField(_("parties"), max_length=200)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    held_at = models.DateTimeField(_("heard at"))
    place = models.CharField(_("place"), max_length=200)
    panel = models.JSONField(_("panel"), default=list, help_text=_("Each panel member: name and role."))
    summary = models.TextField(_("the hearing"), max_length=4000)
    panel_view = models.TextField(_("the panel's view"), max_length=4000, blank=True)
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    settled = models.BooleanField(_("settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("public hearing")
        verbose_name_plural = _("public hearings")
        ordering = ["-held_at", "-id"]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------------------------------
# 阳光三务: party, village and finance affairs disclosed
# ---------------------------------------------------------------------------------------


class Disclosure(_InVillage):
    """A village's disclosure of one kind of affairs for a period. A draft is edited;
    published, it never changes: a correction is a new disclosure that ``corrects`` it.
    Finances carry their items (income and spending by item) and the supervision
    committee's sign-off; the cadre confirms the paper board was updated, with a photo."""

    kind = models.CharField(_("affairs"), max_length=16, choices=DisclosureKind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"), max_length=8000)
    items = models.JSONField(_("finance items"), default=list, blank=True)
    signed_off_by = models.CharField(_("signed off by (supervision committee)"), max_length=64, blank=True)
    signed_off_on = models.DateField(_("signed off on"), null=True, blank=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        editable=False,
        verbose_name=_("corrects"),
    )
    correction_reason = models.CharField(_("why corrected"), max_length=300, blank=True)
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
    board_photo = models.FileField(
        _("photo of the board"), upload_to="affairs/boards/", blank=True, editable=False
    )
    board_confirmed_at = models.DateTimeField(_("board updated"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-period_end", "village_id", "kind"]
        indexes = [models.Index(fields=["village", "kind", "period_end"], name="affairs_disclosure_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="affairs_period"
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})
