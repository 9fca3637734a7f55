"""A week of duty on a real Celery worker process: its points arrive once and the week's
ranking is stored once, even when each job is sent twice at once to a worker with two
processes (Redis in CI; on PostgreSQL, as an in-memory SQLite database is out of the
worker's reach)."""

import datetime

import pytest
from django.utils import timezone

from duty.choices import LogState, Position, RosterState
from duty.models import DutyLog, Roster, Shift
from governance.choices import Role
from governance.workdays import SHANGHAI
from scoring import points
from scoring.choices import PeriodKind, PointSource
from scoring.models import PointEntry, Snapshot
from scoring.tasks import collect_points, rank_villages

from . import factories as f
from .test_worker import wait_for, worker  # noqa: F401 - the worker fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def last_week() -> list[datetime.date]:
    """Monday to Friday of the last complete week (the one the weekly ranking takes)."""
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    return [monday + datetime.timedelta(days=i) for i in range(5)]


def a_week_on_duty(world, days) -> None:
    """The cadre of village A1, a party member, on duty and signing each day's log."""
    cadre = world.users["cadre"]
    resident = f.ResidentFactory(household=world.household_a1_2, name="值班党员")
    member = f.PartyMemberFactory(resident=resident, branch=world.branch_a1)
    f.MembershipFactory(user=cadre, role=Role.PARTY_MEMBER, party_member=member)
    points.rule_create(
        town=world.town_a,
        code="duty",
        name="值班日记签署",
        source=PointSource.DUTY_LOG,
        points=2,
        cap=None,
        valid_from=days[0] - datetime.timedelta(days=365),
        actor=world.users["office"],
    )
    rosters = {}
    for day in days:
        month = day.replace(day=1)
        if month not in rosters:
            rosters[month] = Roster.objects.create(
                village=world.village_a1,
                month=month,
                duty_phone="1",
                state=RosterState.PUBLISHED,
                published_at=at(month, 9),
            )
        Shift.objects.create(roster=rosters[month], date=day, person=cadre, position=Position.LEAD)
        DutyLog.objects.create(
            village=world.village_a1,
            date=day,
            cadre=cadre,
            state=LogState.SIGNED,
            check_in_at=at(day, 8),
            check_out_at=at(day, 17),
            signed_at=at(day, 18),
        )
    return member


def test_a_weeks_points_and_ranking_arrive_once_through_the_worker(world, worker):  # noqa: F811
    queue, log = worker
    days = last_week()
    member = a_week_on_duty(world, days)
    week = {"first": days[0].isoformat(), "last": (days[0] + datetime.timedelta(days=6)).isoformat()}
    # when each job is sent twice at once
    for _ in range(2):
        collect_points.apply_async(kwargs=week, queue=queue)
        rank_villages.apply_async(kwargs={"kind": PeriodKind.WEEK}, queue=queue)
    assert wait_for(lambda: log.read_text().count("succeeded") >= 4, seconds=90), log.read_text()
    # then the week's five signed logs earned their points once
    entries = PointEntry.objects.filter(member=member, source=PointSource.DUTY_LOG)
    assert sorted(entries.values_list("date", flat=True)) == days
    assert sum(entries.values_list("points", flat=True)) == 10
    # and town A has one snapshot of the week, with the village's duty in it
    snapshots = Snapshot.objects.filter(town=world.town_a, kind=PeriodKind.WEEK, start=days[0])
    assert snapshots.count() == 1
    row = snapshots.get().rows.get(village=world.village_a1)
    assert row.values["log_completeness"]["value"] == 1.0
