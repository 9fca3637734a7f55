"""Officers sent in from outside (平安书记, 第一书记): registering, posting (an officer's
membership of the village, and what the officer's account reads then), activities only
where posted, night visits on the 1st/10th/15th/25th with their matters (answered, or a
case through the cases service), the group's quarter focus, the yearly assessment."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseKind
from governance.choices import AuditAction, Role
from governance.models import AuditEntry, Membership
from governance.scoping import restrict
from grids.models import Household
from organisation import officers as service
from organisation.choices import (
    ActivityKind,
    MatterOutcome,
    NightVisitState,
    OfficerGrade,
    OfficerKind,
    Profession,
)
from organisation.models import Activity, NightVisit, NightVisitMatter, OfficerAssessment, Posting

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_AGO = TODAY - datetime.timedelta(days=200)


def message(exc) -> str:
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


def new_officer(world, *, user=None, kind=OfficerKind.FIRST, name="王书记", town=None):
    return service.officer_create(
        town=town or world.town_a,
        kind=kind,
        name=name,
        profession=Profession.BUREAU_HEAD,
        employer="县农业农村局",
        phone="13800000001",
        user=user,
        actor=world.users["office"] if town is None else world.users["office_b"],
    )


@pytest.fixture
def posted(world):
    """A first secretary with an account, posted to 甲一村 long ago."""
    account = f.UserFactory(username="officer1")
    officer = new_officer(world, user=account)
    posting = service.posting_create(
        officer=officer, village=world.village_a1, since=LONG_AGO, actor=world.users["office"]
    )
    account.refresh_from_db()
    return officer, posting, account


def last_night_visit_day() -> datetime.date:
    day = TODAY
    while day.day not in (1, 10, 15, 25):
        day -= datetime.timedelta(days=1)
    return day


def a_night_visit(world, officer, *, held=True, date=None) -> NightVisit:
    date = date or last_night_visit_day()
    service.month_schedule(officer=officer, year=date.year, month=date.month, actor=world.users["office"])
    visit = NightVisit.objects.get(officer=officer, date=date)
    if held:
        visit = service.night_visit_hold(
            visit=visit, people_received=6, summary="六位村民来访", actor=world.users["office"]
        )
    return visit


# --- officers, postings and the officer's account ----------------------------------------


def test_the_office_registers_an_officer_audited(world):
    officer = new_officer(world)
    assert officer.town == world.town_a and officer.kind == OfficerKind.FIRST
    assert AuditEntry.objects.filter(object_id=str(officer.pk), action=AuditAction.CREATE).exists()


def test_only_the_office_of_the_town_registers(world):
    for who in ("supervisor", "cadre", "office_b", "nobody"):
        with pytest.raises(PermissionDenied):
            service.officer_create(
                town=world.town_a,
                kind=OfficerKind.SAFETY,
                name="李法官",
                profession=Profession.JUDGE,
                employer="县法院",
                actor=world.users[who],
            )


def test_bad_officer_input_gives_field_errors(world):
    with pytest.raises(ValidationError) as exc:
        service.officer_create(
            town=world.town_a, kind="x", name=" ", profession="y", employer="", actor=world.users["office"]
        )
    assert set(exc.value.message_dict) == {"kind", "name", "profession", "employer"}


def test_posting_gives_the_account_an_officer_membership_audited(posted, world):
    officer, posting, account = posted
    membership = Membership.objects.get(user=account, deleted_at__isnull=True)
    assert membership.role == Role.OFFICER and membership.village == world.village_a1
    assert AuditEntry.objects.filter(
        object_id=str(membership.pk), action=AuditAction.CREATE, content_type__model="membership"
    ).exists()


def test_the_officer_reads_the_posted_village_as_a_supervisor_and_nothing_else(posted, world, client):
    officer, posting, account = posted
    from duty.models import DutyLog

    log_a1 = DutyLog.objects.create(village=world.village_a1, date=TODAY, cadre=world.users["cadre"])
    log_a2 = DutyLog.objects.create(village=world.village_a2, date=TODAY, cadre=world.users["cadre"])
    kind = CaseKind.objects.filter(town__isnull=True).first()
    from cases.services import case_report

    case_a1 = case_report(
        actor=world.users["office"],
        data={"village": world.village_a1, "kind": kind, "source": "walk_in", "description": "路灯坏了"},
    )
    case_a2 = case_report(
        actor=world.users["office"],
        data={"village": world.village_a2, "kind": kind, "source": "walk_in", "description": "水沟堵了"},
    )
    # Households, cases and duty logs: the posted village's, not another's.
    households = set(restrict(Household.objects.all(), account).values_list("pk", flat=True))
    assert world.household_a1.pk in households and world.household_a2.pk not in households
    assert world.household_b1.pk not in households
    assert set(restrict(Case.objects.all(), account).values_list("pk", flat=True)) == {case_a1.pk}
    assert set(restrict(DutyLog.objects.all(), account).values_list("pk", flat=True)) == {log_a1.pk}
    client.force_login(account)
    assert client.get(reverse("cases:detail", args=[case_a1.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[case_a2.pk])).status_code == 404
    assert client.get(reverse("duty:log", args=[log_a1.pk])).status_code == 200
    assert client.get(reverse("duty:log", args=[log_a2.pk])).status_code == 404
    # Not the town's audit trail.
    assert not restrict(AuditEntry.objects.all(), account).exists()
    trail = client.get("/api/v1/audit/")
    assert trail.status_code == 403 or trail.json()["count"] == 0
    # Writes nothing of the village's cases (a supervisor's reach).
    assert not restrict(Case.objects.all(), account, "change").exists()


def test_ending_the_posting_ends_the_membership(posted, world):
    officer, posting, account = posted
    service.posting_end(posting=posting, until=TODAY, actor=world.users["office"])
    assert not Membership.objects.filter(user=account, deleted_at__isnull=True).exists()
    account = type(account).objects.get(pk=account.pk)
    assert not restrict(Household.objects.all(), account).exists()
    assert Posting.objects.get(pk=posting.pk).until == TODAY
    with pytest.raises(ValidationError) as exc:
        service.posting_end(posting=posting, until=TODAY, actor=world.users["office"])
    assert "already ended" in message(exc) or "已" in message(exc)


def test_posting_rules(posted, world):
    officer, posting, account = posted
    with pytest.raises(ValidationError) as exc:
        service.posting_create(
            officer=officer, village=world.village_a1, since=TODAY, actor=world.users["office"]
        )
    assert "village" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.posting_create(
            officer=officer, village=world.village_b1, since=TODAY, actor=world.users["office"]
        )
    assert "village" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.posting_end(
            posting=posting, until=LONG_AGO - datetime.timedelta(days=1), actor=world.users["office"]
        )
    assert "until" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        service.posting_end(posting=posting, until=TODAY, actor=account)
    assert Membership.objects.filter(user=account, deleted_at__isnull=True).count() == 1


# --- activities -----------------------------------------------------------------------------


def test_the_officer_records_an_activity_in_the_posted_village(posted, world):
    officer, posting, account = posted
    activity = service.activity_record(
        officer=officer,
        village=world.village_a1,
        kind=ActivityKind.SAFETY_LESSON,
        date=TODAY,
        title="防诈骗讲座",
        people=40,
        actor=account,
    )
    assert activity.recorded_by == account and activity.town == world.town_a
    assert AuditEntry.objects.filter(object_id=str(activity.pk), actor=account).exists()


def test_activities_only_where_posted_and_bad_input(posted, world):
    officer, posting, account = posted
    with pytest.raises(ValidationError) as exc:
        service.activity_record(
            officer=officer,
            village=world.village_a2,
            kind="nonsense",
            date=TODAY + datetime.timedelta(days=1),
            title="",
            people="many",
            actor=account,
        )
    assert set(exc.value.message_dict) == {"village", "kind", "date", "title", "people"}
    with pytest.raises(PermissionDenied):
        service.activity_record(
            officer=officer,
            village=world.village_a1,
            kind=ActivityKind.MEDIATION,
            date=TODAY,
            title="调解",
            actor=world.users["cadre"],
        )
    service.posting_end(posting=posting, until=TODAY, actor=world.users["office"])
    with pytest.raises(ValidationError) as exc:
        service.activity_record(
            officer=officer,
            village=world.village_a1,
            kind=ActivityKind.MEDIATION,
            date=TODAY,
            title="调解",
            actor=world.users["office"],
        )
    assert "village" in exc.value.message_dict
    assert not Activity.objects.exists()


# --- night visits -----------------------------------------------------------------------------


def test_scheduling_the_month_makes_its_four_evenings_once(posted, world):
    officer, posting, account = posted
    made = service.month_schedule(officer=officer, year=TODAY.year, month=TODAY.month, actor=account)
    assert sorted(v.date.day for v in made) == [1, 10, 15, 25]
    assert all(v.state == NightVisitState.SCHEDULED and v.village == world.village_a1 for v in made)
    assert service.month_schedule(officer=officer, year=TODAY.year, month=TODAY.month, actor=account) == []
    assert NightVisit.objects.filter(officer=officer).count() == 4


def test_night_visit_held_and_cancelled(posted, world):
    officer, posting, account = posted
    visit = a_night_visit(world, officer, held=False)
    with pytest.raises(ValidationError) as exc:
        service.night_visit_hold(visit=visit, people_received=-1, summary="", actor=account)
    assert set(exc.value.message_dict) == {"people_received", "summary"}
    visit = service.night_visit_hold(visit=visit, people_received=8, summary="八人来访", actor=account)
    assert visit.state == NightVisitState.HELD and visit.people_received == 8
    with pytest.raises(ValidationError):
        service.night_visit_cancel(visit=visit, actor=account)
    future = NightVisit.objects.filter(officer=officer, date__gt=TODAY).first()
    if future is not None:
        with pytest.raises(ValidationError) as exc:
            service.night_visit_hold(visit=future, people_received=1, summary="x", actor=account)
        assert "date" in exc.value.message_dict
        assert service.night_visit_cancel(visit=future, actor=account, reason="防汛").state == "cancelled"


def test_a_matter_answered_and_a_matter_made_a_case(posted, world):
    officer, posting, account = posted
    visit = a_night_visit(world, officer)
    answered = service.matter_record(
        visit=visit,
        person="张大爷",
        matter="医保怎么交",
        outcome=MatterOutcome.ANSWERED,
        answer="村里代缴",
        actor=account,
    )
    assert answered.case is None
    kind = CaseKind.objects.filter(town__isnull=True).first()
    made = service.matter_record(
        visit=visit, person="李阿姨", matter="路灯不亮", outcome=MatterOutcome.CASE, kind=kind, actor=account
    )
    case = made.case
    assert case.village == world.village_a1 and case.source == "walk_in" and case.reporter_name == "李阿姨"
    # The officer reads the case (the posted village, as a supervisor).
    assert restrict(Case.objects.filter(pk=case.pk), account).exists()
    assert (
        AuditEntry.objects.filter(object_id=str(visit.pk), actor=account, action=AuditAction.UPDATE).count()
        >= 2
    )
    # An answered matter made a case later.
    again = service.matter_make_case(matter=answered, kind=kind, actor=account)
    assert again.case is not None and again.outcome == MatterOutcome.CASE
    with pytest.raises(ValidationError):
        service.matter_make_case(matter=again, kind=kind, actor=account)


def test_matter_bad_input_and_no_half_writes(posted, world):
    officer, posting, account = posted
    scheduled = a_night_visit(world, officer, held=False)
    with pytest.raises(ValidationError) as exc:
        service.matter_record(
            visit=scheduled,
            person="张",
            matter="x",
            outcome=MatterOutcome.ANSWERED,
            answer="y",
            actor=account,
        )
    assert "__all__" in exc.value.message_dict
    visit = service.night_visit_hold(visit=scheduled, people_received=2, summary="两人", actor=account)
    with pytest.raises(ValidationError) as exc:
        service.matter_record(visit=visit, person="", matter="", outcome="bogus", actor=account)
    assert set(exc.value.message_dict) == {"person", "matter", "outcome"}
    with pytest.raises(ValidationError) as exc:
        service.matter_record(
            visit=visit, person="张", matter="x", outcome=MatterOutcome.ANSWERED, actor=account
        )
    assert "answer" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.matter_record(visit=visit, person="张", matter="x", outcome=MatterOutcome.CASE, actor=account)
    assert "kind" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        service.matter_record(
            visit=visit,
            person="张",
            matter="x",
            outcome=MatterOutcome.ANSWERED,
            answer="y",
            actor=world.users["cadre"],
        )
    assert not NightVisitMatter.objects.exists() and not Case.objects.exists()


def test_night_visit_day_rule_in_the_model(posted, world):
    officer, posting, account = posted
    visit = NightVisit(officer=officer, village=world.village_a1, date=TODAY.replace(day=2), station="x")
    with pytest.raises(ValidationError) as exc:
        visit.full_clean()
    assert "date" in exc.value.message_dict


# --- the group's focus, the assessment ------------------------------------------------------------


def test_group_focus_once_a_quarter(world):
    group = service.group_create(
        town=world.town_a, name="第一联络组", leader="陈组长", actor=world.users["office"]
    )
    focus = service.focus_set(
        group=group, year=TODAY.year, quarter=1, focus="产业振兴", actor=world.users["office"]
    )
    assert focus.set_by == world.users["office"]
    with pytest.raises(ValidationError):
        service.focus_set(group=group, year=TODAY.year, quarter=1, focus="again", actor=world.users["office"])
    with pytest.raises(ValidationError) as exc:
        service.focus_set(group=group, year="x", quarter=5, focus="", actor=world.users["office"])
    assert set(exc.value.message_dict) == {"year", "quarter", "focus"}
    with pytest.raises(PermissionDenied):
        service.focus_set(group=group, year=TODAY.year, quarter=2, focus="x", actor=world.users["supervisor"])


def test_yearly_assessment_once_audited_and_read_by_the_officer(posted, world):
    officer, posting, account = posted
    row = service.assessment_record(
        officer=officer,
        year=TODAY.year,
        grade=OfficerGrade.EXCELLENT,
        comment="好",
        actor=world.users["office"],
    )
    assert AuditEntry.objects.filter(object_id=str(row.pk), action=AuditAction.CREATE).exists()
    with pytest.raises(ValidationError) as exc:
        service.assessment_record(
            officer=officer, year=TODAY.year, grade=OfficerGrade.BASIC, actor=world.users["office"]
        )
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.assessment_record(
            officer=officer, year=TODAY.year + 1, grade="x", actor=world.users["office"]
        )
    assert set(exc.value.message_dict) == {"year", "grade"}
    with pytest.raises(PermissionDenied):
        service.assessment_record(officer=officer, year=2020, grade=OfficerGrade.BASIC, actor=account)
    assert list(restrict(OfficerAssessment.objects.all(), account)) == [row]
    assert not restrict(OfficerAssessment.objects.all(), world.users["cadre"]).exists()


def test_the_list_figures_in_a_constant_number_of_queries(posted, world, django_assert_max_num_queries):
    officer, posting, account = posted
    a_night_visit(world, officer)
    for n in range(3):
        other = new_officer(world, name=f"官{n}", kind=OfficerKind.SAFETY)
        service.posting_create(
            officer=other, village=world.village_a2, since=LONG_AGO, actor=world.users["office"]
        )
    with django_assert_max_num_queries(6):
        rows = list(service.officers_for_user(world.users["office"]))
    assert len(rows) == 4
    mine = next(r for r in rows if r.pk == officer.pk)
    assert mine.visits_held_year == 1 and mine.people_received_year == 6
    assert [p.village for p in mine.open_postings] == [world.village_a1]
