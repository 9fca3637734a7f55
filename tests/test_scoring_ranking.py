"""Village rankings (一月一排名): each indicator's value on a small constructed world, the
fewest events and the weight spread, fairness to small villages, ties, the previous rank,
snapshots that never change, the job's idempotence (also two workers at once on
PostgreSQL), a constant number of queries, scoping of the pages, and the export.

The world: town A's villages A1 and A2 (and A3 where a third is needed), the week of
Monday 3 March 2025 and the week before it. Records are written straight to the tables:
the rules of how they come to be are the duty and cases apps' (tested there); here only
what the ranking reads of them matters.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from cases.choices import Level, Move, Satisfaction, Source
from cases.models import Case, CaseKind, CasePeriod, Rating
from duty.choices import FlagKind, InspectionState, LogState, Position, RosterState
from duty.models import DutyFlag, DutyLog, Inspection, Roster, Shift, SpotCheck, Visit
from governance.choices import AuditAction, Role
from governance.models import AuditEntry
from governance.workdays import SHANGHAI
from scoring import ranking
from scoring.choices import Indicator, PeriodKind
from scoring.models import Snapshot, SnapshotRow, Weight
from scoring.tasks import rank_villages

from . import factories as f

pytestmark = pytest.mark.django_db

WEEK = datetime.date(2025, 3, 3)  # a Monday
WEEKDAYS = [WEEK + datetime.timedelta(days=i) for i in range(5)]
ALL_RATED = {k: (w, 1) for k, (w, _m) in ranking.DEFAULT_WEIGHTS.items()}


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


class Build:
    """Writes what the ranking reads, for one town's villages."""

    def __init__(self, world):
        self.world = world
        self.cadre = world.users["cadre"]
        self.kind = CaseKind.objects.filter(town__isnull=True).order_by("id").first()
        self.rosters: dict = {}

    def duty_days(self, village, days):
        for day in days:
            month = day.replace(day=1)
            roster = self.rosters.get((village.pk, month))
            if roster is None:
                roster = self.rosters[(village.pk, month)] = Roster.objects.create(
                    village=village,
                    month=month,
                    duty_phone="1",
                    state=RosterState.PUBLISHED,
                    published_at=at(month, 9),
                )
            Shift.objects.create(roster=roster, date=day, person=f.UserFactory(), position=Position.LEAD)

    def log(self, village, day, *, hours: float | None = 8, signed=True):
        start = at(day, 8)
        return DutyLog.objects.create(
            village=village,
            date=day,
            cadre=self.cadre,
            state=LogState.SIGNED if signed else LogState.DRAFT,
            signed_at=at(day, 18) if signed else None,
            check_in_at=start,
            check_out_at=start + datetime.timedelta(hours=hours) if hours is not None else None,
        )

    def inspection(self, village, day, *, score, present=True, published=True):
        return Inspection.objects.create(
            town=village.town,
            village=village,
            at=at(day, 10),
            inspectors="镇纪委",
            present=present,
            score=score,
            state=InspectionState.PUBLISHED if published else InspectionState.DRAFT,
            published_at=at(day, 12) if published else None,
        )

    def flag(self, village, day, kind=FlagKind.REPEATED_TEXT, *, dismissed=False):
        return DutyFlag.objects.create(
            kind=kind,
            village=village,
            date=day,
            reason="测试",
            dismissed_at=at(day, 20) if dismissed else None,
        )

    def visit(self, household, day):
        return Visit.objects.create(
            town=household.town,
            village=household.village,
            grid=household.grid,
            household=household,
            visited_at=at(day, 15),
            by=self.cadre,
        )

    def case(self, village, day, *, met=True, outcome=Move.SOLVE, level=Level.VILLAGE):
        case = Case.objects.create(
            town=village.town,
            village=village,
            kind=self.kind,
            source=Source.WALK_IN,
            description="测试事项",
            state="solved",
        )
        period = CasePeriod.objects.create(
            case=case,
            level=level,
            village=village if level == Level.VILLAGE else None,
            started_at=at(day, 9) - datetime.timedelta(days=2),
            deadline=at(day, 12),
            ended_at=at(day, 11 if met else 13),
            met=met,
            outcome=outcome,
        )
        return case, period

    def rating(self, village, day, satisfaction):
        case, period = self.case(village, day)
        Rating.objects.create(case=case, period=period, satisfaction=satisfaction, at=at(day, 16))
        return case

    def spot_checks(self, log, results):
        w = self.world
        for household, passed in zip(
            (w.household_a1, w.household_a1_child, w.household_a1_2), results, strict=False
        ):
            SpotCheck.objects.create(log=log, household=household, passed=passed)


