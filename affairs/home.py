"""The village affairs app's part of the web front: its pages in the navigation (one
drop-down menu, ``AFFAIRS``) and its tiles on the home page (governance.frontend)."""

from django.utils.translation import gettext_lazy as _

AFFAIRS = _("Village affairs")
