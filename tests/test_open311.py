"""Open311 GeoReport v2: discovery, services, submission with an area-bound key, lists."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from cases import services
from cases.choices import Move
from cases.models import Case, Open311Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def web():
    return Client()


def test_it_serves_discovery_and_the_service_list_in_json_and_xml(web):
    discovery = web.get("/open311/v2/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    services_json = web.get("/open311/v2/services.json").json()
    codes = {s["service_code"] for s in services_json}
    assert {"illegal", "suspicious", "hazard", "trend", "drain"} <= codes
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in services_json)
    xml = web.get("/open311/v2/services.xml")
    assert xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?><services>')
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and root.find("service/service_code") is not None
    definition = web.get("/open311/v2/services/drain.json").json()
    assert definition["service_code"] == "drain" and definition["attributes"][0]["code"] == "anonymous"
    missing = web.get("/open311/v2/services/nope.xml")
    assert missing.status_code == 404
    assert ET.fromstring(missing.content).find("error/code").text == "404"


def test_it_files_a_request_at_the_grid_holding_the_point(world, web, key):
    response = web.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "drain",
            "lat": "30.002",
            "long": "120.002",
            "description": "下水道堵了",
            "first_name": "五",
            "last_name": "王",
            "phone": "13700003333",
        },
    )
    assert response.status_code == 200, response.content
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(tracking_number=number)
    assert case.grid == world.grid_a1_child and case.source == "api"  # the second-level grid wins
    assert case.reporter_contact == "13700003333"
    row = web.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert row["status"] == "open"
    assert row["expected_datetime"] == timezone.localtime(case.deadline).isoformat(timespec="seconds")
    assert row["expected_datetime"].endswith("23:59:59+08:00")
    assert "13700003333" not in web.get(f"/open311/v2/requests/{number}.json").content.decode()


def test_it_resolves_address_id_and_address_string_within_the_keys_area(world, web, key):
    by_code = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "road", "address_id": world.grid_a2.code, "description": "坑"},
    )
    assert by_code.status_code == 200
    by_name = web.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "road",
            "address_string": world.village_a1.name,
            "description": "坑",
        },
    )
    assert by_name.status_code == 200
    outside = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "road", "address_id": world.grid_b1.code, "description": "坑"},
    )
    assert outside.status_code == 400 and outside.json()[0]["code"] == 400
    far = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "road", "lat": "31.005", "long": "121.005", "description": "坑"},
    )
    assert far.status_code == 400  # town B's grid is not in the key's area


def test_it_refuses_a_missing_or_wrong_key_and_bad_input_with_spec_errors(world, web, key):
    before = Case.objects.count()
    assert web.post("/open311/v2/requests.json", {"service_code": "drain"}).status_code == 403
    assert (
        web.post("/open311/v2/requests.xml", {"api_key": "wrong", "service_code": "drain"}).status_code == 403
    )
    no_location = web.post(
        "/open311/v2/requests.json", {"api_key": key, "service_code": "drain", "description": "x"}
    )
    assert no_location.status_code == 400 and "location" in no_location.json()[0]["description"]
    bad_code = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "zzz", "address_id": world.grid_a1.code, "description": "x"},
    )
    assert bad_code.status_code == 404
    assert web.get("/open311/v2/requests.json?status=maybe").status_code == 400
    assert web.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    assert Case.objects.count() == before


def test_it_lists_requests_with_the_specs_filters(world, web, key):
    first = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "drain", "address_id": world.grid_a1.code, "description": "堵"},
    )
    second = web.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "bins", "address_id": world.grid_a1.code, "description": "坏"},
    )
    n1, n2 = first.json()[0]["service_request_id"], second.json()[0]["service_request_id"]
    case = Case.objects.get(tracking_number=n2)
    services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    services.case_move(case=case, move=Move.SOLVE, actor=world.users["cadre"], note="已换新桶")
    services.case_move(case=case, move=Move.CONFIRM, actor=world.users["office"])
    services.case_move(case=case, move=Move.CLOSE, actor=world.users["office"])
    # with the key, the rows of its area in full (the solution as status notes)
    assert {
        r["service_request_id"]
        for r in web.get(f"/open311/v2/requests.json?status=open&api_key={key}").json()
    } == {n1}
    closed = web.get(f"/open311/v2/requests.json?status=closed&api_key={key}").json()
    assert [r["service_request_id"] for r in closed] == [n2] and closed[0]["status_notes"] == "已换新桶"
    assert closed[0]["expected_datetime"] is None
    both = web.get(f"/open311/v2/requests.json?service_request_id={n1},{n2}").json()
    assert {r["service_request_id"] for r in both} == {n1, n2}
    assert [r["service_code"] for r in web.get("/open311/v2/requests.json?service_code=drain").json()] == [
        "drain"
    ]
    root = ET.fromstring(web.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests" and len(root.findall("request")) == 2
    assert web.get(f"/open311/v2/tokens/{n1}.json").json()[0]["service_request_id"] == n1
    # without it, what the board shows: the state, not the solution
    anonymous = web.get("/open311/v2/requests.json?status=closed").json()
    assert [r["service_request_id"] for r in anonymous] == [n2] and anonymous[0]["status_notes"] == "已销号"


def test_a_client_added_on_the_admins_add_page_gets_a_key_that_authenticates(world):
    import re

    from django.test import Client

    # given the town office adding the 12345 hotline in the admin
    office = world.users["office"]
    office.is_staff = True
    office.save()
    web = Client()
    web.force_login(office)
    response = web.post(
        "/admin/cases/open311client/add/",
        {"name": "12345热线", "town": world.town_a.pk, "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    # then the key is shown once, and it is the one stored
    shown = re.search(r"API[^<]*?([A-Za-z0-9_\-]{20,})", response.content.decode())
    assert shown, response.content.decode()[:3000]
    client = Open311Client.objects.get(name="12345热线")
    assert client.key_digest and client.key_prefix and shown.group(1).startswith(client.key_prefix)
    # and it reads the town's requests as a keyed client (a wrong key is refused)
    assert web.get("/open311/v2/requests.json", {"api_key": shown.group(1)}).status_code == 200
    assert web.get("/open311/v2/requests.json", {"api_key": "not-a-key"}).status_code == 403