def weights(town, scheme):
    for indicator, (weight, min_events) in scheme.items():
        Weight.objects.update_or_create(
            town=town, indicator=indicator, defaults={"weight": weight, "min_events": min_events}
        )


def only(town, indicator, min_events=1):
    """A scheme where one indicator counts."""
    weights(town, {k: (100 if k == indicator else 0, min_events) for k in ranking.INDICATORS})


def rows_of(snapshot) -> dict:
    return {row.village_id: row for row in snapshot.rows.all()}


def week(world, start=WEEK, **kwargs):
    outcome = ranking.compute([world.town_a], PeriodKind.WEEK, start, **kwargs)
    return outcome.made[0] if outcome.made else None


@pytest.fixture
def build(world):
    return Build(world)


@pytest.fixture
def a1_week(world, build):
    """Village A1's week: every indicator with events (see the exact values below)."""
    a1 = world.village_a1
    build.duty_days(a1, WEEKDAYS)
    mon, tue, wed, thu, fri = WEEKDAYS
    logs = {
        "mon": build.log(a1, mon, hours=8.5),
        "tue": build.log(a1, tue, hours=8),
        "wed": build.log(a1, wed, hours=6),
        "thu": build.log(a1, thu, hours=None),  # signed without a check-out: no hours shown
        "fri": build.log(a1, fri, signed=False),  # begun, never signed
    }
    build.inspection(a1, tue, score=90)
    absent = build.inspection(a1, thu, score=70, present=False)
    build.inspection(a1, wed, score=0, published=False)  # a draft does not count
    flag = build.flag(a1, tue)
    build.flag(a1, wed, FlagKind.REUSED_PHOTO, dismissed=True)
    build.flag(a1, fri, FlagKind.MISSING_LOG)  # completeness counts that day already
    build.visit(world.household_a1, mon)
    build.visit(world.household_a1, thu)
    build.visit(world.household_a1_child, wed)
    build.visit(world.household_a1_2, WEEK - datetime.timedelta(days=2))  # the week before
    build.case(a1, mon)
    build.case(a1, tue, outcome=Move.ESCALATE)  # sent up in time
    late, _period = build.case(a1, wed, met=False, outcome=Move.ESCALATE)  # run out: the sweep
    build.case(a1, thu, met=False, level=Level.TOWN)  # a department's period: not the village's
    build.rating(a1, thu, Satisfaction.SATISFIED)
    build.rating(a1, thu, Satisfaction.BASICALLY)
    unhappy = build.rating(a1, fri, Satisfaction.NOT_SATISFIED)
    build.spot_checks(logs["mon"], [True, True, False])
    build.spot_checks(logs["tue"], [True])
    return {"logs": logs, "absent": absent, "flag": flag, "late": late, "unhappy": unhappy}


