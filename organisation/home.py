"""The organisation app's part of the web front: its pages in the navigation (one
drop-down menu, ``ORGANISATION``) and its tiles on the home page (governance.frontend)."""

from django.utils.translation import gettext_lazy as _

ORGANISATION = _("Organisation")

# Each part adds its module here (after ORGANISATION, which they import).

# isort: split
from . import officer_home  # noqa: E402,F401  (officers sent in: 平安书记, 第一书记)

# isort: split
from . import map_home  # noqa: E402,F401  (the responsibility map, informants, compound teams)

# isort: split
from . import files_home  # noqa: E402,F401  (secretaries' files, commitments, reviews)

# isort: split
from . import tasks_home  # noqa: E402,F401  (the weekly task list, 周清单)

# isort: split
from . import case_links  # noqa: E402,F401  (a case made from a night visit links back to it)
