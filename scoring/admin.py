"""The scoring app's models in the admin, scoped like every admin of the project."""

from django.contrib import admin  # noqa: E402

from governance.admin_base import ReadOnlyAdmin  # noqa: E402

from .models import Snapshot, Weight  # noqa: E402


@admin.register(Weight)
class WeightAdmin(ReadOnlyAdmin):
    """Ranking weights, scoped; edited on the weights page (audited)."""

    list_display = ["town", "indicator", "weight", "min_events", "updated_at"]
    list_filter = ["indicator"]
    list_select_related = ["town"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    """Ranking snapshots, scoped and never changed; computed and published on the ranking page."""

    list_display = ["town", "kind", "start", "end", "version", "computed_at", "published_at"]
    list_filter = ["kind", "start"]
    list_select_related = ["town"]
    date_hierarchy = "start"
