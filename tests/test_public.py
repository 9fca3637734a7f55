"""The public side of cases (issues 6 and 7): the board and Open311 lists paged with a
fixed number of queries, rating only with the reporter's own code and once per solved
result, Open311 reads without a key no wider than the board, bad input answered 4xx,
and the API schema true to the answers."""

import re
import threading
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from cases import open311, services
from cases.choices import CaseState, Move, Source
from cases.models import Case, CaseKind, Notification, Open311Client, Rating, rating_code
from cases.selectors import BOARD_PAGE_SIZE

from .test_cases import report

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def solved(world, **extra):
    case = report(world, **extra)
    services.case_move(case=case, move=Move.CLAIM, actor=world.users["cadre"])
    services.case_move(
        case=case, move=Move.SOLVE, actor=world.users["cadre"], note="已疏通，联系人13800001111"
    )
    case.refresh_from_db()
    return case


def many(world, n: int, **extra) -> list[Case]:
    return [report(world, description=f"排水沟堵塞 {i}", **extra) for i in range(n)]


# -- The board, paged ---------------------------------------------------------------------


def test_the_board_page_shows_50_rows_the_total_and_a_link_to_the_next(world):
    # given more cases than a page holds
    cases = many(world, BOARD_PAGE_SIZE + 5)
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    # when anyone opens the board
    first = web.get(f"/board/town/{world.town_a.code}/").content.decode()
    # then the newest 50 show, with the total and the next page
    shown = set(re.findall(r"/track/(\w+)/", first))
    assert shown == {c.tracking_number for c in cases[-BOARD_PAGE_SIZE:]}
    assert f"{BOARD_PAGE_SIZE + 5} 件" in first and 'rel="next" href="?page=2"' in first
    second = web.get(f"/board/town/{world.town_a.code}/?page=2").content.decode()
    assert set(re.findall(r"/track/(\w+)/", second)) == {c.tracking_number for c in cases[:5]}
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # a page out of range or not a number is the last or the first, never an error
    assert Client().get(f"/board/town/{world.town_a.code}/?page=99").status_code == 200
    assert Client().get(f"/board/village/{world.village_a1.code}/?page=x").status_code == 200


def test_the_board_api_answers_a_page_object(world, api):
    cases = many(world, BOARD_PAGE_SIZE + 1)
    first = api.get(f"/api/v1/public/board/village/{world.village_a1.code}/").json()
    assert (first["count"], first["page"], first["pages"], first["page_size"]) == (51, 1, 2, 50)
    assert len(first["cases"]) == 50 and first["previous"] is None
    assert first["next"].endswith(f"/api/v1/public/board/village/{world.village_a1.code}/?page=2")
    second = api.get(first["next"]).json()
    assert [r["tracking_number"] for r in second["cases"]] == [cases[0].tracking_number]
    assert second["next"] is None and second["previous"].endswith("?page=1")
    assert api.get("/api/v1/public/board/town/NOPE/").status_code == 404


def test_a_board_page_runs_the_same_queries_however_many_cases(world, api, count_queries):
    many(world, 2)
    urls = [f"/board/town/{world.town_a.code}/", f"/api/v1/public/board/town/{world.town_a.code}/"]
    small = {}
    for url in urls:
        with count_queries() as q:
            assert Client().get(url).status_code == 200
        small[url] = len(q)
    many(world, BOARD_PAGE_SIZE + 10)
    for url in urls:
        with count_queries() as q:
            assert Client().get(url).status_code == 200
        # the area by its code, the count, the page (kind, village, holder joined)
        assert len(q) == small[url] == 3, q.listing()


# -- Open311 lists, paged ---------------------------------------------------------------


