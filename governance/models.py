"""What every app shares: users, roles and their areas, the audit trail, the calendar."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction, CalendarDayKind, CalendarSource, Role


class GovernedModel(models.Model):
    """Base of governed data: never hard-deleted through the API or admin, always audited.

    ``deleted_at`` marks a soft delete; the scoping selectors leave such rows out, so for
    every user they no longer exist, while the row and its audit history stay.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        """As Django's, but a unique constraint's error goes to its last field (the
        name within its village, the number within its village …), so forms and the
        API show it beside that field; ``<name>_digest`` reports as ``<name>``."""
        errors: dict[str, list] = {}
        using = router.db_for_write(type(self), instance=self)
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    fields = getattr(constraint, "fields", ())
                    key = fields[-1].removesuffix("_digest") if fields else NON_FIELD_ERRORS
                    errors.setdefault(key, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A person or another system (a REST client) that signs in.

    What a user may see and change comes from their memberships, never from flags here;
    ``is_staff`` only lets them into the admin, where the same scoping applies.
    """

    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    def save(self, *args, **kwargs):
        # A new password ends every way in that the old one opened: sessions already end
        # (Django's session hash), and so do the user's API tokens. set_password() leaves
        # the raw password in _password until the save; every path that changes a
        # password (admin, change/reset views, changepassword, seed_demo) comes here.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user_id=self.pk).delete()


# Which area field a membership of each role must carry.
ROLE_AREA = {
    Role.TOWN_OFFICE: "town",
    Role.SUPERVISOR: "town",
    Role.VILLAGE_CADRE: "village",
    Role.GRID_WORKER: "grid",
    Role.DEPARTMENT: "department",
    Role.PARTY_MEMBER: "party_member",
    Role.API_CLIENT: None,  # a token's scope: one town, village or grid
    Role.OFFICER: "village",
}
AREA_FIELDS = ("town", "village", "grid", "department", "party_member")


class Membership(GovernedModel):
    """A user's role in one area: the only source of what the user may see and change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
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
    department = models.ForeignKey(
        "grids.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    party_member = models.ForeignKey(
        "grids.PartyMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("party member"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user_id", "id"]
        indexes = [models.Index(fields=["user", "role"], name="membership_user_role")]

    def __str__(self):
        area = self.area
        return f"{self.user} · {self.get_role_display()} · {area}" if area else f"{self.user}"

    @property
    def area(self):
        for name in AREA_FIELDS:
            value = getattr(self, name)
            if value is not None:
                return value
        return None

    def clean(self):
        set_fields = [name for name in AREA_FIELDS if getattr(self, f"{name}_id") is not None]
        wanted = ROLE_AREA.get(self.role)
        if wanted is None and self.role == Role.API_CLIENT:
            if len(set_fields) != 1 or set_fields[0] not in ("town", "village", "grid"):
                raise ValidationError(_("A REST client is scoped to exactly one town, village or grid."))
            return
        if set_fields != [wanted]:
            field_label = self._meta.get_field(wanted).verbose_name if wanted else ""
            raise ValidationError(
                {wanted: _("This role needs exactly one %(area)s.") % {"area": field_label}}
            )


class AuditEntry(models.Model):
    """One governed change (or one unmasked view of personal data): who, when, what.

    Append-only: written by services inside the transaction of the change, never edited.
    ``town`` lets the town office and supervisors read their own town's trail.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name=_("object type")
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    town = models.ForeignKey(
        "grids.Town",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("town"),
    )
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
            models.Index(fields=["town", "at"], name="audit_town_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"


class CalendarYear(models.Model):
    """A year whose official schedule (holidays and make-up days) has been entered.

    For a year without one the calendar counts the statutory holidays provisionally (no
    make-up days) and says so (governance.workdays.statutory_holidays).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=16, choices=CalendarSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the plain weekday rule: a holiday, a make-up working day,
    a local closure or a correction. ``town`` empty means nationwide.

    Nationwide days move every town's deadlines: only a superuser changes them; a town
    office keeps its own town's days (governance/policies.py). A day is never deleted
    for real: ``deleted_at`` keeps it, with its trail, out of every count.
    """

    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"))
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=64, blank=True)
    town = models.ForeignKey(
        "grids.Town",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_days",
        verbose_name=_("town"),
        help_text=_("Leave empty for a nationwide day; set for a local closure or correction."),
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(town__isnull=True, deleted_at__isnull=True),
                name="calendar_day_national_unique",
                violation_error_message=_("This date is already in the nationwide calendar."),
            ),
            models.UniqueConstraint(
                fields=["date", "town"],
                condition=Q(town__isnull=False, deleted_at__isnull=True),
                name="calendar_day_town_unique",
                violation_error_message=_("This date is already in this town's calendar."),
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()
