"""Unannounced inspections (一周一暗访): the services' rules, hidden from the village until
published (pages, photos and API alike), scoped to the town, final once published,
audited.

Named people: 黄马甲, the cadre of village A1, on duty today on A1's published roster;
徐秋云, another cadre of A1; the town office and the supervisor of town A; the town office
of town B; 乙干部, a cadre of village A2.
"""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from duty import inspections as service
from duty.choices import InspectionState
from duty.models import Inspection, InspectionPhoto
from governance.choices import AuditAction, Role
from governance.models import AuditEntry
from governance.scoping import restrict
from governance.workdays import SHANGHAI

from . import factories as f
from .test_duty_log import named, on_duty

pytestmark = pytest.mark.django_db


def photo(name="暗访.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def daytime():
    """A weekday morning in Shanghai: "an hour ago" is on the roster's day (between
    midnight and one o'clock it would be the day before)."""
    with time_machine.travel(datetime.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI), tick=True):
        yield


@pytest.fixture
def people(world, daytime):
    return {
        "cadre": named(world.users["cadre"], "黄马甲"),
        "other": named(f.member(Role.VILLAGE_CADRE, village=world.village_a1), "徐秋云"),
        "a2": named(f.member(Role.VILLAGE_CADRE, village=world.village_a2), "乙干部"),
        "office": world.users["office"],
        "supervisor": world.users["supervisor"],
        "office_b": world.users["office_b"],
    }


@pytest.fixture
def roster(world, people):
    return on_duty(world.village_a1, people["cadre"], [timezone.localdate()], people["office"])


def an_hour_ago():
    return timezone.now() - datetime.timedelta(hours=1)


def record(world, people, *, actor="supervisor", **values):
    values = {"village": world.village_a1, "at": an_hour_ago(), "present": False, "score": 55, **values}
    return service.inspection_create(actor=people[actor], **values)


@pytest.fixture
def draft(world, people, roster):
    return record(world, people, items_seen=[1, 3], findings="值班室无人，电话无人接听", photos=[photo()])


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def trail(inspection):
    return list(
        AuditEntry.objects.filter(object_id=str(inspection.pk), content_type__model="inspection").order_by(
            "id"
        )
    )


# ---------------------------------------------------------------------------------------
# The services
# ---------------------------------------------------------------------------------------


def test_it_records_a_draft_naming_the_roster_cadre_on_duty_and_audits_it(world, people, draft):
    assert draft.state == InspectionState.DRAFT
    assert draft.town == world.town_a and draft.on_duty == people["cadre"]
    assert draft.inspectors == str(people["supervisor"]) and draft.absent
    assert draft.items_seen == [1, 3] and draft.photos.count() == 1
    (entry,) = trail(draft)
    assert entry.action == AuditAction.CREATE and entry.actor == people["supervisor"]
    assert entry.changes["photos"] == [draft.photos.get().pk]


def test_the_cadre_on_duty_may_be_another_cadre_of_the_village_and_is_nobody_without_a_roster(world, people):
    chosen = record(world, people, on_duty=people["other"], present=True, score=90)
    assert chosen.on_duty == people["other"]
    nobody = record(world, people, village=world.village_a2, present=True, score=80)
    assert nobody.on_duty is None


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"at": timezone.now() + datetime.timedelta(hours=2)}, "at", "不能记录尚未到来的时间"),
        ({"score": 101}, "score", "0 到 100"),
        ({"score": -1}, "score", "0 到 100"),
        ({"score": "90"}, "score", "0 到 100"),
        ({"items_seen": [0]}, "items_seen", "请从九个一事项中选择"),
        ({"items_seen": [10]}, "items_seen", "请从九个一事项中选择"),
        ({"items_seen": "123"}, "items_seen", "请从九个一事项中选择"),
        ({"inspectors": "   "}, "inspectors", "暗访人员"),
        ({"present": None}, "present", "是否在岗"),
        ({"on_duty": "a2"}, "on_duty", "不是甲一村的村干部"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", "image/jpeg")]}, "photos", ""),
    ],
)
def test_bad_input_is_a_field_error_in_chinese_and_nothing_is_saved(
    world, people, roster, values, field, message
):
    if values.get("on_duty") == "a2":
        values["on_duty"] = people["a2"]
    with pytest.raises(ValidationError) as exc:
        record(world, people, **values)
    assert field in exc.value.message_dict
    assert message in exc.value.message_dict[field][0]
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="inspection").exists()


