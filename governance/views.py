from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from .frontend import home_sections


def home(request):
    """Each role's home page: for every role the user holds, what is theirs to do today,
    as counts that link to the lists (the tiles each app registers in its home.py); for
    the public, the boards and the tracking page."""
    return render(request, "home.html", {"sections": home_sections(request)})


def healthz(request):
    """Liveness for the load balancer and the CI smoke test: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
