"""The village affairs app's part of the web front: its pages in the navigation (one
drop-down menu, ``AFFAIRS``) and its tiles on the home page (governance.frontend)."""

from django.utils.translation import gettext_lazy as _

AFFAIRS = _("Village affairs")

from . import (  # noqa: E402  (after AFFAIRS, which they import)
    council_home,  # noqa: F401  (村民议事厅, 评理说事: their entries)
    disclosure_home,  # noqa: F401  (阳光三务: its entry and tiles)
    matter_home,  # noqa: F401  (四议一审两公开: its entry and the review tile)
)
