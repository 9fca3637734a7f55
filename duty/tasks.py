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
