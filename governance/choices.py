from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TOWN_OFFICE = "town_office", _("Town office staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    VILLAGE_CADRE = "village_cadre", _("Village duty cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    DEPARTMENT = "department", _("Department handler")
    PARTY_MEMBER = "party_member", _("Party member")
    API_CLIENT = "api_client", _("REST client")
    # An officer sent in from outside (平安书记, 第一书记), one membership per village posted
    # to: reads that village as a supervisor does (governance.scoping), nothing of the town.
    OFFICER = "officer", _("Officer sent in")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    RESTORE = "restore", _("Restored")
    IMPORT = "import", _("Imported")
    VIEW_PERSONAL = "view_personal", _("Viewed personal data")
    EXPORT = "export", _("Exported")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday")
    MAKEUP = "makeup", _("Make-up working day (调休)")
    LOCAL_CLOSURE = "local_closure", _("Local closure")
    CORRECTION = "correction", _("Correction")


class CalendarSource(models.TextChoices):
    PACKAGE = "package", _("chinesecalendar package")
    OFFICIAL = "official", _("Entered from the official notice")
    FILE = "file", _("Loaded from a file")
