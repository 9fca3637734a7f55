from django.contrib import admin

from governance.admin_base import ReadOnlyAdmin, ScopedModelAdmin

from .models import (
    Amendment,
    DutyFlag,
    DutyLog,
    DutySettings,
    ElderlyHelp,
    Errand,
    LogAmendment,
    PatrolFinding,
    PolicyTalk,
    Roster,
    Shift,
    SpotCheck,
    ThreeMust,
    Visit,
    VisitPhoto,
)


class ShiftInline(admin.TabularInline):
    """The people on duty, read-only: rosters are edited on their pages (drafts) and
    amended there once published, through the services."""

    model = Shift
    extra = 0
    can_delete = False
    fields = ["date", "position", "person", "deleted_at"]
    readonly_fields = fields
    ordering = ["date", "position"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True).select_related("person")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AmendmentInline(ShiftInline):
    model = Amendment
    fields = ["date", "replaced", "replacement", "reason", "by", "at"]
    readonly_fields = fields
    ordering = ["date", "id"]

    def get_queryset(self, request):
        return admin.TabularInline.get_queryset(self, request).select_related("replaced", "replacement", "by")


@admin.register(Roster)
class RosterAdmin(ReadOnlyAdmin):
    """Rosters, scoped, with their days and amendments; written on the roster pages."""

    list_display = ["village", "month", "state", "duty_phone", "published_at", "published_by"]
    list_filter = ["state", "month"]
    search_fields = ["village__name", "village__code"]
    list_select_related = ["village", "published_by"]
    inlines = [ShiftInline, AmendmentInline]
    date_hierarchy = "month"


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ["roster", "date", "replaced", "replacement", "reason", "by", "at"]
    list_select_related = ["roster__village", "replaced", "replacement", "by"]


@admin.register(DutySettings)
class DutySettingsAdmin(ScopedModelAdmin):
    """A town's roster deadline, kept by its office (audited through the services)."""

    list_display = ["town", "publish_by_day", "updated_at"]
    list_select_related = ["town"]

    def has_delete_permission(self, request, obj=None):
        return False  # a town without settings has the default deadline; set it instead


class _LogRowInline(admin.TabularInline):
    """A log's rows, read-only: logs are written on the cadre's today page and through
    the API, by the services."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SpotCheckInline(_LogRowInline):
    model = SpotCheck
    fields = ["household", "passed", "note"]


class VisitInline(_LogRowInline):
    """Item 5: the household visits that belong to the log (not taken back)."""

    model = Visit
    fk_name = "log"
    fields = ["visited_at", "household", "kind", "found", "case"]
    ordering = ["visited_at", "id"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(deleted_at__isnull=True).select_related("household", "case")
        )


class TalkInline(_LogRowInline):
    model = PolicyTalk
    fields = ["topic", "audience", "people"]


class ElderlyInline(_LogRowInline):
    model = ElderlyHelp
    fields = ["who", "what"]


class FindingInline(_LogRowInline):
    model = PatrolFinding
    fields = ["note", "case"]


class ErrandInline(_LogRowInline):
    model = Errand
    fk_name = "opened_in"
    fields = ["what", "for_whom", "opened_on", "done_on"]


class LogAmendmentInline(_LogRowInline):
    model = LogAmendment
    fields = ["item", "correction", "reason", "by", "at"]


@admin.register(DutyLog)
class DutyLogAdmin(ReadOnlyAdmin):
    """Duty logs, scoped, with their items and amendments."""

    list_display = ["village", "date", "cadre", "state", "check_in_at", "check_out_at", "signed_at"]
    list_filter = ["state", "date"]
    search_fields = ["village__name", "village__code"]
    list_select_related = ["village", "cadre"]
    date_hierarchy = "date"
    inlines = [
        ErrandInline,
        FindingInline,
        SpotCheckInline,
        VisitInline,
        TalkInline,
        ElderlyInline,
        LogAmendmentInline,
    ]


@admin.register(DutyFlag)
class DutyFlagAdmin(ReadOnlyAdmin):
    """Flags for the town office; dismissed on the flags page, with a reason."""

    list_display = ["kind", "village", "date", "reason", "created_at", "dismissed_at", "dismissed_by"]
    list_filter = ["kind", "date"]
    list_select_related = ["village", "dismissed_by"]
    date_hierarchy = "date"


class VisitPhotoInline(_LogRowInline):
    model = VisitPhoto
    fields = ["file", "phash", "created_at"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    """Household visits (行村制), scoped, with their photos; recorded on the visit and
    duty log pages and through the API, by the services."""

    list_display = ["household", "visited_at", "kind", "village", "grid", "by", "log", "case"]
    list_filter = ["kind", "visited_at"]
    search_fields = ["household__number", "village__name", "grid__name"]
    list_select_related = ["household", "village", "grid", "by", "log__village", "case"]
    date_hierarchy = "visited_at"
    inlines = [VisitPhotoInline]


@admin.register(ThreeMust)
class ThreeMustAdmin(ReadOnlyAdmin):
    """The three musts (三必到) made known, each with the day it must be visited by and
    the visit that answered it."""

    list_display = ["household", "occasion", "known_on", "due_on", "village", "grid", "reported_by", "visit"]
    list_filter = ["occasion", "due_on"]
    search_fields = ["household__number", "village__name", "grid__name"]
    list_select_related = ["household", "village", "grid", "reported_by", "visit__household"]
    date_hierarchy = "due_on"
