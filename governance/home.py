"""The ground floor's part of the web front: the REST API's documentation for those who
build on it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .frontend import Tile, nav, tiles
from .scoping import CLIENT, OFFICE

nav(_("REST API"), "api-docs", roles=(CLIENT, OFFICE), order=95)


@tiles(roles=(CLIENT,), order=10)
def client_tiles(request, scope, role):
    return [
        Tile(
            _("REST API documentation"),
            "API",
            reverse("api-docs"),
            "primary",
            _("every endpoint, with the token of your account"),
            "api-docs",
        ),
        Tile(_("Browse the API"), "v1", reverse("api-root"), "secondary", "", "api-root"),
    ]
