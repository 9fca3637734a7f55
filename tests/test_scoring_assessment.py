"""Cadres' year-end assessment (年终考绩): each figure exact on a constructed year, the
links to the records behind it, generation and refresh, frozen once graded, scoping (a
cadre reads their own, 404 elsewhere), bad input as Chinese field errors with nothing
saved, the pages, the API and the export.

The world: town A's village A1 with two cadres (the world's ``cadre`` and ``cadre2``),
January 2025, assessed in January 2026. Records are written straight to the tables: how
they come to be is the duty and cases apps' business (tested there)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cases.choices import Level, Move, Source
from cases.models import Case, CaseKind, CasePeriod
from duty.choices import InspectionState, LogState, Position, RosterState
from duty.models import DutyLog, Inspection, Roster, Shift, Visit
from governance.choices import AuditAction, Role
from governance.models import AuditEntry, Membership
from governance.workdays import SHANGHAI
from scoring import assessment
from scoring.choices import Grade, PointSource
from scoring.models import Assessment, PointEntry, PointRule

from . import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025
API = "/api/v1/scoring/assessments/"


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def d(day: int, month: int = 1, year: int = YEAR) -> datetime.date:
    return datetime.date(year, month, day)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 1, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


class Year:
    """January 2025 in village A1: the world's cadre and a second cadre."""

    def __init__(self, world):
        self.w = world
        self.cadre = world.users["cadre"]
        self.cadre2 = f.member(Role.VILLAGE_CADRE, village=world.village_a1)
        self.kind = CaseKind.objects.filter(town__isnull=True).order_by("id").first()
        v = world.village_a1
        jan = Roster.objects.create(
            village=v, month=d(1), duty_phone="1", state=RosterState.PUBLISHED, published_at=at(d(1), 9)
        )
        feb = Roster.objects.create(village=v, month=d(1, 2), duty_phone="1")  # a draft: not counted
        for day in (6, 7, 8):
            Shift.objects.create(roster=jan, date=d(day), person=self.cadre, position=Position.LEAD)
        Shift.objects.create(roster=jan, date=d(9), person=self.cadre2, position=Position.LEAD)
        Shift.objects.create(
            roster=jan, date=d(9), person=self.cadre, position=Position.SECOND
        )  # not the lead
        Shift.objects.create(roster=feb, date=d(3, 2), person=self.cadre, position=Position.LEAD)
        # Signed logs: 9 h on time, 4.5 h signed at 06:30 the next morning (on time), none
        # on the 8th (missed), a substitute day on the 10th signed late; a draft on the 12th.
        self.log6 = self.log(d(6), 8, 17, at(d(6), 18))
        self.log7 = self.log(d(7), 8, 12.5, at(d(7), 6, 30) + datetime.timedelta(days=1))
        self.log10 = self.log(d(10), 8, 16, at(d(11), 10))
        DutyLog.objects.create(village=v, date=d(12), cadre=self.cadre, check_in_at=at(d(12), 8))
        DutyLog.objects.create(  # the second cadre's day
            village=v, date=d(9), cadre=self.cadre2, state=LogState.SIGNED, signed_at=at(d(9), 18)
        )
        # Inspections: absent on the 8th (found by the roster), present on the 6th (named),
        # a draft finding absent (not counted), the second cadre absent on the 9th.
        self.absent = self.inspection(d(8), present=False)
        self.present = self.inspection(d(6), present=True, on_duty=self.cadre)
        self.inspection(d(7), present=False, published=False)
        self.inspection(d(9), present=False)
        # Visits: two by the cadre (one with the second cadre), one of last year.
        h = world.household_a1
        self.visit1 = self.visit(h, at(d(6), 15), [self.cadre, self.cadre2])
        self.visit2 = self.visit(h, at(d(7), 15), [self.cadre])
        self.visit(h, at(d(20, 12, 2024), 15), [self.cadre])
        # Cases solved at the village level: two in time and one late by the cadre, one at
        # the town level (not counted), one in time by the second cadre.
        self.case1 = self.case(self.cadre, d(6), met=True)
        self.case2 = self.case(self.cadre, d(15), met=True, outcome=Move.SOLVE_ON_SPOT)
        self.late = self.case(self.cadre, d(16), met=False)
        self.case(self.cadre, d(17), met=True, level=Level.TOWN)
        self.case(self.cadre2, d(18), met=True)
        # Points: the cadre is a party member (5 + 3 − 2 this year, 10 the year before).
        member = f.PartyMemberFactory(
            resident=f.ResidentFactory(household=world.household_a1_2, name="干部党员"),
            branch=world.branch_a1,
        )
        Membership.objects.create(user=self.cadre, role=Role.PARTY_MEMBER, party_member=member)
        self.member = member
        rule = PointRule.objects.create(
            town=world.town_a,
            code="manual",
            name="其他",
            source=PointSource.MANUAL,
            points=1,
            valid_from=d(1, 1, 2024),
        )
        for n, day in ((5, d(3)), (3, d(3, 6)), (-2, d(1, 9)), (10, d(1, 6, 2024))):
            PointEntry.objects.create(
                town=world.town_a,
                village=world.village_a1,
                member=member,
                rule=rule,
                rule_code="manual",
                points=n,
                date=day,
                source=PointSource.MANUAL,
            )

    def log(self, day, start, end, signed_at):
        return DutyLog.objects.create(
            village=self.w.village_a1,
            date=day,
            cadre=self.cadre,
            state=LogState.SIGNED,
            signed_at=signed_at,
            check_in_at=at(day, start),
            check_out_at=at(day, 0) + datetime.timedelta(hours=end),
        )

    def inspection(self, day, *, present, on_duty=None, published=True):
        return Inspection.objects.create(
            town=self.w.town_a,
            village=self.w.village_a1,
            at=at(day, 10),
            inspectors="镇纪委",
            on_duty=on_duty,
            present=present,
            score=80,
            state=InspectionState.PUBLISHED if published else InspectionState.DRAFT,
            published_at=at(day, 12) if published else None,
        )

    def visit(self, household, when, visitors):
        v = Visit.objects.create(
            town=household.town,
            village=household.village,
            grid=household.grid,
            household=household,
            visited_at=when,
            by=visitors[0],
        )
        v.visitors.set(visitors)
        return v

    def case(self, solver, day, *, met, outcome=Move.SOLVE, level=Level.VILLAGE):
        v = self.w.village_a1
        case = Case.objects.create(
            town=v.town,
            village=v,
            kind=self.kind,
            source=Source.WALK_IN,
            description="测试事项",
            state="solved",
        )
        Case.objects.filter(pk=case.pk).update(solved_by=solver, solved_at=at(day, 11))
        CasePeriod.objects.create(
            case=case,
            level=level,
            village=v if level == Level.VILLAGE else None,
            started_at=at(day, 9) - datetime.timedelta(days=2),
            deadline=at(day, 12),
            ended_at=at(day, 11 if met else 13),
            met=met,
            outcome=outcome,
        )
        return case


