"""FilterSets of rosters, their shifts and amendments (the API's and the pages')."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from grids.models import Town, Village

from .models import Amendment, DutyFlag, DutyLog, LogAmendment, Roster, Shift, month_end


class MonthField(forms.CharField):
    """A month as ``YYYY-MM``: its first day (a field error for anything else)."""

    default_error_messages = {"invalid": _("Give a month as YYYY-MM.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            year, month = value.split("-")[:2]
            return datetime.date(int(year), int(month), 1)
        except (TypeError, ValueError, OverflowError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(django_filters.Filter):
    field_class = MonthField


def _town(path: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(field_name=path, queryset=Town.objects.all(), label=_("town"))


def _village(path: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=path, queryset=Village.objects.all(), label=_("village")
    )


class RosterFilter(django_filters.FilterSet):
    town = _town("village__town")
    village = _village("village")
    month = MonthFilter(label=_("month (YYYY-MM)"))

    class Meta:
        model = Roster
        fields = ["town", "village", "month", "state"]


class ShiftFilter(django_filters.FilterSet):
    town = _town("roster__village__town")
    village = _village("roster__village")
    month = MonthFilter(method="filter_month", label=_("month (YYYY-MM)"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    state = django_filters.ChoiceFilter(
        field_name="roster__state", choices=Roster._meta.get_field("state").choices
    )

    class Meta:
        model = Shift
        fields = ["town", "village", "roster", "month", "date", "person", "position", "state"]

    def filter_month(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(date__gte=value, date__lte=month_end(value))


class AmendmentFilter(django_filters.FilterSet):
    town = _town("roster__village__town")
    village = _village("roster__village")
    month = MonthFilter(field_name="roster__month", label=_("month (YYYY-MM)"))

    class Meta:
        model = Amendment
        fields = ["town", "village", "roster", "month", "date"]


class DutyLogFilter(django_filters.FilterSet):
    town = _town("village__town")
    village = _village("village")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from (date)"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to (date)"))

    class Meta:
        model = DutyLog
        fields = ["town", "village", "date", "date_after", "date_before", "cadre", "state"]


class LogAmendmentFilter(django_filters.FilterSet):
    town = _town("log__village__town")
    village = _village("log__village")

    class Meta:
        model = LogAmendment
        fields = ["town", "village", "log", "item"]


class DutyFlagFilter(django_filters.FilterSet):
    town = _town("village__town")
    village = _village("village")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from (date)"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to (date)"))
    open = django_filters.BooleanFilter(field_name="dismissed_at", lookup_expr="isnull", label=_("open"))

    class Meta:
        model = DutyFlag
        fields = ["town", "village", "kind", "date", "date_after", "date_before", "open"]
