"""The daily duty log (值班日记): the services' rules, the missing-log sweep, the
patrol finding reported as a case.

Named people: 黄马甲, the world's cadre of village A1, on duty today; 徐秋云, another
cadre of A1, not on duty today; the town office of town A; 外人, a cadre of village B1.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.choices import Source
from cases.models import Case, CaseKind
from duty import services
from duty.choices import CheckInMethod, FlagKind, LogState
from duty.models import DutyFlag, DutyLog, Errand, LogAmendment, OfficeCode, SpotCheck
from duty.selectors import errands_of, items_done, this_month, with_progress
from duty.tasks import flag_missing_logs
from governance.choices import Role

from . import factories as f

pytestmark = pytest.mark.django_db


def named(user, name):
    user.last_name, user.first_name = name[:1], name[1:]
    user.save()
    return user


@pytest.fixture
def people(world):
    return {
        "cadre": named(world.users["cadre"], "黄马甲"),
        "other": named(f.member(Role.VILLAGE_CADRE, village=world.village_a1), "徐秋云"),
        "b1": named(f.member(Role.VILLAGE_CADRE, village=world.village_b1), "外人"),
        "office": world.users["office"],
    }


def on_duty(village, person, days, actor):
    roster = services.roster_create(village=village, month=this_month(), duty_phone="1", actor=actor)
    services.roster_set_days(roster=roster, days={d: services.Day(person) for d in days}, actor=actor)
    services.roster_publish(roster=roster, actor=actor)
    return roster


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def mid_month():
    """The clock on a day whose yesterday is in the same month (the tests' rosters cover one
    month): asked before ``today``."""
    zone = timezone.get_current_timezone()
    with time_machine.travel(datetime.datetime(2026, 10, 14, 10, tzinfo=zone), tick=False):
        yield


@pytest.fixture
def roster(world, people, today):
    return on_duty(world.village_a1, people["cadre"], [today], people["office"])


@pytest.fixture
def log(world, people, roster, today):
    return services.log_start(village=world.village_a1, date=today, actor=people["cadre"])


@pytest.fixture
def households(world):
    return [f.HouseholdFactory(grid=world.grid_a1, number=f"A1-1{i:02d}") for i in range(16)]


def checked_in(log, cadre):
    return services.log_check_in(
        log=log,
        actor=cadre,
        method=CheckInMethod.MANUAL,
        reason="二维码打印中",
        at=timezone.now() - datetime.timedelta(minutes=5),
    )


def complete(log, cadre, households, n=5):
    checked_in(log, cadre)
    for h in households[:n]:
        services.spot_check_add(log=log, actor=cadre, household=h, passed=True)
    return log


def test_the_cadre_on_duty_begins_the_days_log_linked_to_the_shift(log, people, roster):
    assert log.state == LogState.DRAFT and log.cadre == people["cadre"]
    assert log.shift.roster_id == roster.pk


def test_two_logs_for_the_same_village_and_day_are_refused(world, log, people, today):
    with pytest.raises(ValidationError) as exc:
        services.log_start(village=world.village_a1, date=today, actor=people["other"], reason="替班")
    assert "date" in exc.value.message_dict
    assert DutyLog.objects.filter(village=world.village_a1, date=today).count() == 1
    # and the database keeps it whatever the services say
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyLog.objects.create(village=world.village_a1, date=today, cadre=people["other"])


def test_someone_not_on_the_roster_files_only_with_a_reason(world, people, roster, today):
    with pytest.raises(ValidationError) as exc:
        services.log_start(village=world.village_a1, date=today, actor=people["other"])
    assert "off_roster_reason" in exc.value.message_dict
    assert not DutyLog.objects.exists()
    log = services.log_start(village=world.village_a1, date=today, actor=people["other"], reason="黄马甲病假")
    assert log.shift is None and log.off_roster_reason == "黄马甲病假"


def test_a_cadre_of_another_village_cannot_file_it(world, people, roster, today):
    with pytest.raises(PermissionDenied):
        services.log_start(village=world.village_a1, date=today, actor=people["b1"], reason="x")
    with pytest.raises(PermissionDenied):
        services.log_start(village=world.village_a1, date=today, actor=people["office"], reason="x")


def test_a_check_in_in_the_future_is_refused(log, people):
    with pytest.raises(ValidationError) as exc:
        services.log_check_in(
            log=log,
            actor=people["cadre"],
            method=CheckInMethod.QR,
            at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert "check_in_at" in exc.value.message_dict
    log.refresh_from_db()
    assert log.check_in_at is None


def test_a_check_in_by_hand_needs_a_reason(log, people):
    with pytest.raises(ValidationError) as exc:
        services.log_check_in(log=log, actor=people["cadre"], method=CheckInMethod.MANUAL)
    assert "check_in_reason" in exc.value.message_dict


def test_the_office_qr_code_checks_in_and_begins_the_log(world, people, roster):
    code = OfficeCode.objects.create(village=world.village_a1)
    log = services.log_check_in_by_code(token=code.token, actor=people["cadre"])
    assert log.check_in_method == CheckInMethod.QR and log.check_in_at is not None
    with pytest.raises(OfficeCode.DoesNotExist):
        services.log_check_in_by_code(token="nosuch", actor=people["cadre"])


def test_check_out_gives_the_hours(log, people):
    log = checked_in(log, people["cadre"])
    log = services.log_check_out(log=log, actor=people["cadre"])
    assert log.hours is not None and 0 <= log.hours < 1


def test_a_spot_check_of_another_villages_household_is_refused(world, log, people):
    with pytest.raises(ValidationError) as exc:
        services.spot_check_add(log=log, actor=people["cadre"], household=world.household_a2, passed=True)
    assert "household" in exc.value.message_dict
    assert not SpotCheck.objects.exists()


def test_at_most_fifteen_spot_checks(log, people, households):
    for h in households[:15]:
        services.spot_check_add(log=log, actor=people["cadre"], household=h, passed=True)
    with pytest.raises(ValidationError):
        services.spot_check_add(log=log, actor=people["cadre"], household=households[15], passed=False)


def test_fewer_than_five_spot_checks_refuses_signing(log, people, households):
    complete(log, people["cadre"], households, n=4)
    with pytest.raises(ValidationError) as exc:
        services.log_sign(log=log, actor=people["cadre"])
    assert "至少" in " ".join(exc.value.messages) or "at least" in " ".join(exc.value.messages)
    log.refresh_from_db()
    assert log.state == LogState.DRAFT


def test_signing_needs_the_check_in(log, people, households):
    for h in households[:5]:
        services.spot_check_add(log=log, actor=people["cadre"], household=h, passed=True)
    with pytest.raises(ValidationError):
        services.log_sign(log=log, actor=people["cadre"])


def test_a_signed_log_is_locked_and_corrected_by_amendments_with_a_reason(log, people, households):
    complete(log, people["cadre"], households)
    log = services.log_sign(log=log, actor=people["cadre"])
    assert log.state == LogState.SIGNED and log.signed_at
    with pytest.raises(ValidationError):
        services.talk_add(log=log, actor=people["cadre"], topic="医保", audience="老人", people=3)
    with pytest.raises(ValidationError) as exc:
        services.log_amend(log=log, actor=people["cadre"], item=6, correction="漏记医保宣讲", reason="")
    assert "reason" in exc.value.message_dict
    services.log_amend(log=log, actor=people["cadre"], item=6, correction="漏记医保宣讲", reason="当日漏记")
    assert LogAmendment.objects.filter(log=log).count() == 1


def test_only_the_logs_cadre_writes_it(log, people):
    with pytest.raises(PermissionDenied):
        services.talk_add(log=log, actor=people["other"], topic="医保", audience="老人", people=3)


def test_an_open_errand_carries_over_to_the_next_duty_day_until_done(mid_month, world, people, today):
    yesterday = today - datetime.timedelta(days=1)
    assert (yesterday.month, today) == (today.month, datetime.date(2026, 10, 14))
    on_duty(world.village_a1, people["cadre"], [yesterday, today], people["office"])
    first = services.log_start(village=world.village_a1, date=yesterday, actor=people["cadre"])
    errand = services.errand_add(log=first, actor=people["cadre"], what="失地保险材料", for_whom="潘益水")
    services.errand_add(log=first, actor=people["cadre"], what="盖章", for_whom="潘宅", done=True)
    second = services.log_start(village=world.village_a1, date=today, actor=people["cadre"])
    assert [e.what for e in errands_of(second)] == ["失地保险材料"]
    services.errand_done(log=second, errand=errand, actor=people["cadre"])
    errand.refresh_from_db()
    assert errand.done_in == second and errand.done_on == today
    # the first day still shows it as it was: open that day
    assert {e.what for e in errands_of(first)} == {"失地保险材料", "盖章"}
    assert items_done(with_progress(DutyLog.objects.filter(pk=second.pk)).get())[2]


def test_a_patrol_finding_becomes_a_case_linked_from_the_log(world, log, people):
    kind = CaseKind.objects.filter(town__isnull=True).first()
    finding = services.finding_add(log=log, actor=people["cadre"], note="村口排水沟堵塞", kind=kind)
    case = Case.objects.get(pk=finding.case_id)
    assert case.source == Source.PATROL and case.village == world.village_a1
    assert case.description == "村口排水沟堵塞"
    with pytest.raises(ValidationError):
        services.finding_report(finding=finding, kind=kind, actor=people["cadre"])


def test_the_missing_log_job_run_twice_makes_one_flag_each(mid_month, world, people, today):
    yesterday = today - datetime.timedelta(days=1)
    assert (yesterday.month, today) == (today.month, datetime.date(2026, 10, 14))
    on_duty(world.village_a1, people["cadre"], [yesterday], people["office"])
    on_duty(world.village_b1, people["b1"], [yesterday], world.users["office_b"])
    # B1's log was begun but never signed; A1 filed none
    services.log_start(village=world.village_b1, date=yesterday, actor=people["b1"])
    assert flag_missing_logs.delay().get() == 2
    assert flag_missing_logs.delay().get() == 0
    flags = DutyFlag.objects.filter(kind=FlagKind.MISSING_LOG, date=yesterday)
    assert sorted(flags.values_list("village__code", flat=True)) == ["VA1", "VB1"]
    assert flags.get(village=world.village_b1).log is not None


def test_a_flag_is_dismissed_with_a_reason_by_the_office(world, people, today):
    flag = DutyFlag.objects.create(
        kind=FlagKind.MISSING_LOG, village=world.village_a1, date=today, reason="x"
    )
    with pytest.raises(ValidationError):
        services.flag_dismiss(flag=flag, actor=people["office"], reason=" ")
    services.flag_dismiss(flag=flag, actor=people["office"], reason="当日防汛，全员在岗")
    flag.refresh_from_db()
    assert not flag.is_open
    other = DutyFlag.objects.create(
        kind=FlagKind.MISSING_LOG, village=world.village_b1, date=today, reason="x"
    )
    with pytest.raises(PermissionDenied):
        services.flag_dismiss(flag=other, actor=people["office"], reason="不是我镇的")


def test_errands_keep_their_village(world, log, people):
    errand = services.errand_add(log=log, actor=people["cadre"], what="户籍迁移", for_whom="潘耿")
    assert Errand.objects.get(pk=errand.pk).village == world.village_a1


def _race(target, args_list):
    """Run ``target`` in two threads that start their transactions together."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(args_list))
    outcomes = []

    def run(*args):
        try:
            with transaction.atomic():
                DutyLog.objects.filter(pk=-1).exists()
                barrier.wait(timeout=10)
                outcomes.append(target(*args))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_missing_log_sweep_at_once_make_one_flag_each(world, people, today):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; running the sweep twice is tested above")
    on_duty(world.village_a1, people["cadre"], [today], people["office"])
    on_duty(world.village_b1, people["b1"], [today], world.users["office_b"])
    outcomes = _race(lambda: services.flag_missing_logs(day=today), [(), ()])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert DutyFlag.objects.filter(kind=FlagKind.MISSING_LOG, date=today).count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_entry_sent_twice_at_once_with_one_key_is_applied_once(world, people, today):
    from django.db import connection

    from duty.models import PolicyTalk

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; a second sending is tested on the pages")
    on_duty(world.village_a1, people["cadre"], [today], people["office"])
    log = services.log_start(village=world.village_a1, date=today, actor=people["cadre"])

    def send():
        return services.run_once(
            log=log,
            key="same-key",
            action="talk",
            run=lambda: services.talk_add(
                log=log, actor=people["cadre"], topic="医保", audience="村民", people=5
            ),
        )[0]

    outcomes = _race(send, [(), ()])
    assert sorted(map(str, outcomes)) == ["False", "True"], outcomes
    assert PolicyTalk.objects.filter(log=log).count() == 1