@pytest.fixture
def year(world):
    return Year(world)


def generated(world, year) -> dict:
    assessment.generate(town=world.town_a, year=YEAR, actor=world.users["office"])
    return {a.cadre_id: a for a in Assessment.objects.filter(year=YEAR)}


def test_the_figures_are_exact(world, year):
    # when
    made = generated(world, year)
    # then
    assert set(made) == {year.cadre.pk, year.cadre2.pk}
    fig = made[year.cadre.pk].figures
    assert fig["duty_days"] == {
        "rostered": 3,
        "served": 2,
        "missed": ["2025-01-08"],
        "logs": [year.log6.pk, year.log7.pk, year.log10.pk],
    }
    assert fig["hours"] == {"total": 21.5, "days": 3, "average": 7.2}
    assert fig["on_time"] == {"signed": 3, "on_time": 2, "late": [year.log10.pk]}
    assert fig["absences"] == {"inspected": 2, "absent": 1, "ids": [year.absent.pk]}
    assert fig["visits"] == {"count": 2, "ids": [year.visit1.pk, year.visit2.pk]}
    assert fig["cases"] == {
        "solved": 3,
        "in_time": 2,
        "ids": [year.case1.pk, year.case2.pk],
        "late": [year.late.pk],
    }
    assert fig["points"] == {"member": year.member.pk, "total": 6}
    other = made[year.cadre2.pk].figures
    assert other["duty_days"]["rostered"] == 1 and other["duty_days"]["served"] == 1
    assert other["absences"]["absent"] == 1 and other["visits"]["count"] == 1
    assert other["cases"]["in_time"] == 1 and other["points"] == {"member": None, "total": None}


def test_the_figures_of_a_town_take_the_same_queries_however_many_cadres(world, year, count_queries):
    one = [(year.cadre.pk, world.village_a1.pk)]
    with count_queries() as few:
        assessment.compute(town_id=world.town_a.pk, year=YEAR, cadres=one)
    more = [*one, (year.cadre2.pk, world.village_a1.pk)] + [
        (f.member(Role.VILLAGE_CADRE, village=world.village_a2).pk, world.village_a2.pk) for _ in range(3)
    ]
    with count_queries() as many:
        assessment.compute(town_id=world.town_a.pk, year=YEAR, cadres=more)
    # shifts, logs, inspections, visits, case periods, party memberships, points,
    # the villages' commitments and their published reviews
    assert len(few) == len(many) == 9, many.listing()


