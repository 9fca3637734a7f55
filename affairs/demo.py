"""The village affairs demo steps: a major matter through its steps, council topics, a
public hearing and a quarter's 三务 disclosure on the demo town."""

from .council_demo import build_council  # noqa: F401  (the step "affairs_council": 村民议事厅, 评理说事)
from .disclosure_demo import build_disclosures  # noqa: F401  (the step "affairs_disclosures": 阳光三务)
from .matter_demo import build_matters  # noqa: F401  (the step "affairs_matters": 四议一审两公开)