def test_open311_lists_page_with_page_and_page_size_newest_first(world):
    cases = many(world, 7)
    web = Client()
    first = web.get("/open311/v2/requests.json?page_size=3")
    assert [r["service_request_id"] for r in first.json()] == [c.tracking_number for c in cases[:-4:-1]]
    assert 'rel="next"' in first["Link"] and "page=2" in first["Link"] and 'rel="prev"' not in first["Link"]
    third = web.get("/open311/v2/requests.json?page_size=3&page=3")
    assert [r["service_request_id"] for r in third.json()] == [cases[0].tracking_number]
    assert 'rel="next"' not in third["Link"] and "page=2" in third["Link"]
    assert web.get("/open311/v2/requests.json?page_size=3&page=4").json() == []
    # the default page is 50; page_size is capped at MAX_RESULTS; bad numbers are 400
    many(world, open311.DEFAULT_PAGE_SIZE)
    assert len(web.get("/open311/v2/requests.json").json()) == open311.DEFAULT_PAGE_SIZE
    assert len(web.get("/open311/v2/requests.json?page_size=100000").json()) == 57
    for bad in ("page=0", "page=x", "page_size=-1", "page=99999999999999999999", "page_size=1e3"):
        response = web.get(f"/open311/v2/requests.xml?{bad}")
        assert response.status_code == 400, bad
        assert ET.fromstring(response.content).find("error/code").text == "400"


def test_an_open311_page_runs_the_same_queries_however_many_cases(world, key, count_queries):
    many(world, 2)
    urls = [
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests.json?api_key={key}",
    ]
    small = {}
    for url in urls:
        with count_queries() as q:
            assert Client().get(url).status_code == 200
        small[url] = len(q)
    many(world, 60)
    for url in urls:
        with count_queries() as q:
            assert Client().get(url).status_code == 200
        assert len(q) == small[url], q.listing()
    # anonymous: the page alone; with a key: the key, its area, the page, the photos
    assert [small[u] for u in urls] == [1, 1, 4]


# -- Rating with the reporter's own code ------------------------------------------------


def test_the_reporter_gets_the_code_in_every_receipt(world, as_user, key):
    # the page after reporting
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(world.users["grid_worker"])
    kind = CaseKind.objects.get(code="drain", town=None)
    response = web.post(
        "/cases/new/",
        {"village": world.village_a1.pk, "source": "walk_in", "kind": kind.pk, "description": "路灯不亮"},
        follow=True,
    )
    case = Case.objects.get(description="路灯不亮")
    assert rating_code(case) in response.content.decode()
    # the API's answer to the report, and only that answer
    created = as_user(world.users["grid_worker"]).post(
        "/api/v1/cases/",
        {"village": world.village_a1.pk, "source": "grid_report", "kind": kind.pk, "description": "井盖缺失"},
        format="json",
    )
    assert created.status_code == 201
    case = Case.objects.get(pk=created.json()["id"])
    assert created.json()["rating_code"] == rating_code(case)
    again = as_user(world.users["office"]).get(f"/api/v1/cases/{case.pk}/").json()
    assert again["rating_code"] is None and rating_code(case) not in str(again)
    # Open311's answer to the report
    posted = (
        Client()
        .post(
            "/open311/v2/requests.json",
            {"api_key": key, "service_code": "drain", "address_id": world.grid_a1.code, "description": "堵"},
        )
        .json()[0]
    )
    case = Case.objects.get(tracking_number=posted["service_request_id"])
    assert posted["rating_code"] == rating_code(case) and rating_code(case) in posted["service_notice"]
    assert posted["rating_url"].endswith(f"/track/{case.tracking_number}/?code={rating_code(case)}")


def test_the_request_to_rate_carries_the_code_and_the_link(world):
    case = solved(world)
    asked = Notification.objects.get(case=case, kind="rate_request")
    assert rating_code(case) in asked.body
    assert f"/track/{case.tracking_number}/?code={rating_code(case)}" in asked.body
    on_spot = services.case_report(
        actor=world.users["cadre"],
        data={
            "village": world.village_a1,
            "source": Source.WALK_IN,
            "kind": CaseKind.objects.get(code="bins", town=None),
            "description": "垃圾桶倒了",
            "reporter_contact": "13700002222",
        },
        solved_on_spot=True,
        solution="已扶正",
    )
    assert rating_code(on_spot) in Notification.objects.get(case=on_spot, kind="rate_request").body
    # each case has its own code, and no column holds it
    assert rating_code(case) != rating_code(on_spot)
    row = Case.objects.filter(pk=case.pk).values().get()
    assert rating_code(case) not in str(row)


