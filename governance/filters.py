"""Filter pieces every app's FilterSets share, and :func:`prepare`, which the API's filter
backend (and any page that filters) applies to every FilterSet it builds."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within bounds (``min_value``/``max_value``): a year like
    ``99999999999`` or ``1e-309`` is a field error, never a date overflow in the query."""

    field_class = forms.IntegerField


def prepare(filterset, user) -> None:
    """Make ``filterset``'s cleaned input safe for the database, for any FilterSet.

    * An aware date-time is moved to the current time zone: an offset like ``+23:59`` is
      valid ISO 8601 but PostgreSQL refuses a displacement over 15:59 (a 500).
    """
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
