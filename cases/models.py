"""Cases (事项): reported, claimed, solved in the village within 3 working days or
escalated to the town and its departments with 7; every move an append-only event."""

import hmac
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import crypto
from governance.models import GovernedModel
from governance.personal import PersonalDataMixin
from governance.text import has_control_characters

from .choices import (
    OPEN_STATES,
    TOWN_OPEN_STATES,
    VILLAGE_OPEN_STATES,
    CaseState,
    Channel,
    Level,
    Move,
    NotificationKind,
    Satisfaction,
    Source,
)

_TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone


def new_tracking_number() -> str:
    """Public (the board shows it) and unguessable: it shows a case's progress to anyone
    who has it. Rating needs the reporter's own code (:func:`rating_code`)."""
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))


def new_rating_nonce() -> str:
    return secrets.token_hex(8)


RATING_CODE_LENGTH = 8


def rating_code(case: "Case") -> str:
    """The reporter's secret for rating ``case``: given in the receipt and in the
    messages that ask the reporter to rate, and nowhere else.

    It is the keyed digest (``crypto.digest``, under ``FIELD_HASH_KEY``) of the tracking
    number and a random nonce drawn when the case is reported, so the database holds no
    code: only the nonce, which without the key gives nothing. It cannot be a random
    value kept as a digest alone (as an Open311 key is), because the message that asks
    for the rating goes out days later and must carry it again.
    """
    mac = int(crypto.digest(f"rating-code:{case.tracking_number}:{case.rating_nonce}"), 16)
    return "".join(_TRACKING_ALPHABET[(mac >> (5 * i)) & 31] for i in range(RATING_CODE_LENGTH))


def normalise_rating_code(code: str) -> str:
    """A code as people type it: full-width characters, spaces, dashes and case do not matter."""
    text = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


def rating_code_matches(case: "Case", code: str) -> bool:
    return bool(code) and hmac.compare_digest(rating_code(case), normalise_rating_code(code))


def rating_link(case: "Case") -> str:
    """Where the reporter rates: the tracking page with the code filled in."""
    return f"{reverse('track', kwargs={'number': case.tracking_number})}?code={rating_code(case)}"


def validate_no_control_characters(value: str) -> None:
    """Also for what does not come through the doors that refuse them (imports, the
    services called directly): a control character makes Open311's XML invalid."""
    if value and has_control_characters(value):
        raise ValidationError(_("Remove the control characters from this text."), code="control_characters")


