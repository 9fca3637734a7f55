import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import OPEN_STATES
from .models import Case


class CaseFilter(django_filters.FilterSet):
    grid = django_filters.NumberFilter(method="filter_grid", label=_("grid (with its child grids)"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("open"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    supervised = django_filters.BooleanFilter(field_name="supervised_at", lookup_expr="isnull", exclude=True)
    kind_code = django_filters.CharFilter(field_name="kind__code")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Case
        fields = ["town", "village", "state", "level", "source", "kind", "department", "tracking_number"]

    def filter_grid(self, queryset, name, value):
        return queryset.filter(Q(grid_id=value) | Q(grid__parent_id=value)) if value else queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(state__in=OPEN_STATES) if value else queryset.exclude(state__in=OPEN_STATES)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.overdue() if value else queryset.not_overdue()
