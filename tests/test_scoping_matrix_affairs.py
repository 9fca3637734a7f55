"""The access contract (DESIGN.md, "Who may do what", rows "council topics, major
decisions (四议一审两公开)" and "三务 disclosures") for the affairs app, as an endpoint ×
role matrix, the way tests/test_scoping_matrix_duty.py holds it for duty.

Council topics (with their suggestions), council members, meetings, major matters (with
their steps), public hearings and disclosures, each read by every named user of the
``world`` plus the cadre and a party member of village A2: through the API, the list
holds exactly the rows the contract gives the role (and the nested suggestions and steps
exactly theirs), an object inside answers 200, outside 404 (never a trace of it), a role
that may not read the model at all gets 403; the main pages show exactly the same rows.
A party member reads their own village's council and decisions, but not a topic still
proposed (nor its suggestions and stakeholders); disclosures are not theirs. Writes: the
cadre of another village finds nothing to change, a supervisor may change nothing.

Labels: by village (A1, A2 of town A; B1 of town B); topics and their suggestions by
village and state (A1p proposed, A1s published, A2p, A2s, B1s); council members A1 (a
fixed seat), A1x (stakeholder of the proposed A1p), A1y (stakeholder of A1s), A2, B1;
disclosures A1d (a draft of A1), A1, A2, B1 (published). Each label is written in the
row's title (name, note, text) as 〔<letter>-<label>〕, so pages are read for it.
"""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from affairs.choices import DisclosureKind, MatterKind, Seat, TopicState
from affairs.models import Disclosure, Hearing, Matter, Meeting, Member, StepRecord, Suggestion, Topic
from governance.choices import Role
from governance.models import AuditEntry

from . import factories as f

pytestmark = pytest.mark.django_db

ROLES = [
    "office",
    "supervisor",
    "cadre",
    "cadre_a2",
    "grid_worker",
    "department",
    "party_member",
    "party_member_a2",
    "client",
    "office_b",
    "nobody",
]
NO = "403"
PAST = timezone.now() - datetime.timedelta(days=2)


def tag(letter: str, label: str) -> str:
    return f"〔{letter}-{label}〕"


def tags(letter: str, text: str) -> set[str]:
    return set(re.findall(rf"〔{letter}-(\w+)〕", text))


@pytest.fixture
def users(world):
    branch_a2 = f.PartyBranchFactory(village=world.village_a2, name="甲二村党支部")
    member_a2 = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a2, name="甲二党员"), branch=branch_a2
    )
    return {
        **world.users,
        "cadre_a2": f.member(Role.VILLAGE_CADRE, village=world.village_a2),
        "party_member_a2": f.member(Role.PARTY_MEMBER, party_member=member_a2),
    }


@pytest.fixture
def a(world, users):
    """One row of each affairs model per area of the world, straight into the tables (the
    services would add audit rows and check rules this matrix does not test)."""
    cadre = users["cadre"]
    villages = {"A1": world.village_a1, "A2": world.village_a2, "B1": world.village_b1}
    today = timezone.localdate()

    def in_village(label):
        village = villages[label[:2]]
        return {"village": village, "town_id": village.town_id}

    topics = {}
    for label, state in [
        ("A1p", TopicState.PROPOSED),
        ("A1s", TopicState.PUBLISHED),
        ("A2p", TopicState.PROPOSED),
        ("A2s", TopicState.PUBLISHED),
        ("B1s", TopicState.PUBLISHED),
    ]:
        topics[label] = Topic.objects.create(
            **in_village(label),
            title=tag("T", label),
            description="议题说明",
            proposed_by=cadre,
            state=state,
            published_at=None if state == TopicState.PROPOSED else PAST,
        )
        Suggestion.objects.create(topic=topics[label], by="村民", text=tag("G", label))
    members = {}
    for label, topic in [("A1", None), ("A1x", "A1p"), ("A1y", "A1s"), ("A2", None), ("B1", None)]:
        members[label] = Member.objects.create(
            **in_village(label),
            seat=Seat.STAKEHOLDER if topic else Seat.VETERAN,
            topic=topics[topic] if topic else None,
            name=tag("M", label),
            since=today,
        )
    meetings, matters, hearings = {}, {}, {}
    for label in ("A1", "A2", "B1"):
        meeting = Meeting.objects.create(**in_village(label), held_at=PAST, place=tag("E", label))
        meeting.topics.set([topics[f"{label}s"]])
        meetings[label] = meeting
        matters[label] = Matter.objects.create(
            **in_village(label), kind=MatterKind.LAND, title=tag("X", label), description="土地流转", step=1
        )
        StepRecord.objects.create(matter=matters[label], step=1, date=today, note=tag("S", label), by=cadre)
        hearings[label] = Hearing.objects.create(
            **in_village(label),
            title=tag("H", label),
            parties="张家、李家",
            held_at=PAST,
            place="村委会",
            panel=[{"name": "张代表", "role": "人大代表"}],
            summary="双方陈述",
        )
    quarter = datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)
    disclosures = {}
    for label, kind, published in [
        ("A1d", DisclosureKind.FINANCE, False),
        ("A1", DisclosureKind.PARTY, True),
        ("A2", DisclosureKind.PARTY, True),
        ("B1", DisclosureKind.PARTY, True),
    ]:
        disclosures[label] = Disclosure.objects.create(
            **in_village(label),
            kind=kind,
            period_start=quarter[0],
            period_end=quarter[1],
            title=tag("D", label),
            body="公开内容",
            published_at=timezone.now() if published else None,
            published_by=cadre if published else None,
        )
    return {
        "topics": topics,
        "council-members": members,
        "meetings": meetings,
        "matters": matters,
        "hearings": hearings,
        "disclosures": disclosures,
    }


