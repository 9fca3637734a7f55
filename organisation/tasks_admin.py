"""The weekly task lists in the admin: read-only and scoped. Lists are drafted, issued
and answered through the services (the pages, the API), whose rules the admin would
bypass."""

from django.contrib import admin

from governance.admin_base import ReadOnlyAdmin

from .models import Assignment, Task, TaskList


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    can_delete = False
    fields = ["theme", "title", "done_means", "due"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TaskList)
class TaskListAdmin(ReadOnlyAdmin):
    list_display = ["week", "town", "state", "issued_at"]
    list_filter = ["state"]
    list_select_related = ["town"]
    date_hierarchy = "week"
    inlines = [TaskInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["task", "village", "grid", "department", "state", "answered_at"]
    list_filter = ["state", "task__theme"]
    search_fields = ["task__title", "village__name", "grid__name", "department__name"]
    list_select_related = ["task", "village", "grid", "department"]
