"""PLACEHOLDER: helper C writes the village, grid and map pages."""

from django.http import Http404


def area_map(request):
    raise Http404


def village_detail(request, code):
    raise Http404


def grid_detail(request, pk):
    raise Http404