@pytest.mark.parametrize("actor", ["cadre", "office_b"])
def test_only_the_towns_office_and_supervisors_inspect_its_villages(world, people, actor):
    with pytest.raises(PermissionDenied):
        record(world, people, actor=actor)
    assert not Inspection.objects.exists()


def test_a_draft_is_changed_then_published_with_its_stamps_and_is_final_afterwards(world, people, draft):
    service.inspection_update(
        inspection=draft, actor=people["office"], data={"score": 40, "findings": "脱岗一小时"}
    )
    service.inspection_photo_add(inspection=draft, actor=people["office"], upload=photo())
    published = service.inspection_publish(inspection=draft, actor=people["office"])
    assert published.state == InspectionState.PUBLISHED and published.score == 40
    assert published.published_by == people["office"] and published.published_at is not None
    for attempt in (
        lambda: service.inspection_update(inspection=draft, actor=people["office"], data={"score": 90}),
        lambda: service.inspection_photo_add(inspection=draft, actor=people["office"], upload=photo()),
        lambda: service.inspection_photo_remove(
            inspection=draft, actor=people["office"], photo_id=draft.photos.first().pk
        ),
        lambda: service.inspection_publish(inspection=draft, actor=people["office"]),
        lambda: service.inspection_delete(inspection=draft, actor=people["office"]),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert "结果已定" in exc.value.messages[0]
    draft.refresh_from_db()
    assert draft.score == 40 and draft.photos.count() == 2 and draft.deleted_at is None
    actions = [e.action for e in trail(draft)]
    assert actions == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.UPDATE, AuditAction.UPDATE]
    assert trail(draft)[-1].changes["state"] == ["draft", "published"]


def test_moving_a_draft_to_another_village_takes_that_villages_roster_cadre(world, people, draft):
    moved = service.inspection_update(
        inspection=draft, actor=people["office"], data={"village": world.village_a2}
    )
    assert moved.village == world.village_a2 and moved.on_duty is None


def test_a_draft_is_deleted_softly_and_is_gone_for_everyone(world, people, draft):
    service.inspection_delete(inspection=draft, actor=people["supervisor"])
    assert Inspection.objects.filter(pk=draft.pk, deleted_at__isnull=False).exists()
    assert not service.inspections_for_user(people["office"]).exists()
    assert not service.photos_for_user(people["office"]).exists()
    assert trail(draft)[-1].action == AuditAction.DELETE


def test_another_towns_office_changes_nothing(world, people, draft):
    with pytest.raises(PermissionDenied):
        service.inspection_publish(inspection=draft, actor=people["office_b"])
    with pytest.raises(PermissionDenied):
        service.inspection_update(inspection=draft, actor=people["cadre"], data={"score": 100})


@pytest.mark.parametrize(
    "role, sees_draft, sees_published",
    [
        ("office", True, True),
        ("supervisor", True, True),
        ("cadre", False, True),
        ("other", False, True),
        ("a2", False, False),
        ("office_b", False, False),
    ],
)
def test_the_village_sees_an_inspection_only_once_published(
    world, people, draft, role, sees_draft, sees_published
):
    user = people[role]
    assert service.inspections_for_user(user).filter(pk=draft.pk).exists() is sees_draft
    assert service.photos_for_user(user).exists() is sees_draft
    service.inspection_publish(inspection=draft, actor=people["office"])
    assert service.inspections_for_user(user).filter(pk=draft.pk).exists() is sees_published
    assert service.photos_for_user(user).exists() is sees_published
    assert restrict(Inspection.objects.all(), world.users["grid_worker"]).count() == 0


