from django.db import models
from django.utils.translation import gettext_lazy as _


class VillageKind(models.TextChoices):
    VILLAGE = "village", _("Administrative village (行政村)")
    COMMUNITY = "community", _("Community (社区)")


class Residency(models.TextChoices):
    REGISTERED = "registered", _("Registered (常住)")
    MIGRANT = "migrant", _("Migrant (外来人口)")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class BranchKind(models.TextChoices):
    VILLAGE = "village", _("Village party branch")
    GRID = "grid", _("Grid party branch (网格党支部)")
    OTHER = "other", _("Other branch")


# Household flags used for visits and care (DESIGN.md): field name → label.
HOUSEHOLD_FLAGS = {
    "is_low_income": _("Low-income (低收入/困难户)"),
    "is_dispute": _("Dispute (矛盾纠纷户)"),
    "is_petitioner": _("Petitioner (上访户)"),
    "is_building_applicant": _("Building applicant (建房申请户)"),
    "is_hotline_caller": _("12345 caller"),
    "is_elderly_alone": _("Elderly living alone (居家养老)"),
    "is_rented_to_migrants": _("Rented to migrants (出租房)"),
}
