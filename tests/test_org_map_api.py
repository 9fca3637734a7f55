"""The responsibility map in the API: the links with ``?household=`` and ``?user=mine``,
creating one (the current link of the place closed), closing one, a whole grid; informant
groups, informants and service posts created and closed through the services; bad input
is a field error in Chinese, out of scope a 404, and the lists run a constant number of
queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from organisation import responsibility as service
from organisation.choices import InformantGroupKind, Level, Post
from organisation.models import Informant, Responsibility, ServicePost

from . import factories as f

pytestmark = pytest.mark.django_db
BASE = "/api/v1/organisation"


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(user)
    return client


def test_the_office_assigns_and_reassigns_a_household_through_the_api(world):
    office = api(world.users["office"])
    data = {
        "village": world.village_a1.pk,
        "level": Level.HOUSEHOLD,
        "household": world.household_a1.pk,
        "user": world.users["grid_worker"].pk,
        "joint_defence": False,
    }
    first = office.post(f"{BASE}/responsibilities/", data, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["name"] and first.json()["until"] is None and first.json()["joint_defence"] is False
    second = office.post(f"{BASE}/responsibilities/", {**data, "user": None, "name": "李四"}, format="json")
    assert second.status_code == 201
    listed = office.get(f"{BASE}/responsibilities/?household={world.household_a1.pk}").json()["results"]
    assert {(r["name"], r["until"] is None) for r in listed} == {
        (first.json()["name"], False),
        ("李四", True),
    }
    current = office.get(f"{BASE}/responsibilities/?household={world.household_a1.pk}&current=true").json()
    assert [r["name"] for r in current["results"]] == ["李四"]
    closed = office.post(f"{BASE}/responsibilities/{second.json()['id']}/close/")
    assert closed.status_code == 200 and closed.json()["until"] is not None
    again = office.post(f"{BASE}/responsibilities/{second.json()['id']}/close/")
    assert again.status_code == 400


def test_mine_filters_the_links_naming_the_account(world):
    service.responsibility_assign(
        actor=world.users["office"],
        village=world.village_a1,
        level=Level.HOUSEHOLD,
        household=world.household_a1,
        party_member=world.member_a1,
    )
    service.responsibility_assign(
        actor=world.users["office"],
        village=world.village_a1,
        level=Level.HOUSEHOLD,
        household=world.household_a1_2,
        name="别人",
    )
    member = api(world.users["party_member"])
    mine = member.get(f"{BASE}/responsibilities/?user=mine").json()["results"]
    assert [r["household"] for r in mine] == [world.household_a1.pk]
    assert len(member.get(f"{BASE}/responsibilities/").json()["results"]) == 1  # only their own
    assert api(world.users["office"]).get(f"{BASE}/responsibilities/?user=mine").json()["results"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"household": "A2"}, "household"),
        ({"level": "nosuch"}, "level"),
        ({"household": None, "level": Level.AREA, "grid": "A2"}, "grid"),
        ({"name": "", "user": None}, "name"),
        ({"since": "2999-01-01"}, "since"),
    ],
)
def test_bad_input_is_a_field_error(world, data, field):
    data = dict(data)
    if data.get("household") == "A2":
        data["household"] = world.household_a2.pk
    if data.get("grid") == "A2":
        data["grid"] = world.grid_a2.pk
    body = {
        "village": world.village_a1.pk,
        "level": Level.HOUSEHOLD,
        "household": world.household_a1.pk,
        "name": "张三",
        **data,
    }
    response = api(world.users["office"]).post(f"{BASE}/responsibilities/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Responsibility.objects.exists()


def test_others_may_not_write_and_out_of_scope_is_404(world):
    link = service.responsibility_assign(
        actor=world.users["office"], village=world.village_a1, level=Level.VILLAGE, name="领导"
    )
    body = {"village": world.village_a1.pk, "level": Level.VILLAGE, "name": "某"}
    for role in ("cadre", "supervisor", "client"):
        assert api(world.users[role]).post(f"{BASE}/responsibilities/", body, format="json").status_code in (
            400,
            403,
        ), role
        assert api(world.users[role]).post(f"{BASE}/responsibilities/{link.pk}/close/").status_code == 404
    assert api(world.users["office_b"]).get(f"{BASE}/responsibilities/{link.pk}/").status_code == 404
    assert Responsibility.objects.count() == 1


def test_a_whole_grid_through_the_api(world):
    response = api(world.users["office"]).post(
        f"{BASE}/responsibilities/assign-grid/",
        {"grid": world.grid_a1.pk, "user": world.users["grid_worker"].pk},
        format="json",
    )
    assert response.status_code == 201 and response.json() == {"created": 2}
    response = api(world.users["office_b"]).post(
        f"{BASE}/responsibilities/assign-grid/", {"grid": world.grid_a1.pk, "name": "某"}, format="json"
    )
    assert response.status_code == 400 and "grid" in response.json()


def test_the_list_runs_a_constant_number_of_queries(world):
    office = world.users["office"]
    service.responsibility_assign_grid(grid=world.grid_a1, name="甲", actor=office)
    client = api(office)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}/responsibilities/")
    for i in range(6):
        f.HouseholdFactory(grid=world.grid_a1_2, number=f"X{i}")
    service.responsibility_assign_grid(grid=world.grid_a1_2, name="乙", actor=office)
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{BASE}/responsibilities/").json()
    assert body["count"] == 9
    assert len(many.captured_queries) == len(few.captured_queries)


def test_informants_and_posts_through_the_api(world):
    office = api(world.users["office"])
    group = office.post(
        f"{BASE}/informant-groups/",
        {"kind": InformantGroupKind.VILLAGE, "village": world.village_a1.pk, "name": "甲一组"},
        format="json",
    )
    assert group.status_code == 201, group.content
    trade = office.post(
        f"{BASE}/informant-groups/", {"kind": InformantGroupKind.TAXI, "name": "出租车组"}, format="json"
    )
    assert trade.status_code == 201 and trade.json()["town"] == world.town_a.pk
    bad = office.post(
        f"{BASE}/informant-groups/", {"kind": InformantGroupKind.VILLAGE, "name": "无村"}, format="json"
    )
    assert bad.status_code == 400 and "village" in bad.json()
    informant = office.post(
        f"{BASE}/informants/",
        {"group": group.json()["id"], "name": "信息员", "households": [world.household_a1.pk]},
        format="json",
    )
    assert informant.status_code == 201, informant.content
    wrong = office.post(
        f"{BASE}/informants/",
        {"group": group.json()["id"], "name": "错", "households": [world.household_a2.pk]},
        format="json",
    )
    assert wrong.status_code == 400 and "households" in wrong.json()
    assert office.post(f"{BASE}/informants/{informant.json()['id']}/close/").json()["until"] is not None
    assert Informant.objects.count() == 1
    groups = office.get(f"{BASE}/informant-groups/").json()["results"]
    assert {g["name"]: g["informant_count"] for g in groups} == {"甲一组": 0, "出租车组": 0}

    post = office.post(
        f"{BASE}/service-posts/",
        {"grid": world.grid_a1.pk, "post": Post.GATE, "name": "门卫", "phone": "139", "handles": "门岗"},
        format="json",
    )
    assert post.status_code == 201, post.content
    assert post.json()["village"] == world.village_a1.pk
    stairwell = office.post(
        f"{BASE}/service-posts/",
        {"grid": world.grid_a1.pk, "post": Post.STAIRWELL, "name": "某", "phone": "139", "handles": "楼道"},
        format="json",
    )
    assert stairwell.status_code == 400 and "party_member" in stairwell.json()
    assert api(world.users["office_b"]).get(f"{BASE}/service-posts/{post.json()['id']}/").status_code == 404
    assert office.post(f"{BASE}/service-posts/{post.json()['id']}/close/").json()["until"] is not None
    assert ServicePost.objects.count() == 1