def rows(endpoint, *, town_a, cadre, cadre_a2, party_member, party_member_a2, office_b) -> list:
    return [
        (endpoint, "office", town_a),
        (endpoint, "supervisor", town_a),
        (endpoint, "cadre", cadre),
        (endpoint, "cadre_a2", cadre_a2),
        (endpoint, "grid_worker", NO),
        (endpoint, "department", NO),
        (endpoint, "party_member", party_member),
        (endpoint, "party_member_a2", party_member_a2),
        (endpoint, "client", town_a),
        (endpoint, "office_b", office_b),
        (endpoint, "nobody", NO),
    ]


MATRIX = [
    # Council topics: the village's cadres theirs, the town office, supervisors and REST
    # clients their town's; a party member their village's once published (a proposed
    # topic is not yet theirs); the suggestions go with their topic.
    *rows(
        "topics",
        town_a={"A1p", "A1s", "A2p", "A2s"},
        cadre={"A1p", "A1s"},
        cadre_a2={"A2p", "A2s"},
        party_member={"A1s"},
        party_member_a2={"A2s"},
        office_b={"B1s"},
    ),
    # Council members: by village; a stakeholder of a proposed topic not for party members.
    *rows(
        "council-members",
        town_a={"A1", "A1x", "A1y", "A2"},
        cadre={"A1", "A1x", "A1y"},
        cadre_a2={"A2"},
        party_member={"A1", "A1y"},
        party_member_a2={"A2"},
        office_b={"B1"},
    ),
    # Meetings, major matters (with their steps) and hearings: by village, a party member
    # their own village's.
    *[
        row
        for endpoint in ("meetings", "matters", "hearings")
        for row in rows(
            endpoint,
            town_a={"A1", "A2"},
            cadre={"A1"},
            cadre_a2={"A2"},
            party_member={"A1"},
            party_member_a2={"A2"},
            office_b={"B1"},
        )
    ],
    # 三务 disclosures: the village's cadres theirs (drafts included), the town office,
    # supervisors and REST clients their town's; not party members.
    *rows(
        "disclosures",
        town_a={"A1d", "A1", "A2"},
        cadre={"A1d", "A1"},
        cadre_a2={"A2"},
        party_member=NO,
        party_member_a2=NO,
        office_b={"B1"},
    ),
]
ENDPOINTS = sorted({endpoint for endpoint, _role, _expected in MATRIX})
LETTER = {
    "topics": "T",
    "council-members": "M",
    "meetings": "E",
    "matters": "X",
    "hearings": "H",
    "disclosures": "D",
}
# What each row carries nested, and its letter: a topic's suggestions, a matter's steps.
NESTED = {"topics": ("suggestions", "text", "G"), "matters": ("steps", "note", "S")}
# The main pages: the list page, the detail page (None: none of its own).
PAGES = {
    "topics": ("/affairs/topics/", "/affairs/topics/{pk}/"),
    "council-members": ("/affairs/council/", None),
    "meetings": (None, None),  # shown on their topic's page
    "matters": ("/affairs/matters/", "/affairs/matters/{pk}/"),
    "hearings": ("/affairs/hearings/", "/affairs/hearings/{pk}/"),
    "disclosures": ("/affairs/disclosures/", "/affairs/disclosures/{pk}/"),
}