def test_each_indicator_is_the_rate_it_says_with_its_evidence(world, a1_week):
    weights(world.town_a, ALL_RATED)
    # (A1's three ratings are of three more village-level solutions, within the deadline)
    cells = rows_of(week(world))[world.village_a1.pk].values
    value = {k: cells[k]["value"] for k in ranking.INDICATORS}
    events = {k: cells[k]["events"] for k in ranking.INDICATORS}
    assert value == {
        Indicator.LOG_COMPLETENESS: 0.8,  # 4 of 5 duty days signed
        Indicator.DUTY_HOURS: 0.6875,  # (8 + 8 + 6 + 0) / (4 × 8)
        Indicator.INSPECTION_SCORE: 0.8,  # (90 + 70) / 2, the draft left out
        Indicator.ABSENCES: 0.5,  # present at 1 of 2
        Indicator.FLAGS_UPHELD: 0.8,  # Tuesday's flag stands; Wednesday's is dismissed
        Indicator.VISIT_COVERAGE: 0.6667,  # 2 of 3 households this week
        Indicator.CASE_TIMELINESS: 0.8333,  # 5 of 6 village periods (3 rated ones too) in time
        Indicator.SATISFACTION: 0.6667,  # satisfied + basically, of 3
        Indicator.SORTING_PASS: 0.75,
    }
    assert events == {
        Indicator.LOG_COMPLETENESS: 5,
        Indicator.DUTY_HOURS: 4,
        Indicator.INSPECTION_SCORE: 2,
        Indicator.ABSENCES: 2,
        Indicator.FLAGS_UPHELD: 5,
        Indicator.VISIT_COVERAGE: 3,
        Indicator.CASE_TIMELINESS: 6,
        Indicator.SATISFACTION: 3,
        Indicator.SORTING_PASS: 4,
    }
    logs = a1_week["logs"]
    assert cells[Indicator.LOG_COMPLETENESS]["evidence"] == {"missing_days": ["2025-03-07"], "more": 0}
    assert cells[Indicator.DUTY_HOURS]["evidence"]["short_logs"] == [logs["wed"].pk, logs["thu"].pk]
    assert cells[Indicator.ABSENCES]["evidence"]["absent_inspections"] == [a1_week["absent"].pk]
    assert cells[Indicator.FLAGS_UPHELD]["evidence"]["flags"] == [a1_week["flag"].pk]
    assert cells[Indicator.VISIT_COVERAGE]["evidence"] == {"unvisited": 1}
    assert cells[Indicator.CASE_TIMELINESS]["evidence"]["late_cases"] == [a1_week["late"].pk]
    assert cells[Indicator.SATISFACTION]["evidence"]["unsatisfied_cases"] == [a1_week["unhappy"].pk]
    assert cells[Indicator.SORTING_PASS]["evidence"]["logs"] == [logs["mon"].pk]
    assert all(cells[k]["rated"] for k in ranking.INDICATORS)
    # the score: 100 × Σ weight × value / Σ weight, with the exact values (5/6, not 0.8333)
    # 16 + 6.875 + 12 + 5 + 4 + 10 + 12.5 + 3.333 + 3.75
    assert rows_of(Snapshot.objects.get())[world.village_a1.pk].score == Decimal("73.46")


def test_an_indicator_with_too_few_events_is_not_rated_and_its_weight_spreads(world, build):
    a1, a2 = world.village_a1, world.village_a2
    weights(
        world.town_a,
        {
            k: {Indicator.LOG_COMPLETENESS: (60, 5), Indicator.CASE_TIMELINESS: (40, 3)}.get(k, (0, 1))
            for k in ranking.INDICATORS
        },
    )
    for village in (a1, a2):
        build.duty_days(village, WEEKDAYS)
    for day in WEEKDAYS[:4]:
        build.log(a1, day)
    for day in WEEKDAYS:
        build.log(a2, day)
    build.case(a2, WEEKDAYS[0], met=False)  # one case, late: too few to mean anything
    build.case(a1, WEEKDAYS[0])
    build.case(a1, WEEKDAYS[1])
    build.case(a1, WEEKDAYS[2], met=False)
    rows = rows_of(week(world))
    a2_cells = rows[a2.pk].values
    assert a2_cells[Indicator.CASE_TIMELINESS]["rated"] is False
    assert a2_cells[Indicator.CASE_TIMELINESS]["share"] == 0
    assert a2_cells[Indicator.LOG_COMPLETENESS]["share"] == 1.0  # 60 / 60: all the weight
    assert rows[a2.pk].score == Decimal("100.00")
    a1_cells = rows[a1.pk].values
    assert (a1_cells[Indicator.LOG_COMPLETENESS]["share"], a1_cells[Indicator.CASE_TIMELINESS]["share"]) == (
        0.6,
        0.4,
    )
    assert rows[a1.pk].score == Decimal("74.67")  # 100 × (0.6 × 0.8 + 0.4 × 2/3)
    assert (rows[a2.pk].rank, rows[a1.pk].rank) == (1, 2)


