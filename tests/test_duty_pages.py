"""The roster pages: the office's month overview, the editor, amendments, the public page
and its printable notice, and the home tiles."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from duty import services
from duty.models import Amendment, Roster, Shift, add_months
from duty.selectors import this_month
from governance.choices import Role

from . import factories as f

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def named(user, name, phone=""):
    user.last_name, user.first_name, user.phone = name[:1], name[1:], phone
    user.save()
    return user


@pytest.fixture
def team(world):
    cadre = named(world.users["cadre"], "黄马甲", "13900001111")
    other = named(f.member(Role.VILLAGE_CADRE, village=world.village_a1), "徐秋云", "13900002222")
    return cadre, other


@pytest.fixture
def current(world, team):
    """This month's roster of village A1, published, every working day filled."""
    roster = services.roster_create(
        village=world.village_a1, month=this_month(), duty_phone="0579-87138753", actor=world.users["office"]
    )
    services.roster_fill(roster=roster, people=list(team), include_weekends=True, actor=world.users["office"])
    services.roster_publish(roster=roster, actor=world.users["office"])
    return roster


@pytest.fixture
def draft(world, team):
    return services.roster_create(
        village=world.village_a1,
        month=add_months(this_month(), 1),
        duty_phone="1",
        actor=world.users["cadre"],
    )


