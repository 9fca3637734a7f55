"""Officers sent in (平安书记, 第一书记) in the admin: read-only and scoped. Postings give
and take memberships, activities and night visits follow the posting rule: all of it is
written through the services (the pages, the API), whose rules the admin would bypass."""

from django.contrib import admin

from governance.admin_base import ReadOnlyAdmin
from governance.scoping import VIEW, can, restrict

from .models import Activity, NightVisit, NightVisitMatter, Officer, OfficerAssessment, OfficerGroup, Posting


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        """As the scoped admin's pages: staff who read the model, rows by scope."""
        return request.user.is_active and request.user.is_staff and can(request.user, VIEW, self.model)

    def get_queryset(self, request):
        """Only the rows the user reads (an officer's postings in other villages are not)."""
        return restrict(super().get_queryset(request), request.user, VIEW)


class PostingInline(_ReadOnlyInline):
    model = Posting
    fields = ["village", "since", "until"]
    readonly_fields = fields


class MatterInline(_ReadOnlyInline):
    model = NightVisitMatter
    fields = ["person", "matter", "outcome", "answer", "case"]
    readonly_fields = fields


@admin.register(Officer)
class OfficerAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "profession", "employer", "town", "group"]
    list_filter = ["kind", "profession"]
    search_fields = ["name", "employer"]
    list_select_related = ["town", "group"]
    inlines = [PostingInline]


@admin.register(OfficerGroup)
class OfficerGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "leader", "town"]
    list_select_related = ["town"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "officer", "village", "kind", "date", "people"]
    list_filter = ["kind"]
    search_fields = ["title", "officer__name"]
    list_select_related = ["officer", "village"]
    date_hierarchy = "date"


@admin.register(NightVisit)
class NightVisitAdmin(ReadOnlyAdmin):
    list_display = ["date", "officer", "village", "state", "people_received"]
    list_filter = ["state"]
    list_select_related = ["officer", "village"]
    date_hierarchy = "date"
    inlines = [MatterInline]


@admin.register(OfficerAssessment)
class OfficerAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["officer", "year", "grade"]
    list_filter = ["grade", "year"]
    list_select_related = ["officer"]
