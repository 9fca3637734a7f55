"""The organisation demo steps: a month of weekly task lists, the responsibility map for
every household with informants and compound teams, officers with their night visits, and
the village secretaries' files, commitments and reviews on the demo town."""

from . import map_demo  # noqa: E402,F401  (organisation_map: the responsibility map, informants, compound teams)
from .officer_demo import build_officers  # noqa: E402,F401  (the step "organisation_officers": 平安书记, 第一书记)

# isort: split
from . import files_demo  # noqa: E402,F401  (organisation_files: secretaries' files, commitments, reviews)
from .tasks_demo import build_tasks  # noqa: E402,F401  (the step "organisation_tasks": 周清单)