def label_of(endpoint: str, row: dict) -> str:
    text = row["place"] if endpoint == "meetings" else row.get("title") or row.get("name")
    (label,) = tags(LETTER[endpoint], text)
    return label


def nested_labels(endpoint: str, rows_: list[dict]) -> set[str] | None:
    if endpoint not in NESTED:
        return None
    key, field, letter = NESTED[endpoint]
    return {label for row in rows_ for item in row[key] for label in tags(letter, item[field])}


def test_the_matrix_covers_every_endpoint_and_role():
    assert len(MATRIX) == len({(e, r) for e, r, _x in MATRIX}) == len(ENDPOINTS) * len(ROLES)


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in MATRIX]
)
def test_the_api_lists_and_reads_exactly_the_roles_scope(users, a, endpoint, role, expected):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(users[role])
    named = a[endpoint]
    base = f"/api/v1/affairs/{endpoint}/"
    response = client.get(f"{base}?page_size=500")
    if expected is NO:
        assert response.status_code == 403, response.content[:300]
        for obj in [*named.values(), None]:
            pk = obj.pk if obj is not None else 999_999
            assert client.get(f"{base}{pk}/").status_code == 403
        return
    assert response.status_code == 200, response.content[:300]
    listed = response.json()["results"]
    assert {label_of(endpoint, row) for row in listed} == expected
    assert len(listed) == len(expected)  # no row unnamed, none twice
    if endpoint in NESTED:
        assert nested_labels(endpoint, listed) == expected
    for label, obj in named.items():
        detail = client.get(f"{base}{obj.pk}/")
        if label in expected:
            assert detail.status_code == 200, (label, detail.status_code)
            assert label_of(endpoint, detail.json()) == label
            if endpoint in NESTED:
                assert nested_labels(endpoint, [detail.json()]) == {label}
        else:
            assert detail.status_code == 404, (label, detail.status_code)
            assert set(detail.json()) == {"detail"}


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in MATRIX if PAGES[row[0]][0]],
)
def test_the_pages_show_exactly_the_roles_scope(users, a, endpoint, role, expected):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users[role])
    letter = LETTER[endpoint]
    list_url, detail_url = PAGES[endpoint]
    response = client.get(list_url)
    if expected is NO:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert tags(letter, response.content.decode()) == expected
    if detail_url is None:
        return
    for label, obj in a[endpoint].items():
        response = client.get(detail_url.format(pk=obj.pk))
        body = response.content.decode()
        if expected is not NO and label in expected:
            assert response.status_code == 200, (label, response.status_code)
            assert tags(letter, body) == {label}
            if endpoint in NESTED:
                assert tags(NESTED[endpoint][2], body) == {label}
        else:
            assert response.status_code == 404, (label, response.status_code)
            assert not tags(letter, body) and not tags("G", body) and not tags("S", body)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_nothing(a, endpoint):
    obj = next(iter(a[endpoint].values()))
    anonymous = APIClient()
    base = f"/api/v1/affairs/{endpoint}/"
    assert anonymous.get(base).status_code == 401
    assert anonymous.get(f"{base}{obj.pk}/").status_code == 401
    assert anonymous.post(base, {}, format="json").status_code == 401
    web = Client()
    for url in PAGES[endpoint]:
        if url is not None:
            response = web.get(url.format(pk=obj.pk))
            assert response.status_code == 302 and "/login" in response["Location"]


# --- writes --------------------------------------------------------------------------------


def snapshot() -> dict:
    """What a refused write must leave as it was."""
    return {
        "topics": sorted(Topic.objects.values_list("id", "state", "outcome")),
        "suggestions": sorted(Suggestion.objects.values_list("id", "adopted", "outcome")),
        "members": sorted(Member.objects.values_list("id", "until")),
        "meetings": Meeting.objects.count(),
        "matters": sorted(Matter.objects.values_list("id", "step")),
        "steps": StepRecord.objects.count(),
        "hearings": Hearing.objects.count(),
        "disclosures": sorted(Disclosure.objects.values_list("id", "title", "published_at")),
        "audit": AuditEntry.objects.count(),
    }


