"""The villagers' council (村民议事厅) and public hearings (评理说事) in the ``AFFAIRS``
menu, for every reader."""

from django.utils.translation import gettext_lazy as _

from governance.frontend import nav
from governance.scoping import CADRE, MEMBER, OFFICE, SUPERVISOR

from .home import AFFAIRS

READERS = (OFFICE, SUPERVISOR, CADRE, MEMBER)
nav(_("Villagers' council"), "affairs:topics", roles=READERS, order=63, group=AFFAIRS)
nav(_("Public hearings"), "affairs:hearings", roles=READERS, order=64, group=AFFAIRS)
