"""FilterSets of the points ledger, rules, theme party days and rectifications (the API's
and the pages'); related choices are scoped by governance.filters.prepare."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from governance.filters import IntegerFilter
from grids.models import PartyBranch, PartyMember, Town, Village

from .choices import PointSource
from .models import PointEntry, PointRule, PointsBar, Rectification, ThemeDay


def _year(field: str) -> IntegerFilter:
    return IntegerFilter(field_name=field, label=_("year"), min_value=2000, max_value=2100)


class LedgerFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    branch = django_filters.ModelChoiceFilter(
        field_name="member__branch", queryset=PartyBranch.objects.all(), label=_("party branch")
    )
    member = django_filters.ModelChoiceFilter(queryset=PartyMember.objects.all(), label=_("party member"))
    year = _year("date__year")
    source = django_filters.ChoiceFilter(choices=PointSource.choices, label=_("source"))

    class Meta:
        model = PointEntry
        fields = ["town", "village", "branch", "member", "year", "source"]


class RuleFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    current = django_filters.BooleanFilter(
        field_name="valid_until", lookup_expr="isnull", label=_("current versions only")
    )

    class Meta:
        model = PointRule
        fields = ["town", "code", "source", "current"]


class ThemeDayFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    branch = django_filters.ModelChoiceFilter(queryset=PartyBranch.objects.all(), label=_("party branch"))
    year = _year("date__year")

    class Meta:
        model = ThemeDay
        fields = ["town", "village", "branch", "year"]


class BarFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    year = _year("year")

    class Meta:
        model = PointsBar
        fields = ["town", "year"]


class RectificationFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    member = django_filters.ModelChoiceFilter(queryset=PartyMember.objects.all(), label=_("party member"))
    year = _year("year")
    done = django_filters.BooleanFilter(
        field_name="done_on", lookup_expr="isnull", exclude=True, label=_("rectified")
    )

    class Meta:
        model = Rectification
        fields = ["town", "village", "member", "year", "done"]
