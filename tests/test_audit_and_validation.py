"""The audit trail, personal data, and bad input: 400s with field messages, never a 500,
never a partial write."""

import pytest
from guardian.shortcuts import assign_perm

from governance import crypto
from governance.models import AuditEntry
from grids import geo
from grids.models import Grid, Household, Resident, Village
from grids.validators import validate_id_number

from .factories import make_id_number

pytestmark = pytest.mark.django_db


def test_create_change_delete_are_audited_with_who_what_and_the_request(world, as_user):
    client = as_user(world.users["office"])
    created = client.post(
        "/api/v1/households/",
        {"grid": world.grid_a2.pk, "number": "Z-1", "head_name": "蒋一", "phone": "13900009999"},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    entry = AuditEntry.objects.get(object_id=str(pk), action="create")
    assert entry.actor == world.users["office"] and entry.town == world.town_a
    assert entry.request_id == created["X-Request-ID"]
    assert "13900009999" not in str(entry.changes) and entry.changes["phone"] == ["***", "***"]
    changed = client.patch(
        f"/api/v1/households/{pk}/", {"address": "新址", "is_dispute": True}, format="json"
    )
    assert changed.status_code == 200
    update = AuditEntry.objects.get(object_id=str(pk), action="update")
    assert update.changes["address"] == ["", "新址"] and update.changes["is_dispute"] == [False, True]
    assert client.delete(f"/api/v1/households/{pk}/").status_code == 204
    assert Household.objects.filter(pk=pk, deleted_at__isnull=False).exists()
    assert list(
        AuditEntry.objects.filter(object_id=str(pk)).order_by("id").values_list("action", flat=True)
    ) == ["create", "update", "delete"]
    # the trail is read by the town's office and supervisors, scoped to the town
    assert as_user(world.users["supervisor"]).get("/api/v1/audit/").json()["count"] >= 3
    assert as_user(world.users["office_b"]).get("/api/v1/audit/").json()["count"] == 0
    assert as_user(world.users["cadre"]).get("/api/v1/audit/").status_code == 403


def test_personal_data_is_masked_unless_granted_and_each_unmasked_view_is_audited(world, as_user):
    url = f"/api/v1/residents/{world.resident_a1.pk}/"
    office = world.users["office"]
    Resident.objects.filter(pk=world.resident_a1.pk).update(birth_date="1980-01-01")
    masked = as_user(office).get(url).json()
    full = world.resident_a1.id_number
    # no more than the last four digits, and no date of birth to rebuild the rest with
    assert masked["id_number"] == "*" * 14 + full[-4:]
    assert masked["birth_date"] is None and masked["birth_year"] == 1980
    assign_perm("grids.view_personal_data", office, world.town_a)
    client = as_user(office)  # a fresh request resolves the grant
    office.__dict__.pop("_governance_scope", None)
    shown = client.get(url).json()
    assert shown["id_number"] == full and shown["birth_date"] == "1980-01-01"
    assert AuditEntry.objects.filter(action="view_personal", object_id=str(world.resident_a1.pk)).count() == 1
    # the grant is per town: town B's office holds none for town A
    assert as_user(world.users["supervisor"]).get(url).json()["id_number"] == masked["id_number"]


def test_an_id_number_finds_its_resident_by_exact_match(world, as_user):
    assign_perm("grids.view_personal_data", world.users["office"], world.town_a)
    response = as_user(world.users["office"]).get(
        "/api/v1/residents/", {"id_number": world.resident_a2.id_number}
    )
    assert [r["id"] for r in response.json()["results"]] == [world.resident_a2.pk]
    spaced = " ".join(world.resident_a2.id_number.lower())
    assert (
        as_user(world.users["office"]).get("/api/v1/residents/", {"id_number": spaced}).json()["count"] == 1
    )


BAD = [
    (
        "residents",
        lambda w: {"household": w.household_a1.pk, "name": "甲", "id_number": "330784198001010010"},
        "id_number",
    ),
    (
        "grids",
        lambda w: {"village": w.village_a1.pk, "parent": w.grid_a2.pk, "name": "跨村", "code": "X1"},
        "parent",
    ),
    (
        "grids",
        lambda w: {"village": w.village_a1.pk, "parent": w.grid_a1_child.pk, "name": "三级", "code": "X2"},
        "parent",
    ),
    (
        "villages",
        lambda w: {"town": w.town_a.pk, "name": "坏边界", "code": "X3", "boundary": {"type": "Point"}},
        "boundary",
    ),
    (
        "villages",
        lambda w: {
            "town": w.town_a.pk,
            "name": "不闭合",
            "code": "X4",
            "boundary": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        },
        "boundary",
    ),
    (
        "villages",
        lambda w: {"town": w.town_a.pk, "name": "纬度", "code": "X5", "centre_lat": 200, "centre_lng": 1},
        "centre_lat",
    ),
    ("villages", lambda w: {"town": w.town_a.pk, "name": "甲一村", "code": "X6"}, "name"),
    ("households", lambda w: {"grid": w.grid_a1.pk, "number": "A1-001", "head_name": "重"}, "number"),
    ("households", lambda w: {"grid": "abc", "number": 5, "head_name": ["x"]}, "grid"),
]


@pytest.mark.parametrize(("endpoint", "data", "field"), BAD)
def test_bad_input_is_a_field_error_in_chinese_or_english_and_writes_nothing(
    world, as_user, endpoint, data, field
):
    before = (
        Village.objects.count(),
        Grid.objects.count(),
        Household.objects.count(),
        AuditEntry.objects.count(),
    )
    client = as_user(world.users["office"])
    zh = client.post(f"/api/v1/{endpoint}/", data(world), format="json")
    assert zh.status_code == 400, zh.content
    assert field in zh.json() or any(field in m for m in zh.json().get("non_field_errors", [])), zh.json()
    en = client.post(f"/api/v1/{endpoint}/", data(world), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 400 and en.json() != zh.json()
    assert (
        Village.objects.count(),
        Grid.objects.count(),
        Household.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_a_malformed_body_is_a_400_not_a_500(world, as_user):
    response = as_user(world.users["office"]).generic(
        "POST", "/api/v1/villages/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_crypto_round_trips_normalises_and_masks():
    token = crypto.encrypt("33078419800101001X")
    assert crypto.decrypt(token) == "33078419800101001X" and "3307" not in token
    assert crypto.digest(" 33078419800101001x ") == crypto.digest("33078419800101001X")
    assert crypto.mask("330784198001011234") == "**************1234"
    assert crypto.mask("13812345678") == "138****5678"
    assert crypto.decrypt("garbage") == ""


@pytest.mark.parametrize("value", ["11010519491231002X", make_id_number(7)])
def test_valid_id_numbers_pass(value):
    validate_id_number(value)


@pytest.mark.parametrize(
    "value", ["11010519491231002", "110105194912310021", "110105194913310027", "110105203001010015", "abc"]
)
def test_invalid_id_numbers_fail(value):
    with pytest.raises(Exception):  # noqa: B017 - django ValidationError, several codes
        validate_id_number(value)


def test_point_in_polygon_respects_holes_and_multipolygons():
    square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    polygon = {"type": "Polygon", "coordinates": [square, hole]}
    assert geo.contains(polygon, 1, 1) and not geo.contains(polygon, 5, 5)
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[square], [[[20, 20], [30, 20], [30, 30], [20, 30], [20, 20]]]],
    }
    assert geo.contains(multi, 25, 25) and not geo.contains(multi, 15, 15)


def test_a_residents_birth_date_and_gender_must_agree_with_the_id_number(world, as_user):
    client = as_user(world.users["office"])
    number = make_id_number(9, born="19900202")  # sequence 009: odd, a man
    base = {"household": world.household_a1.pk, "name": "核对", "id_number": number}
    assert client.post("/api/v1/residents/", {**base, "gender": "female"}, format="json").json().keys() == {
        "gender"
    }
    wrong_day = client.post("/api/v1/residents/", {**base, "birth_date": "1990-02-03"}, format="json")
    assert wrong_day.status_code == 400 and "birth_date" in wrong_day.json()
    ok = client.post("/api/v1/residents/", base, format="json")
    assert ok.status_code == 201 and ok.json()["gender"] == "male" and ok.json()["birth_year"] == 1990
    assert str(Resident.objects.get(pk=ok.json()["id"]).birth_date) == "1990-02-02"


def test_a_centre_outside_a_new_boundary_is_refused(world, as_user):
    client = as_user(world.users["office"])
    moved = {"boundary": geo.rectangle(121.5, 31.5, 121.6, 31.6)}
    grid = world.grid_a1
    grid.centre_lat, grid.centre_lng = 30.005, 120.005
    grid.save()
    response = client.patch(f"/api/v1/grids/{grid.pk}/", moved, format="json")
    assert response.status_code == 400 and "centre_lat" in response.json()
    both = client.patch(
        f"/api/v1/grids/{grid.pk}/", {**moved, "centre_lat": None, "centre_lng": None}, format="json"
    )
    assert both.status_code == 200 and both.json()["centre_lat"] == pytest.approx(31.55)