# ---------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------


def test_the_village_cadre_sees_no_draft_on_any_page_and_the_result_once_published(world, people, draft):
    cadre = client_of(people["cadre"])
    photo_id = draft.photos.get().pk
    listing = cadre.get("/duty/inspections/")
    assert listing.status_code == 200 and f'data-inspection="{draft.pk}"' not in listing.text
    assert cadre.get(f"/duty/inspections/{draft.pk}/").status_code == 404
    assert cadre.get(f"/duty/inspections/photos/{photo_id}/").status_code == 404
    assert cadre.get(f"/duty/inspections/{draft.pk}/edit/").status_code == 404
    assert cadre.get("/duty/inspections/new/").status_code == 403

    office = client_of(people["office"])
    page = office.get(f"/duty/inspections/{draft.pk}/")
    assert page.status_code == 200 and "值班室无人" in page.text and "发布结果" in page.text
    published = office.post(f"/duty/inspections/{draft.pk}/", {"action": "publish"})
    assert published.status_code == 302

    listing = cadre.get("/duty/inspections/")
    assert f'data-inspection="{draft.pk}"' in listing.text and "脱岗" in listing.text
    detail = cadre.get(f"/duty/inspections/{draft.pk}/")
    assert detail.status_code == 200 and "发布结果" not in detail.text and "值班室无人" in detail.text
    assert cadre.get(f"/duty/inspections/photos/{photo_id}/").status_code == 200
    assert cadre.post(f"/duty/inspections/{draft.pk}/", {"action": "delete"}).status_code == 403
    # and another village's cadre, or another town, never
    for user in (people["a2"], people["office_b"]):
        assert client_of(user).get(f"/duty/inspections/{draft.pk}/").status_code in (403, 404)
        assert client_of(user).get(f"/duty/inspections/photos/{photo_id}/").status_code in (403, 404)


def test_an_inspector_records_one_on_the_phone_form_with_a_photo(world, people, roster):
    office = client_of(people["supervisor"])
    form = office.get("/duty/inspections/new/")
    assert form.status_code == 200 and "办公场所扫一扫" in form.text and "值班记录记一记" in form.text
    at = timezone.localtime(an_hour_ago()).strftime("%Y-%m-%dT%H:%M")
    answer = office.post(
        "/duty/inspections/new/",
        {
            "village": world.village_a1.pk,
            "at": at,
            "present": "0",
            "on_duty": "",
            "items_seen": ["1", "7"],
            "findings": "值班干部不在岗",
            "score": "45",
            "inspectors": "陈国强、王丽萍",
            "photos": photo(),
        },
    )
    inspection = Inspection.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/duty/inspections/{inspection.pk}/"
    assert inspection.on_duty == people["cadre"] and not inspection.present
    assert inspection.items_seen == [1, 7] and inspection.photos.count() == 1
    assert inspection.inspectors == "陈国强、王丽萍"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"score": "101"}, "score", "100"),
        ({"present": ""}, "present", "是否在岗"),
        ({"items_seen": ["12"]}, "items_seen", "12"),
        ({"at": "2099-01-01T08:00"}, "at", "尚未到来"),
        ({"village": "999999"}, "village", "选择一个有效的选项"),
    ],
)
def test_the_form_shows_bad_input_beside_its_field_and_saves_nothing(
    world, people, roster, changes, field, message
):
    office = client_of(people["office"])
    data = {
        "village": world.village_a1.pk,
        "at": timezone.localtime(an_hour_ago()).strftime("%Y-%m-%dT%H:%M"),
        "present": "1",
        "score": "80",
        "inspectors": "王丽萍",
        **changes,
    }
    answer = office.post("/duty/inspections/new/", data)
    assert answer.status_code == 200
    assert message in str(answer.context["form"].errors[field])
    assert f'id="id_{field}_error"' in answer.text or f"field-{field}" in answer.text
    assert not Inspection.objects.exists()


