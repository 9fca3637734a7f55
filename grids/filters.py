"""django-filter FilterSets of the hierarchy. A grid filter includes its child grids."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied

from governance import audit, crypto
from governance.scoping import resolve_scope

from .choices import HOUSEHOLD_FLAGS
from .models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Village


def personal_match(queryset, *, user, field: str, value: str):
    """Rows whose ``field`` (``id_number``, ``phone``) is exactly ``value``: for users with
    the personal-data grant only, in the towns it covers, and audited (who searched, by
    what, what it found). Others get a 403: the search would confirm a guessed number."""
    scope = resolve_scope(user)
    towns = scope.personal_town_ids
    if not towns:
        raise PermissionDenied(_("Searching by ID or phone number needs the personal-data permission."))
    matched = queryset.filter(**{f"{field}_digest": crypto.digest(value)})
    if not scope.is_superuser:
        matched = matched.filter(town_id__in=sorted(towns))
    found = list(matched.values_list("pk", "town_id")[:100])
    town_ids = {town for _pk, town in found} | (set() if scope.is_superuser else set(towns))
    audit.record_personal_lookup(
        actor=user,
        model=queryset.model,
        fields=(field,),
        ids=[pk for pk, _town in found],
        town_ids=town_ids or {None},
    )
    return matched


def _grid_with_children(queryset, name, value):
    if not value:
        return queryset
    prefix = name.rsplit("grid", 1)[0]
    return queryset.filter(Q(**{f"{prefix}grid_id": value}) | Q(**{f"{prefix}grid__parent_id": value}))


class VillageFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("name contains"))

    class Meta:
        model = Village
        fields = ["town", "kind", "code"]


class GridFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("name contains"))
    town = django_filters.NumberFilter(field_name="village__town_id", label=_("town"))

    class Meta:
        model = Grid
        fields = ["village", "parent", "level", "code"]


class DepartmentFilter(django_filters.FilterSet):
    class Meta:
        model = Department
        fields = ["town", "code"]


class HouseholdFilter(django_filters.FilterSet):
    grid = django_filters.NumberFilter(method=_grid_with_children, label=_("grid (with its child grids)"))
    head_name = django_filters.CharFilter(lookup_expr="icontains", label=_("head of household contains"))
    phone = django_filters.CharFilter(
        method="filter_phone", label=_("phone (exact, with the personal-data permission)")
    )

    class Meta:
        model = Household
        fields = ["town", "village", "number", *HOUSEHOLD_FLAGS]

    def filter_phone(self, queryset, name, value):
        return (
            personal_match(queryset, user=self.request.user, field="phone", value=value)
            if value
            else queryset
        )


class ResidentFilter(django_filters.FilterSet):
    grid = django_filters.NumberFilter(
        field_name="household__grid", method=_grid_with_children, label=_("grid")
    )
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("name contains"))
    id_number = django_filters.CharFilter(
        method="filter_id_number", label=_("ID number (exact, with the personal-data permission)")
    )
    phone = django_filters.CharFilter(
        method="filter_phone", label=_("phone (exact, with the personal-data permission)")
    )

    class Meta:
        model = Resident
        fields = ["town", "village", "household", "residency", "gender"]

    def filter_id_number(self, queryset, name, value):
        if not value:
            return queryset
        return personal_match(queryset, user=self.request.user, field="id_number", value=value)

    def filter_phone(self, queryset, name, value):
        return (
            personal_match(queryset, user=self.request.user, field="phone", value=value)
            if value
            else queryset
        )


class PartyBranchFilter(django_filters.FilterSet):
    class Meta:
        model = PartyBranch
        fields = ["town", "village", "grid", "kind"]


class PartyMemberFilter(django_filters.FilterSet):
    class Meta:
        model = PartyMember
        fields = ["town", "village", "branch", "is_central_household"]
