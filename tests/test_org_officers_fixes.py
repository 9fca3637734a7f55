"""The review's defects of the officers' part, each held by a test: no posting that
begins in the future; the posting rule on an evening's cancel and matters (the office may
still act); an officer's postings read only where the reader reads; the locks against
double submits; a village to schedule in for an officer posted to several; the months one
may schedule; the admin's postings inline scoped."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseKind
from organisation import officers as service
from organisation.choices import MatterOutcome, NightVisitState, OfficerKind, Profession
from organisation.models import NightVisit, Officer, OfficerGroup, Posting
from organisation.officer_admin import PostingInline
from organisation.officer_forms import ScheduleForm

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_AGO = TODAY - datetime.timedelta(days=200)
API = "/api/v1/organisation"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def month_from_now(n: int) -> datetime.date:
    index = TODAY.year * 12 + TODAY.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def officer(world):
    account = f.UserFactory(username="officer1")
    row = service.officer_create(
        town=world.town_a,
        kind=OfficerKind.FIRST,
        name="王书记",
        profession=Profession.BUREAU_HEAD,
        employer="县农业农村局",
        user=account,
        actor=world.users["office"],
    )
    service.posting_create(officer=row, village=world.village_a1, since=LONG_AGO, actor=world.users["office"])
    row.refresh_from_db()
    return row


@pytest.fixture
def twice_posted(world, officer):
    service.posting_create(
        officer=officer, village=world.village_a2, since=LONG_AGO, actor=world.users["office"]
    )
    return officer


# --- 1. a posting begins by today ------------------------------------------------------------


def test_a_posting_cannot_begin_in_the_future(world, officer):
    with pytest.raises(ValidationError) as exc:
        service.posting_create(
            officer=officer,
            village=world.village_a2,
            since=TODAY + datetime.timedelta(days=1),
            actor=world.users["office"],
        )
    assert list(exc.value.message_dict) == ["since"]
    assert has_chinese(exc.value.message_dict["since"][0])
    assert not Posting.objects.filter(officer=officer, village=world.village_a2).exists()
    # today is fine
    service.posting_create(
        officer=officer, village=world.village_a2, since=TODAY, actor=world.users["office"]
    )


def test_a_future_posting_is_refused_through_the_api(world, officer):
    response = api(world.users["office"]).post(
        f"{API}/postings/",
        {
            "officer": officer.pk,
            "village": world.village_a2.pk,
            "since": (TODAY + datetime.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "since" in response.json()


# --- 2. the posting rule on cancel and matters ------------------------------------------------


def _held_and_scheduled(world, officer):
    office = world.users["office"]
    service.month_schedule(officer=officer, year=TODAY.year, month=TODAY.month, actor=office)
    visits = list(NightVisit.objects.filter(officer=officer).order_by("date"))
    held = service.night_visit_hold(visit=visits[0], people_received=3, summary="三位村民来访", actor=office)
    answered = service.matter_record(
        visit=held,
        person="张三",
        matter="路灯坏了",
        outcome=MatterOutcome.ANSWERED,
        answer="已报修",
        actor=office,
    )
    # the month's 10th (or later) evening, still scheduled
    scheduled = next(v for v in visits[1:] if v.state == NightVisitState.SCHEDULED)
    return held, answered, scheduled


def test_an_officer_whose_posting_ended_records_nothing_more_there(world, officer):
    held, answered, scheduled = _held_and_scheduled(world, officer)
    posting = Posting.objects.get(officer=officer, village=world.village_a1)
    service.posting_end(posting=posting, until=TODAY, actor=world.users["office"])
    kind = CaseKind.objects.filter(deleted_at__isnull=True, is_active=True).first()
    account = officer.user
    with pytest.raises(ValidationError) as exc:
        service.matter_record(
            visit=held, person="李四", matter="噪音", outcome=MatterOutcome.CASE, kind=kind, actor=account
        )
    assert "village" in exc.value.message_dict
    with pytest.raises(ValidationError):
        service.matter_make_case(matter=answered, kind=kind, actor=account)
    with pytest.raises(ValidationError):
        service.night_visit_cancel(visit=scheduled, reason="下雨", actor=account)
    answered.refresh_from_db()
    scheduled.refresh_from_db()
    assert answered.case_id is None and scheduled.state == NightVisitState.SCHEDULED
    # the office may still act
    made = service.matter_make_case(matter=answered, kind=kind, actor=world.users["office"])
    assert made.case_id is not None
    cancelled = service.night_visit_cancel(visit=scheduled, reason="下雨", actor=world.users["office"])
    assert cancelled.state == NightVisitState.CANCELLED


def test_the_officer_still_posted_records_matters(world, officer):
    held, answered, scheduled = _held_and_scheduled(world, officer)
    kind = CaseKind.objects.filter(deleted_at__isnull=True, is_active=True).first()
    assert service.matter_make_case(matter=answered, kind=kind, actor=officer.user).case_id
    assert service.night_visit_cancel(visit=scheduled, actor=officer.user).state == NightVisitState.CANCELLED


# --- 3. the postings read are the reader's -----------------------------------------------------


def test_a_village_cadre_sees_only_the_postings_in_their_village(world, twice_posted):
    cadre = world.users["cadre"]  # a cadre of 甲一村 (A1)
    row = service.officers_for_user(cadre).get(pk=twice_posted.pk)
    assert [p.village_id for p in row.open_postings] == [world.village_a1.pk]
    office_row = service.officers_for_user(world.users["office"]).get(pk=twice_posted.pk)
    assert {p.village_id for p in office_row.open_postings} == {world.village_a1.pk, world.village_a2.pk}
    body = api(cadre).get(f"{API}/officers/{twice_posted.pk}/").json()
    assert [p["village"] for p in body["postings"]] == [world.village_a1.pk]
    assert [v.pk for v in service.posted_villages(twice_posted, user=cadre)] == [world.village_a1.pk]


def test_the_list_page_shows_a_cadre_only_their_village(world, twice_posted, client):
    client.force_login(world.users["cadre"])
    page = client.get(reverse("organisation:officers")).content.decode()
    assert "王书记" in page
    assert world.village_a1.name in page and world.village_a2.name not in page


# --- 4. locks against two identical submits ---------------------------------------------------


def _locked(queries, table: str) -> bool:
    return any("FOR UPDATE" in q["sql"] and table in q["sql"] for q in queries)


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="the database has no row locks")
def test_scheduling_and_the_focus_lock_first(world, officer):
    with CaptureQueriesContext(connection) as queries:
        service.month_schedule(
            officer=officer, year=TODAY.year, month=TODAY.month, actor=world.users["office"]
        )
    assert _locked(queries.captured_queries, Officer._meta.db_table)
    group = service.group_create(
        town=world.town_a, name="联络组", leader="陈组长", actor=world.users["office"]
    )
    with CaptureQueriesContext(connection) as queries:
        service.focus_set(
            group=group, year=TODAY.year, quarter=1, focus="产业振兴", actor=world.users["office"]
        )
    assert _locked(queries.captured_queries, OfficerGroup._meta.db_table)


def test_a_second_identical_submit_is_a_field_error_or_nothing(world, officer):
    office = world.users["office"]
    group = service.group_create(town=world.town_a, name="联络组", leader="陈组长", actor=office)
    service.focus_set(group=group, year=TODAY.year, quarter=2, focus="产业振兴", actor=office)
    with pytest.raises(ValidationError):
        service.focus_set(group=group, year=TODAY.year, quarter=2, focus="产业振兴", actor=office)
    made = service.month_schedule(officer=officer, year=TODAY.year, month=TODAY.month, actor=office)
    assert (
        made
        and service.month_schedule(officer=officer, year=TODAY.year, month=TODAY.month, actor=office) == []
    )


# --- 5. a village to schedule in ---------------------------------------------------------------


def test_the_schedule_form_offers_the_posted_villages(world, twice_posted):
    form = ScheduleForm(villages=service.posted_villages(twice_posted))
    assert set(form.fields["village"].queryset) == {world.village_a1, world.village_a2}
    assert form.fields["village"].initial is None


def test_one_village_is_preselected(world, officer, client):
    form = ScheduleForm(villages=service.posted_villages(officer))
    assert form.fields["village"].initial == world.village_a1.pk
    client.force_login(officer.user)
    page = client.get(reverse("organisation:officer-mine")).content.decode()
    assert f'<option value="{world.village_a1.pk}" selected>' in page


def test_an_officer_posted_twice_schedules_on_the_page(world, twice_posted, client):
    client.force_login(twice_posted.user)
    url = reverse("organisation:officer-mine")
    response = client.post(url, {"action": "schedule", "month": TODAY.strftime("%Y-%m")})
    assert response.status_code == 200 and not NightVisit.objects.filter(officer=twice_posted).exists()
    response = client.post(
        url, {"action": "schedule", "month": TODAY.strftime("%Y-%m"), "village": world.village_a2.pk}
    )
    assert response.status_code == 302
    visits = NightVisit.objects.filter(officer=twice_posted)
    assert visits.exists() and {v.village_id for v in visits} == {world.village_a2.pk}
    # a village not posted to is not a choice
    response = client.post(
        url, {"action": "schedule", "month": TODAY.strftime("%Y-%m"), "village": world.village_b1.pk}
    )
    assert response.status_code == 200


def test_an_officer_posted_twice_schedules_through_the_api(world, twice_posted):
    client = api(twice_posted.user)
    data = {"officer": twice_posted.pk, "year": TODAY.year, "month": TODAY.month}
    response = client.post(f"{API}/night-visits/schedule/", data, format="json")
    assert response.status_code == 400 and "village" in response.json()
    response = client.post(
        f"{API}/night-visits/schedule/", data | {"village": world.village_b1.pk}, format="json"
    )
    assert response.status_code == 400 and "village" in response.json()
    response = client.post(
        f"{API}/night-visits/schedule/", data | {"village": world.village_a2.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert {row["village"] for row in response.json()} == {world.village_a2.pk}


# --- 6. the months one may schedule ----------------------------------------------------------


@pytest.mark.parametrize("ahead", [-1, 4, 12 * 70])
def test_only_this_month_up_to_three_ahead(world, officer, client, ahead):
    month = month_from_now(ahead)
    response = api(officer.user).post(
        f"{API}/night-visits/schedule/",
        {"officer": officer.pk, "year": month.year, "month": month.month},
        format="json",
    )
    if month.year <= 2100:
        assert response.status_code == 400 and "month" in response.json()
        assert has_chinese(response.json()["month"][0])
    form = ScheduleForm({"month": month.strftime("%Y-%m")}, villages=service.posted_villages(officer))
    assert not form.is_valid() and "month" in form.errors
    if ahead > 0:
        with pytest.raises(ValidationError) as exc:
            service.month_schedule(officer=officer, year=month.year, month=month.month, actor=officer.user)
        assert "month" in exc.value.message_dict
    assert not NightVisit.objects.filter(officer=officer).exists()


def test_three_months_ahead_is_fine(world, officer):
    month = month_from_now(3)
    response = api(officer.user).post(
        f"{API}/night-visits/schedule/",
        {"officer": officer.pk, "year": month.year, "month": month.month},
        format="json",
    )
    assert response.status_code == 201 and len(response.json()) == 4


# --- 7. the admin's postings inline ------------------------------------------------------------


def test_the_admin_postings_inline_is_scoped(world, twice_posted):
    request = RequestFactory().get("/")
    inline = PostingInline(Officer, admin.site)
    for name in ("cadre", "office_b", "office"):
        world.users[name].is_staff = True
    request.user = world.users["cadre"]
    assert {p.village_id for p in inline.get_queryset(request)} == {world.village_a1.pk}
    request.user = world.users["office_b"]
    assert not inline.get_queryset(request).exists()
    request.user = world.users["office"]
    assert inline.get_queryset(request).count() == 2
