"""Bad input answers 4xx, never 5xx: the exact inputs of issue 7, each refused in the one
place that handles its kind (the middleware, the JSON parser, the filters, the import,
the validators)."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from guardian.shortcuts import assign_perm

from governance.scoping import forget_scope
from grids.models import Household, Resident, Village

from .factories import make_id_number

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.mark.parametrize(
    "url",
    [
        "/track/%00/",
        "/board/town/%00/",
        "/board/village/%00/",
        "/open311/v2/requests.json?service_request_id=%00",
        "/api/v1/public/track/%00/",
        "/api/v1/towns/?code=%00",
        "/api/v1/towns/?code=a%01b",
        "/admin/grids/town/?q=%00",
    ],
)
def test_a_control_character_in_the_path_or_query_answers_400(world, url):
    client = Client()
    client.force_login(world.users["office"])
    assert client.get(url).status_code == 400


def test_a_control_character_in_a_form_field_answers_400_and_tab_newline_pass(world):
    client = Client()
    client.force_login(world.users["office"])
    assert client.post("/accounts/login/", {"username": "x\x00", "password": "y"}).status_code == 400
    assert client.post("/accounts/login/", {"username": "x\ty", "password": "a\r\nb"}).status_code == 200


def test_a_json_body_nested_1000_levels_deep_answers_400(world, as_user):
    body = "[" * 1000 + "]" * 1000
    response = as_user(world.users["office"]).generic(
        "POST", "/api/v1/villages/", body, content_type="application/json"
    )
    assert response.status_code == 400
    nested = json.dumps({"town": world.town_a.pk, "name": "深", "code": "DEEP", "boundary": {"a": [[[[1]]]]}})
    assert (
        as_user(world.users["office"])
        .generic("POST", "/api/v1/villages/", nested, content_type="application/json")
        .status_code
        == 400
    )  # an ordinary depth reaches the validators (a bad boundary)


def test_a_nul_escaped_in_json_answers_400_and_writes_nothing(world, as_user):
    body = json.dumps({"grid": world.grid_a1.pk, "number": "N\u0000", "head_name": "x\u0007"})
    response = as_user(world.users["office"]).generic(
        "POST", "/api/v1/households/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Household.objects.filter(number__startswith="N").exists()


@pytest.mark.parametrize("year", ["99999999999", "1e-309", "-5", "abc"])
def test_a_calendar_year_out_of_range_is_a_field_error(world, as_user, year):
    response = as_user(world.users["cadre"]).get("/api/v1/calendar/days/", {"year": year})
    assert response.status_code == 400 and "year" in response.json()


def test_the_calendar_year_filter_still_filters(world, as_user):
    data = as_user(world.users["cadre"]).get("/api/v1/calendar/days/", {"year": 2025}).json()
    assert data["count"] > 0 and all(d["date"].startswith("2025-") for d in data["results"])


@pytest.mark.parametrize(
    "params",
    [
        {"start": "9999-12-31T00:00:00+08:00", "working_days": 3},
        {"start": "9999-12-01T00:00:00+08:00", "working_days": 366},
    ],
)
def test_a_deadline_past_the_end_of_the_calendar_answers_400(world, as_user, params):
    response = as_user(world.users["cadre"]).get("/api/v1/calendar/deadline/", params)
    assert response.status_code == 400 and "start" in response.json()


def test_a_csv_cell_over_128_kib_is_a_row_error_not_a_500(world, as_user):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["网格编码", "户号", "姓名", "地址"])
    writer.writerow(["GA1", "N-01", "钱一", ""])
    writer.writerow(["GA1", "N-02", "钱二", "x" * (128 * 1024 + 1)])
    upload = SimpleUploadedFile("people.csv", out.getvalue().encode("utf-8"))
    response = as_user(world.users["office"]).post(
        "/api/v1/residents/import/", {"file": upload, "dry_run": True}, format="multipart"
    )
    assert response.status_code == 400
    assert "3" in response.json()["file"][0]  # the row


@pytest.mark.parametrize(
    ("endpoint", "data", "field"),
    [
        (
            "households",
            lambda w: {"grid": w.grid_a1.pk, "number": "L1", "head_name": "纬", "latitude": 9999},
            "latitude",
        ),
        (
            "households",
            lambda w: {"grid": w.grid_a1.pk, "number": "L2", "head_name": "经", "longitude": -181},
            "longitude",
        ),
        (
            "villages",
            lambda w: {
                "town": w.town_a.pk,
                "name": "纬村",
                "code": "L3",
                "centre_lat": 9999,
                "centre_lng": 1,
            },
            "centre_lat",
        ),
        (
            "grids",
            lambda w: {
                "village": w.village_a1.pk,
                "name": "经格",
                "code": "L4",
                "centre_lat": 1,
                "centre_lng": 500,
            },
            "centre_lng",
        ),
    ],
)
def test_coordinates_out_of_range_are_refused_on_their_field(world, as_user, endpoint, data, field):
    response = as_user(world.users["office"]).post(f"/api/v1/{endpoint}/", data(world), format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


def test_coordinates_out_of_range_are_refused_in_the_admin_too(world):
    client = Client()
    client.force_login(world.users["office"])
    page = client.post(
        "/admin/grids/village/add/",
        {
            "town": world.town_a.pk,
            "name": "纬村",
            "code": "L5",
            "kind": "village",
            "centre_lat": "9999",
            "centre_lng": "1",
        },
    )
    assert page.status_code == 200 and not Village.objects.filter(code="L5").exists()


def test_an_id_number_in_full_width_digits_cannot_duplicate_one_registered(world, as_user):
    client = as_user(world.users["office"])
    registered = world.resident_a2.id_number
    response = client.post(
        "/api/v1/residents/",
        {"household": world.household_a1.pk, "name": "全角", "id_number": registered.translate(FULL_WIDTH)},
        format="json",
    )
    assert response.status_code == 400 and "id_number" in response.json(), response.json()
    fresh = make_id_number(777)
    ok = client.post(
        "/api/v1/residents/",
        {
            "household": world.household_a1.pk,
            "name": "全角新",
            "id_number": fresh.translate(FULL_WIDTH).lower(),
        },
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    resident = Resident.objects.get(pk=ok.json()["id"])
    assert resident.id_number == fresh  # stored in ASCII
    # the full-width form finds it by exact match, as the ASCII form does
    assign_perm("grids.view_personal_data", world.users["office"], world.town_a)
    forget_scope(world.users["office"])
    found = as_user(world.users["office"]).get(
        "/api/v1/residents/", {"id_number": fresh.translate(FULL_WIDTH)}
    )
    assert [r["id"] for r in found.json()["results"]] == [resident.pk]


def test_a_phone_number_in_full_width_digits_is_stored_in_ascii(world, as_user):
    client = as_user(world.users["office"])
    response = client.post(
        "/api/v1/households/",
        {"grid": world.grid_a1.pk, "number": "P1", "head_name": "话", "phone": "１３９ ０００９ ８８７７"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Household.objects.get(pk=response.json()["id"]).phone == "13900098877"


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00+23:59", "2026-01-01T00:00:00-23:59"])
def test_a_date_time_with_an_offset_postgresql_refuses_still_filters(world, as_user, since):
    response = as_user(world.users["office"]).get("/api/v1/audit/", {"since": since})
    assert response.status_code == 200


def test_a_date_time_that_overflows_the_time_zone_is_a_field_error(world, as_user):
    response = as_user(world.users["office"]).get("/api/v1/audit/", {"since": "9999-12-31T23:00:00-23:59"})
    assert response.status_code == 400 and "since" in response.json()
