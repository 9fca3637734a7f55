"""Major matters in the admin: read-only and scoped. A matter's steps are appended through
the services (its page, the API) and never changed, here neither."""

from django.contrib import admin

from governance.admin_base import ReadOnlyAdmin

from .models import Matter, StepRecord


class StepRecordInline(admin.TabularInline):
    model = StepRecord
    extra = 0
    can_delete = False
    fields = ["step", "date", "assembly", "members", "present", "votes_for", "approved", "note", "by", "at"]
    readonly_fields = fields
    ordering = ["step"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Matter)
class MatterAdmin(ReadOnlyAdmin):
    list_display = ["title", "village", "kind", "amount", "step", "created_at"]
    list_filter = ["kind", "step"]
    search_fields = ["title", "village__name", "village__code"]
    list_select_related = ["village"]
    inlines = [StepRecordInline]