def test_a_village_with_nothing_rated_has_no_score_and_no_rank(world, build):
    build.duty_days(world.village_a1, WEEKDAYS)
    build.log(world.village_a1, WEEKDAYS[0])
    rows = rows_of(week(world))
    assert rows[world.village_a2.pk].score is None and rows[world.village_a2.pk].rank is None
    assert rows[world.village_a1.pk].rank == 1


def test_a_big_village_does_not_win_by_its_size(world, build):
    only(world.town_a, Indicator.VISIT_COVERAGE)
    big = [f.HouseholdFactory(grid=world.grid_a1, number=f"BIG{i}") for i in range(40)]
    small = [f.HouseholdFactory(grid=world.grid_a2, number=f"SMALL{i}") for i in range(4)]
    for household in big[:30]:  # 30 visited households, of 43
        build.visit(household, WEEKDAYS[1])
    for household in [*small, world.household_a2]:  # all 5
        build.visit(household, WEEKDAYS[2])
    rows = rows_of(week(world))
    assert rows[world.village_a2.pk].rank == 1 and rows[world.village_a2.pk].score == Decimal("100.00")
    assert rows[world.village_a1.pk].rank == 2 and rows[world.village_a1.pk].score == Decimal("69.77")


def test_equal_scores_share_a_rank(world, build):
    only(world.town_a, Indicator.LOG_COMPLETENESS)
    a3 = f.VillageFactory(town=world.town_a, name="甲三村", code="VA3")
    for village, signed in ((world.village_a1, 4), (world.village_a2, 4), (a3, 5)):
        build.duty_days(village, WEEKDAYS)
        for day in WEEKDAYS[:signed]:
            build.log(village, day)
    rows = rows_of(week(world))
    assert [rows[v.pk].rank for v in (a3, world.village_a1, world.village_a2)] == [1, 2, 2]


def test_the_previous_period_gives_the_previous_rank_and_the_change(world, build):
    only(world.town_a, Indicator.LOG_COMPLETENESS)
    before = WEEK - datetime.timedelta(days=7)
    days_before = [before + datetime.timedelta(days=i) for i in range(5)]
    for village in (world.village_a1, world.village_a2):
        build.duty_days(village, days_before + WEEKDAYS)
    for day in days_before:
        build.log(world.village_a1, day)
    build.log(world.village_a2, days_before[0])
    for day in WEEKDAYS:
        build.log(world.village_a2, day)
    first = week(world, before)
    assert rows_of(first)[world.village_a1.pk].rank == 1
    rows = rows_of(week(world))
    a1, a2 = rows[world.village_a1.pk], rows[world.village_a2.pk]
    assert (a2.rank, a2.previous_rank, a2.change) == (1, 2, 1)
    assert (a1.rank, a1.previous_rank, a1.change) == (2, 1, -1)


