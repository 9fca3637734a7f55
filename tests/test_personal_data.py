"""Personal data only through the front door: roles without the grant see no more than
the last four digits of an ID number and nothing that rebuilds the rest; exact-match
searches belong to the grant, throttled and audited; the admin masks like the API; an
unmasked list is one trail row; exports do not carry live formulas."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from governance.models import AuditEntry
from governance.scoping import forget_scope
from grids.models import Household, Resident

pytestmark = pytest.mark.django_db


def grant(world, user_key="office"):
    user = world.users[user_key]
    assign_perm("grids.view_personal_data", user, world.town_a)
    forget_scope(user)
    return user


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def born(world):
    Resident.objects.filter(pk=world.resident_a1.pk).update(birth_date="1980-01-01")


@pytest.mark.parametrize("role", ["office", "supervisor", "cadre", "grid_worker", "client"])
def test_without_the_grant_an_id_number_shows_its_last_four_digits_and_no_birth_date(
    world, as_user, born, role
):
    full = world.resident_a1.id_number
    for data in (
        as_user(world.users[role]).get(f"/api/v1/residents/{world.resident_a1.pk}/").json(),
        next(
            r
            for r in as_user(world.users[role]).get("/api/v1/residents/").json()["results"]
            if r["id"] == world.resident_a1.pk
        ),
    ):
        assert data["id_number"] == "*" * 14 + full[-4:]
        assert full[:14] not in str(data) and "19800101" not in str(data).replace("-", "")
        assert data["birth_date"] is None and data["birth_year"] == 1980


@pytest.mark.parametrize(("role", "status"), [("cadre", 403), ("supervisor", 403), ("office", 403)])
def test_exact_match_searches_need_the_grant(world, as_user, role, status):
    client = as_user(world.users[role])
    assert client.get("/api/v1/residents/", {"id_number": world.resident_a1.id_number}).status_code == status
    assert client.get("/api/v1/residents/", {"phone": world.resident_a1.phone}).status_code == status
    assert client.get("/api/v1/households/", {"phone": world.household_a1.phone}).status_code == status
    assert not AuditEntry.objects.filter(action="view_personal").exists()


def test_with_the_grant_an_exact_match_search_finds_within_the_grant_and_is_audited(world, as_user):
    office = grant(world)
    client = as_user(office)
    found = client.get("/api/v1/residents/", {"id_number": world.resident_a2.id_number})
    assert [r["id"] for r in found.json()["results"]] == [world.resident_a2.pk]
    lookup = AuditEntry.objects.get(action="view_personal", changes__lookup=["id_number"])
    assert lookup.actor == office and lookup.changes["ids"] == [world.resident_a2.pk]
    assert lookup.town == world.town_a and world.resident_a2.id_number not in str(lookup.changes)
    # a resident of another town is not found, though the number is right
    outside = client.get("/api/v1/residents/", {"id_number": world.resident_b1.id_number})
    assert outside.status_code == 200 and outside.json()["count"] == 0


def test_exact_match_searches_are_throttled(world, as_user, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "personal_lookup": "2/hour",
        },
    }
    client = as_user(grant(world))
    for _ in range(2):
        assert client.get("/api/v1/residents/", {"id_number": world.resident_a2.id_number}).status_code == 200
    assert client.get("/api/v1/residents/", {"id_number": world.resident_a2.id_number}).status_code == 429
    assert client.get("/api/v1/households/", {"phone": "13800001234"}).status_code == 429
    assert client.get("/api/v1/residents/").status_code == 200  # plain listing is not a lookup


def test_an_unmasked_list_writes_one_trail_row_with_the_ids(world, as_user):
    office = grant(world)
    response = as_user(office).get("/api/v1/residents/")
    ids = {r["id"] for r in response.json()["results"]}
    rows = AuditEntry.objects.filter(action="view_personal")
    assert rows.count() == 1
    assert set(rows.get().changes["ids"]) == ids and rows.get().changes["fields"] == ["id_number", "phone"]


def test_the_admin_shows_a_read_only_user_no_full_number(world, born):
    page = admin_client(world.users["supervisor"]).get(
        f"/admin/grids/resident/{world.resident_a1.pk}/change/"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert world.resident_a1.id_number not in text and world.resident_a1.phone not in text
    assert world.resident_a1.id_number[-4:] in text
    assert "1980-01-01" not in text and "1980年1月1日" not in text and "1980" in text
    household = admin_client(world.users["supervisor"]).get(
        f"/admin/grids/household/{world.household_a1.pk}/change/"
    )
    assert world.household_a1.phone not in household.content.decode()
    assert not AuditEntry.objects.filter(action="view_personal").exists()


def test_the_admin_change_form_of_a_cadre_shows_no_birth_date(world, born):
    page = admin_client(world.users["cadre"]).get(f"/admin/grids/resident/{world.resident_a1.pk}/change/")
    text = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' in text
    assert 'name="birth_date"' not in text and "1980-01-01" not in text


def test_the_admin_list_unmasks_for_the_grant_with_one_trail_row(world):
    masked = admin_client(world.users["office"]).get("/admin/grids/resident/").content.decode()
    assert world.resident_a1.id_number not in masked and "*" * 14 + world.resident_a1.id_number[-4:] in masked
    office = grant(world)
    shown = admin_client(office).get("/admin/grids/resident/").content.decode()
    assert world.resident_a1.id_number in shown
    row = AuditEntry.objects.get(action="view_personal")
    assert set(row.changes["ids"]) == set(
        Resident.objects.filter(town=world.town_a).values_list("pk", flat=True)
    )


def test_the_admin_search_by_id_number_needs_the_grant(world):
    number = world.resident_a1.id_number
    cadre = admin_client(world.users["cadre"]).get("/admin/grids/resident/", {"q": number})
    assert world.resident_a1.name not in cadre.content.decode()
    office = grant(world)
    found = admin_client(office).get("/admin/grids/resident/", {"q": number})
    assert world.resident_a1.name in found.content.decode()
    assert AuditEntry.objects.filter(action="view_personal", changes__lookup=["id_number"]).count() == 1


FORMULAS = ['=HYPERLINK("http://evil.example/","点此")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_exports_escape_cells_that_a_spreadsheet_would_run(world, as_user, value):
    Household.objects.filter(pk=world.household_a1.pk).update(head_name=value[:32])
    Resident.objects.filter(pk=world.resident_a1.pk).update(name=value[:32])
    office = world.users["office"]
    csv_body = as_user(office).get("/api/v1/residents/export/?file_format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_body)))
    row = next(r for r in rows if r[1] == world.household_a1.number)
    assert row[2] == "'" + value[:32] and row[4] == "'" + value[:32]
    xlsx = as_user(office).get("/api/v1/residents/export/?file_format=xlsx").content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    cells = next(r for r in sheet.iter_rows() if r[1].value == world.household_a1.number)
    assert cells[2].data_type == "s" and cells[4].data_type == "s"  # text, not a formula
    assert cells[4].value == value[:32].replace("\r", "\n")  # XML reads CR back as LF


def test_an_escaped_export_imports_back_as_it_was(world, as_user):
    Resident.objects.filter(pk=world.resident_a1.pk).update(name="=1+1")
    office = grant(world)
    body = as_user(office).get("/api/v1/residents/export/?file_format=csv").content
    result = as_user(office).post(
        "/api/v1/residents/import/",
        {"file": SimpleUploadedFile("back.csv", body), "dry_run": False},
        format="multipart",
    )
    assert result.json()["ok"], result.json()
    assert Resident.objects.get(pk=world.resident_a1.pk).name == "=1+1"
