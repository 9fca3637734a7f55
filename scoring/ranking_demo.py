"""The demo step ``scoring_rankings``: the demo town's ranking weights and a year of
weekly and monthly rankings, computed by the ranking itself from the data the demo has.

The demo's duty, visits and cases go back a few months only: in the earlier periods the
indicators have too few events and are shown as not rated (a village with nothing rated
has no rank) — which is what the ranking says of a period without data. Every ranking is
published except the latest week's, left for the town office to publish. Built once:
a period with a snapshot is left alone (the job's own rule)."""

from __future__ import annotations

from django.utils import timezone

from governance import demo
from grids.demo import town_code
from grids.models import Town

from . import ranking
from .choices import Indicator, PeriodKind
from .models import Snapshot, Weight

#: The demo town's scheme: the defaults, with visits and cases weighed a little more.
DEMO_WEIGHTS = {
    **ranking.DEFAULT_WEIGHTS,
    Indicator.VISIT_COVERAGE: (20, 10),
    Indicator.CASE_TIMELINESS: (20, 3),
}
WEEKS, MONTHS = 52, 12


@demo.step("scoring_rankings", after=("duty_inspections", "duty_visits", "cases"))
def build_rankings(run: demo.DemoRun) -> None:
    town = Town.objects.get(code=town_code(0))
    if not Weight.objects.filter(town=town).exists():
        ranking.weights_save(town=town, values=DEMO_WEIGHTS, actor=None)
    today = timezone.localdate()
    for kind, n in ((PeriodKind.WEEK, WEEKS), (PeriodKind.MONTH, MONTHS)):
        for start in ranking.starts_back(kind, ranking.last_complete(kind, today), n):
            ranking.compute([town.pk], kind, start, only_missing=True, today=today)
    made = Snapshot.objects.filter(town=town)
    latest_week = made.filter(kind=PeriodKind.WEEK).order_by("-start", "-version").first()
    made.filter(published_at__isnull=True).exclude(pk=getattr(latest_week, "pk", None)).update(
        published_at=timezone.now()
    )
    run.count("ranking snapshots", made.count())
    run.count("  published", made.filter(published_at__isnull=False).count())
