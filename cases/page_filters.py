"""The case list page's filters: the API's :class:`cases.filters.CaseFilter`, with what a
person filtering in a browser needs besides (a search box, a date range, "my reports",
sortable columns) and the choices a form shows (a grid is picked from a list, not typed
as a number).

Built like the API's, through :func:`governance.filters.prepare`, so every choice offered
is one the user may see and an id outside their scope filters to nothing.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, Village

from .choices import CaseState, Level
from .filters import CaseFilter
from .models import CaseKind

PAGE_SIZE = 50
# The browser's date picker, which sends and shows ISO dates (2025-10-01).
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class Ticked(forms.CheckboxInput):
    """A check box that filters when ticked and not at all when not: the links of other
    pages say ``overdue=1``, the API says ``overdue=true``, a browser sends ``on``; an
    unticked box is "any", never "not overdue"."""

    def __init__(self, attrs=None):
        super().__init__({"value": "1", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return True if str(value).lower() in ("1", "true", "on", "yes") else None


class TickedFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", Ticked)
        super().__init__(*args, **kwargs)


class CasePageFilter(CaseFilter):
    village = django_filters.ModelChoiceFilter(
        queryset=Village.objects.order_by("code"), label=_("Village"), empty_label=_("All villages")
    )
    grid = django_filters.ModelChoiceFilter(
        queryset=Grid.objects.order_by("village__code", "code"),
        method="filter_grid",
        label=_("Grid"),
        empty_label=_("All grids"),
    )
    kind = django_filters.ModelChoiceFilter(
        queryset=CaseKind.objects.order_by("-is_four_reports", "code"),
        label=_("Kind"),
        empty_label=_("All kinds"),
    )
    state = django_filters.ChoiceFilter(
        choices=CaseState.choices, label=_("State"), empty_label=_("All states")
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"), empty_label=_("All levels"))
    overdue = TickedFilter(method="filter_overdue", label=_("Overdue only"))
    supervised = TickedFilter(method="filter_supervised", label=_("Supervised (督办) only"))
    mine = TickedFilter(method="filter_mine", label=_("Reported by me"))
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Tracking number, description or address")}
        ),
    )
    from_ = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Reported from"), widget=DATE_INPUT
    )
    to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Reported to"), widget=DATE_INPUT
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("tracking_number", "tracking_number"),
            ("created_at", "created_at"),
            ("village__code", "village"),
            ("kind__code", "kind"),
            ("state", "state"),
            ("level", "level"),
            ("deadline", "deadline"),
        ),
        label=_("Sort by"),
    )

    class Meta(CaseFilter.Meta):
        # Only what the page offers; the API's own filters stay on the API.
        fields = ["village", "kind", "state", "level"]

    def filter_grid(self, queryset, name, value):
        return super().filter_grid(queryset, name, value.pk if value else None)

    def filter_supervised(self, queryset, name, value):
        # What the supervisors follow: open cases flagged for supervision (督办).
        return queryset.supervised() if value else queryset

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return queryset.filter(reported_by_id=user.pk) if value and user else queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(tracking_number__icontains=value)
            | Q(description__icontains=value)
            | Q(address__icontains=value)
        )

    def filter_queryset(self, queryset):
        # The chosen sort, else the order the queryset came in (a tab's), else newest
        # first; the id settles ties so that no case shows on two pages.
        queryset = super().filter_queryset(queryset)
        ordering = [o for o in queryset.query.order_by if o not in ("id", "-id")] or ["-created_at"]
        return queryset.order_by(*ordering, "-id")


# "from" is a keyword in Python: declared as ``from_``, offered under the name other pages use.
CasePageFilter.base_filters["from"] = CasePageFilter.base_filters.pop("from_")
