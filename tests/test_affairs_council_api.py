"""The council's moves in the API, as its topic page makes them (affairs/council_views.py)
and through the same services (affairs/council.py): publish a topic, record a suggestion,
decide one (adopted or not, what came of it), close the topic. Each: done and audited,
bad input a field error in Chinese with nothing changed, another village's topic 404, a
topic the user reads but does not keep 403."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from affairs import council as service
from affairs.choices import Seat, TopicState
from affairs.models import Member, Suggestion, Topic
from governance.choices import AuditAction, Role
from governance.models import AuditEntry

from . import factories as f

pytestmark = pytest.mark.django_db

PAST = timezone.now() - datetime.timedelta(days=1)
BASE = "/api/v1/affairs/topics"


def audited(action, instance) -> int:
    return AuditEntry.objects.filter(
        action=action,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
    ).count()


def chinese(errors: list) -> bool:
    return bool(errors) and all(re.search(r"[\u4e00-\u9fff]", str(message)) for message in errors)


def new_topic(world, *, village=None, actor=None, published=False, title="修建村口便民桥") -> Topic:
    actor = actor or world.users["cadre"]
    topic = service.topic_create(
        village=village or world.village_a1, title=title, description="村口小河上修一座便民桥。", actor=actor
    )
    if published:
        topic = service.topic_publish(topic=topic, actor=actor)
    return topic


def test_the_cadre_publishes_a_topic_once(world, as_user):
    topic = new_topic(world)
    api = as_user(world.users["cadre"])
    response = api.post(f"{BASE}/{topic.pk}/publish/", format="json")
    assert response.status_code == 200, response.data
    assert response.data["id"] == topic.pk and response.data["state"] == TopicState.PUBLISHED
    assert response.data["published_at"]
    topic.refresh_from_db()
    assert topic.state == TopicState.PUBLISHED and topic.published_at is not None
    assert audited(AuditAction.UPDATE, topic) == 1
    # once more: a field error, nothing changes
    published_at = topic.published_at
    response = api.post(f"{BASE}/{topic.pk}/publish/", format="json")
    assert response.status_code == 400 and chinese(response.data["state"]), response.data
    topic.refresh_from_db()
    assert topic.published_at == published_at
    # the party member of the village reads it now
    party = as_user(world.users["party_member"]).get(f"{BASE}/{topic.pk}/")
    assert party.status_code == 200 and party.data["id"] == topic.pk


def test_a_suggestion_is_recorded_on_an_open_topic(world, as_user):
    topic = new_topic(world, published=True)
    meeting = service.meeting_record(
        village=world.village_a1, held_at=PAST, place="议事厅", topics=[topic], actor=world.users["cadre"]
    )
    api = as_user(world.users["office"])  # the town office keeps its villages' councils too
    response = api.post(
        f"{BASE}/{topic.pk}/suggestions/",
        {
            "by": "村民刘某",
            "text": "桥边加装护栏",
            "meeting": meeting.pk,
            "adopted": True,
            "outcome": "已列入预算",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    (row,) = response.data["suggestions"]
    assert (row["by"], row["text"], row["meeting"], row["adopted"], row["outcome"]) == (
        "村民刘某",
        "桥边加装护栏",
        meeting.pk,
        True,
        "已列入预算",
    )
    response = api.post(
        f"{BASE}/{topic.pk}/suggestions/", {"by": "村民陈某", "text": "改走小路"}, format="json"
    )
    assert response.status_code == 201 and response.data["suggestions"][1]["adopted"] is None
    suggestion = Suggestion.objects.get(text="桥边加装护栏")
    assert audited(AuditAction.CREATE, suggestion) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"by": "", "text": "桥边加装护栏"}, "by"),
        ({"by": "   ", "text": "桥边加装护栏"}, "by"),
        ({"by": "村民刘某", "text": ""}, "text"),
        ({"text": "桥边加装护栏"}, "by"),
        ({"by": "村民刘某", "text": "x" * 2001}, "text"),
        ({"by": "村民刘某", "text": "好", "adopted": "maybe"}, "adopted"),
        ({"by": "村民刘某", "text": "好", "meeting": 999_999_999}, "meeting"),
        ({"by": "村民刘某", "text": "好", "meeting": "abc"}, "meeting"),
        ({"by": "村民刘某", "text": "好", "meeting": 10**40}, "meeting"),
        ({"by": "村民刘某", "text": "好", "meeting": "other-village"}, "meeting"),
        ({"by": "村民刘某", "text": "好", "meeting": "not-discussed"}, "meeting"),
    ],
)
def test_a_bad_suggestion_is_a_field_error_in_chinese(world, as_user, data, field):
    topic = new_topic(world, published=True)
    other = new_topic(world, published=True, title="另一个议题")
    cadre = world.users["cadre"]
    meetings = {
        "not-discussed": service.meeting_record(
            village=world.village_a1, held_at=PAST, place="议事厅", topics=[other], actor=cadre
        ),
        "other-village": service.meeting_record(
            village=world.village_a2,
            held_at=PAST,
            place="议事厅",
            topics=[new_topic(world, village=world.village_a2, actor=world.users["office"], published=True)],
            actor=world.users["office"],
        ),
    }
    if data.get("meeting") in meetings:
        data = {**data, "meeting": meetings[data["meeting"]].pk}
    response = as_user(cadre).post(f"{BASE}/{topic.pk}/suggestions/", data, format="json")
    assert response.status_code == 400, response.data
    assert chinese(response.data[field]), response.data
    assert not Suggestion.objects.exists()


def test_a_suggestion_is_decided_with_what_came_of_it(world, as_user):
    topic = new_topic(world, published=True)
    cadre = world.users["cadre"]
    suggestion = service.suggestion_add(topic=topic, by="村民刘某", text="桥边加装护栏", actor=cadre)
    api = as_user(cadre)
    response = api.post(
        f"{BASE}/{topic.pk}/decide/",
        {"suggestion": suggestion.pk, "adopted": False, "outcome": "资金不足，明年再议"},
        format="json",
    )
    assert response.status_code == 200, response.data
    (row,) = response.data["suggestions"]
    assert (row["id"], row["adopted"], row["outcome"]) == (suggestion.pk, False, "资金不足，明年再议")
    suggestion.refresh_from_db()
    assert suggestion.adopted is False and suggestion.outcome == "资金不足，明年再议"
    assert audited(AuditAction.UPDATE, suggestion) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"adopted": True}, "suggestion"),
        ({"suggestion": "another-topics", "adopted": True}, "suggestion"),
        ({"suggestion": 999_999_999_999, "adopted": True}, "suggestion"),
        ({"suggestion": 10**40, "adopted": True}, "suggestion"),
        ({"suggestion": "²", "adopted": True}, "suggestion"),
        ({"suggestion": "own"}, "adopted"),
        ({"suggestion": "own", "adopted": None}, "adopted"),
        ({"suggestion": "own", "adopted": "perhaps"}, "adopted"),
        ({"suggestion": "own", "adopted": True, "outcome": "x" * 2001}, "outcome"),
    ],
)
def test_a_bad_decision_is_a_field_error_in_chinese(world, as_user, data, field):
    cadre = world.users["cadre"]
    topic = new_topic(world, published=True)
    other = new_topic(world, published=True, title="另一个议题")
    own = service.suggestion_add(topic=topic, by="村民刘某", text="好", actor=cadre)
    foreign = service.suggestion_add(topic=other, by="村民陈某", text="好", actor=cadre)
    named = {"own": own.pk, "another-topics": foreign.pk}
    data = {k: named.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    response = as_user(cadre).post(f"{BASE}/{topic.pk}/decide/", data, format="json")
    assert response.status_code == 400 and chinese(response.data[field]), response.data
    assert set(Suggestion.objects.values_list("adopted", flat=True)) == {None}


def test_a_topic_closes_with_its_outcome_and_releases_its_stakeholders(world, as_user):
    cadre = world.users["cadre"]
    topic = new_topic(world, published=True)
    suggestion = service.suggestion_add(topic=topic, by="村民刘某", text="好", actor=cadre)
    service.member_add(village=world.village_a1, seat=Seat.STAKEHOLDER, name="孙某", topic=topic, actor=cadre)
    api = as_user(cadre)
    response = api.post(f"{BASE}/{topic.pk}/close/", {"outcome": " "}, format="json")
    assert response.status_code == 400 and chinese(response.data["outcome"])
    assert api.post(f"{BASE}/{topic.pk}/close/", {}, format="json").status_code == 400
    assert Topic.objects.get(pk=topic.pk).state == TopicState.PUBLISHED
    response = api.post(f"{BASE}/{topic.pk}/close/", {"outcome": "便民桥已建成"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["state"] == TopicState.CLOSED and response.data["outcome"] == "便民桥已建成"
    assert Member.objects.get(name="孙某").until == timezone.localdate()
    # closed: neither closed again, nor a suggestion added or decided
    response = api.post(f"{BASE}/{topic.pk}/close/", {"outcome": "再关"}, format="json")
    assert response.status_code == 400 and chinese(response.data["state"])
    response = api.post(f"{BASE}/{topic.pk}/suggestions/", {"by": "村民", "text": "晚了"}, format="json")
    assert response.status_code == 400 and chinese(response.data["topic"])
    response = api.post(
        f"{BASE}/{topic.pk}/decide/", {"suggestion": suggestion.pk, "adopted": True}, format="json"
    )
    assert response.status_code == 400 and chinese(response.data["topic"])
    assert Topic.objects.get(pk=topic.pk).outcome == "便民桥已建成"
    assert Suggestion.objects.get().adopted is None


def test_the_moves_are_the_keepers_only_and_404_out_of_scope(world, as_user):
    cadre = world.users["cadre"]
    proposed = new_topic(world, title="未公开")
    published = new_topic(world, published=True, title="已公开")
    suggestion = service.suggestion_add(topic=published, by="村民", text="好", actor=cadre)
    elsewhere = new_topic(world, village=world.village_b1, actor=world.users["office_b"], published=True)
    cadre_a2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    moves = {
        "publish": {},
        "suggestions": {"by": "村民", "text": "好"},
        "decide": {"suggestion": suggestion.pk, "adopted": True},
        "close": {"outcome": "办结"},
    }
    before = AuditEntry.objects.count()
    for user, topic, status in [
        (cadre_a2, published, 404),  # another village's cadre: it does not exist
        (world.users["office_b"], published, 404),
        (world.users["party_member"], proposed, 404),  # not yet published
        (world.users["party_member"], published, 403),  # reads, takes part, keeps nothing
        (world.users["supervisor"], published, 403),
        (world.users["client"], published, 403),
        (world.users["grid_worker"], published, 404),
        (world.users["department"], published, 404),
        (cadre, elsewhere, 404),
        (world.users["office"], elsewhere, 404),
    ]:
        for move, data in moves.items():
            response = as_user(user).post(f"{BASE}/{topic.pk}/{move}/", data, format="json")
            assert response.status_code == status, (user, topic, move, response.status_code)
    assert as_user(cadre).post(f"{BASE}/999999999/publish/", format="json").status_code == 404
    assert AuditEntry.objects.count() == before
    assert Topic.objects.get(pk=proposed.pk).state == TopicState.PROPOSED
    assert Topic.objects.get(pk=published.pk).state == TopicState.PUBLISHED
    assert Suggestion.objects.count() == 1 and Suggestion.objects.get().adopted is None
