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

from .models import Notification

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


def queue(rows: list[Notification]) -> None:
    """Insert notification rows once each (a repeated key is skipped); deliver after commit."""
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    from .tasks import deliver_notifications

    transaction.on_commit(deliver_notifications.delay)


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
        if len(batch) < BATCH:
            break
    return sent
