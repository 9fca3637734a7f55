"""The officers' API: scoping (404 out of scope), the office's writes, the officer's own
activities and night visits with a matter made a case, bad input as field errors."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseKind
from governance.models import Membership
from organisation import officers as service
from organisation.choices import OfficerKind, Profession
from organisation.models import NightVisit

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
API = "/api/v1/organisation"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def posted(world):
    account = f.UserFactory(username="officer1")
    officer = service.officer_create(
        town=world.town_a,
        kind=OfficerKind.FIRST,
        name="王书记",
        profession=Profession.BUREAU_HEAD,
        employer="县农业农村局",
        user=account,
        actor=world.users["office"],
    )
    posting = service.posting_create(
        officer=officer,
        village=world.village_a1,
        since=TODAY - datetime.timedelta(days=100),
        actor=world.users["office"],
    )
    return officer, posting, account


def last_visit_day():
    day = TODAY
    while day.day not in (1, 10, 15, 25):
        day -= datetime.timedelta(days=1)
    return day


def test_the_office_registers_and_posts_through_the_api(world):
    client = api(world.users["office"])
    response = client.post(
        f"{API}/officers/",
        {
            "town": world.town_a.pk,
            "kind": "safety",
            "name": "李法官",
            "profession": "judge",
            "employer": "县法院",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    officer_id = response.json()["id"]
    response = client.post(
        f"{API}/postings/",
        {"officer": officer_id, "village": world.village_a2.pk, "since": str(TODAY)},
        format="json",
    )
    assert response.status_code == 201, response.content
    posting_id = response.json()["id"]
    listed = client.get(f"{API}/officers/").json()["results"]
    assert [o["postings"][0]["village"] for o in listed if o["id"] == officer_id] == [world.village_a2.pk]
    response = client.post(f"{API}/postings/{posting_id}/end/", {"until": "1990-01-01"}, format="json")
    assert response.status_code == 400 and "until" in response.json()
    assert (
        client.post(f"{API}/postings/{posting_id}/end/", {"until": str(TODAY)}, format="json").status_code
        == 200
    )
    # Bad input: field errors.
    response = client.post(
        f"{API}/officers/",
        {"town": world.town_a.pk, "kind": "safety", "name": " ", "profession": "judge", "employer": ""},
        format="json",
    )
    assert response.status_code == 400


def test_scoping(posted, world):
    officer, posting, account = posted
    assert api(world.users["office_b"]).get(f"{API}/officers/{officer.pk}/").status_code == 404
    assert api(world.users["supervisor"]).get(f"{API}/officers/{officer.pk}/").status_code == 200
    assert api(world.users["grid_worker"]).get(f"{API}/officers/").json()["count"] == 0
    assert api(account).get(f"{API}/officers/{officer.pk}/").status_code == 200
    # Only the office writes postings.
    response = api(account).post(
        f"{API}/postings/",
        {"officer": officer.pk, "village": world.village_a2.pk, "since": str(TODAY)},
        format="json",
    )
    assert response.status_code in (400, 403)
    assert Membership.objects.filter(user=account, deleted_at__isnull=True).count() == 1
    assert (
        api(world.users["office"]).get(f"{API}/officer-assessments/?year=99999999999999").status_code == 400
    )


def test_the_officer_records_a_night_visit_and_a_matter_made_a_case(posted, world):
    officer, posting, account = posted
    client = api(account)
    day = last_visit_day()
    response = client.post(
        f"{API}/night-visits/schedule/",
        {"officer": officer.pk, "year": day.year, "month": day.month},
        format="json",
    )
    assert response.status_code == 201, response.content
    visit = NightVisit.objects.get(officer=officer, date=day)
    response = client.post(
        f"{API}/night-visits/{visit.pk}/hold/", {"people_received": 4, "summary": "四人"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "held"
    kind = CaseKind.objects.filter(town__isnull=True).first()
    response = client.post(
        f"{API}/night-visits/{visit.pk}/matters/",
        {"person": "李阿姨", "matter": "路灯不亮", "outcome": "case", "kind": kind.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    matter = response.json()["matters"][0]
    assert matter["case"] and matter["case_number"]
    response = client.post(
        f"{API}/night-visits/{visit.pk}/matters/",
        {"person": "张", "matter": "医保", "outcome": "answered"},
        format="json",
    )
    assert response.status_code == 400 and "answer" in response.json()
    response = client.post(
        f"{API}/night-visits/{visit.pk}/matters/",
        {"person": "张", "matter": "医保", "outcome": "answered", "answer": "代缴"},
        format="json",
    )
    answered = [m for m in response.json()["matters"] if m["outcome"] == "answered"][0]
    response = client.post(
        f"{API}/night-visit-matters/{answered['id']}/make-case/", {"kind": kind.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["case"]
    # An activity in another village: a field error.
    response = client.post(
        f"{API}/officer-activities/",
        {
            "officer": officer.pk,
            "village": world.village_a1.pk,
            "kind": "mediation",
            "date": str(TODAY),
            "title": "调解",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    # Another officer's visit: 404 for the cadre of another village, and office_b.
    assert api(world.users["office_b"]).get(f"{API}/night-visits/{visit.pk}/").status_code == 404
    assert api(world.users["office_b"]).post(f"{API}/night-visits/{visit.pk}/cancel/", {}).status_code == 404


def test_assessments_by_the_office_read_by_the_officer(posted, world):
    officer, posting, account = posted
    client = api(world.users["office"])
    body = {"officer": officer.pk, "year": TODAY.year, "grade": "excellent", "comment": "好"}
    assert client.post(f"{API}/officer-assessments/", body, format="json").status_code == 201
    again = client.post(f"{API}/officer-assessments/", body, format="json")
    assert again.status_code == 400 and "year" in again.json()
    assert api(account).get(f"{API}/officer-assessments/").json()["count"] == 1
    assert api(world.users["cadre"]).get(f"{API}/officer-assessments/").json()["count"] == 0
    assert api(account).post(
        f"{API}/officer-assessments/", {**body, "year": 2020}, format="json"
    ).status_code in (
        400,
        403,
    )
