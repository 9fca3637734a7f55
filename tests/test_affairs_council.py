"""The villagers' council (村民议事厅, 9+X) and public hearings (评理说事): the rules,
bad input (Chinese field errors, nothing saved), scoping (pages and API), the public page
(published topics only, no personal data), stakeholders released on close, a hearing
solving its case."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from affairs import council as service
from affairs.choices import Seat, TopicKind, TopicState
from affairs.models import Hearing, Meeting, Member, Suggestion, Topic
from cases.choices import CaseState, Move
from cases.models import Case
from cases.services import case_move
from governance.choices import AuditAction
from governance.models import AuditEntry

from .case_states import new_case

pytestmark = pytest.mark.django_db

PAST = timezone.now() - datetime.timedelta(days=1)


def topic(world, *, actor=None, title="修建村口便民桥", village=None):
    return service.topic_create(
        village=village or world.village_a1,
        title=title,
        description="村口小河上修一座便民桥。",
        actor=actor or world.users["cadre"],
    )


def zh(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def login(client, user):
    client.force_login(user)
    return zh(client)


def panel():
    return [
        {"name": "张代表", "role": "人大代表"},
        {"name": "李代表", "role": "党代表"},
        {"name": "王委员", "role": "政协委员"},
    ]


# --- the council -------------------------------------------------------------------------


def test_a_topic_is_proposed_published_discussed_and_closed_and_audited(world):
    cadre = world.users["cadre"]
    t = topic(world)
    assert t.state == TopicState.PROPOSED and t.town == world.town_a
    service.topic_publish(topic=t, actor=cadre)
    t.refresh_from_db()
    assert t.state == TopicState.PUBLISHED and t.published_at
    member = service.member_add(village=world.village_a1, seat=Seat.PARTY_BRANCH, name="赵书记", actor=cadre)
    meeting = service.meeting_record(
        village=world.village_a1,
        held_at=PAST,
        place="村委会议室",
        topics=[t],
        attendees=[member],
        others_present=12,
        minutes="讨论修桥",
        actor=cadre,
        kind=TopicKind.COURTYARD,
    )
    t.refresh_from_db()
    assert t.state == TopicState.DISCUSSED and list(meeting.attendees.all()) == [member]
    service.suggestion_add(
        topic=t, by="村民刘某", text="用钢筋混凝土", adopted=True, outcome="已采纳", actor=cadre
    )
    s2 = service.suggestion_add(topic=t, by="村民陈某", text="建木桥", meeting=meeting, actor=cadre)
    service.suggestion_decide(suggestion=s2, adopted=False, outcome="不耐用", actor=cadre)
    service.topic_close(topic=t, outcome="桥已建成", actor=cadre)
    t.refresh_from_db()
    assert t.state == TopicState.CLOSED and t.outcome == "桥已建成"
    counts = service.counts_by_village(service.topics_for_user(cadre))
    assert counts == [{"village__code": "VA1", "village__name": "甲一村", "topics": 1, "adopted": 1}]
    # published, discussed (by the meeting) and closed: each an audit row
    assert AuditEntry.objects.filter(object_id=str(t.pk), action=AuditAction.UPDATE).count() == 3


def test_a_stakeholder_sits_for_one_topic_and_is_released_when_it_closes(world):
    cadre = world.users["cadre"]
    t = topic(world)
    x = service.member_add(
        village=world.village_a1, seat=Seat.STAKEHOLDER, name="受益户孙某", topic=t, actor=cadre
    )
    fixed = service.member_add(village=world.village_a1, seat=Seat.WORTHY, name="乡贤周某", actor=cadre)
    assert x.until is None
    service.topic_close(topic=t, outcome="已解决", actor=cadre)
    x.refresh_from_db()
    fixed.refresh_from_db()
    assert x.until == timezone.localdate() and fixed.until is None
    with pytest.raises(ValidationError) as exc:
        service.member_add(village=world.village_a1, seat=Seat.STAKEHOLDER, name="某", topic=t, actor=cadre)
    assert "topic" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.suggestion_add(topic=t, by="某", text="晚了", actor=cadre)
    assert "topic" in exc.value.message_dict


def test_bad_input_gives_field_errors_and_saves_nothing(world):
    cadre = world.users["cadre"]
    other = topic(world, village=world.village_a2, actor=world.users["office"])
    with pytest.raises(ValidationError) as exc:
        service.meeting_record(
            village=world.village_a1,
            held_at=timezone.now() + datetime.timedelta(hours=2),
            place=" ",
            topics=[other],
            actor=cadre,
        )
    assert set(exc.value.message_dict) >= {"held_at", "place", "topics"}
    with pytest.raises(ValidationError) as exc:
        service.member_add(village=world.village_a1, seat=Seat.STAKEHOLDER, name="", actor=cadre)
    assert set(exc.value.message_dict) == {"name", "topic"}
    assert not Meeting.objects.exists() and not Member.objects.exists()


def test_the_pages_answer_bad_input_in_chinese_and_save_nothing(world, client):
    login(client, world.users["cadre"])
    r = client.post(
        reverse("affairs:topic-new"), {"village": world.village_a1.pk, "kind": "council", "title": "  "}
    )
    assert r.status_code == 200 and "该字段是必填项" in r.content.decode()
    assert not Topic.objects.exists()
    t = topic(world)
    r = client.post(reverse("affairs:topic", args=[t.pk]), {"action": "close", "c-outcome": ""})
    assert r.status_code == 200 and Topic.objects.get().state == TopicState.PROPOSED
    r = client.post(
        reverse("affairs:hearing-new"),
        {
            "village": world.village_a1.pk,
            "title": "道路纠纷",
            "parties": "甲、乙",
            "held_at": "2099-01-01T10:00",
            "place": "村委会",
            "summary": "双方陈述",
        },
    )
    body = r.content.decode()
    assert r.status_code == 200 and not Hearing.objects.exists()
    assert "尚未到来" in body or "还未" in body or "未来" in body or "评议团" in body


def test_the_village_and_its_town_keep_the_council_others_do_not(world):
    t = topic(world)
    with pytest.raises(PermissionDenied):
        service.topic_publish(topic=t, actor=world.users["supervisor"])
    with pytest.raises(PermissionDenied):
        topic(world, actor=world.users["office_b"])
    with pytest.raises(PermissionDenied):
        topic(world, village=world.village_a2)  # the cadre of 甲一村
    service.topic_publish(topic=t, actor=world.users["office"])


def test_a_party_member_reads_their_villages_published_topics_only(world, client, as_user):
    proposed = topic(world, title="未公开的议题")
    published = topic(world, title="公开的议题")
    service.topic_publish(topic=published, actor=world.users["cadre"])
    elsewhere = topic(world, village=world.village_b1, actor=world.users["office_b"], title="乙村议题")
    service.topic_publish(topic=elsewhere, actor=world.users["office_b"])
    login(client, world.users["party_member"])
    body = client.get(reverse("affairs:topics")).content.decode()
    assert "公开的议题" in body and "未公开的议题" not in body and "乙村议题" not in body
    assert client.get(reverse("affairs:topic", args=[published.pk])).status_code == 200
    assert client.get(reverse("affairs:topic", args=[proposed.pk])).status_code == 404
    assert client.get(reverse("affairs:topic", args=[elsewhere.pk])).status_code == 404
    assert (
        client.post(reverse("affairs:topic", args=[published.pk]), {"action": "publish"}).status_code == 403
    )
    api = as_user(world.users["party_member"])
    ids = {row["id"] for row in api.get("/api/v1/affairs/topics/").json()["results"]}
    assert ids == {published.pk}
    supervisor = as_user(world.users["supervisor"])
    ids = {row["id"] for row in supervisor.get("/api/v1/affairs/topics/").json()["results"]}
    assert ids == {proposed.pk, published.pk}


def test_another_villages_rows_are_404_on_pages_and_api(world, client, as_user):
    t = topic(world, village=world.village_b1, actor=world.users["office_b"])
    h = service.hearing_record(
        village=world.village_b1,
        title="纠纷",
        parties="甲、乙",
        held_at=PAST,
        place="村委会",
        panel=panel(),
        summary="陈述",
        actor=world.users["office_b"],
    )
    login(client, world.users["cadre"])
    assert client.get(reverse("affairs:topic", args=[t.pk])).status_code == 404
    assert client.get(reverse("affairs:hearing", args=[h.pk])).status_code == 404
    api = as_user(world.users["office"])
    assert api.get(f"/api/v1/affairs/topics/{t.pk}/").status_code == 404
    assert api.get(f"/api/v1/affairs/hearings/{h.pk}/").status_code == 404


def test_the_public_page_shows_published_topics_and_adopted_suggestions_without_names(world):
    cadre = world.users["cadre"]
    topic(world, title="尚未公开")
    t = topic(world, title="修建文化广场")
    service.topic_publish(topic=t, actor=cadre)
    service.suggestion_add(
        topic=t, by="村民刘某某", text="广场加装路灯", adopted=True, outcome="已安装", actor=cadre
    )
    service.suggestion_add(topic=t, by="村民陈某某", text="改建停车场", adopted=False, actor=cadre)
    body = zh(Client()).get(reverse("affairs:public-topics", args=["VA1"])).content.decode()
    assert "修建文化广场" in body and "广场加装路灯" in body and "已安装" in body
    assert "尚未公开" not in body and "改建停车场" not in body
    assert "刘某某" not in body and "陈某某" not in body
    assert Client().get(reverse("affairs:public-topics", args=["nosuch"])).status_code == 404


def test_the_pages_work_for_the_cadre(world, client):
    cadre = world.users["cadre"]
    t = topic(world)
    login(client, cadre)
    for name in (
        "affairs:topics",
        "affairs:topic-new",
        "affairs:meeting-new",
        "affairs:council",
        "affairs:hearings",
        "affairs:hearing-new",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    r = client.post(reverse("affairs:topic", args=[t.pk]), {"action": "publish"})
    assert r.status_code == 302
    r = client.post(
        reverse("affairs:council"),
        {
            "village": world.village_a1.pk,
            "seat": "stakeholder",
            "name": "孙某",
            "topic": t.pk,
            "since": "2020-01-01",
        },
    )
    assert r.status_code == 302 and Member.objects.get().topic == t
    r = client.post(
        reverse("affairs:meeting-new"),
        {
            "village": world.village_a1.pk,
            "kind": "council",
            "held_at": "2020-01-02T10:00",
            "place": "议事厅",
            "topics": [t.pk],
            "attendees": [Member.objects.get().pk],
            "others_present": "3",
        },
    )
    assert r.status_code == 302, r.content.decode()
    r = client.post(
        reverse("affairs:topic", args=[t.pk]),
        {"action": "suggest", "s-by": "刘某", "s-text": "好", "s-adopted": ""},
    )
    s = Suggestion.objects.get()
    r = client.post(
        reverse("affairs:topic", args=[t.pk]),
        {"action": "decide", "suggestion": s.pk, "adopted": "1", "outcome": "照办"},
    )
    s.refresh_from_db()
    assert s.adopted is True and s.outcome == "照办"
    r = client.post(reverse("affairs:topic", args=[t.pk]), {"action": "close", "c-outcome": "已办结"})
    assert r.status_code == 302 and Member.objects.get().until == timezone.localdate()
    assert "已办结" in client.get(reverse("affairs:topic", args=[t.pk])).content.decode()


# --- hearings ----------------------------------------------------------------------------


def test_a_settled_hearing_solves_its_village_case(world, client):
    cadre = world.users["cadre"]
    case = new_case(world)
    assert case.state == CaseState.REGISTERED
    hearing = service.hearing_record(
        village=world.village_a1,
        title="道路通行纠纷",
        parties="张家、李家",
        held_at=PAST,
        place="村委会",
        panel=panel(),
        summary="双方陈述",
        panel_view="应让出通道",
        outcome="李家让出一米通道",
        settled=True,
        case=case,
        solve_case=True,
        actor=cadre,
    )
    case.refresh_from_db()
    assert case.state == CaseState.SOLVED and "李家让出一米通道" in case.solution
    assert hearing.panel == panel()
    login(client, cadre)
    body = client.get(reverse("affairs:hearing", args=[hearing.pk])).content.decode()
    assert case.tracking_number in body and "人大代表" in body
    listed = client.get(reverse("affairs:hearings") + f"?case={case.pk}").content.decode()
    assert "道路通行纠纷" in listed


def test_a_hearing_does_not_solve_a_case_it_may_not_and_saves_nothing(world):
    cadre = world.users["cadre"]
    case = new_case(world)
    case_move(case=case, move=Move.ESCALATE, actor=cadre, note="村级无法解决")
    case.refresh_from_db()
    kwargs = dict(
        village=world.village_a1,
        title="纠纷",
        parties="甲、乙",
        held_at=PAST,
        place="村委会",
        panel=panel(),
        summary="陈述",
        outcome="和解",
        settled=True,
        case=case,
        actor=cadre,
    )
    with pytest.raises(ValidationError) as exc:
        service.hearing_record(solve_case=True, **kwargs)
    assert "solve_case" in exc.value.message_dict and not Hearing.objects.exists()
    service.hearing_record(**kwargs)  # only linked
    assert Case.objects.get(pk=case.pk).state == case.state
    other = new_case(world, where="b1")
    with pytest.raises(ValidationError) as exc:
        service.hearing_record(**{**kwargs, "case": other})
    assert "case" in exc.value.message_dict


def test_a_hearing_needs_its_panel_with_names_and_roles(world):
    with pytest.raises(ValidationError) as exc:
        service.hearing_record(
            village=world.village_a1,
            title="纠纷",
            parties="甲、乙",
            held_at=PAST,
            place="村委会",
            panel=[{"name": "张某", "role": ""}],
            summary="陈述",
            actor=world.users["cadre"],
        )
    assert "panel" in exc.value.message_dict and not Hearing.objects.exists()


def test_the_api_records_a_topic_a_member_a_meeting_and_a_hearing(world, as_user):
    api = as_user(world.users["cadre"])
    r = api.post(
        "/api/v1/affairs/topics/",
        {"village": world.village_a1.pk, "kind": "council", "title": "修路", "description": "修村道"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    tid = r.json()["id"]
    service.topic_publish(topic=Topic.objects.get(pk=tid), actor=world.users["cadre"])
    r = api.post(
        "/api/v1/affairs/council-members/",
        {"village": world.village_a1.pk, "seat": "veteran", "name": "老党员吴某"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = api.post(
        "/api/v1/affairs/meetings/",
        {
            "village": world.village_a1.pk,
            "held_at": PAST.isoformat(),
            "place": "议事厅",
            "topics": [tid],
            "attendees": [r.json()["id"]],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = api.post(
        "/api/v1/affairs/hearings/",
        {
            "village": world.village_a1.pk,
            "title": "纠纷",
            "parties": "甲、乙",
            "held_at": PAST.isoformat(),
            "place": "村委会",
            "panel": panel(),
            "summary": "陈述",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = api.post(
        "/api/v1/affairs/meetings/",
        {"village": world.village_a1.pk, "held_at": PAST.isoformat(), "place": "", "topics": []},
        format="json",
    )
    assert r.status_code == 400 and Meeting.objects.count() == 1


def test_the_demo_builds_a_council_with_its_topics_and_a_hearing_linked_to_a_case(db):
    import io

    from django.core.management import call_command

    call_command(
        "seed_demo",
        "--villages",
        "2",
        "--grids-per-village",
        "2",
        "--households-per-village",
        "10",
        stdout=io.StringIO(),
    )
    village = Topic.objects.values_list("village", flat=True).first()
    assert Member.objects.filter(village=village, topic__isnull=True).count() == 9
    topics = Topic.objects.filter(village=village)
    assert topics.count() == 12 and topics.filter(kind=TopicKind.COURTYARD).exists()
    assert Suggestion.objects.filter(topic__village=village, adopted=True).count() >= 5
    assert Member.objects.filter(village=village, until__isnull=False).exists()
    hearing = Hearing.objects.get()
    assert hearing.case is not None and len(hearing.panel) == 6
    call_command(
        "seed_demo",
        "--villages",
        "2",
        "--grids-per-village",
        "2",
        "--households-per-village",
        "10",
        stdout=io.StringIO(),
    )
    assert Topic.objects.filter(village=village).count() == 12 and Hearing.objects.count() == 1


def test_a_party_member_sees_no_stakeholder_or_filter_choice_of_a_proposed_topic(world, as_user, rf):
    from affairs.api.council import MemberFilter
    from governance.filters import prepare

    cadre = world.users["cadre"]
    proposed = topic(world, title="未公开的议题")
    published = topic(world, title="公开的议题")
    service.topic_publish(topic=published, actor=cadre)
    hidden = service.member_add(
        village=world.village_a1, seat=Seat.STAKEHOLDER, name="未公开利益方", topic=proposed, actor=cadre
    )
    shown = service.member_add(
        village=world.village_a1, seat=Seat.STAKEHOLDER, name="公开利益方", topic=published, actor=cadre
    )
    fixed = service.member_add(village=world.village_a1, seat=Seat.WORTHY, name="乡贤周某", actor=cadre)
    Suggestion.objects.create(topic=proposed, by="村民", text="未公开的建议")
    member = world.users["party_member"]
    api = as_user(member)
    ids = {row["id"] for row in api.get("/api/v1/affairs/council-members/").json()["results"]}
    assert ids == {shown.pk, fixed.pk}
    assert api.get(f"/api/v1/affairs/council-members/?topic={proposed.pk}").json()["results"] == []
    request = rf.get("/")
    request.user = member
    filterset = MemberFilter(data={}, queryset=Member.objects.all(), request=request)
    prepare(filterset, member)
    assert set(filterset.form.fields["topic"].queryset) == {published}
    assert not service.topics_for_user(member).filter(pk=proposed.pk).exists()
    from governance.scoping import restrict

    assert not restrict(Suggestion.objects.filter(topic=proposed), member).exists()
    # the cadre still sees them all
    ids = {row["id"] for row in as_user(cadre).get("/api/v1/affairs/council-members/").json()["results"]}
    assert {hidden.pk, shown.pk, fixed.pk} <= ids


def test_a_closed_topics_suggestion_is_not_decided(world):
    cadre = world.users["cadre"]
    t = topic(world)
    service.topic_publish(topic=t, actor=cadre)
    s = service.suggestion_add(topic=t, by="村民刘某", text="建木桥", actor=cadre)
    service.topic_close(topic=t, outcome="桥已建成", actor=cadre)
    with pytest.raises(ValidationError) as exc:
        service.suggestion_decide(suggestion=s, adopted=True, actor=cadre)
    assert "topic" in exc.value.message_dict
    s.refresh_from_db()
    assert s.adopted is None


def test_only_a_published_topic_is_discussed_at_a_meeting(world):
    from affairs.council_views import MeetingForm

    cadre = world.users["cadre"]
    proposed = topic(world, title="未公开的议题")
    published = topic(world, title="公开的议题")
    service.topic_publish(topic=published, actor=cadre)
    closed = topic(world, title="已办结的议题")
    service.topic_publish(topic=closed, actor=cadre)
    service.topic_close(topic=closed, outcome="已办结", actor=cadre)
    with pytest.raises(ValidationError) as exc:
        service.meeting_record(
            village=world.village_a1, held_at=PAST, place="村委会", topics=[proposed], actor=cadre
        )
    assert "会前公开" in exc.value.message_dict["topics"][0]
    proposed.refresh_from_db()
    assert proposed.state == TopicState.PROPOSED and not Meeting.objects.exists()
    form = MeetingForm(villages=service.villages_for_council(cadre), user=cadre)
    assert set(form.fields["topics"].queryset) == {published}


def test_a_meeting_and_a_close_audit_each_topic_and_released_stakeholder(world):
    cadre = world.users["cadre"]
    t = topic(world)
    service.topic_publish(topic=t, actor=cadre)
    x = service.member_add(
        village=world.village_a1, seat=Seat.STAKEHOLDER, name="利益方某", topic=t, actor=cadre
    )
    service.meeting_record(village=world.village_a1, held_at=PAST, place="村委会", topics=[t], actor=cadre)
    updates = AuditEntry.objects.filter(
        content_type__model="topic", object_id=str(t.pk), action=AuditAction.UPDATE
    )
    assert [e.changes["state"] for e in updates.order_by("id")] == [
        ["proposed", "published"],
        ["published", "discussed"],
    ]
    service.topic_close(topic=t, outcome="已办结", actor=cadre)
    released = AuditEntry.objects.filter(
        content_type__model="member", object_id=str(x.pk), action=AuditAction.UPDATE
    )
    assert released.count() == 1 and "until" in released.get().changes