def test_how_much_each_indicator_moved_the_rank(world, build):
    weights(
        world.town_a,
        {
            k: {Indicator.LOG_COMPLETENESS: (50, 1), Indicator.INSPECTION_SCORE: (50, 1)}.get(k, (0, 1))
            for k in ranking.INDICATORS
        },
    )
    for village in (world.village_a1, world.village_a2):
        build.duty_days(village, WEEKDAYS)
    for day in WEEKDAYS:
        build.log(world.village_a1, day)  # A1: every log, a poor inspection
    build.log(world.village_a2, WEEKDAYS[0])  # A2: one log of five, a fine inspection
    build.inspection(world.village_a1, WEEKDAYS[1], score=50)
    build.inspection(world.village_a2, WEEKDAYS[1], score=95)
    rows = rows_of(week(world))
    a1 = rows[world.village_a1.pk]
    assert a1.rank == 1  # 100 × (0.5 × 1 + 0.5 × 0.5) = 75 against 57.5
    assert a1.values[Indicator.LOG_COMPLETENESS]["rank_without"] == 2  # its logs put it first
    assert a1.values[Indicator.INSPECTION_SCORE]["rank_without"] == 1
    assert a1.values[Indicator.LOG_COMPLETENESS]["points"] == 50.0


def test_a_stored_snapshot_never_changes_and_a_recompute_is_a_second_version(world, build):
    only(world.town_a, Indicator.LOG_COMPLETENESS)
    build.duty_days(world.village_a1, WEEKDAYS)
    for day in WEEKDAYS[:3]:
        build.log(world.village_a1, day)
    first = week(world)
    assert rows_of(first)[world.village_a1.pk].score == Decimal("60.00")
    # a log filed late, then the job runs again: the snapshot stands as it was
    build.log(world.village_a1, WEEKDAYS[3])
    again = ranking.compute([world.town_a], PeriodKind.WEEK, WEEK, only_missing=True)
    assert again.made == [] and again.existing == [world.town_a.pk]
    assert rows_of(Snapshot.objects.get(pk=first.pk))[world.village_a1.pk].score == Decimal("60.00")
    # the town office recomputes: version 2 beside version 1
    second = ranking.snapshot_recompute(
        town=world.town_a, kind=PeriodKind.WEEK, start=WEEK, actor=world.users["office"]
    )
    assert second.version == 2
    assert rows_of(second)[world.village_a1.pk].score == Decimal("80.00")
    assert rows_of(Snapshot.objects.get(pk=first.pk))[world.village_a1.pk].score == Decimal("60.00")
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(second.pk)).exists()