def test_the_tracking_page_offers_the_rating_form_only_with_the_right_code(world):
    case = solved(world)
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = f"/track/{case.tracking_number}/"
    # anyone sees the progress, and is asked for the code, not offered the form
    page = web.get(url).content.decode()
    assert "已办结" in page and 'id="rate-form"' not in page and 'id="rating-code-form"' in page
    # a wrong code is a clear error
    wrong = web.get(url, {"code": "AAAAAAAA"})
    assert wrong.status_code == 400 and "评价码不正确" in wrong.content.decode()
    assert 'id="rate-form"' not in wrong.content.decode()
    refused = web.post(url, {"code": "AAAAAAAA", "satisfaction": "not_satisfied"})
    assert refused.status_code == 400 and "评价码不正确" in refused.content.decode()
    assert not Rating.objects.exists()
    # the right code, as typed (lower case, with a space) or from the link, offers it
    code = rating_code(case)
    assert 'id="rate-form"' in web.get(url, {"code": f"{code[:4].lower()} {code[4:]}"}).content.decode()
    assert web.post(url, {"code": code, "satisfaction": "satisfied", "comment": "好"}).status_code == 302
    case.refresh_from_db()
    assert case.satisfaction == "satisfied" and Rating.objects.get().period.outcome == Move.SOLVE
    # once rated, the page shows the rating and offers nothing more
    after = web.get(url, {"code": code}).content.decode()
    assert 'id="track-rated"' in after and 'id="rate-form"' not in after
    assert web.post(url, {"code": code, "satisfaction": "not_satisfied"}).status_code == 400
    assert Rating.objects.count() == 1 and Case.objects.get(pk=case.pk).state == CaseState.SOLVED


def test_the_public_api_rates_only_with_the_code_and_once_per_solution(world, api):
    case = solved(world)
    url = f"/api/v1/public/track/{case.tracking_number}/"
    assert api.post(url, {"satisfaction": "not_satisfied"}, format="json").status_code == 400
    wrong = api.post(url, {"code": "AAAAAAAA", "satisfaction": "not_satisfied"}, format="json")
    assert wrong.status_code == 403 and "code" in wrong.json()
    other = solved(world)
    assert (
        api.post(url, {"code": rating_code(other), "satisfaction": "satisfied"}, format="json").status_code
        == 403
    )
    assert not Rating.objects.exists()
    # not satisfied reopens; the next solution is rated anew
    first = api.post(url, {"code": rating_code(case), "satisfaction": "not_satisfied"}, format="json")
    assert first.status_code == 200 and first.json()["state"] == CaseState.CLAIMED
    assert first.json()["can_rate"] is False
    services.case_move(
        case=Case.objects.get(pk=case.pk), move=Move.SOLVE, actor=world.users["cadre"], note="再疏通"
    )
    assert api.get(url).json()["can_rate"] is True
    second = api.post(url, {"code": rating_code(case), "satisfaction": "satisfied"}, format="json")
    assert second.status_code == 200 and second.json()["satisfaction"] == "satisfied"
    third = api.post(url, {"code": rating_code(case), "satisfaction": "not_satisfied"}, format="json")
    assert third.status_code == 400 and "satisfaction" in third.json()
    assert sorted(Rating.objects.values_list("satisfaction", flat=True)) == ["not_satisfied", "satisfied"]
    assert Rating.objects.values("period").distinct().count() == 2


def test_open311_offers_no_way_to_rate(world, key):
    case = solved(world)
    web = Client()
    for url in (
        f"/open311/v2/requests/{case.tracking_number}.json",
        f"/open311/v2/tokens/{case.tracking_number}.json",
    ):
        assert web.post(url, {"satisfaction": "not_satisfied", "api_key": key}).status_code == 405
    web.post("/open311/v2/requests.json", {"service_request_id": case.tracking_number, "satisfaction": "x"})
    assert not Rating.objects.exists() and Case.objects.get(pk=case.pk).state == CaseState.SOLVED


@pytest.mark.django_db(transaction=True)
def test_twenty_ratings_at_once_give_one_row(world):
    if connection.vendor == "sqlite" and "memory" in (connection.settings_dict["NAME"] or "memory"):
        pytest.skip("threads need a file or server database")
    case = solved(world)
    code = rating_code(case)
    results, barrier = [], threading.Barrier(20)

    def rate():
        close_old_connections()
        try:
            mine = Case.objects.get(pk=case.pk)
            barrier.wait()
            services.case_rate_with_code(case=mine, code=code, satisfaction="satisfied")
            results.append("rated")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=rate) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["rated"] + ["refused"] * 19
    assert Rating.objects.filter(case=case).count() == 1
    assert case.events.filter(move=Move.RATE).count() == 1