def test_another_towns_village_is_not_among_the_choices(world, people):
    office = client_of(people["office"])
    form = office.get("/duty/inspections/new/")
    assert world.village_a1.name in form.text and world.village_b1.name not in form.text


def test_the_list_filters_by_village_month_state_and_absent(world, people, roster):
    absent = record(world, people)
    present = record(world, people, village=world.village_a2, present=True, score=92)
    service.inspection_publish(inspection=present, actor=people["office"])
    office = client_of(people["office"])

    def listed(query):
        text = office.get(f"/duty/inspections/?{query}").text
        return {i.pk for i in (absent, present) if f'data-inspection="{i.pk}"' in text}

    month = timezone.localdate().strftime("%Y-%m")
    assert listed("") == {absent.pk, present.pk}
    assert listed("absent=1") == {absent.pk}
    assert listed("absent=0") == {present.pk}
    assert listed("state=published") == {present.pk}
    assert listed(f"village={world.village_a2.pk}") == {present.pk}
    assert listed(f"month={month}") == {absent.pk, present.pk}
    assert listed("month=2001-01") == set()
    assert listed(f"village={world.village_b1.pk}") == set()  # not theirs: nothing, no error
    assert office.get("/duty/inspections/?month=nonsense&absent=x").status_code == 200


def test_the_duty_log_shows_the_days_published_inspections_to_the_village(world, people, draft):
    from duty import services

    log = services.log_start(village=world.village_a1, date=timezone.localdate(), actor=people["cadre"])
    cadre, office = client_of(people["cadre"]), client_of(people["office"])
    assert 'id="log-inspections"' not in cadre.get(f"/duty/logs/{log.pk}/").text
    assert "村里看不到" in office.get(f"/duty/logs/{log.pk}/").text
    service.inspection_publish(inspection=draft, actor=people["office"])
    page = cadre.get(f"/duty/logs/{log.pk}/").text
    assert 'id="log-inspections"' in page and "脱岗" in page and "村里看不到" not in page


def test_the_home_tiles_count_drafts_and_absences_for_the_town_and_results_for_the_village(
    world, people, draft
):
    def tile(user, key):
        text = client_of(user).get("/").text
        start = text.index(f'data-tile="{key}"')
        return text[start : start + 400]

    assert ">1<" in tile(people["office"], "inspections-draft").replace(" ", "")
    assert "暂无" in tile(people["cadre"], "inspections-published") or ">0<" in tile(
        people["cadre"], "inspections-published"
    ).replace(" ", "")
    service.inspection_publish(inspection=draft, actor=people["office"])
    assert ">1<" in tile(people["cadre"], "inspections-published").replace(" ", "")


# ---------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------


URL = "/api/v1/duty/inspections/"


def test_the_api_hides_a_draft_from_the_village_and_shows_it_once_published(world, people, draft, as_user):
    cadre = as_user(people["cadre"])
    assert cadre.get(URL).json()["results"] == []
    assert cadre.get(f"{URL}{draft.pk}/").status_code == 404
    assert cadre.post(f"{URL}{draft.pk}/publish/").status_code == 404
    office = as_user(people["office"])
    body = office.post(f"{URL}{draft.pk}/publish/").json()
    assert body["state"] == "published" and body["published_by"] == people["office"].pk
    row = cadre.get(f"{URL}{draft.pk}/").json()
    assert row["absent"] is True and row["on_duty"] == people["cadre"].pk and row["items_seen"] == [1, 3]
    assert len(row["photos"]) == 1 and row["photos"][0]["url"].endswith(
        f"/duty/inspections/photos/{row['photos'][0]['id']}/"
    )
    # final: the town changes it no more, the village never
    assert office.patch(f"{URL}{draft.pk}/", {"score": 99}, format="json").status_code == 400
    assert office.delete(f"{URL}{draft.pk}/").status_code == 400
    assert (
        cadre.patch(f"{URL}{draft.pk}/", {"score": 99}, format="json").status_code == 403
    )  # reads, never writes
    assert as_user(people["a2"]).get(f"{URL}{draft.pk}/").status_code == 404
    assert as_user(people["office_b"]).get(f"{URL}{draft.pk}/").status_code == 404


