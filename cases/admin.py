from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from governance.admin_base import ReadOnlyAdmin, ScopedModelAdmin

from . import open311
from .models import Case, CaseAttachment, CaseEvent, CaseKind, CasePeriod, Notification, Open311Client, Rating


@admin.register(CaseKind)
class CaseKindAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "group", "is_four_reports", "town", "is_active"]
    list_filter = ["is_four_reports", "is_active", "group"]
    search_fields = ["code", "name"]


class EventInline(admin.TabularInline):
    """The timeline, read-only: events are appended by the services, never edited."""

    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "move", "from_state", "to_state", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PeriodInline(EventInline):
    model = CasePeriod
    fields = ["level", "village", "department", "started_at", "deadline", "ended_at", "met", "outcome"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases move through their pages and the API (the state machine); the admin shows
    them, scoped, with their timeline."""

    list_display = ["tracking_number", "village", "kind", "state", "level", "deadline", "supervised_at"]
    list_filter = ["state", "level", "source", "kind"]
    search_fields = ["tracking_number", "description"]
    list_select_related = ["village", "kind"]
    inlines = [PeriodInline, EventInline]
    readonly_fields = [
        "tracking_number",
        "state",
        "level",
        "deadline",
        "claimed_by",
        "department",
        "solved_at",
        "closed_at",
        "satisfaction",
        "supervised_at",
    ]
    fields = [
        "tracking_number",
        "village",
        "grid",
        "kind",
        "source",
        "description",
        "address",
        *readonly_fields[1:],
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(ScopedModelAdmin):
    list_display = ["name", "key_prefix", "town", "village", "grid", "is_active"]
    raw_id_fields = ["village", "grid"]
    readonly_fields = ["key_prefix"]

    def create_data(self, obj) -> dict:
        # The key's digest is not a form field: the client is created with it (an empty
        # digest would authenticate nobody, and a second one would clash with the first).
        return {**super().create_data(obj), "key_digest": obj.key_digest, "key_prefix": obj.key_prefix}

    def save_model(self, request, obj, form, change):
        key = None if change else open311.issue_key(obj)
        super().save_model(request, obj, form, change)
        if key:
            self.message_user(
                request,
                _("The API key of %(name)s is %(key)s — copy it now: it is not shown again.")
                % {"name": obj.name, "key": key},
                messages.WARNING,
            )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "kind", "channel", "recipient", "sent_at"]
    list_filter = ["kind", "channel"]
    list_select_related = ["case__kind"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["at", "case", "satisfaction", "comment"]
    list_filter = ["satisfaction"]
    list_select_related = ["case__kind"]


@admin.register(CaseAttachment)
class CaseAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["uploaded_at", "case", "file"]
    list_select_related = ["case__kind"]