# -- Open311 reads: without a key, what the board shows ----------------------------------


def test_open311_without_a_key_serves_what_the_board_serves(world, key):
    # given a solved case with a phone number in its description, coordinates, an
    # address, a photo and a solution
    case = solved(world, description=f"张三家门口排水沟堵塞，电话{PHONE}", address="三组12号")
    Case.objects.filter(pk=case.pk).update(latitude=30.002, longitude=120.002)
    web = Client()
    for url in (
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{case.tracking_number}.json",
        f"/open311/v2/requests.json?service_request_id={case.tracking_number}",
    ):
        body = web.get(url).content.decode()
        assert case.tracking_number in body, url
        for secret in (PHONE, "13800001111", "三组12号", "30.002", "120.002", "王五", "已疏通"):
            assert secret not in body, (url, secret)
    row = web.get(f"/open311/v2/requests/{case.tracking_number}.json").json()[0]
    assert row["description"] == "张三家门口排水沟堵塞，电话139****5678"
    assert (row["lat"], row["long"], row["media_url"], row["address"]) == (None, None, "", "")
    # with the key, its area in full; another town's key sees none of it
    full = web.get(f"/open311/v2/requests/{case.tracking_number}.json?api_key={key}").json()[0]
    assert PHONE in full["description"] and full["lat"] == 30.002 and "已疏通" in full["status_notes"]
    other = Open311Client(name="乙镇", town=world.town_b)
    other_key = open311.issue_key(other)
    other.save()
    assert web.get(f"/open311/v2/requests/{case.tracking_number}.json?api_key={other_key}").status_code == 404
    assert web.get(f"/open311/v2/requests.json?api_key={other_key}").json() == []
    assert web.get("/open311/v2/requests.json?api_key=wrong").status_code == 403


def test_open311_lists_without_a_key_only_the_boards_cases(world):
    on_board = report(world)
    old = solved(world)
    for move in (Move.CONFIRM, Move.CLOSE):
        services.case_move(case=Case.objects.get(pk=old.pk), move=move, actor=world.users["office"])
    Case.objects.filter(pk=old.pk).update(closed_at="2026-01-01T00:00:00+08:00")  # off the board
    listed = {
        r["service_request_id"]
        for r in Client().get("/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z").json()
    }
    assert listed == {on_board.tracking_number}
    # by its number, any case's progress, as the tracking page
    assert Client().get(f"/open311/v2/requests/{old.tracking_number}.json").json()[0]["status"] == "closed"


# -- Bad input answers 4xx ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/track/%00/",
        "/track/?number=%00",
        "/track/ABC%01/",
        "/track/ABC/?code=%00",
        "/board/town/%00/",
        "/board/village/A%1fB/",
        "/board/town/TA/?page=%00",
        "/api/v1/public/board/town/%00/",
        "/api/v1/public/track/%00/",
        "/open311/v2/requests.json?service_request_id=%00",
        "/open311/v2/requests.xml?service_code=%01",
        "/open311/v2/requests.json?start_date=%00",
        "/open311/v2/requests.json?end_date=2026-01-01T00:00:00%00",
        "/open311/v2/requests.json?jurisdiction_id=%00",
        "/open311/v2/requests.json?status=%00",
        "/open311/v2/requests.json?api_key=%00",
        "/open311/v2/requests/%00.json",
        "/open311/v2/tokens/%00.json",
        "/open311/v2/services/%00.json",
        "/open311/v2/services.json?jurisdiction_id=%00",
    ],
)
def test_a_control_character_in_a_public_url_answers_4xx(world, url):
    assert 400 <= Client().get(url).status_code < 500


def test_a_control_character_in_an_open311_field_answers_400(world, key):
    for field in ("service_code", "description", "address_string", "first_name", "phone", "lat", "api_key"):
        data = {
            "api_key": key,
            "service_code": "drain",
            "address_id": world.grid_a1.code,
            "description": "堵",
        }
        data[field] = data.get(field, "x") + "\x00"
        assert Client().post("/open311/v2/requests.json", data).status_code == 400, field
    assert not Case.objects.exists()


