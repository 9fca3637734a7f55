"""What the fuzzing run (scripts/fuzz_api.sh) found in governance/: each answer is one its
schema allows, or a 4xx."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from governance import audit
from governance.models import AuditEntry

pytestmark = pytest.mark.django_db


def component(name: str) -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"][name]


def test_an_audit_entry_no_user_made_answers_a_null_actor_the_schema_allows(world, as_user):
    # given a change made by no user (a management command, the demo's seeding)
    audit.record(action="update", instance=world.village_a1, actor=None)
    # when the town office reads the trail
    response = as_user(world.users["office"]).get("/api/v1/audit/")
    # then its actor is null, and the schema says it may be
    assert response.status_code == 200
    assert [e["actor"] for e in response.json()["results"]] == [None]
    assert AuditEntry.objects.get().actor is None
    assert component("AuditEntry")["properties"]["actor"].get("nullable") is True


@pytest.mark.parametrize(
    "start",
    [
        # Asia/Shanghai before 1901 is local mean time, +08:05:43: the answer echoed
        # "0326-06-06T15:25:59+08:05:43", which is no date-time its schema allows.
        "0326-06-05T12:44:16-18:36",
        "1900-12-31T10:00:00+08:00",
        "1949-09-30T10:00:00+08:00",
    ],
)
def test_a_deadline_from_before_the_calendar_answers_400(world, as_user, start):
    response = as_user(world.users["cadre"]).get(
        "/api/v1/calendar/deadline/", {"start": start, "working_days": 286}
    )
    assert response.status_code == 400 and "start" in response.json()


def test_the_first_day_of_the_calendar_counts(world, as_user):
    response = as_user(world.users["cadre"]).get(
        "/api/v1/calendar/deadline/", {"start": "1949-10-01T10:00:00+08:00", "working_days": 1}
    )
    assert response.status_code == 200
    assert response.json()["deadline"] == "1949-10-03T23:59:59+08:00"  # a Saturday, then Monday
