"""The scoring pages' drop-down menu in the navigation (governance.frontend.nav's group):
each module of the app that adds an entry names this group."""

from django.utils.translation import gettext_lazy as _

SCORING = _("Scoring")
