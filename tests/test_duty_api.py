"""The rosters' REST API: scoped reads (another town's office sees nothing; outside the
scope is 404), writes as the policies say, bad input as field errors in Chinese."""

import datetime

import pytest

from duty import services
from duty.models import Amendment, Roster, Shift
from governance.choices import Role

from . import factories as f

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)


@pytest.fixture
def rosters(world):
    office = world.users["office"]
    cadre2 = f.member(Role.VILLAGE_CADRE, village=world.village_a1)
    a2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    b1 = f.member(Role.VILLAGE_CADRE, village=world.village_b1)
    a1 = services.roster_create(village=world.village_a1, month=OCT, duty_phone="87138753", actor=office)
    services.roster_fill(roster=a1, people=[world.users["cadre"], cadre2], actor=office)
    services.roster_publish(roster=a1, actor=office)
    draft = services.roster_create(
        village=world.village_a1, month=datetime.date(2026, 11, 1), duty_phone="1", actor=office
    )
    other = services.roster_create(village=world.village_a2, month=OCT, duty_phone="2", actor=office)
    services.roster_fill(roster=other, people=[a2], actor=office)
    b = services.roster_create(
        village=world.village_b1, month=OCT, duty_phone="3", actor=world.users["office_b"]
    )
    services.roster_fill(roster=b, people=[b1], actor=world.users["office_b"])
    return {"A1": a1, "A1-draft": draft, "A2": other, "B1": b, "cadre2": cadre2, "a2": a2, "b1": b1}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("office", {"A1", "A1-draft", "A2"}),
        ("supervisor", {"A1", "A1-draft", "A2"}),
        ("cadre", {"A1", "A1-draft"}),
        ("client", {"A1", "A1-draft", "A2"}),
        ("office_b", {"B1"}),
        ("grid_worker", {"A1", "A1-draft"}),  # their own village's (DESIGN.md)
        ("department", None),
        ("party_member", None),
        ("nobody", None),
    ],
)
def test_rosters_are_read_in_scope_and_404_outside(world, rosters, as_user, role, expected):
    client = as_user(world.users[role])
    response = client.get("/api/v1/duty/rosters/?page_size=100")
    if expected is None:
        assert response.status_code == 403
        assert client.get(f"/api/v1/duty/shifts/?village={world.village_a1.pk}").status_code == 403
        return
    assert response.status_code == 200
    labels = {r.pk: label for label, r in rosters.items() if isinstance(r, Roster)}
    assert {labels[row["id"]] for row in response.json()["results"]} == expected
    for label, roster in rosters.items():
        if isinstance(roster, Roster):
            detail = client.get(f"/api/v1/duty/rosters/{roster.pk}/")
            assert detail.status_code == (200 if label in expected else 404), label
    shifts = client.get("/api/v1/duty/shifts/?page_size=500").json()["results"]
    assert {labels[row["roster"]] for row in shifts} <= expected


def test_a_roster_comes_with_its_days_and_filters(world, rosters, as_user):
    client = as_user(world.users["office"])
    body = client.get(f"/api/v1/duty/rosters/{rosters['A1'].pk}/").json()
    assert body["state"] == "published" and body["state_display"] == "已发布"
    assert body["days"][0]["date"] == "2026-10-08" and body["days"][0]["cadre"] == world.users["cadre"].pk
    listed = client.get(f"/api/v1/duty/rosters/?month=2026-10&state=draft&town={world.town_a.pk}").json()
    assert [row["id"] for row in listed["results"]] == [rosters["A2"].pk]
    assert client.get(f"/api/v1/duty/rosters/?village={world.village_b1.pk}").json()["count"] == 0
    bad = client.get("/api/v1/duty/rosters/?month=October")
    assert bad.status_code == 400 and "month" in bad.json()


def test_the_office_of_another_town_sees_and_writes_nothing_of_town_a(world, rosters, as_user):
    client = as_user(world.users["office_b"])
    roster = rosters["A1-draft"]
    assert client.post(f"/api/v1/duty/rosters/{roster.pk}/publish/").status_code == 404
    assert (
        client.post(f"/api/v1/duty/rosters/{roster.pk}/fill/", {"people": []}, format="json").status_code
        == 404
    )
    created = client.post(
        "/api/v1/duty/rosters/", {"village": world.village_a2.pk, "month": "2026-12-01", "duty_phone": "1"}
    )
    assert created.status_code == 400 and "village" in created.json()


def test_supervisors_and_clients_read_only(world, rosters, as_user):
    for role in ("supervisor", "client"):
        client = as_user(world.users[role])
        draft = rosters["A1-draft"]
        assert client.post(f"/api/v1/duty/rosters/{draft.pk}/publish/").status_code == 403
        assert (
            client.post(
                "/api/v1/duty/rosters/",
                {"village": world.village_a2.pk, "month": "2026-12-01", "duty_phone": "1"},
            ).status_code
            == 403
        )
    assert Roster.objects.filter(month=datetime.date(2026, 12, 1)).count() == 0


def test_a_cadre_fills_and_publishes_their_draft_through_the_api(world, rosters, as_user):
    client = as_user(world.users["cadre"])
    draft = rosters["A1-draft"]
    filled = client.post(
        f"/api/v1/duty/rosters/{draft.pk}/fill/",
        {"people": [rosters["cadre2"].pk, world.users["cadre"].pk], "days_each": 3},
        format="json",
    )
    assert filled.status_code == 200, filled.json()
    assert filled.json()["days"][0]["cadre"] == rosters["cadre2"].pk
    day = client.post(
        f"/api/v1/duty/rosters/{draft.pk}/days/",
        {"days": [{"date": "2026-11-28", "cadre": world.users["cadre"].pk, "second": rosters["cadre2"].pk}]},
        format="json",
    )
    assert day.status_code == 200, day.json()
    assert client.post(f"/api/v1/duty/rosters/{draft.pk}/publish/").status_code == 200
    again = client.post(
        f"/api/v1/duty/rosters/{draft.pk}/days/",
        {"days": [{"date": "2026-11-28", "cadre": rosters["cadre2"].pk}]},
        format="json",
    )
    assert again.status_code == 400 and "修正记录" in str(again.json()["non_field_errors"])
    assert (
        client.patch(f"/api/v1/duty/rosters/{draft.pk}/", {"duty_phone": "9"}, format="json").status_code
        == 400
    )


