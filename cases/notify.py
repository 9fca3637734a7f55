"""Telling people about cases: one interface, several channels (SMS, WeChat, e-mail).

Only the log channel is wired for now; a real SMS or WeChat gateway is a class with the
same ``send`` method named in ``CASE_NOTIFICATION_CHANNELS``. Notifications are rows
first (idempotent by ``key``), sent after commit.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .choices import Channel
from .models import Notification

logger = logging.getLogger("cases.notify")


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
    """Insert notification rows once each (a repeated key is skipped), then send after commit."""
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    keys = [row.key for row in rows]
    transaction.on_commit(lambda: deliver(keys))


def deliver(keys: list[str]) -> int:
    """Send the unsent notifications with these keys; safe to call twice."""
    sent = 0
    for note in Notification.objects.filter(key__in=keys, sent_at__isnull=True):
        if channel(note.channel).send(note):
            # Guarded: of two deliverers, one marks it sent.
            sent += Notification.objects.filter(pk=note.pk, sent_at__isnull=True).update(
                sent_at=timezone.now()
            )
    return sent


__all__ = ["Channel", "LogChannel", "deliver", "queue"]
