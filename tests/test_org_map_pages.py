"""The responsibility map's pages for each role: the overview (coverage and gaps), the
office's forms (a link, a reassignment, a whole grid; errors beside the fields, in
Chinese), a household's people and history (404 out of scope), "mine", the informants,
the compound teams and the public card without log-in."""

from __future__ import annotations

import pytest
from django.test import Client

from organisation import responsibility as service
from organisation.choices import InformantGroupKind, Level, Post
from organisation.models import Responsibility

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def mapped(world):
    office = world.users["office"]
    service.responsibility_assign(
        actor=office, village=world.village_a1, level=Level.VILLAGE, name="包村领导甲", title="镇党委委员"
    )
    service.responsibility_assign(
        actor=office,
        village=world.village_a1,
        level=Level.AREA,
        grid=world.grid_a1,
        user=world.users["cadre"],
    )
    link = service.responsibility_assign(
        actor=office,
        village=world.village_a1,
        level=Level.HOUSEHOLD,
        household=world.household_a1,
        user=world.users["grid_worker"],
        name="网格员甲",
        phone="13911112222",
    )
    return link


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("office", 200),
        ("supervisor", 200),
        ("cadre", 200),
        ("grid_worker", 403),
        ("department", 403),
        ("party_member", 403),
        ("office_b", 200),
        ("nobody", 403),
    ],
)
def test_the_overview_answers_each_role(world, mapped, role, status):
    response = client_for(world.users[role]).get("/organisation/map/")
    assert response.status_code == status
    if role == "office":
        body = response.content.decode()
        assert "包村领导甲" in body and "甲一村" in body and "甲二村" in body
        assert "整网格包联" in body
    if role == "cadre":
        assert "甲二村" not in response.content.decode()
    if role == "office_b":
        assert "甲一村" not in response.content.decode()


def test_anonymous_is_sent_to_log_in(world):
    assert client_for().get("/organisation/map/").status_code == 302


def test_the_household_page_shows_each_level_and_is_404_out_of_scope(world, mapped):
    url = f"/organisation/map/household/{world.household_a1.pk}/"
    body = client_for(world.users["office"]).get(url).content.decode()
    assert "包村领导甲" in body and "网格员甲" in body and "13911112222" in body and "联防联控" in body
    assert "更换包户人" in body
    assert client_for(world.users["grid_worker"]).get(url).status_code == 200
    assert "更换包户人" not in client_for(world.users["grid_worker"]).get(url).content.decode()
    for role in ("office_b", "department", "nobody"):
        assert client_for(world.users[role]).get(url).status_code == 404, role
    assert client_for(world.users["office"]).get("/organisation/map/household/99999999/").status_code == 404


def test_the_office_reassigns_a_household_and_the_old_link_shows_closed(world, mapped):
    office = client_for(world.users["office"])
    page = office.get(f"/organisation/map/assign/?household={world.household_a1.pk}")
    assert page.status_code == 200 and world.household_a1.number in page.content.decode()
    response = office.post(
        "/organisation/map/assign/",
        {
            "village": world.village_a1.pk,
            "level": Level.HOUSEHOLD,
            "household_number": world.household_a1.number,
            "party_member": world.member_a1.pk,
            "education": "on",
            "service": "on",
        },
    )
    assert response.status_code == 302
    rows = list(Responsibility.objects.filter(household=world.household_a1).order_by("id"))
    assert [(r.name, r.until is None, r.joint_defence) for r in rows] == [
        ("网格员甲", False, True),
        (world.member_a1.resident.name, True, False),
    ]
    body = office.get(response["Location"]).content.decode()
    assert 'class="closed' in body


