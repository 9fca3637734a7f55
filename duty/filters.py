"""FilterSets of rosters, their shifts and amendments (the API's and the pages')."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from governance.filters import IntegerFilter
from governance.params import ID_MAX
from grids.models import Town, Village

from .models import Amendment, DutyFlag, DutyLog, LogAmendment, Roster, Shift, month_end, parse_month


class MonthField(forms.CharField):
    """A month as ``YYYY-MM``: its first day (a field error for anything else)."""

    default_error_messages = {"invalid": _("Give a month as YYYY-MM.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(django_filters.Filter):
    field_class = MonthField


def id_filter(field_name: str = "", method: str = "", label=None) -> IntegerFilter:
    """A row by id (a cadre by user id, a grid, a household): an id past the database's
    integers is a field error, never an overflow in the query."""
    extra = {"method": method} if method else {"field_name": field_name}
    return IntegerFilter(min_value=1, max_value=ID_MAX, label=label or _("cadre (user id)"), **extra)


def month_filter(field_name: str) -> MonthFilter:
    """Rows whose date ``field_name`` falls in the month."""

    def in_month(queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(**{f"{field_name}__gte": value, f"{field_name}__lte": month_end(value)})

    return MonthFilter(method=in_month, label=_("month (YYYY-MM)"))


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
    cadre = id_filter(method="filter_cadre", label=_("cadre on the roster (user id)"))

    class Meta:
        model = Roster
        fields = ["town", "village", "month", "state", "cadre"]

    def filter_cadre(self, queryset, name, value):
        if value is None:
            return queryset
        shifts = Shift.objects.filter(roster=OuterRef("pk"), person_id=value, deleted_at__isnull=True)
        return queryset.filter(Exists(shifts))


class ShiftFilter(django_filters.FilterSet):
    town = _town("roster__village__town")
    village = _village("roster__village")
    month = MonthFilter(method="filter_month", label=_("month (YYYY-MM)"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    state = django_filters.ChoiceFilter(
        field_name="roster__state", choices=Roster._meta.get_field("state").choices
    )
    cadre = id_filter("person_id")

    class Meta:
        model = Shift
        fields = ["town", "village", "roster", "month", "date", "person", "cadre", "position", "state"]

    def filter_month(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(date__gte=value, date__lte=month_end(value))


class AmendmentFilter(django_filters.FilterSet):
    town = _town("roster__village__town")
    village = _village("roster__village")
    month = MonthFilter(field_name="roster__month", label=_("month (YYYY-MM)"))
    cadre = id_filter(method="filter_cadre", label=_("cadre replaced or replacing (user id)"))

    class Meta:
        model = Amendment
        fields = ["town", "village", "roster", "month", "date", "cadre"]

    def filter_cadre(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(replaced_id=value) | Q(replacement_id=value))


class DutyLogFilter(django_filters.FilterSet):
    town = _town("village__town")
    village = _village("village")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from (date)"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to (date)"))
    month = month_filter("date")
    cadre = id_filter("cadre_id")

    class Meta:
        model = DutyLog
        fields = ["town", "village", "date", "date_after", "date_before", "month", "cadre", "state"]


class LogAmendmentFilter(django_filters.FilterSet):
    town = _town("log__village__town")
    village = _village("log__village")
    month = month_filter("log__date")
    cadre = id_filter("log__cadre_id")

    class Meta:
        model = LogAmendment
        fields = ["town", "village", "log", "item", "month", "cadre"]


class DutyFlagFilter(django_filters.FilterSet):
    town = _town("village__town")
    village = _village("village")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from (date)"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to (date)"))
    open = django_filters.BooleanFilter(field_name="dismissed_at", lookup_expr="isnull", label=_("open"))
    month = month_filter("date")
    cadre = id_filter(method="filter_cadre", label=_("cadre of the log, or on the roster that day (user id)"))

    class Meta:
        model = DutyFlag
        fields = ["town", "village", "kind", "date", "date_after", "date_before", "open", "month", "cadre"]

    def filter_cadre(self, queryset, name, value):
        if value is None:
            return queryset
        # a missing log has no cadre: the day's roster names who was on duty
        on_roster = Shift.objects.filter(
            roster__village=OuterRef("village"),
            date=OuterRef("date"),
            person_id=value,
            deleted_at__isnull=True,
        )
        return queryset.filter(Q(log__cadre_id=value) | Q(log__isnull=True) & Exists(on_roster))
