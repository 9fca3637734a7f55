"""The duty log API: scoped per role (404 outside), filtered, in constant queries;
amendments with a reason; flags dismissed by the town office."""

import pytest
from django.utils import timezone

from duty import services
from duty.choices import FlagKind
from duty.models import DutyFlag

from .test_duty_log import complete, named, on_duty

pytestmark = pytest.mark.django_db


@pytest.fixture
def logs(world):
    """Today's logs of village A1 (signed) and B1 (draft)."""
    from governance.choices import Role

    from . import factories as f

    today = timezone.localdate()
    cadre = named(world.users["cadre"], "黄马甲")
    b1 = named(f.member(Role.VILLAGE_CADRE, village=world.village_b1), "外人")
    on_duty(world.village_a1, cadre, [today], world.users["office"])
    on_duty(world.village_b1, b1, [today], world.users["office_b"])
    a1 = services.log_start(village=world.village_a1, date=today, actor=cadre)
    households = [f.HouseholdFactory(grid=world.grid_a1, number=f"A1-1{i:02d}") for i in range(5)]
    complete(a1, cadre, households)
    services.talk_add(log=a1, actor=cadre, topic="医保", audience="老人", people=12)
    services.log_sign(log=a1, actor=cadre)
    b = services.log_start(village=world.village_b1, date=today, actor=b1)
    return a1, b


@pytest.mark.parametrize(
    "role, sees_a1",
    [
        ("office", True),
        ("supervisor", True),
        ("cadre", True),
        ("grid_worker", False),  # a log names households beyond their grid
        ("client", True),
        ("department", False),
        ("party_member", False),
        ("office_b", False),
    ],
)
def test_logs_are_scoped_per_role_and_404_outside(world, logs, as_user, role, sees_a1):
    a1, b1 = logs
    client = as_user(world.users[role])
    listed = client.get("/api/v1/duty/logs/")
    ids = {row["id"] for row in listed.json()["results"]} if listed.status_code == 200 else set()
    assert (a1.pk in ids) is sees_a1
    assert (b1.pk in ids) is (role == "office_b")
    # a role that reads no logs at all is refused (403), as for every model; others 404
    assert client.get(f"/api/v1/duty/logs/{a1.pk}/").status_code in ((200,) if sees_a1 else (403, 404))


def test_a_log_carries_its_items(world, logs, as_user):
    a1, _b1 = logs
    body = as_user(world.users["office"]).get(f"/api/v1/duty/logs/{a1.pk}/").json()
    assert body["state"] == "signed" and len(body["spot_checks"]) == 5
    assert body["talks"][0]["people"] == 12 and body["items_done"] >= 4


def test_logs_filter_by_village_state_and_dates(world, logs, as_user):
    a1, _b1 = logs
    client = as_user(world.users["office"])
    today = a1.date.isoformat()
    assert client.get(f"/api/v1/duty/logs/?village={world.village_a1.pk}&state=signed").json()["count"] == 1
    assert client.get(f"/api/v1/duty/logs/?date_after={today}&date_before={today}").json()["count"] == 1
    assert client.get("/api/v1/duty/logs/?state=draft").json()["count"] == 0
    assert client.get("/api/v1/duty/logs/?date_after=nonsense").status_code == 400


def test_the_log_list_runs_a_constant_number_of_queries(world, logs, as_user, django_assert_max_num_queries):
    client = as_user(world.users["office"])
    with django_assert_max_num_queries(16):
        assert client.get("/api/v1/duty/logs/").status_code == 200


def test_an_amendment_needs_a_reason_and_only_the_cadre_adds_it(world, logs, as_user):
    a1, _b1 = logs
    cadre = as_user(world.users["cadre"])
    refused = cadre.post(
        "/api/v1/duty/log-amendments/", {"log": a1.pk, "item": 6, "correction": "漏记", "reason": ""}
    )
    assert refused.status_code == 400 and "reason" in refused.json()
    made = cadre.post(
        "/api/v1/duty/log-amendments/", {"log": a1.pk, "item": 6, "correction": "漏记", "reason": "补记"}
    )
    assert made.status_code == 201
    office = as_user(world.users["office"])
    assert (
        office.post(
            "/api/v1/duty/log-amendments/", {"log": a1.pk, "item": 6, "correction": "x", "reason": "y"}
        ).status_code
        == 403
    )  # the office reads logs, never writes them


def test_the_office_dismisses_a_flag_with_a_reason(world, logs, as_user):
    flag = DutyFlag.objects.create(
        kind=FlagKind.MISSING_LOG, village=world.village_a1, date=timezone.localdate(), reason="x"
    )
    office = as_user(world.users["office"])
    assert office.get("/api/v1/duty/flags/?open=true").json()["count"] == 1
    assert office.post(f"/api/v1/duty/flags/{flag.pk}/dismiss/", {"reason": ""}).status_code == 400
    assert office.post(f"/api/v1/duty/flags/{flag.pk}/dismiss/", {"reason": "防汛"}).status_code == 200
    assert (
        as_user(world.users["supervisor"])
        .post(f"/api/v1/duty/flags/{flag.pk}/dismiss/", {"reason": "x"})
        .status_code
        == 404
    )
    assert as_user(world.users["cadre"]).get(f"/api/v1/duty/flags/{flag.pk}/").status_code == 403


def test_dismissing_a_flag_by_a_malformed_id_answers_404(world, as_user):
    client = as_user(world.users["office"])
    assert (
        client.post("/api/v1/duty/flags/null,null/dismiss/", {"reason": "x"}, format="json").status_code
        == 404
    )
