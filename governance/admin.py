from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import workdays
from .admin_base import ReadOnlyAdmin, ScopedModelAdmin
from .api.views import NATIONWIDE_SUPERUSER_ONLY
from .models import AuditEntry, CalendarDay, CalendarYear, Membership, User

admin.site.site_header = _("Village grid governance")
admin.site.site_title = _("Village grid governance")
admin.site.index_title = _("Administration")


class SuperuserOnlyMixin:
    """User accounts themselves are kept by the platform's superusers; town offices give
    roles through memberships."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "town", "village", "grid", "department", "party_member"]
    raw_id_fields = ["village", "grid", "department", "party_member"]


@admin.register(User)
class UserAdmin(SuperuserOnlyMixin, BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Contact"), {"fields": ["phone"]}))


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    list_display = ["user", "role", "area"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    raw_id_fields = ["user", "village", "grid", "department", "party_member"]
    list_select_related = ["user", "town", "village", "grid", "department", "party_member__resident"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The trail is read-only for everyone: services write it, nobody edits it."""

    list_display = ["at", "actor", "action", "content_type", "object_repr", "request_id"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "object_id", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["actor", "content_type"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedModelAdmin):
    list_display = ["date", "kind", "is_workday", "name", "town"]
    list_filter = ["kind", "is_workday", "town"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        _warn_uncovered(request, self)
        return super().changelist_view(request, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "town" in form.base_fields:
            # Nationwide days are a superuser's: a town office enters its own town's.
            form.base_fields["town"].required = True
            form.base_fields["town"].help_text = NATIONWIDE_SUPERUSER_ONLY
        return form


@admin.register(CalendarYear)
class CalendarYearAdmin(ScopedModelAdmin):
    list_display = ["year", "source", "note", "loaded_at"]

    def changelist_view(self, request, extra_context=None):
        _warn_uncovered(request, self)
        return super().changelist_view(request, extra_context)


def _warn_uncovered(request, model_admin) -> None:
    """The admin says so while next year's official schedule is missing."""
    from django.utils import timezone

    last = workdays.last_covered_year()
    next_year = timezone.localdate().year + 1
    if last is None or last < next_year:
        model_admin.message_user(
            request,
            _(
                "The official holiday schedule is entered up to %(last)s. Deadlines in later years count "
                "the statutory holidays provisionally, without make-up working days, until the schedule "
                "for %(next)s is entered (add the year, then its holidays and make-up days, or run: "
                "manage.py load_calendar FILE --year %(next)s)."
            )
            % {"last": last or "—", "next": next_year},
            level=messages.WARNING,
        )
