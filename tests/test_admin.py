"""The admin: the same scoping, services and audit as the API."""

import pytest
from django.test import Client

from governance.models import AuditEntry
from grids.models import Household

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "url", "inside", "outside"),
    [
        ("office", "/admin/grids/village/", ["甲一村", "甲二村"], ["乙一村"]),
        ("cadre", "/admin/grids/household/", ["A1-001", "A1-003"], ["A2-001", "B1-001"]),
        ("office", "/admin/grids/resident/", ["甲一居民", "甲二居民"], ["乙一居民"]),
        ("supervisor", "/admin/governance/auditentry/", [], []),
    ],
)
def test_changelists_show_only_the_users_scope(world, role, url, inside, outside):
    page = admin_client(world.users[role]).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert all(name in text for name in inside) and not any(name in text for name in outside)


def test_an_object_outside_scope_does_not_exist_in_the_admin(world):
    response = admin_client(world.users["cadre"]).get(
        f"/admin/grids/household/{world.household_b1.pk}/change/"
    )
    assert response.status_code == 302 and "B1-001" not in response.content.decode()


def test_a_clash_shows_on_the_form_and_a_change_is_audited(world):
    client = admin_client(world.users["office"])
    url = f"/admin/grids/household/{world.household_a1_2.pk}/change/"
    form = {"grid": world.grid_a1.pk, "number": "A1-001", "head_name": "张三", "address": "x", "phone": ""}
    clash = client.post(url, form)
    assert clash.status_code == 200 and "本村已有该户号" in clash.content.decode()
    ok = client.post(url, {**form, "number": "A1-009"})
    assert ok.status_code == 302
    assert Household.objects.get(pk=world.household_a1_2.pk).number == "A1-009"
    assert AuditEntry.objects.filter(object_id=str(world.household_a1_2.pk), action="update").exists()


def test_a_read_only_role_sees_but_cannot_change(world):
    client = admin_client(world.users["supervisor"])
    page = client.get(f"/admin/grids/household/{world.household_a1.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(f"/admin/grids/household/{world.household_a1.pk}/change/", {"number": "x"}).status_code
        == 403
    )


def test_the_import_page_checks_a_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = admin_client(world.users["office"])
    assert client.get("/admin/grids/resident/import/").status_code == 200
    upload = SimpleUploadedFile("p.csv", "网格编码,户号,姓名\nNOPE,1,李\n".encode())
    page = client.post("/admin/grids/resident/import/", {"file": upload, "dry_run": "on"})
    assert page.status_code == 200 and 'id="import-errors"' in page.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/notification/",
        "/admin/cases/rating/",
        "/admin/cases/caseattachment/",
        "/admin/cases/case/",
        "/admin/cases/open311client/",
    ],
)
def test_case_records_are_listed_read_only_in_the_admin(world, url):
    assert admin_client(world.users["office"]).get(url).status_code == 200
    assert admin_client(world.users["party_member"]).get(url).status_code in (302, 403)