class CaseKind(GovernedModel):
    """What a case is about: the four reports (四报) and everyday categories a town
    office configures (field-edge disputes, blocked drains, broken bins, …).

    ``town`` empty means a kind every town has; ``code`` is what Open311 calls a service.
    """

    town = models.ForeignKey(
        "grids.Town",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_kinds",
        verbose_name=_("town"),
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    group = models.CharField(_("group"), max_length=32, blank=True)
    is_four_reports = models.BooleanField(_("one of the four reports (四报)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case kind")
        verbose_name_plural = _("case kinds")
        ordering = ["-is_four_reports", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(town__isnull=True),
                name="case_kind_global_code_unique",
                violation_error_message=_("A kind with this code exists for all towns."),
            ),
            models.UniqueConstraint(
                fields=["town", "code"],
                condition=Q(town__isnull=False),
                name="case_kind_town_code_unique",
                violation_error_message=_("This town already has a kind with this code."),
            ),
        ]

    def __str__(self):
        return self.name


def overdue_q(now=None) -> Q:
    """The one definition of overdue, as a query: open and past its deadline.
    ``Case.is_overdue_at`` is the same rule for one loaded case."""
    return Q(state__in=OPEN_STATES, deadline__lt=now or timezone.now())


class CaseQuerySet(models.QuerySet):
    def overdue(self, now=None):
        return self.filter(overdue_q(now))

    def not_overdue(self, now=None):
        return self.exclude(overdue_q(now))

    def supervised(self):
        """Open cases under supervision (督办): overdue at town level, followed by the
        supervisors until they are solved."""
        return self.filter(state__in=OPEN_STATES, supervised_at__isnull=False)


class Case(PersonalDataMixin, GovernedModel):
    """A problem to solve. ``level``, ``deadline`` and the holder describe where it is now;
    ``periods`` keep each level's deadline, when it was met or missed and who held it."""

    PERSONAL_FIELDS = ("reporter_contact",)

    # Every index of this table costs each write of the escalation sweep (no update of a
    # case is HOT), so a column has one only where a query that runs reads it (bench/
    # README.md, "Index study"): the town, village and department lists read the composite
    # indexes in Meta, and the tracking number's uniqueness is a constraint (no "_like"
    # index: nothing searches it by prefix).
    tracking_number = models.CharField(
        _("tracking number"), max_length=16, default=new_tracking_number, editable=False
    )
    town = models.ForeignKey(
        "grids.Town", on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("village"),
        db_index=False,
    )
    grid = models.ForeignKey(
        "grids.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("grid"),
    )
    household = models.ForeignKey(
        "grids.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("household"),
        db_index=False,  # read through the case; households are soft-deleted, never for real
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(
        _("address"), max_length=200, blank=True, validators=[validate_no_control_characters]
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    kind = models.ForeignKey(CaseKind, on_delete=models.PROTECT, related_name="cases", verbose_name=_("kind"))
    description = models.TextField(
        _("description"), max_length=2000, validators=[validate_no_control_characters]
    )
    reporter_name = models.CharField(
        _("reporter"), max_length=32, blank=True, validators=[validate_no_control_characters]
    )
    reporter_contact_cipher = models.TextField(blank=True, editable=False)
    reporter_contact_digest = models.CharField(max_length=64, blank=True, editable=False)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    state = models.CharField(
        _("state"), max_length=16, choices=CaseState.choices, default=CaseState.REGISTERED
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.VILLAGE)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,  # shown, never searched; users are deactivated, not deleted
    )
    department = models.ForeignKey(
        "grids.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        editable=False,
        db_index=False,  # case_department_state serves the department's lists
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, editable=False)
    reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    supervised_at = models.DateTimeField(_("supervised (督办) since"), null=True, blank=True, editable=False)
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,  # shown, never searched (the inbox only excludes one's own)
    )
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True, editable=False)
    solution = models.TextField(_("solution"), blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True, editable=False
    )
    # Drawn when the case is reported; with the tracking number and FIELD_HASH_KEY it
    # makes the reporter's rating code (rating_code). A new nonce voids a leaked code.
    rating_nonce = models.CharField(max_length=16, default=new_rating_nonce, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Tracking by number (the public pages, Open311).
            models.UniqueConstraint(fields=["tracking_number"], name="case_tracking_number_unique"),
        ]
        indexes = [
            # The escalation sweep: open village-level cases by deadline.
            models.Index(
                fields=["deadline"],
                name="case_sweep_village_due",
                condition=Q(state__in=VILLAGE_OPEN_STATES, deleted_at__isnull=True),
            ),
            # The escalation sweep: open town-level cases by deadline, for supervision.
            models.Index(
                fields=["deadline"],
                name="case_sweep_town_due",
                condition=Q(state__in=TOWN_OPEN_STATES, deleted_at__isnull=True),
            ),
            # Case lists: one town's (or village's) open cases, newest first.
            models.Index(
                fields=["town", "-created_at"], name="case_open_by_town", condition=Q(state__in=OPEN_STATES)
            ),
            models.Index(fields=["town", "-created_at", "-id"], name="case_by_town_newest"),
            # The public board's total for a town (selectors.board_page's COUNT): an
            # index-only scan of the town's entries instead of a visit to the row of every
            # case the town ever had (bench, 40,000 cases in a town: 190 ms -> 15 ms).
            models.Index(
                fields=["town", "state", "closed_at"],
                name="case_board_by_town",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["village", "state"], name="case_village_state"),
            models.Index(fields=["department", "state"], name="case_department_state"),
        ]

    objects = CaseQuerySet.as_manager()

    def __str__(self):
        return f"{self.tracking_number} {self.kind_id and self.kind.name or ''}".strip()

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue_at(self, now) -> bool:
        """The rule of :func:`overdue_q` for this case."""
        return self.state in OPEN_STATES and self.deadline is not None and self.deadline < now

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_at(timezone.now())

    @property
    def has_reporter_contact(self) -> bool:
        """Whether the reporter left a way to reach them (an empty contact is stored empty)."""
        return bool(self.reporter_contact_cipher)

    def clean(self):
        super().clean()
        if self.grid_id:
            if self.village_id and self.grid.village_id != self.village_id:
                raise ValidationError({"grid": _("The grid must be in the case's village.")})
            self.village_id = self.grid.village_id
        if self.household_id:
            if self.village_id and self.household.village_id != self.village_id:
                raise ValidationError({"household": _("The household must be in the case's village.")})
            self.village_id = self.household.village_id
            self.grid_id = self.grid_id or self.household.grid_id
        if self.village_id:
            self.town_id = self.village.town_id
        if self.kind_id and self.kind.town_id and self.kind.town_id != self.town_id:
            raise ValidationError({"kind": _("This kind belongs to another town.")})
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})