def test_bad_input_is_shown_beside_its_field_in_chinese(world, mapped):
    office = client_for(world.users["office"])
    response = office.post(
        "/organisation/map/assign/",
        {
            "village": world.village_a1.pk,
            "level": Level.HOUSEHOLD,
            "household_number": "NOSUCH",
            "name": "某",
        },
    )
    assert response.status_code == 200
    assert "没有户号为NOSUCH的户" in response.content.decode()
    response = office.post(
        "/organisation/map/assign/",
        {"village": world.village_a1.pk, "level": Level.AREA, "grid": world.grid_a1_2.pk, "name": "某"},
    )
    assert "请至少勾选一项职责" in response.content.decode()  # every duty unticked
    response = office.post(
        "/organisation/map/assign/",
        {
            "village": world.village_a1.pk,
            "level": Level.AREA,
            "grid": world.grid_a1_2.pk,
            "name": "某",
            "service": "on",
        },
    )
    assert response.status_code == 302
    response = office.post(
        "/organisation/map/assign/",
        {
            "village": world.village_a2.pk,
            "level": Level.AREA,
            "grid": world.grid_a1_2.pk,
            "name": "某",
            "service": "on",
        },
    )
    assert response.status_code == 200
    assert "网格必须属于甲二村" in response.content.decode()
    assert client_for(world.users["cadre"]).get("/organisation/map/assign/").status_code == 403


def test_a_whole_grid_in_one_post(world, mapped):
    office = client_for(world.users["office"])
    response = office.post(
        "/organisation/map/assign-grid/",
        {"grid": world.grid_a1.pk, "user": world.users["grid_worker"].pk, "education": "on"},
    )
    assert response.status_code == 302
    assert Responsibility.objects.filter(level=Level.HOUSEHOLD, until__isnull=True).count() == 2


def test_mine_lists_the_households_of_the_account(world, mapped):
    body = client_for(world.users["grid_worker"]).get("/organisation/map/mine/").content.decode()
    assert world.household_a1.number in body
    body = client_for(world.users["cadre"]).get("/organisation/map/mine/").content.decode()
    assert world.household_a1.number in body and world.household_a1_child.number in body
    body = client_for(world.users["nobody"]).get("/organisation/map/mine/").content.decode()
    assert 'id="no-links"' in body


def test_informants_and_posts_pages(world, mapped):
    office = world.users["office"]
    group = service.informant_group_create(
        town=world.town_a,
        kind=InformantGroupKind.VILLAGE,
        village=world.village_a1,
        name="甲一信息员组",
        actor=office,
    )
    service.informant_create(group=group, name="信息员甲", households=[world.household_a1], actor=office)
    service.service_post_create(
        grid=world.grid_a1_child,
        post=Post.GATE,
        name="门卫老李",
        phone="13900002222",
        handles="门岗值守",
        actor=office,
    )
    c = client_for(office)
    assert "甲一信息员组" in c.get("/organisation/map/informants/?start=2000-01-01&end=abc").content.decode()
    assert "信息员甲" in c.get(f"/organisation/map/informants/groups/{group.pk}/").content.decode()
    assert "门卫老李" in c.get("/organisation/map/posts/").content.decode()
    assert (
        client_for(world.users["office_b"])
        .get(f"/organisation/map/informants/groups/{group.pk}/")
        .status_code
        == 404
    )
    response = c.post(
        "/organisation/map/informants/new/",
        {"group": group.pk, "name": "信息员乙", "household_numbers": f"{world.household_a1.number}, A2-001"},
    )
    assert response.status_code == 200 and "A2-001" in response.content.decode()
    response = c.post(
        "/organisation/map/informants/groups/new/", {"kind": InformantGroupKind.TAXI, "name": "出租车组"}
    )
    assert response.status_code == 302
    response = c.post(
        "/organisation/map/posts/new/",
        {
            "grid": world.grid_a1_child.pk,
            "post": Post.HEALTH,
            "name": "卫生员",
            "phone": "1390000",
            "handles": "卫生",
        },
    )
    assert response.status_code == 302
    # the public card, without log-in
    card = client_for().get("/organisation/public/card/GA1a/")
    assert card.status_code == 200
    body = card.content.decode()
    assert "门卫老李" in body and "13900002222" in body and "门岗值守" in body and "卫生员" in body
    assert client_for().get("/organisation/public/card/GA12/").status_code == 404
    assert client_for().get("/organisation/public/card/nosuch/").status_code == 404
