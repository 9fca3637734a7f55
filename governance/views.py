from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from .scoping import resolve_scope


def home(request):
    """The front page: who you are, what you reach, and where to go next."""
    scope = resolve_scope(request.user) if request.user.is_authenticated else None
    return render(request, "home.html", {"scope": scope})


def healthz(request):
    """Liveness for the load balancer and the CI smoke test: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