@pytest.mark.parametrize(
    ("day", "field", "words"),
    [
        (lambda w, r: {"date": "2026-10-09", "cadre": w.users["cadre"].pk}, "date", "不在"),
        (lambda w, r: {"date": "2026-11-10", "cadre": r["a2"].pk}, "cadre", "不是甲一村的村干部"),
        (lambda w, r: {"date": "2026-11-10", "cadre": r["b1"].pk}, "cadre", "不是"),  # another town's
    ],
    ids=["outside-month", "not-a-cadre", "another-towns-cadre"],
)
def test_bad_days_through_the_api_are_field_errors(world, rosters, as_user, day, field, words):
    roster = rosters["A1-draft"]  # November
    response = as_user(world.users["office"]).post(
        f"/api/v1/duty/rosters/{roster.pk}/days/", {"days": [day(world, rosters)]}, format="json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["days"]["0"]  # DRF's shape: by the day's index
    assert words in str(errors[field]), errors
    assert not Shift.objects.filter(roster=roster, deleted_at__isnull=True).exists()


def test_a_person_on_duty_in_another_village_is_refused_through_the_api(world, rosters, as_user):
    f.MembershipFactory(user=rosters["a2"], role=Role.VILLAGE_CADRE, village=world.village_a1)
    november = services.roster_create(
        village=world.village_a2, month=datetime.date(2026, 11, 1), duty_phone="2", actor=None
    )
    services.roster_set_days(
        roster=november, days={datetime.date(2026, 11, 10): services.Day(rosters["a2"])}, actor=None
    )
    response = as_user(world.users["office"]).post(
        f"/api/v1/duty/rosters/{rosters['A1-draft'].pk}/days/",
        {"days": [{"date": "2026-11-10", "cadre": rosters["a2"].pk}]},
        format="json",
    )
    assert response.status_code == 400
    assert "甲二村" in str(response.json()["days"]["0"]["cadre"])
    assert not Shift.objects.filter(roster=rosters["A1-draft"]).exists()


def test_amendments_need_a_reason_and_are_appended(world, rosters, as_user):
    client = as_user(world.users["cadre"])
    payload = {
        "roster": rosters["A1"].pk,
        "date": "2026-10-08",
        "replaced": world.users["cadre"].pk,
        "replacement": rosters["cadre2"].pk,
        "reason": "",
    }
    refused = client.post("/api/v1/duty/amendments/", payload, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    assert "原因" in str(refused.json()["reason"])
    made = client.post("/api/v1/duty/amendments/", {**payload, "reason": "家中有事"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["by"] == world.users["cadre"].pk
    amendment = made.json()["id"]
    assert (
        client.patch(f"/api/v1/duty/amendments/{amendment}/", {"reason": "x"}, format="json").status_code
        == 405
    )
    assert client.delete(f"/api/v1/duty/amendments/{amendment}/").status_code == 405
    assert (
        as_user(world.users["supervisor"])
        .post("/api/v1/duty/amendments/", payload, format="json")
        .status_code
        == 403
    )
    outsider = as_user(world.users["office_b"]).get(f"/api/v1/duty/amendments/{amendment}/")
    assert outsider.status_code == 404
    assert Amendment.objects.count() == 1


def test_the_office_sets_its_towns_deadline(world, as_user):
    client = as_user(world.users["office"])
    made = client.post(
        "/api/v1/duty/settings/", {"town": world.town_a.pk, "publish_by_day": 20}, format="json"
    )
    assert made.status_code == 201, made.json()
    bad = client.patch(f"/api/v1/duty/settings/{made.json()['id']}/", {"publish_by_day": 40}, format="json")
    assert bad.status_code == 400 and "publish_by_day" in bad.json()
    other = client.post(
        "/api/v1/duty/settings/", {"town": world.town_b.pk, "publish_by_day": 20}, format="json"
    )
    assert other.status_code == 400 and "town" in other.json()
    assert (
        as_user(world.users["office_b"]).get(f"/api/v1/duty/settings/{made.json()['id']}/").status_code == 404
    )
    assert (
        as_user(world.users["cadre"])
        .patch(f"/api/v1/duty/settings/{made.json()['id']}/", {"publish_by_day": 1}, format="json")
        .status_code
        == 403
    )


def test_the_roster_list_runs_a_constant_number_of_queries(
    world, rosters, as_user, django_assert_max_num_queries
):
    client = as_user(world.users["office"])
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/duty/rosters/").status_code == 200
    for month in range(1, 7):
        r = services.roster_create(
            village=world.village_a2, month=datetime.date(2027, month, 1), duty_phone="1", actor=None
        )
        services.roster_fill(roster=r, people=[rosters["a2"]], actor=None)
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/duty/rosters/").status_code == 200


def test_a_roster_for_a_month_past_the_platforms_years_is_refused(world, as_user):
    response = as_user(world.users["office"]).post(
        "/api/v1/duty/rosters/",
        {"village": world.village_a1.pk, "month": "9999-12-01", "duty_phone": "0579-87130000"},
        format="json",
    )
    assert response.status_code == 400 and "month" in response.json()
