"""Major matters by 四议一审两公开: the steps in order, the law's quorum and majority, the
town's review before the resolution (a refusal stops the matter), the two publications,
append-only steps, the audit trail, scoping (pages, API, the public page) and bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from affairs import matters as service
from affairs.choices import Assembly, MatterKind, Step
from affairs.models import AffairsSettings, Matter, StepRecord
from governance.choices import AuditAction, Role
from governance.models import AuditEntry

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def day(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=30 - n)


def new_matter(world, *, actor=None, kind=MatterKind.PROJECT, amount=None, title="修建高标准农田"):
    return service.matter_create(
        village=world.village_a1,
        kind=kind,
        title=title,
        description="全村修建5000亩高标准农田。",
        amount=amount,
        actor=actor or world.users["cadre"],
    )


STEPS = {
    Step.PROPOSE: dict(members=7, present=7, note="党支部提议"),
    Step.CONSULT: dict(members=9, present=8, note="两委商议"),
    Step.DELIBERATE: dict(members=40, present=35, votes_for=30, note="党员大会审议"),
    Step.REVIEW: dict(approved=True, note="同意"),
    Step.RESOLVE: dict(assembly=Assembly.REPRESENTATIVES, members=30, present=21, votes_for=11, note="通过"),
    Step.PUBLISH_RESOLUTION: dict(note="决议公开：修建5000亩高标准农田"),
    Step.PUBLISH_RESULT: dict(note="实施结果公开：已建成"),
}


def take(world, matter, step: Step, **changes):
    values = {**STEPS[step], **changes}
    actor = values.pop("actor", None) or (
        world.users["office"] if step == Step.REVIEW else world.users["cadre"]
    )
    return service.step_record(matter=matter, step=step, date=day(int(step)), actor=actor, **values)


def take_until(world, matter, until: Step):
    for step in Step:
        if step > until:
            break
        take(world, matter, step)
    matter.refresh_from_db()
    return matter


def message(exc) -> str:
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


# --- creating a matter --------------------------------------------------------------------


def test_a_cadre_puts_forward_a_matter_of_their_village_and_it_is_audited(world):
    matter = new_matter(world)
    assert matter.town == world.town_a and matter.step is None
    entry = AuditEntry.objects.get(object_id=str(matter.pk), action=AuditAction.CREATE)
    assert entry.actor == world.users["cadre"]


def test_the_town_office_puts_forward_one_too_but_not_another_town_or_village(world):
    assert new_matter(world, actor=world.users["office"]).village == world.village_a1
    with pytest.raises(PermissionDenied):
        new_matter(world, actor=world.users["office_b"])
    cadre_a2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    with pytest.raises(PermissionDenied):
        new_matter(world, actor=cadre_a2)
    with pytest.raises(PermissionDenied):
        new_matter(world, actor=world.users["party_member"])


def test_spending_below_the_towns_threshold_is_not_major(world):
    # the default threshold (the town has set none): 50,000 yuan
    with pytest.raises(ValidationError) as exc:
        new_matter(world, kind=MatterKind.SPENDING, amount="49999.99")
    assert (
        "未超过" in exc.value.message_dict["amount"][0] and "50,000.00" in exc.value.message_dict["amount"][0]
    )
    with pytest.raises(ValidationError):  # equal to the threshold: not above it
        new_matter(world, kind=MatterKind.SPENDING, amount=50000)
    assert new_matter(world, kind=MatterKind.SPENDING, amount="50000.01").amount == Decimal("50000.01")
    AffairsSettings.objects.create(town=world.town_a, spending_threshold=200000)
    with pytest.raises(ValidationError):
        new_matter(world, kind=MatterKind.SPENDING, amount=180000)
    with pytest.raises(ValidationError) as exc:
        new_matter(world, kind=MatterKind.SPENDING, amount=None)
    assert "amount" in exc.value.message_dict
    # land, income and projects are major whatever the amount
    assert new_matter(world, kind=MatterKind.INCOME, amount=1000).pk
    assert Matter.objects.count() == 2


def test_bad_input_is_a_chinese_field_error_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as exc:
        service.matter_create(
            village=world.village_a1, kind="nonsense", title=" ", description="", amount="abc",
            actor=world.users["cadre"],
        )  # fmt: skip
    assert set(exc.value.message_dict) == {"kind", "title", "description", "amount"}
    assert "标题" in exc.value.message_dict["title"][0]
    assert not Matter.objects.exists() and not AuditEntry.objects.filter(action=AuditAction.CREATE).exists()


# --- the steps in order ---------------------------------------------------------------------


def test_the_seven_steps_in_order_to_both_publications(world):
    matter = take_until(world, new_matter(world), Step.PUBLISH_RESULT)
    assert matter.step == Step.PUBLISH_RESULT
    assert list(matter.steps.values_list("step", flat=True)) == list(range(1, 8))
    assert service.next_step(service.matters_for_user(world.users["cadre"]).get(pk=matter.pk)) is None
    # each step is one audit row with the step's record
    entries = AuditEntry.objects.filter(object_id=str(matter.pk), action=AuditAction.UPDATE)
    assert entries.count() == 7


def test_a_step_out_of_order_or_twice_is_refused_with_a_clear_message(world):
    matter = new_matter(world)
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.CONSULT)
    assert "顺序" in message(exc) and "提议" in message(exc)
    take(world, matter, Step.PROPOSE)
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.PROPOSE)
    assert "已记录" in message(exc)
    assert matter.steps.count() == 1


def test_no_resolution_before_the_town_has_approved(world):
    matter = take_until(world, new_matter(world), Step.DELIBERATE)
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.RESOLVE)
    assert "一审" in message(exc)
    assert matter.steps.count() == 3


def test_only_the_town_office_reviews(world):
    matter = take_until(world, new_matter(world), Step.DELIBERATE)
    with pytest.raises(PermissionDenied):
        take(world, matter, Step.REVIEW, actor=world.users["cadre"])
    with pytest.raises(PermissionDenied):
        take(world, matter, Step.REVIEW, actor=world.users["office_b"])
    assert service.review_queue(world.users["office"]).get() == matter
    assert not service.review_queue(world.users["office_b"]).exists()
    take(world, matter, Step.REVIEW)
    assert not service.review_queue(world.users["office"]).exists()


def test_a_refused_review_stops_the_matter(world):
    matter = take_until(world, new_matter(world), Step.DELIBERATE)
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.REVIEW, approved=None)
    assert "approved" in exc.value.message_dict
    take(world, matter, Step.REVIEW, approved=False, note="不符合土地政策")
    matter = service.matters_for_user(world.users["cadre"]).get(pk=matter.pk)
    assert matter.refused and service.next_step(matter) is None
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.RESOLVE)
    assert "新的事项" in message(exc)


def test_publications_need_their_text_and_the_result_comes_after_the_resolution(world):
    matter = take_until(world, new_matter(world), Step.RESOLVE)
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.PUBLISH_RESULT)
    assert "决议" in message(exc)
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.PUBLISH_RESOLUTION, note="  ")
    assert "note" in exc.value.message_dict
    take(world, matter, Step.PUBLISH_RESOLUTION)
    take(world, matter, Step.PUBLISH_RESULT)


def test_dates_are_not_in_the_future_nor_before_the_previous_step(world):
    matter = take_until(world, new_matter(world), Step.PROPOSE)
    with pytest.raises(ValidationError) as exc:
        service.step_record(matter=matter, step=2, date=TODAY + datetime.timedelta(days=1), actor=world.users["cadre"], **STEPS[Step.CONSULT])  # fmt: skip
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.step_record(
            matter=matter, step=2, date=day(0), actor=world.users["cadre"], **STEPS[Step.CONSULT]
        )
    assert "date" in exc.value.message_dict


def test_the_figures_must_add_up(world):
    matter = take_until(world, new_matter(world), Step.CONSULT)
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.DELIBERATE, members=10, present=12)
    assert "present" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.DELIBERATE, present=10, votes_for=8, votes_against=3)
    assert "votes_for" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.DELIBERATE, members="abc", present=-1)
    assert {"members", "present"} <= set(exc.value.message_dict)
    # the party members' meeting need not vote; if it does, a majority of those present
    with pytest.raises(ValidationError) as exc:
        take(world, matter, Step.DELIBERATE, present=30, votes_for=15)
    assert "过半数" in exc.value.message_dict["votes_for"][0]
    take(world, matter, Step.DELIBERATE, votes_for=None)
    assert matter.steps.count() == 3


# --- the law's numbers ------------------------------------------------------------------------


def resolved(world, **figures):
    matter = take_until(world, new_matter(world, title=f"事项{Matter.objects.count()}"), Step.REVIEW)
    return take(world, matter, Step.RESOLVE, **figures)


@pytest.mark.parametrize(
    ("assembly", "members", "present", "ok"),
    [
        # 村民代表会议: 三分之二以上 — two thirds or more (以上 includes the number itself)
        (Assembly.REPRESENTATIVES, 30, 20, True),
        (Assembly.REPRESENTATIVES, 30, 19, False),
        (Assembly.REPRESENTATIVES, 31, 21, True),  # 2/3 of 31 is 20.67
        (Assembly.REPRESENTATIVES, 31, 20, False),
        # 村民会议: 过半数 of the adult villagers — more than half
        (Assembly.VILLAGERS, 600, 301, True),
        (Assembly.VILLAGERS, 600, 300, False),
        # or 三分之二以上 of the households
        (Assembly.HOUSEHOLDS, 300, 200, True),
        (Assembly.HOUSEHOLDS, 300, 199, False),
    ],
)
def test_quorum_boundaries(world, assembly, members, present, ok):
    figures = dict(assembly=assembly, members=members, present=present, votes_for=present)
    if ok:
        assert resolved(world, **figures).present == present
        return
    with pytest.raises(ValidationError) as exc:
        resolved(world, **figures)
    text = exc.value.message_dict["present"][0]
    assert str(present) in text and str(members) in text and "法定人数" in text
    assert not StepRecord.objects.filter(step=Step.RESOLVE).exists()


@pytest.mark.parametrize(("votes_for", "ok"), [(11, True), (10, False)])
def test_a_decision_needs_more_than_half_of_those_present(world, votes_for, ok):
    figures = dict(assembly=Assembly.REPRESENTATIVES, members=30, present=20, votes_for=votes_for)
    if ok:
        assert resolved(world, **figures).votes_for == votes_for
        return
    with pytest.raises(ValidationError) as exc:
        resolved(world, **figures)
    assert "10" in exc.value.message_dict["votes_for"][0] and "20" in exc.value.message_dict["votes_for"][0]


def test_a_resolution_names_its_meeting(world):
    with pytest.raises(ValidationError) as exc:
        resolved(world, assembly="")
    assert "assembly" in exc.value.message_dict


# --- append-only -------------------------------------------------------------------------------


def test_steps_are_appended_never_changed(world, as_user):
    matter = take_until(world, new_matter(world), Step.CONSULT)
    first = StepRecord.objects.get(matter=matter, step=Step.PROPOSE)
    api = as_user(world.users["office"])
    url = f"/api/v1/affairs/matters/{matter.pk}/"
    assert api.patch(url, {"title": "改"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    # a third step leaves the first two as they were
    take(world, matter, Step.DELIBERATE)
    again = StepRecord.objects.get(pk=first.pk)
    assert (again.note, again.present, again.at) == (first.note, first.present, first.at)


# --- scoping --------------------------------------------------------------------------------


def test_scoping_of_the_pages(world, client):
    matter = take_until(world, new_matter(world), Step.DELIBERATE)
    url = reverse("affairs:matter", args=[matter.pk])
    cadre_a2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    for user, status in [
        (world.users["cadre"], 200),
        (world.users["office"], 200),
        (world.users["supervisor"], 200),
        (world.users["party_member"], 200),
        (cadre_a2, 404),
        (world.users["office_b"], 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
    # the party member reads, records nothing
    client.force_login(world.users["party_member"])
    page = client.get(url).content.decode()
    assert 'id="step-form"' not in page
    assert client.post(url, {"date": TODAY.isoformat(), "note": "x"}).status_code == 403
    # the review form is the town office's
    client.force_login(world.users["cadre"])
    assert 'id="step-form"' not in client.get(url).content.decode()
    client.force_login(world.users["office"])
    assert 'id="step-form"' in client.get(url).content.decode()


def test_the_pages_record_a_step_and_show_errors_in_chinese(world, client):
    client.force_login(world.users["cadre"])
    response = client.post(
        reverse("affairs:matter-new"),
        {
            "village": world.village_a1.pk,
            "kind": "spending",
            "title": "买车",
            "description": "买车",
            "amount": "100",
        },
    )
    assert response.status_code == 200 and "门槛" in response.content.decode()
    assert not Matter.objects.exists()
    response = client.post(
        reverse("affairs:matter-new"),
        {"village": world.village_a1.pk, "kind": "project", "title": "修路", "description": "修路"},
    )
    matter = Matter.objects.get()
    assert response.status_code == 302
    url = reverse("affairs:matter", args=[matter.pk])
    response = client.post(url, {"date": day(1).isoformat(), "members": "7", "present": "9", "note": "提议"})
    assert response.status_code == 200 and "出席" in response.content.decode()
    assert not matter.steps.exists()
    response = client.post(url, {"date": day(1).isoformat(), "members": "7", "present": "7", "note": "提议"})
    assert response.status_code == 302 and matter.steps.count() == 1


def test_the_list_filters_and_the_review_tile(world, client):
    take_until(world, new_matter(world, title="甲"), Step.DELIBERATE)
    new_matter(world, title="乙", kind=MatterKind.LAND)
    client.force_login(world.users["office"])
    page = client.get(reverse("affairs:matters"), {"kind": "land"}).content.decode()
    assert "乙" in page and ">甲<" not in page
    page = client.get(reverse("affairs:matters"), {"step": "3"}).content.decode()
    assert ">甲<" in page and ">乙<" not in page
    page = client.get(reverse("affairs:matters"), {"step": "0"}).content.decode()
    assert ">乙<" in page
    assert client.get(reverse("affairs:matters"), {"step": "99"}).status_code == 200
    home = client.get("/").content.decode()
    assert 'data-tile="matters-review"' in home
    reviews = client.get(reverse("affairs:matter-reviews")).content.decode()
    assert ">甲<" in reviews
    client.force_login(world.users["cadre"])
    assert client.get(reverse("affairs:matter-reviews")).status_code == 403


def test_the_public_page_shows_only_what_was_published(world, client):
    done = take_until(world, new_matter(world, title="高标准农田"), Step.PUBLISH_RESULT)
    half = take_until(world, new_matter(world, title="重新发包"), Step.PUBLISH_RESOLUTION)
    take_until(world, new_matter(world, title="秘密事项"), Step.RESOLVE)
    url = reverse("affairs:public-matters", args=[world.village_a1.code])
    page = client.get(url).content.decode()
    assert "高标准农田" in page and "重新发包" in page and "秘密事项" not in page
    assert "实施结果公开：已建成" in page and "决议公开" in page
    # nothing but what steps 6 and 7 published: not the meetings' records, not who recorded
    assert "党支部提议" not in page and "两委商议" not in page and str(world.users["cadre"]) not in page
    assert done.pk and half.pk
    printed = client.get(reverse("affairs:public-matters-print", args=[world.village_a1.code]))
    assert printed.status_code == 200 and "高标准农田" in printed.content.decode()
    assert client.get(reverse("affairs:public-matters", args=["NOPE"])).status_code == 404


# --- the API ------------------------------------------------------------------------------


def test_the_api_creates_records_and_refuses(world, as_user):
    api = as_user(world.users["cadre"])
    response = api.post(
        "/api/v1/affairs/matters/",
        {
            "village": world.village_a1.pk,
            "kind": "income",
            "title": "发包",
            "description": "重新发包",
            "amount": "260000",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["next_step"] == 1 and response.data["steps"] == []
    url = f"/api/v1/affairs/matters/{pk}/steps/"
    response = api.post(
        url, {"step": 2, "date": day(1).isoformat(), "note": "x", "members": 9, "present": 9}, format="json"
    )
    assert response.status_code == 400 and "step" in response.data
    response = api.post(
        url,
        {"step": 1, "date": day(1).isoformat(), "note": "提议", "members": 7, "present": 7},
        format="json",
    )
    assert response.status_code == 201 and response.data["step"] == 1
    assert response.data["steps"][0]["present"] == 7
    response = api.post(url, {"step": 2, "date": "nope", "note": ""}, format="json")
    assert response.status_code == 400 and {"date", "note"} <= set(response.data)
    assert StepRecord.objects.filter(matter_id=pk).count() == 1


def test_the_api_is_scoped(world, as_user):
    matter = take_until(world, new_matter(world), Step.PROPOSE)
    b = service.matter_create(
        village=world.village_b1,
        kind="project",
        title="乙镇事项",
        description="x",
        actor=world.users["office_b"],
    )
    cadre_a2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    for user, visible in [
        (world.users["office"], {matter.pk}),
        (world.users["client"], {matter.pk}),
        (world.users["party_member"], {matter.pk}),
        (cadre_a2, set()),
        (world.users["office_b"], {b.pk}),
    ]:
        data = as_user(user).get("/api/v1/affairs/matters/").data
        assert {row["id"] for row in data["results"]} == visible, user
    assert as_user(cadre_a2).get(f"/api/v1/affairs/matters/{matter.pk}/").status_code == 404
    url = f"/api/v1/affairs/matters/{matter.pk}/steps/"
    step2 = {"step": 2, "date": day(2).isoformat(), "note": "x", "members": 9, "present": 9}
    assert as_user(cadre_a2).post(url, step2, format="json").status_code == 404
    assert as_user(world.users["party_member"]).post(url, step2, format="json").status_code == 404
    data = as_user(world.users["office"]).get("/api/v1/affairs/matters/", {"step": 1, "kind": "project"}).data
    assert [row["id"] for row in data["results"]] == [matter.pk]
    data = (
        as_user(world.users["office"]).get("/api/v1/affairs/matters/", {"village": world.village_b1.pk}).data
    )
    assert data["results"] == []


# --- the access contract, as an endpoint × role matrix (tests/test_scoping_matrix_duty.py) ---

MATRIX = {
    # role: the villages whose matters it reads; None: 403, it may not read matters at all
    "office": {"A1", "A2"},
    "supervisor": {"A1", "A2"},
    "cadre": {"A1"},
    "grid_worker": None,
    "department": None,
    "party_member": {"A1"},
    "client": {"A1", "A2"},
    "office_b": {"B1"},
    "nobody": None,
}


@pytest.mark.parametrize(("role", "expected"), MATRIX.items())
def test_the_matrix_of_matters(world, as_user, role, expected):
    matters = {
        label: Matter.objects.create(
            village=village, town=village.town, kind="project", title=label, description="x"
        )
        for label, village in (("A1", world.village_a1), ("A2", world.village_a2), ("B1", world.village_b1))
    }
    client = as_user(world.users[role])
    response = client.get("/api/v1/affairs/matters/")
    if expected is None:
        assert response.status_code == 403
        assert all(
            client.get(f"/api/v1/affairs/matters/{m.pk}/").status_code == 403 for m in matters.values()
        )
        return
    assert {row["title"] for row in response.data["results"]} == expected
    for label, matter in matters.items():
        assert client.get(f"/api/v1/affairs/matters/{matter.pk}/").status_code == (
            200 if label in expected else 404
        )


def test_anonymous_reads_no_matter(world, api):
    assert api.get("/api/v1/affairs/matters/").status_code in (401, 403)


def test_the_list_costs_the_same_for_one_matter_or_five(world, as_user, client, count_queries):
    client.force_login(world.users["office"])
    api = as_user(world.users["office"])

    def costs():
        with count_queries() as api_queries:
            assert api.get("/api/v1/affairs/matters/").status_code == 200
        with count_queries() as page_queries:
            assert client.get(reverse("affairs:matters")).status_code == 200
        return len(api_queries), len(page_queries)

    take_until(world, new_matter(world, title="一"), Step.RESOLVE)
    one = costs()
    for n in range(4):
        take_until(world, new_matter(world, title=f"多{n}"), Step.DELIBERATE)
    assert costs() == one


def test_the_public_page_is_rate_limited(world, client, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "public": "2/min"},
    }
    url = reverse("affairs:public-matters", args=[world.village_a1.code])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_a_matter_the_town_refused_is_proposed_again_as_a_new_one(world, client):
    matter = take_until(world, new_matter(world, kind=MatterKind.SPENDING, amount=80000), Step.DELIBERATE)
    take(world, matter, Step.REVIEW, approved=False, note="预算偏高")
    client.force_login(world.users["cadre"])
    page = client.get(reverse("affairs:matter", args=[matter.pk])).content.decode()
    assert 'id="matter-stopped"' in page and f"?again={matter.pk}" in page and 'id="step-form"' not in page
    form = client.get(reverse("affairs:matter-new"), {"again": matter.pk}).content.decode()
    assert "修建高标准农田" in form and "80000" in form
    # another village's cadre gets an empty form, nothing of the matter
    client.force_login(f.member(Role.VILLAGE_CADRE, village=world.village_a2))
    assert (
        "修建高标准农田"
        not in client.get(reverse("affairs:matter-new"), {"again": matter.pk}).content.decode()
    )
