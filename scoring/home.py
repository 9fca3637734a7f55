"""The scoring app's part of the web front: its pages in the navigation and its tiles
on the home page (governance.frontend)."""

import scoring.assessment_home  # noqa: F401 - the year-end assessment's and the red and black list's
import scoring.bulletin_home  # noqa: F401 - the quarterly bulletins' home tile
import scoring.points_home  # noqa: F401 - the party-member points' navigation and tiles

from . import ranking_home  # noqa: E402, F401 - the village rankings' navigation and tiles
