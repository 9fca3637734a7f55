"""Filter pieces every app's FilterSets share, and :func:`prepare`, which the API's filter
backend (and any page that filters) applies to every FilterSet it builds."""

import datetime
from functools import cache

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .scoping import is_scoped, restrict


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within bounds (``min_value``/``max_value``): a year like
    ``99999999999`` or ``1e-309`` is a field error, never a date overflow in the query."""

    field_class = forms.IntegerField


class _OutOfScope:
    """A related object the user cannot see: the filter matches nothing."""

    def __repr__(self):
        return "OUT_OF_SCOPE"


OUT_OF_SCOPE = _OutOfScope()


class _OutOfScopeIsNothing:
    """A choice field whose unknown choice is OUT_OF_SCOPE instead of a "not a valid
    choice" error: an id outside the user's scope filters to nothing, exactly as an id
    that does not exist, so the answer never confirms that a record exists."""

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError as exc:
            if exc.code in ("invalid_choice", "invalid_pk_value"):
                return OUT_OF_SCOPE
            raise
        except OverflowError:  # an id past the database's integers
            return OUT_OF_SCOPE


@cache
def _lenient(field_class: type) -> type:
    return type(f"Scoped{field_class.__name__}", (_OutOfScopeIsNothing, field_class), {})


def prepare(filterset, user) -> None:
    """Make ``filterset`` safe for ``user``; for any FilterSet, declared or generated.

    * Every related-object choice (a town, a village, a household, a user) offers only
      the rows ``restrict`` gives the user, in the form the browsable API shows and in
      validation; an id outside scope filters to nothing (no 400 saying it exists).
    * An aware date-time is moved to the current time zone: an offset like ``+23:59`` is
      valid ISO 8601 but PostgreSQL refuses a displacement over 15:59 (a 500).
    """
    request = getattr(filterset, "request", None)
    for f in filterset.filters.values():
        if not isinstance(f, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
            continue
        queryset = f.get_queryset(request)
        if queryset is not None and is_scoped(queryset.model):
            f.queryset = restrict(queryset, user)
        f.field_class = _lenient(f.field_class)

    form = filterset.form
    original_clean = form.clean

    def clean():
        cleaned = original_clean()
        data = form.cleaned_data
        for name, value in list(data.items()):
            if isinstance(value, datetime.datetime) and timezone.is_aware(value):
                try:
                    data[name] = value.astimezone(timezone.get_current_timezone())
                except OverflowError:
                    form.add_error(name, _("This date and time is out of range."))
        return cleaned

    form.clean = clean

    original_filter_queryset = filterset.filter_queryset

    def filter_queryset(queryset):
        if any(value is OUT_OF_SCOPE for value in form.cleaned_data.values()):
            return queryset.none()
        return original_filter_queryset(queryset)

    filterset.filter_queryset = filter_queryset
