from django.contrib import admin

from governance.admin_base import ReadOnlyAdmin, ScopedModelAdmin

from .models import Amendment, DutySettings, Roster, Shift


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
