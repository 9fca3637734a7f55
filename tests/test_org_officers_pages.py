"""The officers' pages: the list with this year's figures for the office and supervisors,
an officer's page, "my work", the activity form and the night visit page (held, a matter
made a case, its link), for each role, with 404 out of scope."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseKind
from organisation import officers as service
from organisation.choices import NightVisitState, OfficerKind, Profession
from organisation.models import Activity, NightVisit

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def setup(world):
    account = f.UserFactory(username="officer1")
    group = service.group_create(
        town=world.town_a, name="第一联络组", leader="陈组长", actor=world.users["office"]
    )
    officer = service.officer_create(
        town=world.town_a,
        kind=OfficerKind.FIRST,
        name="王书记",
        profession=Profession.BUREAU_HEAD,
        employer="县农业农村局",
        user=account,
        group=group,
        actor=world.users["office"],
    )
    service.focus_set(group=group, year=TODAY.year, quarter=1, focus="产业振兴", actor=world.users["office"])
    service.posting_create(
        officer=officer,
        village=world.village_a1,
        since=TODAY - datetime.timedelta(days=100),
        actor=world.users["office"],
    )
    other = service.officer_create(
        town=world.town_b,
        kind=OfficerKind.SAFETY,
        name="乙法官",
        profession=Profession.JUDGE,
        employer="县法院",
        actor=world.users["office_b"],
    )
    return officer, account, other


def last_visit_day():
    day = TODAY
    while day.day not in (1, 10, 15, 25):
        day -= datetime.timedelta(days=1)
    return day


def test_list_for_the_office_and_404_for_another_towns_officer(setup, world, client):
    officer, account, other = setup
    client.force_login(world.users["office"])
    page = client.get(reverse("organisation:officers")).content.decode()
    assert "王书记" in page and "甲一村" in page and "乙法官" not in page and "产业振兴" in page
    assert client.get(reverse("organisation:officer", args=[officer.pk])).status_code == 200
    assert client.get(reverse("organisation:officer", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("role", ["supervisor", "cadre", "office"])
def test_readers_see_the_officer(setup, world, client, role):
    officer, account, other = setup
    client.force_login(world.users[role])
    assert client.get(reverse("organisation:officer", args=[officer.pk])).status_code == 200


@pytest.mark.parametrize("role", ["grid_worker", "department", "party_member", "nobody"])
def test_others_do_not(setup, world, client, role):
    officer, account, other = setup
    client.force_login(world.users[role])
    page = client.get(reverse("organisation:officers"))
    assert page.status_code in (200, 403) and "王书记" not in page.content.decode()
    assert client.get(reverse("organisation:officer", args=[officer.pk])).status_code == 404
    assert client.get(reverse("organisation:officer-mine")).status_code == 404


def test_the_officer_schedules_records_an_activity_and_a_night_visit_with_a_case(setup, world, client):
    officer, account, other = setup
    client.force_login(account)
    page = client.get(reverse("organisation:officer-mine")).content.decode()
    assert "王书记" in page and "产业振兴" in page
    day = last_visit_day()
    response = client.post(
        reverse("organisation:officer-mine"), {"action": "schedule", "month": day.strftime("%Y-%m")}
    )
    assert response.status_code == 302
    visit = NightVisit.objects.get(officer=officer, date=day)
    response = client.post(
        reverse("organisation:officer-activity-new", args=[officer.pk]),
        {
            "village": world.village_a1.pk,
            "kind": "mediation",
            "date": TODAY,
            "title": "调解邻里纠纷",
            "people": 3,
        },
    )
    assert response.status_code == 302 and Activity.objects.filter(officer=officer).count() == 1
    # Another village: a field error, not a 500.
    response = client.post(
        reverse("organisation:officer-activity-new", args=[officer.pk]),
        {"village": world.village_a2.pk, "kind": "mediation", "date": TODAY, "title": "x", "people": 0},
    )
    assert response.status_code == 200 and Activity.objects.count() == 1
    url = reverse("organisation:night-visit", args=[visit.pk])
    assert client.post(url, {"action": "hold", "people_received": "", "summary": ""}).status_code == 200
    assert (
        client.post(url, {"action": "hold", "people_received": 5, "summary": "五人来访"}).status_code == 302
    )
    visit.refresh_from_db()
    assert visit.state == NightVisitState.HELD
    kind = CaseKind.objects.filter(town__isnull=True).first()
    response = client.post(
        url,
        {"action": "matter", "person": "李阿姨", "matter": "路灯不亮", "outcome": "case", "kind": kind.pk},
    )
    assert response.status_code == 302
    matter = visit.matters.get()
    page = client.get(url).content.decode()
    assert reverse("cases:detail", args=[matter.case_id]) in page
    assert client.get(reverse("cases:detail", args=[matter.case_id])).status_code == 200
    # The office sees the counts.
    client.force_login(world.users["office"])
    page = client.get(reverse("organisation:officers")).content.decode()
    assert 'data-col="held">1<' in page and 'data-col="received">5<' in page


def test_the_office_posts_ends_and_assesses_on_the_page(setup, world, client):
    officer, account, other = setup
    client.force_login(world.users["office"])
    url = reverse("organisation:officer", args=[officer.pk])
    assert (
        client.post(url, {"action": "post", "village": world.village_a2.pk, "since": TODAY}).status_code
        == 302
    )
    assert client.post(url, {"action": "assess", "year": TODAY.year, "grade": "excellent"}).status_code == 302
    again = client.post(url, {"action": "assess", "year": TODAY.year, "grade": "basic"})
    assert again.status_code == 200 and "已" in again.content.decode() or "already" in again.content.decode()
    posting = officer.postings.get(village=world.village_a2)
    assert client.post(url, {"action": "end", "posting": posting.pk, "until": TODAY}).status_code == 302
    posting.refresh_from_db()
    assert posting.until == TODAY
    # The officer may not post themselves.
    client.force_login(account)
    assert (
        client.post(url, {"action": "post", "village": world.village_a2.pk, "since": TODAY}).status_code
        == 403
    )


def test_the_officer_cannot_open_another_villages_night_visit(setup, world, client):
    officer, account, other = setup
    second = service.officer_create(
        town=world.town_a,
        kind=OfficerKind.FIRST,
        name="赵书记",
        profession=Profession.COUNTY_LEADER,
        employer="县委",
        actor=world.users["office"],
    )
    service.posting_create(
        officer=second,
        village=world.village_a2,
        since=TODAY - datetime.timedelta(days=60),
        actor=world.users["office"],
    )
    day = last_visit_day()
    service.month_schedule(officer=second, year=day.year, month=day.month, actor=world.users["office"])
    visit = NightVisit.objects.filter(officer=second).first()
    client.force_login(account)
    assert client.get(reverse("organisation:night-visit", args=[visit.pk])).status_code == 404
    assert client.get(reverse("organisation:officer", args=[second.pk])).status_code == 404
