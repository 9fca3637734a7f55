"""What the phone's queue (static/js/duty_log.js) meets on the server: an entry kept on
the phone is sent to its own log's address, so one sent after midnight lands on the log it
was written in; an item's entry never begins today's log; an entry naming another log is
refused; a queued sending is answered with X-Duty-Result (saved, duplicate, invalid),
and a log-in page (the session expired) carries none, so the phone keeps the entry."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from duty import services
from duty.models import DutyLog, PolicyTalk

from .test_duty_log import named, on_duty

pytestmark = pytest.mark.django_db

ZONE = timezone.get_fixed_timezone(8 * 60)
EVENING = datetime.datetime(2026, 10, 14, 21, 0, tzinfo=ZONE)
AFTER_MIDNIGHT = datetime.datetime(2026, 10, 15, 0, 10, tzinfo=ZONE)
QUEUED = {"HTTP_X_DUTY_QUEUE": "1"}


def phone(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def talk(log, key: str, topic: str = "防范电信诈骗") -> dict:
    return {
        "action": "talk",
        "topic": topic,
        "audience": "村里老人",
        "people": "12",
        "idem": key,
        "log": log.pk,
    }


@pytest.fixture
def evening(world):
    """The cadre on duty on the 14th and the 15th, their log of the 14th begun."""
    with time_machine.travel(EVENING, tick=False):
        cadre = named(world.users["cadre"], "黄马甲")
        on_duty(world.village_a1, cadre, [EVENING.date(), AFTER_MIDNIGHT.date()], world.users["office"])
        log = services.log_start(village=world.village_a1, date=EVENING.date(), actor=cadre)
    return cadre, log


def test_an_entry_sent_after_midnight_lands_on_its_own_log(world, evening):
    cadre, log = evening
    client = phone(cadre)
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        key = f"{log.pk}:1f0c"
        first = client.post(f"/duty/logs/{log.pk}/", talk(log, key), **QUEUED)
        assert (first.status_code, first["X-Duty-Result"]) == (204, "saved")
        again = client.post(f"/duty/logs/{log.pk}/", talk(log, key), **QUEUED)
        assert again["X-Duty-Result"] == "duplicate"
        second = client.post(f"/duty/logs/{log.pk}/", talk(log, f"{log.pk}:2a9b", "医保缴费"), **QUEUED)
        assert second["X-Duty-Result"] == "saved"
    assert list(PolicyTalk.objects.order_by("id").values_list("log_id", "topic")) == [
        (log.pk, "防范电信诈骗"),
        (log.pk, "医保缴费"),
    ]
    assert not DutyLog.objects.filter(date=AFTER_MIDNIGHT.date()).exists()


def test_an_item_entry_sent_to_today_never_begins_today_s_log(world, evening):
    cadre, log = evening
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        response = phone(cadre).post("/duty/today/", talk(log, "k"), **QUEUED)
    assert response.status_code == 200 and response["X-Duty-Result"] == "invalid"
    assert "不属于今天的值班日记" in response.content.decode()
    assert not DutyLog.objects.filter(date=AFTER_MIDNIGHT.date()).exists()
    assert not PolicyTalk.objects.exists()


def test_an_entry_naming_another_log_is_refused(world, evening):
    cadre, log = evening
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        today = services.log_start(village=world.village_a1, date=AFTER_MIDNIGHT.date(), actor=cadre)
        response = phone(cadre).post("/duty/today/", talk(log, "k"), **QUEUED)
    assert response["X-Duty-Result"] == "invalid"
    assert "写在另一份值班日记" in response.content.decode()
    assert not PolicyTalk.objects.exists() and today.pk != log.pk


def test_an_expired_session_answers_no_result_so_the_phone_keeps_the_entry(world, evening):
    _, log = evening
    response = phone().post(f"/duty/logs/{log.pk}/", talk(log, "k"), follow=True, **QUEUED)
    assert response.redirect_chain and "/accounts/login/" in response.redirect_chain[-1][0]
    assert "X-Duty-Result" not in response
    assert not PolicyTalk.objects.exists()


def test_the_log_page_gives_the_queue_its_log_s_address(world, evening):
    cadre, log = evening
    with time_machine.travel(EVENING, tick=False):
        page = phone(cadre).get("/duty/today/").content.decode()
    assert f'data-log="{log.pk}"' in page and f'data-log-url="/duty/logs/{log.pk}/"' in page


def test_an_entry_kept_for_a_log_signed_since_is_refused_not_kept_forever(world, evening):
    cadre, log = evening
    DutyLog.objects.filter(pk=log.pk).update(state="signed", signed_at=EVENING)
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        response = phone(cadre).post(f"/duty/logs/{log.pk}/", talk(log, "k"), **QUEUED)
        plain = phone(cadre).post(f"/duty/logs/{log.pk}/", talk(log, "k"))
    assert (response.status_code, response["X-Duty-Result"]) == (403, "invalid")
    assert plain.status_code == 403 and not PolicyTalk.objects.exists()
