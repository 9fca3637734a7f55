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