def test_a_graded_assessment_is_frozen_and_the_others_refresh(world, year):
    made = generated(world, year)
    mine = made[year.cadre.pk]
    assessment.grade(
        assessment=mine, grade=Grade.GOOD, comment="值班认真，走访到位。", actor=world.users["office"]
    )
    # a log filed later for the missed day, and a new visit by both
    year.log(d(8), 8, 16, at(d(8), 20))
    year.visit(world.household_a1, at(d(21), 10), [year.cadre, year.cadre2])
    counts = assessment.generate(town=world.town_a, year=YEAR, actor=world.users["office"])
    assert counts == {"created": 0, "refreshed": 1, "frozen": 1}
    mine.refresh_from_db()
    assert mine.figures["duty_days"]["served"] == 2 and mine.figures["visits"]["count"] == 2
    other = Assessment.objects.get(cadre=year.cadre2)
    assert other.figures["visits"]["count"] == 2
    trail = AuditEntry.objects.filter(object_id=str(mine.pk), action=AuditAction.UPDATE).last()
    assert trail.changes["grade"] == ["", "good"]


def test_only_the_town_office_generates_and_grades(world, year):
    for who in ("cadre", "supervisor", "office_b", "grid_worker"):
        with pytest.raises(PermissionDenied):
            assessment.generate(town=world.town_a, year=YEAR, actor=world.users[who])
    made = generated(world, year)
    with pytest.raises(PermissionDenied):
        assessment.grade(
            assessment=made[year.cadre.pk], grade="good", comment="好", actor=world.users["supervisor"]
        )


def test_bad_input_is_a_field_error_and_nothing_is_saved(world, year):
    with pytest.raises(ValidationError) as exc:
        assessment.generate(town=world.town_a, year=2027, actor=world.users["office"])
    assert "年份" in exc.value.message_dict["year"][0]
    assert not Assessment.objects.exists()
    made = generated(world, year)
    with pytest.raises(ValidationError) as exc:
        assessment.grade(
            assessment=made[year.cadre.pk], grade="great", comment=" ", actor=world.users["office"]
        )
    assert set(exc.value.message_dict) == {"grade", "comment"}
    assert "等次" in exc.value.message_dict["grade"][0]
    made[year.cadre.pk].refresh_from_db()
    assert made[year.cadre.pk].assessed_at is None and made[year.cadre.pk].grade == ""


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------


def test_the_office_generates_lists_grades_and_prints(world, year):
    office = browser(world.users["office"])
    page = office.get("/scoring/assessments/")
    assert page.status_code == 200 and "生成" in page.content.decode()
    done = office.post("/scoring/assessments/generate/", {"town": world.town_a.pk, "year": YEAR}, follow=True)
    assert done.status_code == 200
    html = done.content.decode()
    mine = Assessment.objects.get(cadre=year.cadre)
    assert f'data-assessment="{mine.pk}"' in html and "2/3" in html
    # the grade form: nothing chosen is an error in Chinese, nothing saved
    bad = office.post(f"/scoring/assessments/{mine.pk}/grade/", {"grade": "", "comment": ""})
    assert bad.status_code == 200 and bad.content.decode().count("该字段是必填项") == 2
    mine.refresh_from_db()
    assert mine.assessed_at is None
    ok = office.post(
        f"/scoring/assessments/{mine.pk}/grade/", {"grade": "excellent", "comment": "全年无脱岗以外问题"}
    )
    assert ok.status_code == 302
    sheet = office.get(f"/scoring/assessments/{mine.pk}/").content.decode()
    assert "优秀" in sheet and "全年无脱岗以外问题" in sheet and "window.print()" in sheet
    assert "年终考绩" in sheet


def test_each_figure_links_to_its_records(world, year):
    mine = generated(world, year)[year.cadre.pk]
    office = browser(world.users["office"])
    sheet = office.get(f"/scoring/assessments/{mine.pk}/").content.decode()
    for figure in assessment.FIGURES:
        assert f"/scoring/assessments/{mine.pk}/evidence/{figure}/" in sheet
    logs = office.get(f"/scoring/assessments/{mine.pk}/evidence/duty_days/").content.decode()
    for log in (year.log6, year.log7, year.log10):
        assert f"/duty/logs/{log.pk}/" in logs
    assert "2025-01-08" in logs and "/duty/month/?town=" in logs and "month=2025-01" in logs
    late = office.get(f"/scoring/assessments/{mine.pk}/evidence/on_time/").content.decode()
    assert f'data-log="{year.log10.pk}"' in late and "迟" in late
    absences = office.get(f"/scoring/assessments/{mine.pk}/evidence/absences/").content.decode()
    assert f"/duty/inspections/{year.absent.pk}/" in absences
    visits = office.get(f"/scoring/assessments/{mine.pk}/evidence/visits/").content.decode()
    assert f"/duty/visits/{year.visit1.pk}/" in visits and f"/duty/visits/{year.visit2.pk}/" in visits
    cases = office.get(f"/scoring/assessments/{mine.pk}/evidence/cases/").content.decode()
    assert f"/cases/{year.case1.pk}/" in cases and f"/cases/{year.late.pk}/" in cases
    pts = office.get(f"/scoring/assessments/{mine.pk}/evidence/points/").content.decode()
    assert f"/scoring/points/?member={year.member.pk}&year={YEAR}" in pts
    assert office.get(f"/scoring/assessments/{mine.pk}/evidence/nosuch/").status_code == 404