def test_the_cadre_of_another_village_changes_nothing_of_this_one(world, users, a):
    """Village A1's rows do not exist for A2's cadre (404); a new row in A1 is refused on
    its village (400: not a choice; or 403 from the service)."""
    before = snapshot()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(users["cadre_a2"])
    topic, matter, disclosure = a["topics"]["A1s"], a["matters"]["A1"], a["disclosures"]["A1d"]
    base = "/api/v1/affairs"
    assert api.post(f"{base}/topics/{topic.pk}/publish/", format="json").status_code == 404
    assert api.post(f"{base}/topics/{topic.pk}/close/", {"outcome": "办结"}, format="json").status_code == 404
    assert api.post(f"{base}/matters/{matter.pk}/steps/", {"step": 2}, format="json").status_code == 404
    assert (
        api.patch(f"{base}/disclosures/{disclosure.pk}/", {"title": "改"}, format="json").status_code == 404
    )
    assert api.post(f"{base}/disclosures/{disclosure.pk}/publish/").status_code == 404
    response = api.post(
        f"{base}/topics/",
        {"village": world.village_a1.pk, "kind": "council", "title": "越权", "description": "越权"},
        format="json",
    )
    assert response.status_code == 400 and "village" in response.json()
    response = api.post(
        f"{base}/council-members/",
        {"village": world.village_a1.pk, "seat": "veteran", "name": "越权"},
        format="json",
    )
    assert response.status_code == 400 and "village" in response.json()
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(users["cadre_a2"])
    assert web.post(f"/affairs/topics/{topic.pk}/", {"action": "publish"}).status_code == 404
    assert web.post(f"/affairs/matters/{matter.pk}/", {"step": "2"}).status_code == 404
    assert web.post(f"/affairs/disclosures/{disclosure.pk}/", {"action": "publish"}).status_code == 404
    assert snapshot() == before


def test_a_supervisor_reads_but_writes_nothing(world, users, a):
    before = snapshot()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(users["supervisor"])
    topic, matter, disclosure = a["topics"]["A1p"], a["matters"]["A1"], a["disclosures"]["A1d"]
    base = "/api/v1/affairs"
    assert api.get(f"{base}/topics/{topic.pk}/").status_code == 200
    assert api.post(f"{base}/topics/{topic.pk}/publish/", format="json").status_code == 403
    assert api.post(f"{base}/topics/{topic.pk}/close/", {"outcome": "办结"}, format="json").status_code == 403
    for endpoint, data in [
        (
            "topics",
            {"village": world.village_a1.pk, "kind": "council", "title": "督查", "description": "督查"},
        ),
        ("council-members", {"village": world.village_a1.pk, "seat": "veteran", "name": "督查"}),
        (
            "meetings",
            {"village": world.village_a1.pk, "held_at": PAST.isoformat(), "place": "议事厅", "topics": []},
        ),
        (
            "hearings",
            {
                "village": world.village_a1.pk,
                "title": "纠纷",
                "parties": "甲、乙",
                "held_at": PAST.isoformat(),
                "place": "村委会",
                "panel": [{"name": "张代表", "role": "人大代表"}],
                "summary": "陈述",
            },
        ),
        ("matters", {"village": world.village_a1.pk, "kind": "land", "title": "督查", "description": "督查"}),
    ]:
        assert api.post(f"{base}/{endpoint}/", data, format="json").status_code == 403, endpoint
    response = api.post(
        f"{base}/matters/{matter.pk}/steps/",
        {"step": 2, "date": timezone.localdate().isoformat(), "note": "督查", "members": 5, "present": 5},
        format="json",
    )
    # the matters' step API looks the matter up among those the user may change (as
    # tests/test_affairs_matters.py holds it): a reader finds none
    assert response.status_code == 404
    assert (
        api.patch(f"{base}/disclosures/{disclosure.pk}/", {"title": "改"}, format="json").status_code == 403
    )
    assert api.post(f"{base}/disclosures/{disclosure.pk}/publish/").status_code == 403
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(users["supervisor"])
    assert web.post(f"/affairs/topics/{topic.pk}/", {"action": "publish"}).status_code == 403
    assert web.get("/affairs/topics/new/").status_code == 403
    assert web.get("/affairs/hearings/new/").status_code == 403
    assert web.post(f"/affairs/disclosures/{disclosure.pk}/", {"action": "publish"}).status_code == 403
    assert snapshot() == before
