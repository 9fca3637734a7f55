"""Telling people about cases: one interface, several channels (SMS, WeChat, e-mail).

Only the log channel is wired for now; a real SMS or WeChat gateway is a class with the
same ``send`` method, named in ``settings.CASE_NOTIFICATION_CHANNELS``. Notifications are
rows first, once each (``key`` is unique), written in the transaction of the move; after
commit a Celery task delivers what is pending, so a sweep that flags thousands of cases
never waits for a gateway.
"""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification, rating_code, rating_link

logger = logging.getLogger("cases.notify")
BATCH = 500


class LogChannel:
    """Writes the message to the log: development, tests, and a trail of what was sent."""

    def send(self, notification: Notification) -> bool:
        logger.info(
            "notify %s case=%s to=%s: %s",
            notification.kind,
            notification.case_id,
            notification.recipient,
            notification.body,
        )
        return True


def channel(name: str):
    path = getattr(settings, "CASE_NOTIFICATION_CHANNELS", {}).get(name, "cases.notify.LogChannel")
    return import_string(path)()


def deadline_text(deadline) -> str:
    """A deadline as messages show it, in local time."""
    return timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M") if deadline else ""


def deadline_key(deadline) -> int:
    """A deadline in a notification key: whole seconds since the epoch."""
    return int(deadline.timestamp()) if deadline else 0


def holder_recipient(case) -> str:
    """Who holds the case now: its department at town level, its village, or the town."""
    from .choices import Level

    if case.level == Level.TOWN and case.department_id:
        return f"department:{case.department_id}"
    if case.level == Level.VILLAGE:
        return f"village:{case.village_id}"
    return f"town:{case.town_id}"


def notification(tell, *, case, event=None) -> Notification:
    """The row a move's ``tell`` (cases.transitions.Tell) writes for ``case``; the sweep
    writes the same rows in SQL (cases.sweeps)."""
    from .transitions import HOLDER

    values = {
        "number": case.tracking_number,
        "state": case.get_state_display(),
        "deadline": deadline_text(case.deadline),
        # The request to rate carries the reporter's code (transitions.YOUR_RATING_CODE).
        "rating_code": rating_code(case),
        "rating_link": rating_link(case),
    }
    fields = {
        "event": event.pk if event is not None else "",
        "case": case.pk,
        "deadline": deadline_key(case.deadline),
        "town": case.town_id,
    }
    return Notification(
        case=case,
        kind=tell.kind,
        recipient=holder_recipient(case) if tell.recipient == HOLDER else tell.recipient.format(**fields),
        body=" ".join(str(part) % values for part in tell.body),
        key=tell.key.format(**fields),
    )


def _deliver() -> None:
    """Queue the delivery task. The rows are saved whatever happens here: with the broker
    down the failure is logged, never raised (a saved write must not answer 500), and the
    beat's periodic delivery sends what is pending."""
    from .tasks import deliver_notifications

    try:
        deliver_notifications.delay()
    except Exception:  # noqa: BLE001 - any broker failure; the rows wait for the beat
        logger.exception("could not queue the delivery of notifications; the beat will send them")


def deliver_after_commit() -> None:
    """Deliver what is pending once the transaction commits: one task per transaction,
    however many moves it made (a sweep, the demo's history)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _deliver for entry in connection.run_on_commit):
        return
    transaction.on_commit(_deliver)


def queue(rows: list[Notification]) -> None:
    """Insert notification rows once each (a repeated key is skipped); deliver after commit."""
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    deliver_after_commit()


def deliver_pending(limit: int = 10_000) -> int:
    """Send unsent notifications in batches. Each batch is locked (skip_locked on
    PostgreSQL), so two deliverers never send the same message."""
    sent = 0
    while sent < limit:
        with transaction.atomic():
            pending = Notification.objects.filter(sent_at__isnull=True).order_by("id")
            if connection.features.has_select_for_update_skip_locked:
                pending = pending.select_for_update(skip_locked=True)
            batch = list(pending[:BATCH])
            if not batch:
                break
            done = [note.pk for note in batch if channel(note.channel).send(note)]
            Notification.objects.filter(pk__in=done).update(sent_at=timezone.now())
            sent += len(done)
        if not done or len(batch) < BATCH:
            # Nothing sent (a gateway down) would fetch the same batch forever: the rest
            # waits for the next run (the beat's deliver_pending_notifications).
            break
    return sent
