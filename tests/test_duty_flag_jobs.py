"""The beat's flag jobs: each flag they make is in the audit trail (by no one: the job),
a morning the job did not run is made up the next (a week is swept), a dismissed flag is
not raised again, and the missing-log sweep reads the logs in one query."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duty import services
from duty.choices import FlagKind
from duty.models import DutyFlag, DutyLog
from duty.tasks import check_motions, flag_missing_logs
from governance.choices import Role
from governance.models import AuditEntry

from . import factories as f
from .test_duty_log import on_duty

pytestmark = pytest.mark.django_db

ZONE = timezone.get_fixed_timezone(8 * 60)
MORNING = datetime.datetime(2026, 10, 14, 6, 0, tzinfo=ZONE)
TODAY = MORNING.date()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MORNING, tick=False):
        yield


def flag_audit():
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(DutyFlag))


def test_the_flags_a_run_makes_are_in_the_audit_trail(world):
    on_duty(world.village_a1, world.users["cadre"], [days_ago(1)], world.users["office"])
    assert flag_missing_logs.delay().get() == 1
    flag = DutyFlag.objects.get()
    (entry,) = flag_audit()
    assert (entry.object_id, entry.action, entry.actor, entry.town_id) == (
        str(flag.pk),
        "create",
        None,
        world.town_a.pk,
    )
    assert flag_missing_logs.delay().get() == 0
    assert flag_audit().count() == 1


def test_a_missed_morning_is_made_up_the_next(world):
    # nobody ran the job on the mornings after the 10th and 11th
    on_duty(world.village_a1, world.users["cadre"], [days_ago(4), days_ago(3)], world.users["office"])
    a2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    on_duty(world.village_a2, a2, [days_ago(8)], world.users["office"])  # past the week swept
    assert flag_missing_logs.delay().get() == 2
    assert sorted(DutyFlag.objects.values_list("date", flat=True)) == [days_ago(4), days_ago(3)]
    assert flag_audit().count() == 2


def test_a_dismissed_flag_is_not_raised_again(world):
    on_duty(world.village_a1, world.users["cadre"], [days_ago(2)], world.users["office"])
    flag_missing_logs.delay().get()
    flag = DutyFlag.objects.get()
    services.flag_dismiss(flag=flag, actor=world.users["office"], reason="当天停电，补记纸质日记")
    assert flag_missing_logs.delay().get() == 0
    flag.refresh_from_db()
    assert flag.dismissed_at is not None and DutyFlag.objects.count() == 1


def test_the_sweep_reads_the_logs_once(world):
    days = [days_ago(n) for n in range(1, 8)]
    on_duty(world.village_a1, world.users["cadre"], days, world.users["office"])
    DutyLog.objects.create(village=world.village_a1, date=days_ago(2), cadre=world.users["cadre"])
    with CaptureQueriesContext(connection) as queries:
        assert services.flag_missing_logs(day=days[-1], last=days[0]) == 7
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "duty_dutylog" in q["sql"]
    ]
    assert len(reads) == 1, reads
    begun = DutyFlag.objects.get(date=days_ago(2))
    assert begun.log_id is not None


def test_the_motion_checks_sweep_the_week_and_audit_their_flags(world):
    cadre = world.users["cadre"]
    for n in (1, 5):
        day = days_ago(n)
        DutyLog.objects.create(
            village=world.village_a1,
            date=day,
            cadre=cadre,
            state="signed",
            signed_at=datetime.datetime.combine(day, datetime.time(18), ZONE),
            check_in_at=datetime.datetime.combine(day, datetime.time(11), ZONE),
        )
    made = check_motions.delay().get()
    assert made[FlagKind.CHECK_IN_LATE] == 2
    assert flag_audit().count() == sum(made.values())
    assert check_motions.delay().get()[FlagKind.CHECK_IN_LATE] == 0