@pytest.mark.parametrize("offset", ["%2B23:59", "-23:59"])
def test_an_open311_date_with_any_offset_filters(world, offset):
    case = report(world)
    response = Client().get(f"/open311/v2/requests.json?start_date=2020-01-01T00:00:00{offset}")
    assert response.status_code == 200 and [r["service_request_id"] for r in response.json()] == [
        case.tracking_number
    ]
    assert Client().get(f"/open311/v2/requests.json?end_date=2020-01-01T00:00:00{offset}").json() == []


def test_an_open311_date_out_of_range_answers_400(world):
    for value in ("9999-12-31T23:00:00-23:59", "0001-01-01T00:00:00%2B23:59", "2026-13-01", "yesterday"):
        response = Client().get(f"/open311/v2/requests.json?start_date={value}")
        assert response.status_code == 400, value


def test_since_with_an_offset_on_the_case_list_is_never_a_500(world, as_user):
    # a valid ISO 8601 offset that PostgreSQL refuses: the filters move it to local time
    # (governance.filters.prepare), so it filters; one out of range is a field error
    case = report(world)
    client = as_user(world.users["office"])
    response = client.get("/api/v1/cases/?since=2026-01-01T00:00:00%2B23:59")
    assert response.status_code == 200 and [r["id"] for r in response.json()["results"]] == [case.pk]
    overflow = client.get("/api/v1/cases/?since=9999-12-31T23:00:00-23:59")
    assert overflow.status_code == 400 and "since" in overflow.json()


def test_a_control_character_in_a_description_is_a_field_error(world):
    with pytest.raises(ValidationError) as error:
        report(world, description="堵\x07了")
    assert "description" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        report(world, address="三组\x1b")
    assert "address" in error.value.message_dict
    assert not Case.objects.exists()


def test_requests_xml_stays_valid_with_a_control_character_saved_before_the_rule(world, key):
    case = report(world)
    # (PostgreSQL cannot hold NUL in text at all; the others it keeps)
    Case.objects.filter(pk=case.pk).update(description="堵\x08了\x07", address="三组\x1b")
    for url in ("/open311/v2/requests.xml", f"/open311/v2/requests.xml?api_key={key}"):
        root = ET.fromstring(Client().get(url).content)
        assert root.find("request/description").text.startswith("堵了")


# -- The API schema is what the API answers ---------------------------------------------


def _json_schema(node):
    """OpenAPI 3.0's schema objects as JSON Schema: ``nullable`` becomes a null type."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def openapi():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return _json_schema(schema)


def _check(openapi, path: str, method: str, response, status: str = "200"):
    operation = openapi["paths"][path][method]
    body = operation["responses"][status]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft7Validator(
        {**body, "components": openapi["components"]},
        format_checker=None,
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())]
    assert not errors, (path, errors[:5])


def test_the_case_and_public_answers_match_the_schema(world, as_user, api, openapi):
    # given a case nobody claimed and nobody rated (claimed_by null, satisfaction ""),
    # one claimed and rated, and one on a board of more than a page
    fresh = report(world)
    rated = solved(world)
    services.case_rate(case=rated, satisfaction="satisfied")
    many(world, BOARD_PAGE_SIZE)
    office = as_user(world.users["office"])
    listing = office.get("/api/v1/cases/?page_size=100")
    assert {r["claimed_by"] for r in listing.json()["results"]} >= {None}
    assert {r["satisfaction"] for r in listing.json()["results"]} >= {"", "satisfied"}
    _check(openapi, "/api/v1/cases/", "get", listing)
    for case in (fresh, rated):
        _check(openapi, "/api/v1/cases/{id}/", "get", office.get(f"/api/v1/cases/{case.pk}/"))
        _check(
            openapi,
            "/api/v1/public/track/{number}/",
            "get",
            api.get(f"/api/v1/public/track/{case.tracking_number}/"),
        )
    for path, code in (
        ("/api/v1/public/board/town/{code}/", world.town_a.code),
        ("/api/v1/public/board/village/{code}/", world.village_a1.code),
    ):
        _check(openapi, path, "get", api.get(path.replace("{code}", code)))
        _check(openapi, path, "get", api.get(path.replace("{code}", code) + "?page=2"))
    created = as_user(world.users["grid_worker"]).post(
        "/api/v1/cases/",
        {
            "village": world.village_a1.pk,
            "source": "grid_report",
            "kind": fresh.kind_id,
            "description": "井盖",
        },
        format="json",
    )
    _check(openapi, "/api/v1/cases/", "post", created, status="201")
