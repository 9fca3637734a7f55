"""Cases × roles: who sees which case, who may report where, 404 outside scope."""

import pytest

from cases import services
from cases.choices import Move
from cases.models import Case, CaseKind

from .test_cases import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world):
    """One case in each place: A1 grid GA1 (with a household), A1 grid GA12, A2, and B1
    (the last escalated and assigned to town B's department)."""
    a1 = report(world, household=world.household_a1)
    a1_2 = report(world, grid=world.grid_a1_2, actor=world.users["cadre"])
    a2 = report(world, village=world.village_a2, grid=world.grid_a2, actor=world.users["office"])
    b1 = report(world, village=world.village_b1, grid=world.grid_b1, actor=world.users["office_b"])
    services.case_move(case=a1, move=Move.ESCALATE, actor=world.users["cadre"], note="上报")
    services.case_move(case=a1, move=Move.ASSIGN, actor=world.users["office"], department=world.dept_a)
    return {"a1": a1, "a1_2": a1_2, "a2": a2, "b1": b1}


EXPECTED = {
    "office": {"a1", "a1_2", "a2"},
    "supervisor": {"a1", "a1_2", "a2"},
    "cadre": {"a1", "a1_2"},
    "grid_worker": {"a1"},  # own grid and its own reports
    "department": {"a1"},  # assigned to it
    "party_member": set(),
    "client": {"a1", "a1_2", "a2"},
    "office_b": {"b1"},
    "nobody": set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_the_case_list_holds_exactly_the_cases_in_scope(world, cases, as_user, role):
    response = as_user(world.users[role]).get("/api/v1/cases/?page_size=100")
    if role in ("party_member", "nobody"):
        assert response.status_code == 403
        return
    got = {row["id"] for row in response.json()["results"]}
    assert got == {cases[name].pk for name in EXPECTED[role]}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_a_case_outside_scope_answers_404(world, cases, as_user, role):
    client = as_user(world.users[role])
    for name, case in cases.items():
        status = client.get(f"/api/v1/cases/{case.pk}/").status_code
        if name in EXPECTED[role]:
            assert status == 200
        else:
            assert status in (403, 404) if role in ("party_member", "nobody") else status == 404


def test_a_grid_worker_reports_in_their_grid_but_not_elsewhere(world, as_user):
    kind = CaseKind.objects.get(code="hazard", town=None)
    client = as_user(world.users["grid_worker"])
    ok = client.post(
        "/api/v1/cases/",
        {
            "village": world.village_a1.pk,
            "grid": world.grid_a1_child.pk,
            "source": "grid_report",
            "kind": kind.pk,
            "description": "电线裸露",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    before = Case.objects.count()
    elsewhere = client.post(
        "/api/v1/cases/",
        {
            "village": world.village_a1.pk,
            "grid": world.grid_a1_2.pk,
            "source": "grid_report",
            "kind": kind.pk,
            "description": "x",
        },
        format="json",
    )
    assert elsewhere.status_code == 400 and "grid" in elsewhere.json()
    other_town = client.post(
        "/api/v1/cases/",
        {"village": world.village_b1.pk, "source": "grid_report", "kind": kind.pk, "description": "x"},
        format="json",
    )
    assert other_town.status_code == 400 and "village" in other_town.json()
    assert Case.objects.count() == before


def test_a_rest_client_files_cases_in_its_token_scope(world, as_user):
    kind = CaseKind.objects.get(code="road", town=None)
    client = as_user(world.users["client"])
    ok = client.post(
        "/api/v1/cases/",
        {
            "village": world.village_a2.pk,
            "source": "api",
            "kind": kind.pk,
            "description": "路面塌陷",
            "reporter_contact": "13700004444",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert "*" in ok.json()["reporter_contact"]  # masked for a client without personal-data rights
    no = client.post(
        "/api/v1/cases/",
        {"village": world.village_b1.pk, "source": "api", "kind": kind.pk, "description": "x"},
        format="json",
    )
    assert no.status_code == 400


def test_a_department_reads_the_household_of_a_case_assigned_to_it_and_no_other(world, cases, as_user):
    client = as_user(world.users["department"])
    assert client.get(f"/api/v1/households/{world.household_a1.pk}/").status_code == 200
    assert client.get(f"/api/v1/households/{world.household_a2.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/households/{world.household_a1.pk}/", {"address": "x"}, format="json"
        ).status_code
        == 403
    )
    residents = client.get("/api/v1/residents/").json()["results"]
    assert {r["id"] for r in residents} == {world.resident_a1.pk}


def test_bad_case_input_answers_400_with_field_errors_in_chinese_and_writes_nothing(world, as_user):
    before = Case.objects.count()
    response = as_user(world.users["cadre"]).post(
        "/api/v1/cases/", {"village": world.village_a1.pk, "source": "nope", "description": ""}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert {"source", "kind", "description"} <= set(body)
    assert any("不是" in m or "有效" in m or "该字段" in m for m in body["source"] + body["kind"])
    assert Case.objects.count() == before


def test_the_town_office_configures_its_own_case_kinds_in_the_admin(world):
    from django.test import Client

    client = Client()
    client.force_login(world.users["office"])
    response = client.post(
        "/admin/cases/casekind/add/",
        {"town": world.town_a.pk, "code": "tea", "name": "茶园纠纷", "group": "矛盾纠纷", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    kind = CaseKind.objects.get(code="tea")
    assert kind.town == world.town_a
    global_kind = CaseKind.objects.get(code="drain", town=None)
    assert client.get(f"/admin/cases/casekind/{global_kind.pk}/change/").status_code == 200
    assert client.post(f"/admin/cases/casekind/{global_kind.pk}/change/", {"code": "x"}).status_code == 403
    cadre = Client()
    cadre.force_login(world.users["cadre"])
    assert cadre.post("/admin/cases/casekind/add/", {"code": "y", "name": "y"}).status_code == 403


def test_supervisors_departments_and_party_members_do_not_report_and_nothing_is_saved(world, as_user):
    from cases.models import Case, CaseKind

    body = {
        "village": world.village_a1.pk,
        "grid": world.grid_a1.pk,
        "source": "walk_in",
        "kind": CaseKind.objects.get(code="drain", town=None).pk,
        "description": "排水沟堵塞",
    }
    for role in ("supervisor", "department", "party_member"):
        assert as_user(world.users[role]).post("/api/v1/cases/", body, format="json").status_code in (
            403,
            404,
        )
    from django.test import Client

    page = Client()
    page.force_login(world.users["supervisor"])
    assert page.get("/cases/new/").status_code == 403
    # a grid worker reports in its own grid, not in another grid of the same village
    grid_worker = as_user(world.users["grid_worker"])
    assert grid_worker.post(
        "/api/v1/cases/", {**body, "grid": world.grid_a1_2.pk}, format="json"
    ).status_code in (
        400,
        403,
    )
    assert not Case.objects.exists()
    assert grid_worker.post("/api/v1/cases/", body, format="json").status_code == 201
    assert as_user(world.users["cadre"]).post("/api/v1/cases/", body, format="json").status_code == 201
