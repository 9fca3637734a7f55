"""The scoring app's demo steps: a year of points and ranking snapshots on the demo town."""

from .assessment_demo import build_assessments, build_redlist  # noqa: F401 - the steps "scoring_assessments", "scoring_redlist"
from .bulletin_demo import build_bulletins  # noqa: E402, F401 - the step "scoring_bulletins"
from .points_demo import build_points  # noqa: E402, F401 - the step "scoring_points"
from .ranking_demo import build_rankings  # noqa: E402, F401 - the step "scoring_rankings"
