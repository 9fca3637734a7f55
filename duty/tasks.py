import datetime

from celery import shared_task
from django.utils import timezone

from . import services

#: The beat's runs sweep this many days up to yesterday: a morning the job did not run is
#: made up the next (the flags' unique key makes the days already swept no-ops).
SWEEP_DAYS = 7


def _days(day: str | None, last: str | None = None) -> tuple[datetime.date, datetime.date]:
    if day:
        first = datetime.date.fromisoformat(day)
        return first, datetime.date.fromisoformat(last) if last else first
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return yesterday - datetime.timedelta(days=SWEEP_DAYS - 1), yesterday


@shared_task(name="duty.tasks.flag_missing_logs")
def flag_missing_logs(day: str | None = None) -> int:
    """Flag the duty days of the last week to yesterday (or ``day``, ISO) that have no
    signed log. Idempotent and safe on two workers (a unique key per kind, village and
    day); a dismissed flag is not raised again."""
    first, last = _days(day)
    return services.flag_missing_logs(day=first, last=last)


@shared_task(name="duty.tasks.check_motions")
def check_motions(day: str | None = None, last: str | None = None) -> dict[str, int]:
    """The signs of going through the motions (duty.motions) in the signed logs of the
    last week to yesterday (or those of ``day``, to ``last``, ISO, on demand). Returns the
    flags made by kind; idempotent and safe on two workers (a unique key per kind, village
    and day); a dismissed flag is not raised again."""
    from . import motions

    first, last = _days(day, last)
    return motions.check(first=first, last=last)