def test_a_cadre_reads_their_own_only(world, year):
    made = generated(world, year)
    mine, theirs = made[year.cadre.pk], made[year.cadre2.pk]
    cadre = browser(year.cadre)
    listed = cadre.get(f"/scoring/assessments/?year={YEAR}").content.decode()
    assert f'data-assessment="{mine.pk}"' in listed and f'data-assessment="{theirs.pk}"' not in listed
    assert "assessment-generate" not in listed
    assert cadre.get(f"/scoring/assessments/{mine.pk}/").status_code == 200
    assert cadre.get(f"/scoring/assessments/{theirs.pk}/").status_code == 404
    assert cadre.get(f"/scoring/assessments/{theirs.pk}/evidence/visits/").status_code == 404
    assert cadre.get(f"/scoring/assessments/{mine.pk}/grade/").status_code == 403
    assert browser(world.users["supervisor"]).get(f"/scoring/assessments/{theirs.pk}/").status_code == 200
    assert (
        browser(world.users["supervisor"]).get(f"/scoring/assessments/{theirs.pk}/grade/").status_code == 403
    )
    assert browser(world.users["office_b"]).get(f"/scoring/assessments/{mine.pk}/").status_code == 404
    assert browser(world.users["grid_worker"]).get("/scoring/assessments/").status_code == 403


def test_the_export_escapes_formulas(world, year):
    mine = generated(world, year)[year.cadre.pk]
    assessment.grade(assessment=mine, grade="pass", comment='=HYPERLINK("x")', actor=world.users["office"])
    body = browser(world.users["office"]).get(f"/scoring/assessments/?year={YEAR}&format=csv")
    text = body.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "21.5" in text
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


# ---------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------


def test_the_api_generates_grades_and_scopes(world, year, as_user):
    office = as_user(world.users["office"])
    bad = office.post(f"{API}generate/", {"town": world.town_a.pk, "year": 1999}, format="json")
    assert bad.status_code == 400 and "year" in bad.json()
    assert (
        office.post(f"{API}generate/", {"town": world.town_b.pk, "year": YEAR}, format="json").status_code
        == 400
    )
    made = office.post(f"{API}generate/", {"town": world.town_a.pk, "year": YEAR}, format="json")
    assert made.status_code == 200 and made.json() == {"created": 2, "refreshed": 0, "frozen": 0}
    listed = office.get(f"{API}?year={YEAR}").json()["results"]
    assert len(listed) == 2
    mine = Assessment.objects.get(cadre=year.cadre)
    bad = office.post(f"{API}{mine.pk}/grade/", {"grade": "great", "comment": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"grade", "comment"}
    ok = office.post(f"{API}{mine.pk}/grade/", {"grade": "good", "comment": "好"}, format="json")
    assert ok.status_code == 200 and ok.json()["grade_display"] == "良好" and ok.json()["assessed_at"]
    cadre = as_user(year.cadre)
    assert [a["id"] for a in cadre.get(API).json()["results"]] == [mine.pk]
    theirs = Assessment.objects.get(cadre=year.cadre2)
    assert cadre.get(f"{API}{theirs.pk}/").status_code == 404
    assert (
        cadre.post(f"{API}generate/", {"town": world.town_a.pk, "year": YEAR}, format="json").status_code
        == 403
    )
    assert (
        cadre.post(f"{API}{mine.pk}/grade/", {"grade": "good", "comment": "好"}, format="json").status_code
        == 403
    )
    assert as_user(world.users["office_b"]).get(f"{API}{mine.pk}/").status_code == 404
    assert as_user(world.users["supervisor"]).get(f"{API}?graded=true").json()["count"] == 1
    csv = office.get(f"{API}export/?file_format=csv&year={YEAR}")
    assert csv.status_code == 200 and "良好" in csv.content.decode("utf-8-sig")
    assert office.get(f"{API}export/?file_format=pdf").status_code == 400


def test_a_generation_locks_its_town_first(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if not connection.features.has_select_for_update:
        pytest.skip("the database takes no row locks")
    with CaptureQueriesContext(connection) as ctx:
        assessment.generate(town=world.town_a, year=YEAR, actor=world.users["office"])
    town_table = world.town_a._meta.db_table
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks and town_table in locks[0], locks
