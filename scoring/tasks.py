"""The scoring app's Celery jobs (each idempotent and safe on two workers)."""

import datetime

from celery import shared_task


@shared_task(name="scoring.tasks.rank_villages")
def rank_villages(kind: str = "week", today: str | None = None) -> dict[str, int]:
    """Rank every town's villages for the last complete week (Monday to Sunday) or month
    before ``today`` (ISO; default: today): one snapshot, version 1, per town and period.
    Run twice, or on two workers at once, it makes each snapshot once (the unique key on
    town, period and version decides; a stored snapshot is never changed)."""
    from . import ranking

    day = datetime.date.fromisoformat(today) if today else None
    outcome = ranking.rank_all(kind, day)
    return {"made": len(outcome.made), "existing": len(outcome.existing)}


@shared_task(name="scoring.tasks.collect_points")
def collect_points(first: str | None = None, last: str | None = None, days: int = 1) -> dict[str, int]:
    """Party-member points for the events of yesterday (or of the ``days`` days up to
    yesterday, or from ``first`` to ``last``, ISO): each rule and event once, within the
    caps. Run twice, or on two workers at once, it writes nothing more (scoring.points)."""
    from django.utils import timezone

    from . import points

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    end = datetime.date.fromisoformat(last) if last else yesterday
    start = datetime.date.fromisoformat(first) if first else end - datetime.timedelta(days=max(days, 1) - 1)
    return points.collect(first=start, last=end)
