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


# Party-member points: written by the services only (scoring.points), read here.
from .models import PointEntry, PointRule, PointsBar, Rectification, ThemeDay  # noqa: E402


@admin.register(PointRule)
class PointRuleAdmin(ReadOnlyAdmin):
    """Point rules with their versions, scoped; a change is a new version on the rules page."""

    list_display = ["town", "code", "name", "source", "points", "cap", "valid_from", "valid_until"]
    list_filter = ["source"]
    list_select_related = ["town"]


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    """The points ledger, scoped and append-only; reversed on the ledger page."""

    list_display = ["date", "member", "village", "rule", "source", "points", "source_key", "reverses"]
    list_filter = ["source"]
    list_select_related = ["member__resident", "village", "rule"]
    date_hierarchy = "date"


@admin.register(ThemeDay)
class ThemeDayAdmin(ReadOnlyAdmin):
    """Theme party days (主题党日), recorded on their page with the attendance."""

    list_display = ["date", "branch", "village"]
    list_select_related = ["branch", "village"]
    date_hierarchy = "date"


@admin.register(PointsBar)
class PointsBarAdmin(ReadOnlyAdmin):
    list_display = ["town", "year", "minimum", "updated_at"]
    list_select_related = ["town"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["member", "village", "year", "points", "done_on"]
    list_select_related = ["member__resident", "village"]