def test_the_api_records_changes_and_filters_inspections(world, people, roster, as_user):
    office = as_user(people["office"])
    at = an_hour_ago().isoformat()
    made = office.post(
        URL,
        {"village": world.village_a1.pk, "at": at, "present": False, "score": 50, "items_seen": [2, 2, 5]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["on_duty"] == people["cadre"].pk and body["items_seen"] == [2, 5] and body["state"] == "draft"
    assert body["inspectors"] == str(people["office"])
    changed = office.patch(f"{URL}{body['id']}/", {"score": 65, "on_duty": people["other"].pk}, format="json")
    assert changed.status_code == 200 and changed.json()["on_duty"] == people["other"].pk
    other = office.post(
        URL, {"village": world.village_a2.pk, "at": at, "present": True, "score": 95}, format="json"
    ).json()

    def ids(query):
        return {row["id"] for row in office.get(f"{URL}?{query}").json()["results"]}

    month = timezone.localdate().strftime("%Y-%m")
    assert ids("present=false") == {body["id"]}
    assert ids(f"village={world.village_a2.pk}") == {other["id"]}
    assert ids(f"town={world.town_a.pk}&month={month}&state=draft") == {body["id"], other["id"]}
    assert ids("state=published") == set()
    assert ids(f"town={world.town_b.pk}") == set()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"score": 120}, "score"),
        ({"items_seen": [0]}, "items_seen"),
        ({"at": "2099-01-01T08:00:00+08:00"}, "at"),
        ({"present": None}, "present"),
        ({"on_duty": "a2"}, "on_duty"),
        ({"village": "b1"}, "village"),
    ],
)
def test_the_api_answers_bad_input_with_a_field_error_and_saves_nothing(
    world, people, roster, as_user, payload, field
):
    data = {"village": world.village_a1.pk, "at": an_hour_ago().isoformat(), "present": True, "score": 70}
    data.update(payload)
    if data.get("on_duty") == "a2":
        data["on_duty"] = people["a2"].pk
    if data.get("village") == "b1":
        data["village"] = world.village_b1.pk
    answer = as_user(people["office"]).post(URL, data, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Inspection.objects.exists()


def test_a_village_cadre_cannot_record_one_through_the_api(world, people, roster, as_user):
    data = {"village": world.village_a1.pk, "at": an_hour_ago().isoformat(), "present": True, "score": 100}
    assert as_user(people["cadre"]).post(URL, data, format="json").status_code == 403
    assert not Inspection.objects.exists()


def test_the_list_answers_in_a_constant_number_of_queries(world, people, roster, as_user, count_queries):
    for n in range(3):
        record(world, people, score=50 + n, photos=[photo()])
    office = as_user(people["office"])
    with count_queries() as few:
        assert len(office.get(URL).json()["results"]) == 3
    for n in range(5):
        record(world, people, score=60 + n, photos=[photo()])
    with count_queries() as more:
        assert len(office.get(URL).json()["results"]) == 8
    assert len(more.captured_queries) == len(few.captured_queries), more.listing()


# ---------------------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------------------


def test_the_demo_inspects_each_village_weekly_with_some_absent_and_the_latest_still_drafts(db):
    from django.core.management import call_command

    from governance.models import User

    call_command("seed_demo", "--villages", "3", "--grids-per-village", "2", stdout=io.StringIO())
    rows = list(Inspection.objects.all())
    days = [(i.village_id, timezone.localtime(i.at).date()) for i in rows]
    weeks = {(village, day - datetime.timedelta(days=day.weekday())) for village, day in days}
    assert len(weeks) == len(rows) >= 3 * 5  # one a week per village, over more than a month
    assert any(not i.present for i in rows) and any(i.score < 60 for i in rows)
    assert all(i.at <= timezone.now() for i in rows)
    latest = {i.village_id: i for i in sorted(rows, key=lambda i: i.at)}
    assert {i.pk for i in rows if i.state == InspectionState.DRAFT} == {i.pk for i in latest.values()}
    assert all(i.published_at and i.published_by for i in rows if i.state == InspectionState.PUBLISHED)
    cadre = User.objects.get(username="demo_cadre")
    visible = service.inspections_for_user(cadre)
    assert visible.exists() and not visible.filter(state=InspectionState.DRAFT).exists()
    assert not visible.exclude(village__in=cadre.memberships.values("village")).exists()
    call_command("seed_demo", "--villages", "3", "--grids-per-village", "2", stdout=io.StringIO())
    assert Inspection.objects.count() == len(rows)  # built once


def test_the_office_edits_a_draft_on_its_pages_adds_and_removes_a_photo_and_deletes_it(world, people, draft):
    office = client_of(people["office"])
    edit = f"/duty/inspections/{draft.pk}/edit/"
    form = office.get(edit)
    assert form.status_code == 200 and "值班室无人" in form.text
    data = {
        "village": world.village_a1.pk,
        "at": timezone.localtime(draft.at).strftime("%Y-%m-%dT%H:%M"),
        "present": "1",
        "on_duty": str(people["other"].pk),
        "items_seen": ["1", "2", "3"],
        "findings": "补充：值班干部外出代办，已电话核实",
        "score": "70",
        "inspectors": "王丽萍",
    }
    assert office.post(edit, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.present, draft.on_duty, draft.items_seen, draft.score) == (
        True,
        people["other"],
        [1, 2, 3],
        70,
    )
    page = f"/duty/inspections/{draft.pk}/"
    assert office.post(page, {"action": "photo", "photo": photo()}).status_code == 302
    assert draft.photos.count() == 2
    first = draft.photos.order_by("id").first().pk
    assert office.post(page, {"action": "remove_photo", "photo": first}).status_code == 302
    assert list(draft.photos.values_list("pk", flat=True)) != [first] and draft.photos.count() == 1
    refused = office.post(
        page, {"action": "photo", "photo": SimpleUploadedFile("x.jpg", b"nope", "image/jpeg")}
    )
    assert refused.status_code == 200 and 'id="inspection-problems"' in refused.text
    assert office.post(page, {"action": "delete"}).status_code == 302
    assert office.get(page).status_code == 404


def test_a_published_inspection_has_no_edit_page_and_refuses_a_second_publish(world, people, draft):
    service.inspection_publish(inspection=draft, actor=people["office"])
    office = client_of(people["office"])
    assert office.get(f"/duty/inspections/{draft.pk}/edit/")["Location"] == f"/duty/inspections/{draft.pk}/"
    again = office.post(f"/duty/inspections/{draft.pk}/", {"action": "publish"})
    assert again.status_code == 200 and "结果已定" in again.text
    assert office.post(f"/duty/inspections/{draft.pk}/", {"action": "delete"}).status_code == 403


def test_the_list_page_answers_in_a_constant_number_of_queries(world, people, roster, count_queries):
    office = client_of(people["office"])
    office.get("/")  # the session and the scope's first queries
    record(world, people)
    with count_queries() as few:
        assert office.get("/duty/inspections/").status_code == 200
    for n in range(5):
        record(world, people, village=world.village_a2, present=True, score=80 + n)
    with count_queries() as more:
        assert office.get("/duty/inspections/").status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries), more.listing()
