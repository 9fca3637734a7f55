"""The village rankings in the API: weights, snapshots (with ``current``), their rows
with values and evidence, the town office's recompute and publish; scoped (a cadre never
sees a draft: 404; another town's do not exist)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from scoring import ranking
from scoring.choices import Indicator, PeriodKind
from scoring.models import Snapshot, Weight

from .test_scoring_ranking import WEEK, WEEKDAYS, Build, only, week

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshots(world):
    build = Build(world)
    only(world.town_a, Indicator.LOG_COMPLETENESS)
    build.duty_days(world.village_a1, WEEKDAYS)
    for day in WEEKDAYS[:4]:
        build.log(world.village_a1, day)
    first = week(world)
    second = ranking.snapshot_recompute(
        town=world.town_a, kind=PeriodKind.WEEK, start=WEEK, actor=world.users["office"]
    )
    other = ranking.compute([world.town_b], PeriodKind.WEEK, WEEK).made[0]
    return {"v1": first, "v2": second, "other": other}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_office_lists_its_towns_snapshots_and_the_current_versions(world, as_user, snapshots):
    api = as_user(world.users["office"])
    assert ids(api.get("/api/v1/scoring/snapshots/")) == {snapshots["v1"].pk, snapshots["v2"].pk}
    assert ids(api.get("/api/v1/scoring/snapshots/?current=true")) == {snapshots["v2"].pk}
    assert ids(api.get(f"/api/v1/scoring/snapshots/?version=1&kind=week&start={WEEK}")) == {
        snapshots["v1"].pk
    }
    assert api.get(f"/api/v1/scoring/snapshots/{snapshots['other'].pk}/").status_code == 404
    body = api.get(f"/api/v1/scoring/snapshot-rows/?snapshot={snapshots['v1'].pk}").json()["results"]
    a1 = next(r for r in body if r["village"] == world.village_a1.pk)
    cell = a1["values"][Indicator.LOG_COMPLETENESS]
    assert (a1["score"], a1["rank"], cell["value"], cell["events"], cell["rated"]) == (80.0, 1, 0.8, 5, True)
    assert cell["evidence"]["missing_days"] == ["2025-03-07"]


def test_a_cadre_never_sees_a_draft_and_sees_a_published_snapshot(world, as_user, snapshots):
    api = as_user(world.users["cadre"])
    v1 = snapshots["v1"]
    assert ids(api.get("/api/v1/scoring/snapshots/")) == set()
    assert api.get(f"/api/v1/scoring/snapshots/{v1.pk}/").status_code == 404
    assert ids(api.get("/api/v1/scoring/snapshot-rows/")) == set()
    ranking.snapshot_publish(snapshot=v1, actor=world.users["office"])
    assert ids(api.get("/api/v1/scoring/snapshots/")) == {v1.pk}
    # the current version for a cadre is the highest they may read: the published v1
    assert ids(api.get("/api/v1/scoring/snapshots/?current=true")) == {v1.pk}
    assert len(ids(api.get("/api/v1/scoring/snapshot-rows/"))) == 2
    assert api.post(f"/api/v1/scoring/snapshots/{snapshots['v2'].pk}/publish/").status_code == 404
    assert api.post(f"/api/v1/scoring/snapshots/{v1.pk}/publish/").status_code == 403


def test_the_office_recomputes_and_publishes(world, as_user, snapshots):
    api = as_user(world.users["office"])
    response = api.post(
        "/api/v1/scoring/snapshots/recompute/", {"town": world.town_a.pk, "kind": "week", "start": WEEK}
    )
    assert response.status_code == 201 and response.json()["version"] == 3
    response = api.post(f"/api/v1/scoring/snapshots/{snapshots['v2'].pk}/publish/")
    assert response.status_code == 200 and response.json()["published_at"]
    # a period not ended, a day that starts no period, another town: field errors / not there
    monday = ranking.period_of(PeriodKind.WEEK, datetime.date.today())[0]
    for data, field in (
        ({"town": world.town_a.pk, "kind": "week", "start": monday}, "start"),
        ({"town": world.town_a.pk, "kind": "week", "start": WEEK + datetime.timedelta(days=1)}, "start"),
        ({"town": world.town_b.pk, "kind": "week", "start": WEEK}, "town"),
        ({"town": world.town_a.pk, "kind": "year", "start": WEEK}, "kind"),
    ):
        response = api.post("/api/v1/scoring/snapshots/recompute/", data)
        assert response.status_code == 400 and field in response.json(), (data, response.content)
    assert Snapshot.objects.filter(town=world.town_a).count() == 3
    supervisor = as_user(world.users["supervisor"])
    response = supervisor.post(
        "/api/v1/scoring/snapshots/recompute/", {"town": world.town_a.pk, "kind": "week", "start": WEEK}
    )
    assert response.status_code == 403


def test_the_office_sets_the_weights_and_they_must_not_all_be_zero(world, as_user):
    api = as_user(world.users["office"])
    zero = {k: {"weight": 0, "min_events": 1} for k in ranking.INDICATORS}
    response = api.post(
        "/api/v1/scoring/weights/set/", {"town": world.town_a.pk, "weights": zero}, format="json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()
    response = api.post(
        "/api/v1/scoring/weights/set/",
        {"town": world.town_a.pk, "weights": {"satisfaction": {"weight": 30, "min_events": 4}}},
        format="json",
    )
    assert response.status_code == 200 and len(response.json()) == 9
    assert Weight.objects.get(town=world.town_a, indicator="satisfaction").weight == 30
    assert len(ids(as_user(world.users["supervisor"]).get("/api/v1/scoring/weights/"))) == 9
    assert ids(as_user(world.users["office_b"]).get("/api/v1/scoring/weights/")) == set()
    assert as_user(world.users["cadre"]).get("/api/v1/scoring/weights/").status_code == 403


@pytest.mark.parametrize("start", ["9999-12-01", "0001-01-01", "1999-12-01"])
def test_a_recompute_of_an_extreme_date_is_a_field_error(world, as_user, start):
    api = as_user(world.users["office"])
    data = {"town": world.town_a.pk, "kind": "month", "start": start}
    response = api.post("/api/v1/scoring/snapshots/recompute/", data)
    assert response.status_code == 400 and "start" in response.json(), response.content
    browser = Client()
    browser.force_login(world.users["office"])
    page = browser.post("/scoring/ranking/compute/", data)
    assert page.status_code == 302 and "/login" not in page["Location"]
    assert not Snapshot.objects.exists()


def test_a_recompute_whose_audit_fails_leaves_no_snapshot(world, monkeypatch):
    from governance import audit

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        ranking.snapshot_recompute(
            town=world.town_a, kind=PeriodKind.WEEK, start=WEEK, actor=world.users["office"]
        )
    assert not Snapshot.objects.exists()
