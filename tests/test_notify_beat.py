"""The beat delivers what is still pending, and a delivery run whose sends all fail stops
instead of fetching the same batch forever."""

import pytest
from django.conf import settings
from django.utils import timezone

from cases import notify
from cases.choices import NotificationKind
from cases.models import Notification
from cases.tasks import deliver_pending_notifications
from governance.celery import app

from .test_cases import report

pytestmark = pytest.mark.django_db


class FailingChannel:
    """A gateway that is down: every send fails. It gives up after many calls, so a loop
    that never stops fails the test instead of hanging it."""

    calls = 0

    def send(self, notification) -> bool:
        FailingChannel.calls += 1
        if FailingChannel.calls > 50:
            raise AssertionError("the delivery loop fetched the same failed batch again and again")
        return False


class FlakyChannel:
    """A gateway that fails every other send."""

    calls = 0

    def send(self, notification) -> bool:
        FlakyChannel.calls += 1
        return FlakyChannel.calls % 2 == 0


def pending(world, count: int) -> list[Notification]:
    case = report(world)
    Notification.objects.update(sent_at=timezone.now())  # only the ones made here wait
    return Notification.objects.bulk_create(
        Notification(case=case, kind=NotificationKind.PROGRESS, recipient="x", body="b", key=f"t-{n}")
        for n in range(count)
    )


@pytest.fixture
def gateway(monkeypatch, settings):
    def use(channel_class):
        channel_class.calls = 0
        settings.CASE_NOTIFICATION_CHANNELS = {"log": f"{__name__}.{channel_class.__name__}"}

    monkeypatch.setattr(notify, "BATCH", 3)  # several full batches from a few rows
    return use


def test_a_run_whose_sends_all_fail_stops_and_leaves_them_pending(world, gateway):
    # given more pending notifications than a batch, and a gateway that is down
    pending(world, 7)
    gateway(FailingChannel)
    # when the delivery runs, then it stops after the batch that sent nothing
    assert notify.deliver_pending() == 0
    assert FailingChannel.calls == 3
    assert Notification.objects.filter(sent_at__isnull=True).count() == 7


def test_a_run_that_makes_progress_goes_on_to_the_next_batch(world, gateway):
    pending(world, 7)
    gateway(FlakyChannel)
    sent = notify.deliver_pending()
    # every batch sends some, so the run goes on until a batch is short or sends nothing
    assert sent >= 4
    assert Notification.objects.filter(sent_at__isnull=True).count() == 7 - sent


def test_the_beat_delivers_what_is_still_pending_every_minute(world):
    # given notifications left pending (their queued delivery was lost with the broker)
    rows = pending(world, 2)
    # when the beat's task runs
    assert deliver_pending_notifications.delay().get() == 2
    # then they are sent
    assert not Notification.objects.filter(pk__in=[r.pk for r in rows], sent_at__isnull=True).exists()
    entry = settings.CELERY_BEAT_SCHEDULE["case-notification-delivery"]
    assert entry["task"] == deliver_pending_notifications.name and entry["task"] in app.tasks
    assert entry["schedule"].minute == set(range(60))


def test_the_database_scheduler_takes_the_entry_with_its_expiry():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    name = "case-notification-delivery"
    ModelEntry.from_entry(name, app=app, **settings.CELERY_BEAT_SCHEDULE[name])
    task = PeriodicTask.objects.get(name=name)
    assert task.task == "cases.tasks.deliver_pending_notifications" and task.expire_seconds == 55
    assert task.crontab.minute == "*"
