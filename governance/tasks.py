"""Periodic jobs of the governance app. Thin: each calls a function that does the work."""

import logging

from celery import shared_task
from django.utils import timezone

from . import workdays

logger = logging.getLogger(__name__)


@shared_task(name="governance.tasks.calendar_coverage_check")
def calendar_coverage_check() -> dict:
    """Warn while next year's official schedule is missing from the calendar.

    Read-only, so running it twice or on two workers at once is harmless.
    """
    today = timezone.localdate()
    last = workdays.last_covered_year()
    missing = [year for year in (today.year, today.year + 1) if last is None or year > last]
    if missing:
        logger.warning(
            "working-day calendar has no official schedule for %s; deadlines there count the statutory "
            "holidays provisionally, without make-up working days",
            ", ".join(map(str, missing)),
        )
    return {"covered_until": last, "missing": missing}
