"""Secretaries' files, commitments and yearly reviews in the admin: read-only and scoped.
Entries and progress are appended, reviews assessed and published, through the services
(the pages, the API), never here."""

from django.contrib import admin

from governance.admin_base import ReadOnlyAdmin

from .models import Commitment, FileEntry, Progress, Review, SecretaryFile


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FileEntryInline(_ReadOnlyInline):
    model = FileEntry
    fields = ["kind", "date", "title", "score", "by", "at"]
    readonly_fields = fields
    ordering = ["-date", "-id"]


class ProgressInline(_ReadOnlyInline):
    model = Progress
    fields = ["date", "percent", "state", "note", "evidence", "by", "at"]
    readonly_fields = fields
    ordering = ["-date", "-id"]


@admin.register(SecretaryFile)
class SecretaryFileAdmin(ReadOnlyAdmin):
    list_display = ["village", "secretary", "cycle_start", "selected", "mentor"]
    list_filter = ["selected", "cycle_start"]
    search_fields = ["village__name", "village__code", "mentor"]
    list_select_related = ["village", "secretary__resident"]
    inlines = [FileEntryInline]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["village", "term_start", "term_end", "number", "title", "state", "progress"]
    list_filter = ["state", "term_start"]
    search_fields = ["title", "village__name", "village__code"]
    list_select_related = ["village"]
    inlines = [ProgressInline]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["village", "year", "grade", "score", "published_at"]
    list_filter = ["year", "grade"]
    search_fields = ["village__name", "village__code"]
    list_select_related = ["village"]
