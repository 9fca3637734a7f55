"""The 阳光三务 API: a cadre begins, changes, publishes and corrects their village's
disclosures; published ones refuse changes; the office, supervisors and clients read
their town's; filters; bad input is a Chinese field error with nothing saved; a list in
a constant number of queries."""

import datetime

import pytest
from django.utils import timezone

from affairs import disclosures as ds
from affairs.choices import Cadence, DisclosureKind
from affairs.models import Disclosure

pytestmark = pytest.mark.django_db

URL = "/api/v1/affairs/disclosures/"
TODAY = timezone.localdate()
START, END = ds.last_ended(Cadence.QUARTERLY, TODAY)


def body(world, **extra):
    data = {
        "village": world.village_a1.pk,
        "kind": "finance",
        "period_start": f"{START}",
        "period_end": f"{END}",
        "title": "财务公开",
        "body": "本季度收支",
        "items": [
            {"item": "土地发包收入", "income": "86000", "spending": "0"},
            {"item": "道路维修", "spending": "18500.50"},
        ],
        "signed_off_by": "王建国",
        "signed_off_on": f"{TODAY}",
    }
    data.update(extra)
    return data


def test_a_cadre_begins_changes_publishes_and_corrects(world, as_user):
    api = as_user(world.users["cadre"])
    created = api.post(URL, body(world), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["totals"] == {"income": "86000.00", "spending": "18500.50", "balance": "67499.50"}
    assert data["published_at"] is None and data["town"] == world.town_a.pk
    pk = data["id"]
    changed = api.patch(f"{URL}{pk}/", {"title": "第三季度财务公开"}, format="json")
    assert changed.status_code == 200 and changed.json()["title"] == "第三季度财务公开"
    moved = api.patch(f"{URL}{pk}/", {"kind": "party"}, format="json")
    assert moved.status_code == 400 and "kind" in moved.json()
    published = api.post(f"{URL}{pk}/publish/")
    assert published.status_code == 200 and published.json()["published_at"]
    refused = api.patch(f"{URL}{pk}/", {"title": "改过"}, format="json")
    assert refused.status_code == 400 and "更正" in str(refused.json())
    assert Disclosure.objects.get(pk=pk).title == "第三季度财务公开"
    no_reason = api.post(f"{URL}{pk}/correct/", {"correction_reason": ""}, format="json")
    assert no_reason.status_code == 400
    correction = api.post(f"{URL}{pk}/correct/", {"correction_reason": "重复列支"}, format="json")
    assert correction.status_code == 201
    assert correction.json()["corrects"] == pk and correction.json()["correction_reason"] == "重复列支"
    cid = correction.json()["id"]
    api.patch(f"{URL}{cid}/", {"signed_off_by": "王建国", "signed_off_on": f"{TODAY}"}, format="json")
    assert api.post(f"{URL}{cid}/publish/").status_code == 200
    assert api.get(f"{URL}{pk}/").json()["corrected_by"] == cid


@pytest.mark.parametrize(
    "change, field",
    [
        ({"period_end": "__month_end__"}, "period_start"),
        ({"items": [{"item": "道路", "income": "-1"}]}, "items"),
        ({"items": [{"item": "道路", "income": "1.234"}]}, "items"),
        ({"items": [{"item": "道路", "income": "1e30"}]}, "items"),
        ({"period_start": "9999-12-01", "period_end": "9999-12-31"}, "period_start"),
        ({"period_start": "9999-10-01", "period_end": "9999-12-31"}, "period_start"),
        ({"period_start": "9999-12-15", "period_end": "9999-12-31"}, "period_start"),
        ({"signed_off_on": None}, "signed_off_on"),
        ({"kind": "weather"}, "kind"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(world, as_user, change, field):
    if change.get("period_end") == "__month_end__":
        change = {"period_end": f"{ds.period_of(Cadence.MONTHLY, START)[1]}"}
    response = as_user(world.users["cadre"]).post(URL, body(world, **change), format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Disclosure.objects.exists()


def test_a_finance_disclosure_without_sign_off_is_not_published(world, as_user):
    api = as_user(world.users["cadre"])
    pk = api.post(URL, body(world, signed_off_by="", signed_off_on=None), format="json").json()["id"]
    response = api.post(f"{URL}{pk}/publish/")
    assert response.status_code == 400 and "村务监督委员会" in response.json()["signed_off_by"][0]


def test_others_read_but_do_not_write(world, as_user):
    d = ds.disclosure_create(
        village=world.village_a1,
        kind=DisclosureKind.PARTY,
        period_start=START,
        period_end=END,
        title="党务公开",
        body="内容",
        actor=world.users["cadre"],
    )
    for who in ("office", "supervisor", "client"):
        api = as_user(world.users[who])
        assert [r["id"] for r in api.get(URL).json()["results"]] == [d.pk], who
        assert api.post(URL, body(world), format="json").status_code == 403, who
        assert api.post(f"{URL}{d.pk}/publish/").status_code == 403, who
    for who in ("office_b", "grid_worker", "department", "party_member"):
        api = as_user(world.users[who])
        listed = api.get(URL)
        assert listed.status_code in (200, 403) and (
            listed.status_code == 403 or listed.json()["results"] == []
        ), who
        assert api.get(f"{URL}{d.pk}/").status_code in (403, 404), who
    other = as_user(world.users["cadre"]).post(URL, body(world, village=world.village_b1.pk), format="json")
    assert other.status_code == 400 and "village" in other.json()
    assert Disclosure.objects.count() == 1


def test_filters(world, as_user):
    cadre = world.users["cadre"]
    party = ds.disclosure_create(
        village=world.village_a1,
        kind=DisclosureKind.PARTY,
        period_start=START,
        period_end=END,
        title="党务",
        body="x",
        actor=cadre,
    )
    ds.disclosure_publish(disclosure=party, actor=cadre)
    earlier = ds.period_of(Cadence.QUARTERLY, START - datetime.timedelta(days=1))
    old = ds.disclosure_create(
        village=world.village_a1,
        kind=DisclosureKind.VILLAGE,
        period_start=earlier[0],
        period_end=earlier[1],
        title="村务",
        body="x",
        actor=cadre,
    )
    api = as_user(world.users["office"])

    def ids(query):
        return [r["id"] for r in api.get(f"{URL}?{query}").json()["results"]]

    assert ids("kind=party") == [party.pk]
    assert ids("published=true") == [party.pk]
    assert ids("published=false") == [old.pk]
    assert ids(f"period={START + datetime.timedelta(days=20)}") == [party.pk]
    assert ids(f"village={world.village_a1.pk}") == [party.pk, old.pk]
    assert ids(f"town={world.town_a.pk}") == [party.pk, old.pk]
    assert ids(f"village={world.village_a2.pk}") == []


def test_the_list_takes_a_constant_number_of_queries(world, as_user, count_queries):
    cadre = world.users["cadre"]
    api = as_user(world.users["office"])

    def make(n):
        for i in range(n):
            start, end = ds.period_of(Cadence.QUARTERLY, START - datetime.timedelta(days=92 * i))
            d = ds.disclosure_create(
                village=world.village_a1,
                kind=DisclosureKind.PARTY,
                period_start=start,
                period_end=end,
                title=f"党务{i}",
                body="x",
                actor=cadre,
            )
            ds.disclosure_publish(disclosure=d, actor=cadre)

    make(1)
    api.get(URL)
    with count_queries() as few:
        assert api.get(URL).status_code == 200
    Disclosure.objects.all().delete()
    make(5)
    with count_queries() as many:
        assert len(api.get(URL).json()["results"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries), many.listing()


# ---------------------------------------------------------------------------------------
# The access contract as a role × rows matrix (DESIGN.md: 三务 disclosures — office R,
# supervisor R, village cadre W own village, REST client R; nobody else)
# ---------------------------------------------------------------------------------------

READS = {
    "office": {"A1", "A2"},
    "supervisor": {"A1", "A2"},
    "cadre": {"A1"},
    "client": {"A1", "A2"},
    "office_b": {"B1"},
    "grid_worker": set(),
    "department": set(),
    "party_member": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("role", sorted(READS))
def test_each_role_reads_exactly_its_scope(world, as_user, role):
    villages = {"A1": world.village_a1, "A2": world.village_a2, "B1": world.village_b1}
    rows = {
        label: Disclosure.objects.create(
            village=v,
            town=v.town,
            kind=DisclosureKind.PARTY,
            period_start=START,
            period_end=END,
            title=label,
            body="x",
        )
        for label, v in villages.items()
    }
    api = as_user(world.users[role])
    listed = api.get(URL)
    seen = {r["title"] for r in listed.json()["results"]} if listed.status_code == 200 else set()
    assert listed.status_code in (200, 403)
    assert seen == READS[role]
    for label, row in rows.items():
        status = api.get(f"{URL}{row.pk}/").status_code
        assert (status == 200) == (label in READS[role]), (label, status)
        assert status in (200, 403, 404)