def test_the_overview_lists_the_villages_with_their_state(world, current, draft):
    page = browser(world.users["office"]).get(f"/duty/?month={draft.month:%Y-%m}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲一村" in text and "甲二村" in text and "乙一村" not in text
    assert "草稿" in text and "未编制" in text
    assert browser(world.users["office_b"]).get("/duty/").content.decode().count("甲一村") == 0
    grid_worker = browser(world.users["grid_worker"]).get("/duty/").content.decode()
    assert "甲一村" in grid_worker and "甲二村" not in grid_worker  # their own village's
    for role in ("department", "party_member"):
        assert browser(world.users[role]).get("/duty/").status_code == 403
    assert browser().get("/duty/").status_code == 302  # to the log-in


def test_the_office_sets_the_deadline_on_the_overview(world):
    client = browser(world.users["office"])
    assert client.post("/duty/", {"publish_by_day": "40"}).status_code == 200  # a field error
    response = client.post("/duty/", {"publish_by_day": "20"})
    assert response.status_code == 302
    assert "20" in client.get("/duty/").content.decode()
    assert browser(world.users["cadre"]).post("/duty/", {"publish_by_day": "1"}).status_code == 403


def test_the_overview_runs_a_constant_number_of_queries(world, current, draft, django_assert_max_num_queries):
    client = browser(world.users["office"])
    client.get("/duty/")
    with django_assert_max_num_queries(14):
        assert client.get("/duty/").status_code == 200
    for i in range(8):
        village = f.VillageFactory(town=world.town_a, name=f"新村{i}", code=f"VN{i}")
        services.roster_create(village=village, month=add_months(this_month(), 1), duty_phone="1", actor=None)
    with django_assert_max_num_queries(14):
        assert client.get("/duty/").status_code == 200


def test_the_editor_saves_days_and_shows_errors_beside_them(world, team, draft):
    cadre, other = team
    client = browser(cadre)
    page = client.get(f"/duty/rosters/{draft.pk}/")
    assert page.status_code == 200 and "徐秋云" in page.content.decode()
    first = draft.month
    days = {f"cadre_{d:%Y-%m-%d}": "" for d in (first + datetime.timedelta(n) for n in range(3))}
    days[f"cadre_{first:%Y-%m-%d}"] = str(other.pk)
    response = client.post(f"/duty/rosters/{draft.pk}/", {"action": "days", **days})
    assert response.status_code == 302
    assert Shift.objects.get(roster=draft, deleted_at__isnull=True).person == other

    # 徐秋云 is put on duty in village A2 on the second day; then asked for A1 that day.
    f.MembershipFactory(user=other, role=Role.VILLAGE_CADRE, village=world.village_a2)
    a2 = services.roster_create(village=world.village_a2, month=draft.month, duty_phone="2", actor=None)
    second = first + datetime.timedelta(1)
    services.roster_set_days(roster=a2, days={second: services.Day(other)}, actor=None)
    response = client.post(
        f"/duty/rosters/{draft.pk}/", {"action": "days", f"cadre_{second:%Y-%m-%d}": str(other.pk)}
    )
    assert response.status_code == 200
    field = response.context["days_form"][f"cadre_{second:%Y-%m-%d}"]
    assert "甲二村" in " ".join(field.errors)
    # Someone not offered (not a cadre of the village) is not a valid choice.
    response = client.post(
        f"/duty/rosters/{draft.pk}/",
        {"action": "days", f"cadre_{second:%Y-%m-%d}": str(world.users["office"].pk)},
    )
    assert response.context["days_form"].errors
    assert Shift.objects.filter(roster=draft, deleted_at__isnull=True).count() == 1


def test_the_rotation_form_fills_and_publish_freezes(world, team, draft):
    cadre, other = team
    client = browser(cadre)
    response = client.post(
        f"/duty/rosters/{draft.pk}/",
        {"action": "fill", "turn_1": str(other.pk), "turn_2": str(cadre.pk), "days_each": "2"},
    )
    assert response.status_code == 302
    assert Shift.objects.filter(roster=draft, deleted_at__isnull=True).exists()
    assert client.post(f"/duty/rosters/{draft.pk}/", {"action": "publish"}).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    page = client.post(
        f"/duty/rosters/{draft.pk}/", {"action": "fill", "turn_1": str(cadre.pk), "days_each": "1"}
    )
    assert page.status_code == 200 and "只能通过" in page.content.decode()
    assert (
        browser(world.users["supervisor"])
        .post(f"/duty/rosters/{draft.pk}/", {"action": "publish"})
        .status_code
        == 403
    )
    assert browser(world.users["office_b"]).get(f"/duty/rosters/{draft.pk}/").status_code == 404


def test_an_amendment_needs_its_reason(world, team, current):
    cadre, other = team
    on_duty = Shift.objects.filter(roster=current, person=cadre, deleted_at__isnull=True).first()
    data = {
        "action": "amend",
        "date": on_duty.date.isoformat(),
        "replaced": cadre.pk,
        "replacement": other.pk,
    }
    client = browser(world.users["office"])
    page = client.post(f"/duty/rosters/{current.pk}/", {**data, "reason": ""})
    assert page.status_code == 200
    assert "请填写调整值班的原因" in " ".join(page.context["amend_form"]["reason"].errors)
    assert not Amendment.objects.exists()
    assert client.post(f"/duty/rosters/{current.pk}/", {**data, "reason": "住院"}).status_code == 302
    assert Amendment.objects.get().reason == "住院"


def test_the_editor_runs_a_constant_number_of_queries(world, team, draft, django_assert_max_num_queries):
    client = browser(world.users["office"])
    client.get(f"/duty/rosters/{draft.pk}/")
    with django_assert_max_num_queries(20):
        assert client.get(f"/duty/rosters/{draft.pk}/").status_code == 200
    for _ in range(6):
        f.member(Role.VILLAGE_CADRE, village=world.village_a1)
    services.roster_fill(roster=draft, people=list(services.cadres_of(world.village_a1.pk)), actor=None)
    with django_assert_max_num_queries(20):
        assert client.get(f"/duty/rosters/{draft.pk}/").status_code == 200


def test_the_public_page_shows_names_and_the_duty_phone_only(world, team, current):
    cadre, other = team
    today = timezone.localdate()
    services.roster_amend(
        roster=current,
        date=today,
        replaced=Shift.objects.get(roster=current, date=today, deleted_at__isnull=True).person,
        replacement=other
        if Shift.objects.get(roster=current, date=today, deleted_at__isnull=True).person == cadre
        else cadre,
        reason="秘密的私事",
        actor=world.users["office"],
    ) if Shift.objects.filter(roster=current, date=today, deleted_at__isnull=True).exists() else None
    for path in ("/duty/public/VA1/", "/duty/public/VA1/print/"):
        page = browser().get(path)
        assert page.status_code == 200
        text = page.content.decode()
        assert "0579-87138753" in text and ("黄马甲" in text or "徐秋云" in text)
        for secret in ("13900001111", "13900002222", cadre.username, other.username, "秘密的私事"):
            assert secret not in text
    assert browser().get("/duty/public/VA2/").status_code == 200  # not published: says so
    assert "尚未发布" in browser().get("/duty/public/VA2/").content.decode()
    assert browser().get("/duty/public/NOSUCH/").status_code == 404
    assert browser().get("/duty/public/VA1/?month=2026-99").status_code == 200


def test_a_draft_is_not_public(world, team, draft):
    services.roster_fill(roster=draft, people=list(team), actor=None)
    text = browser().get(f"/duty/public/VA1/?month={draft.month:%Y-%m}").content.decode()
    assert "黄马甲" not in text and "徐秋云" not in text


def test_the_home_tiles(world, team, current, draft):
    office = browser(world.users["office"]).get("/").content.decode()
    assert "下月值班表未发布" in office
    cadre, other = team
    on_duty_today = Shift.objects.filter(
        roster=current, date=timezone.localdate(), deleted_at__isnull=True
    ).first()
    for user in team:
        text = browser(user).get("/").content.decode()
        if on_duty_today and on_duty_today.person == user:
            assert "今天我值班" in text
        else:
            assert "今天不值班" in text
    assert Roster.objects.count() == 2
