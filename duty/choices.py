from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Position(models.TextChoices):
    """Who a shift is: the cadre on duty, or the second person beside them."""

    LEAD = "lead", _("On duty")
    SECOND = "second", _("Second on duty")


#: A village runs a team of at most this many rotating cadres (双溪村: 9).
MAX_TEAM = 9
#: The default deadline: next month's roster is published by this day of the month before.
DEFAULT_PUBLISH_BY_DAY = 25


class LogState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("By the office QR code")
    MANUAL = "manual", _("By hand")


class Item(models.IntegerChoices):
    """The nine duties (九个一), in the order of the town's duty log book."""

    CHECK_IN = 1, _("Office check-in")
    ERRANDS = 2, _("Matters handled for villagers")
    PATROL = 3, _("Patrol in and around the village")
    SPOT_CHECKS = 4, _("Garbage-sorting spot checks")
    VISITS = 5, _("Households visited")
    TALKS = 6, _("Policy explained")
    BOARD = 7, _("Public board kept up")
    ELDERLY = 8, _("Elderly helped at home")
    SIGN_OFF = 9, _("The record, signed off")


class FlagKind(models.TextChoices):
    MISSING_LOG = "missing_log", _("No signed duty log")
    # Signs of going through the motions (走过场), found by duty.motions:
    REPEATED_TEXT = "repeated_text", _("Same text as an earlier log")
    REUSED_PHOTO = "reused_photo", _("A photo used again")
    CHECK_IN_FAR = "check_in_far", _("Checked in far from the village office")
    CHECK_IN_LATE = "check_in_late", _("Checked in long after the day began")
    SIGNED_IN_ONE_SITTING = "one_sitting", _("Several days' logs signed in one sitting")
    ALWAYS_PASS = "always_pass", _("Spot checks that always pass")


class VisitKind(models.TextChoices):
    """What kind of visit (走访纪实表)."""

    ROUTINE = "routine", _("Routine visit")
    SPECIAL = "special", _("Special household")
    THREE_MUSTS = "three_musts", _("Three musts")
    PHONE = "phone", _("By phone (household away)")


class Occasion(models.TextChoices):
    """The three musts (三必到): a visit that must happen within days of being known."""

    HOSPITALISED = "hospitalised", _("In hospital")
    EMERGENCY = "emergency", _("Emergency")
    WEDDING_FUNERAL = "wedding_funeral", _("Wedding or funeral")


#: A three-musts visit is due within this many days of the occasion being known.
THREE_MUSTS_DAYS = 3


class InspectionState(models.TextChoices):
    """An unannounced inspection (暗访) is hidden from the village until published."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


#: A duty day is 8 hours in the village office (DESIGN.md, "Duty").
DUTY_HOURS = 8
#: Garbage-sorting spot checks a day: 5 to 15 households (the seed's 每天要抽查5到15户).
SPOT_CHECKS_MIN, SPOT_CHECKS_MAX = 5, 15
