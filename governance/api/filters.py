"""The API's filter backend: django-filter's, with every filter form's input made safe
before it reaches the database (see governance.filters.prepare)."""

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend

from ..filters import prepare


class FilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            prepare(filterset, request.user)
        return filterset

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