class CasePeriod(models.Model):
    """One stretch of a case at one level: its deadline, who held it, and when it ended
    — so "how long at each level, met or missed" is a query."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="periods")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    village = models.ForeignKey("grids.Village", on_delete=models.PROTECT, related_name="+", null=True)
    department = models.ForeignKey("grids.Department", on_delete=models.PROTECT, related_name="+", null=True)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    met = models.BooleanField(_("deadline met"), null=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Move.choices, blank=True)

    class Meta:
        verbose_name = _("case period")
        verbose_name_plural = _("case periods")
        ordering = ["case_id", "started_at", "id"]
        constraints = [
            # At most one running period per case: a second concurrent move cannot open another.
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="case_one_open_period"
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.level} → {self.deadline:%Y-%m-%d}"


class CaseEvent(models.Model):
    """A move of a case: who, when, from which state to which, a note, attachments.
    Append-only: rows are inserted by the services and never changed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    # Set by the service from its ``now``, which may lie in the past (imports, the demo).
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    move = models.CharField(_("move"), max_length=16, choices=Move.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=CaseState.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case_id", "at", "id"]

    def __str__(self):
        return f"{self.case_id} {self.move} {self.from_state}→{self.to_state}"


def attachment_path(instance, filename):
    return f"cases/{instance.case_id}/{secrets.token_hex(8)}-{filename[-60:]}"


class CaseAttachment(models.Model):
    """A photo or document attached to a case with one of its events."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="attachments", null=True)
    file = models.FileField(_("file"), upload_to=attachment_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.file.name


class Notification(models.Model):
    """A message to a reporter, a holder or a supervisor, sent through one channel.

    ``key`` makes sending idempotent: the same reminder for the same deadline is one row.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.LOG)
    recipient = models.CharField(_("recipient"), max_length=128)
    body = models.TextField(_("message"))
    key = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            # The delivery (notify.deliver_pending, after each move and every minute from
            # the beat): the pending rows by id, without reading the sent ones.
            models.Index(fields=["id"], name="notification_pending", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.kind} {self.recipient}"


class Rating(models.Model):
    """The reporter's verdict on a result (群众买不买账): one per solved period, given
    with the reporter's rating code. ``period`` is the level period the solution ended;
    ratings from before periods were counted have none."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="ratings")
    period = models.ForeignKey(
        CasePeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="ratings", editable=False
    )
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    at = models.DateTimeField(default=timezone.now)  # the service's ``now``, as CaseEvent.at

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            # One rating per solution: of 20 concurrent ratings of one result, one counts.
            models.UniqueConstraint(
                fields=["case", "period"],
                name="rating_one_per_solved_period",
                violation_error_message=_("This result has already been rated."),
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.satisfaction}"


class Open311Client(GovernedModel):
    """Another system (12345 hotline, county platform, a mini-program) that files cases
    over Open311 GeoReport v2, with an API key bound to the area it may file into.

    Only a digest of the key is stored; the admin shows the key once, when issued.
    """

    name = models.CharField(_("name"), max_length=64)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    town = models.ForeignKey(
        "grids.Town",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("town"),
    )
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    grid = models.ForeignKey(
        "grids.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if sum(x is not None for x in (self.town_id, self.village_id, self.grid_id)) != 1:
            raise ValidationError(_("Bind the key to exactly one town, village or grid."))
