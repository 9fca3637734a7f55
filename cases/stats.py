"""PLACEHOLDER: helper C writes the statistics dashboard."""

from django.http import Http404


def dashboard(request):
    raise Http404
