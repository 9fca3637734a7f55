"""Choices are scoped like querysets: the browsable API's filter forms and the admin's
list filters offer only rows in the user's scope, and filtering by an id outside it
filters to nothing, exactly as an id that does not exist (no 400 confirming it exists).
Probed as the office of another town (town B)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "param", "target"),
    [
        ("/api/v1/households/", "village", lambda w: w.village_a1.pk),
        ("/api/v1/households/", "town", lambda w: w.town_a.pk),
        ("/api/v1/residents/", "household", lambda w: w.household_a1.pk),
        ("/api/v1/villages/", "town", lambda w: w.town_a.pk),
        ("/api/v1/grids/", "village", lambda w: w.village_a1.pk),
        ("/api/v1/party-members/", "branch", lambda w: w.branch_a1.pk),
        ("/api/v1/calendar/days/", "town", lambda w: w.town_a.pk),
        ("/api/v1/audit/", "actor", lambda w: w.users["office"].pk),
        ("/api/v1/memberships/", "user", lambda w: w.users["office"].pk),
    ],
)
def test_an_id_outside_scope_filters_to_nothing_like_one_that_does_not_exist(
    world, as_user, url, param, target
):
    client = as_user(world.users["office_b"])
    outside = client.get(url, {param: target(world)})
    missing = client.get(url, {param: 987654321})
    assert outside.status_code == missing.status_code == 200, (outside.content, missing.content)
    assert outside.json()["count"] == missing.json()["count"] == 0


def test_an_id_inside_scope_still_filters(world, as_user):
    client = as_user(world.users["office"])
    response = client.get("/api/v1/households/", {"village": world.village_a1.pk})
    assert {h["number"] for h in response.json()["results"]} == {"A1-001", "A1-002", "A1-003"}
    assert client.get("/api/v1/households/", {"village": "abc"}).json()["count"] == 0


def test_the_browsable_api_filter_form_offers_only_rows_in_scope(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["office_b"])
    page = client.get("/api/v1/households/", HTTP_ACCEPT="text/html").content.decode()
    assert "乙一村" in page  # its own village is offered
    assert "甲一村" not in page and "甲二村" not in page and "甲镇" not in page
    residents = client.get("/api/v1/residents/", HTTP_ACCEPT="text/html").content.decode()
    assert world.household_a1.number not in residents and world.household_b1.number in residents


@pytest.mark.parametrize(
    ("url", "inside", "outside"),
    [
        ("/admin/grids/village/", "乙镇", "甲镇"),
        ("/admin/governance/calendarday/", "乙镇", "甲镇"),
    ],
)
def test_the_admin_list_filters_offer_only_rows_in_scope(world, url, inside, outside):
    from governance.models import CalendarDay

    CalendarDay.objects.create(date="2025-09-29", is_workday=False, kind="local_closure", town=world.town_a)
    CalendarDay.objects.create(date="2025-09-29", is_workday=False, kind="local_closure", town=world.town_b)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["office_b"])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert inside in text and outside not in text
    filtered = client.get(url, {"town__id__exact": world.town_a.pk})
    assert filtered.status_code in (200, 302) and outside not in filtered.content.decode()
