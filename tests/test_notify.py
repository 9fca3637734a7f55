"""Notifications are rows first; their delivery is queued once per transaction, after the
commit, and a broker that is down never undoes or fails a saved write."""

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from cases import notify, services
from cases.choices import CaseState, Move
from cases.models import Case, Notification
from cases.tasks import deliver_notifications

from .test_cases import report

pytestmark = pytest.mark.django_db


def test_a_transaction_of_many_moves_queues_one_delivery(world, django_capture_on_commit_callbacks):
    cadre = world.users["cadre"]
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            case = report(world)
            services.case_move(case=case, move=Move.CLAIM, actor=cadre)
            services.case_move(case=case, move=Move.SOLVE, actor=cadre, note="已疏通")
    assert Notification.objects.filter(case=case).count() == 3
    assert [c for c in callbacks if c is notify._deliver] == [notify._deliver]


def test_with_the_broker_down_a_report_and_a_move_are_saved_and_answer(
    world, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    # given a broker that refuses every message
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_notifications, "delay", refuse)
    # when (each commits, and queues its delivery after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    # then the writes stand, the rows wait for the beat, and the failure is in the log
    assert Case.objects.get(pk=case.pk).state == CaseState.CLAIMED
    assert Notification.objects.filter(case=case, sent_at__isnull=True).count() == 2
    assert "could not queue the delivery" in caplog.text
    # and the beat's delivery sends them
    assert notify.deliver_pending() == 2