def test_only_ended_periods_are_ranked_and_a_period_starts_on_its_first_day(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        week(world, ranking.period_of(PeriodKind.WEEK, today)[0])
    assert "start" in error.value.message_dict
    with pytest.raises(ValidationError):
        week(world, WEEK + datetime.timedelta(days=1))


def test_the_job_run_twice_makes_one_snapshot_per_town_and_period(world, build):
    today = WEEK + datetime.timedelta(days=9)  # the Wednesday after the week
    rank_villages.delay("week", today.isoformat())
    rank_villages.delay("week", today.isoformat())
    assert Snapshot.objects.filter(kind=PeriodKind.WEEK, start=WEEK, version=1).count() == 2  # towns A, B
    assert Snapshot.objects.count() == 2
    rank_villages.delay("month", today.isoformat())
    assert set(Snapshot.objects.filter(kind=PeriodKind.MONTH).values_list("start", flat=True)) == {
        datetime.date(2025, 2, 1)
    }


def test_only_the_town_office_recomputes_and_publishes(world):
    snapshot = week(world)
    for user in ("supervisor", "cadre", "office_b"):
        with pytest.raises(PermissionDenied):
            ranking.snapshot_publish(snapshot=snapshot, actor=world.users[user])
    published = ranking.snapshot_publish(snapshot=snapshot, actor=world.users["office"])
    stamp = published.published_at
    assert stamp is not None
    assert ranking.snapshot_publish(snapshot=snapshot, actor=world.users["office"]).published_at == stamp


def test_the_weights_of_a_town_must_not_all_be_zero_and_are_audited(world):
    office = world.users["office"]
    with pytest.raises(ValidationError) as error:
        ranking.weights_save(town=world.town_a, values={k: (0, 1) for k in ranking.INDICATORS}, actor=office)
    assert "__all__" in error.value.message_dict
    assert not Weight.objects.exists()
    with pytest.raises(ValidationError) as error:
        ranking.weights_save(town=world.town_a, values={Indicator.SATISFACTION: (101, 0)}, actor=office)
    assert set(error.value.message_dict) == {"satisfaction_weight", "satisfaction_min_events"}
    ranking.weights_save(town=world.town_a, values={Indicator.SATISFACTION: (30, 8)}, actor=office)
    assert Weight.objects.filter(town=world.town_a).count() == 9
    assert Weight.objects.get(indicator=Indicator.SATISFACTION).weight == 30
    assert AuditEntry.objects.filter(town_id=world.town_a.pk, action=AuditAction.CREATE).count() == 9
    with pytest.raises(PermissionDenied):
        ranking.weights_save(town=world.town_a, values={}, actor=world.users["supervisor"])


def test_the_number_of_queries_does_not_grow_with_the_villages(world, build, count_queries):
    def run(start):
        with count_queries() as counted:
            ranking.compute([world.town_a, world.town_b], PeriodKind.WEEK, start)
        return len(counted)

    build.duty_days(world.village_a1, WEEKDAYS)
    build.log(world.village_a1, WEEKDAYS[0])
    small = run(WEEK)
    for n in range(6):
        village = f.VillageFactory(town=world.town_a, name=f"新村{n}", code=f"VN{n}")
        build.duty_days(village, WEEKDAYS)
        build.log(village, WEEKDAYS[1])
        build.inspection(village, WEEKDAYS[2], score=80)
    assert run(WEEK - datetime.timedelta(days=7)) == small
    assert SnapshotRow.objects.filter(snapshot__start=WEEK - datetime.timedelta(days=7)).count() == 9


# ---------------------------------------------------------------------------------------
# Two workers at once (PostgreSQL)
# ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_job_at_once_make_one_snapshot_per_town(world, build):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; running the job twice is tested above")
    from .test_duty_log import _race

    build.duty_days(world.village_a1, WEEKDAYS)
    build.log(world.village_a1, WEEKDAYS[0])
    # both compute (no check first), both insert: the unique key lets one through per town
    outcomes = _race(lambda: ranking.compute([world.town_a, world.town_b], PeriodKind.WEEK, WEEK), [(), ()])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(len(o.made) for o in outcomes) == [0, 2]
    assert Snapshot.objects.filter(start=WEEK).count() == 2
    assert SnapshotRow.objects.filter(snapshot__town=world.town_a).count() == 2


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_a_cadre_reads_only_published_snapshots_of_their_town(world, build):
    only(world.town_a, Indicator.LOG_COMPLETENESS)
    build.duty_days(world.village_a1, WEEKDAYS)
    build.log(world.village_a1, WEEKDAYS[0])
    snapshot = week(world)
    other = ranking.compute([world.town_b], PeriodKind.WEEK, WEEK).made[0]
    cadre = page_client(world.users["cadre"])
    explain = f"/scoring/ranking/{snapshot.pk}/village/{world.village_a1.pk}/"
    assert cadre.get(explain).status_code == 404
    response = cadre.get(f"/scoring/ranking/?kind=week&town={world.town_a.pk}")
    assert response.status_code == 200 and b'id="ranking-table"' not in response.content
    ranking.snapshot_publish(snapshot=snapshot, actor=world.users["office"])
    assert cadre.get(explain).status_code == 200
    assert b"ranking-table" in cadre.get(f"/scoring/ranking/?kind=week&town={world.town_a.pk}").content
    office = page_client(world.users["office"])
    assert office.get(f"/scoring/ranking/{other.pk}/village/{world.village_b1.pk}/").status_code == 404
    assert office.get(f"/scoring/ranking/?town={world.town_b.pk}").status_code == 404


def test_the_supervisor_sees_the_table_and_a_villages_explanation_with_its_evidence(world, a1_week):
    weights(world.town_a, ALL_RATED)
    snapshot = week(world)
    client = page_client(world.users["supervisor"])
    response = client.get(f"/scoring/ranking/?town={world.town_a.pk}&kind=week&start={WEEK}")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="ranking-table"' in text and "甲一村" in text and "不参评" in text
    response = client.get(f"/scoring/ranking/{snapshot.pk}/village/{world.village_a1.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert f'href="/duty/logs/{a1_week["logs"]["wed"].pk}/"' in text
    assert f'href="/cases/{a1_week["late"].pk}/"' in text
    assert f'href="/duty/inspections/{a1_week["absent"].pk}/"' in text
    assert "/duty/month/?town=" in text and 'id="trend-chart"' in text


def test_the_export_escapes_what_a_spreadsheet_would_run(world, build):
    only(world.town_a, Indicator.LOG_COMPLETENESS)
    world.village_a2.name = '=HYPERLINK("http://x","点此")'
    world.village_a2.save()
    snapshot = week(world)
    client = page_client(world.users["office"])
    response = client.get(f"/scoring/ranking/?town={world.town_a.pk}&kind=week&start={WEEK}&format=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    response = client.get(f"/scoring/ranking/?town={world.town_a.pk}&kind=week&start={WEEK}&format=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 2
    assert snapshot.rows.count() == 2


def test_the_office_edits_the_weights_in_the_browser_and_bad_input_is_a_field_error(world):
    client = page_client(world.users["office"])
    assert client.get(f"/scoring/weights/?town={world.town_a.pk}").status_code == 200
    data = {f"{k}_weight": "0" for k in ranking.INDICATORS} | {
        f"{k}_min_events": "1" for k in ranking.INDICATORS
    }
    response = client.post(f"/scoring/weights/?town={world.town_a.pk}", data)
    assert response.status_code == 200 and "不能全为零" in response.content.decode()
    data[f"{Indicator.SATISFACTION}_weight"] = "abc"
    response = client.post(f"/scoring/weights/?town={world.town_a.pk}", data)
    assert response.status_code == 200 and not Weight.objects.exists()
    data[f"{Indicator.SATISFACTION}_weight"] = "40"
    response = client.post(f"/scoring/weights/?town={world.town_a.pk}", data)
    assert response.status_code == 302
    assert Weight.objects.get(indicator=Indicator.SATISFACTION).weight == 40
    assert page_client(world.users["supervisor"]).get("/scoring/weights/").status_code == 403


def test_the_office_recomputes_and_publishes_from_the_page(world):
    snapshot = week(world)
    client = page_client(world.users["office"])
    response = client.post(
        "/scoring/ranking/compute/", {"town": world.town_a.pk, "kind": "week", "start": WEEK.isoformat()}
    )
    assert response.status_code == 302
    assert Snapshot.objects.filter(town=world.town_a, start=WEEK).count() == 2
    response = client.post(f"/scoring/ranking/{snapshot.pk}/publish/")
    assert response.status_code == 302
    snapshot.refresh_from_db()
    assert snapshot.published_at is not None
    supervisor = page_client(world.users["supervisor"])
    assert supervisor.post(f"/scoring/ranking/{snapshot.pk}/publish/").status_code == 403
    response = client.post(
        "/scoring/ranking/compute/", {"town": world.town_a.pk, "kind": "week", "start": "x"}
    )
    assert response.status_code == 302  # back to the page, with the error as a message
    assert Snapshot.objects.filter(town=world.town_a).count() == 2
    assert Role.TOWN_OFFICE  # the office's own
