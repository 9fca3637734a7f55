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
