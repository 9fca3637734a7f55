import datetime

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="duty.tasks.flag_missing_logs")
def flag_missing_logs(day: str | None = None) -> int:
    """Flag yesterday's duty days (or ``day``, ISO) that have no signed log. Idempotent
    and safe on two workers (a unique key per kind, village and day)."""
    when = datetime.date.fromisoformat(day) if day else timezone.localdate() - datetime.timedelta(days=1)
    return services.flag_missing_logs(day=when)


@shared_task(name="duty.tasks.check_motions")
def check_motions(day: str | None = None, last: str | None = None) -> dict[str, int]:
    """The signs of going through the motions (duty.motions) in yesterday's signed logs
    (or those of ``day``, to ``last``, ISO, on demand). Returns the flags made by kind;
    idempotent and safe on two workers (a unique key per kind, village and day)."""
    from . import motions

    first = datetime.date.fromisoformat(day) if day else timezone.localdate() - datetime.timedelta(days=1)
    return motions.check(first=first, last=datetime.date.fromisoformat(last) if last else first)
