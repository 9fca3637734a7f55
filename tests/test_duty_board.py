"""The town's today board for village cadres: every village of their town (who is on duty,
the check-in time, the items done), none of another town's, and no way into another
village's log (形成比拼追赶态势, without reading each other's logs)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from duty import services
from governance.choices import Role

from . import factories as f
from .test_duty_log import named, on_duty

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def day(world):
    today = timezone.localdate()
    cadre = named(world.users["cadre"], "黄马甲")
    a2 = named(f.member(Role.VILLAGE_CADRE, village=world.village_a2), "乙村干部")
    b1 = named(f.member(Role.VILLAGE_CADRE, village=world.village_b1), "外镇干部")
    on_duty(world.village_a1, cadre, [today], world.users["office"])
    on_duty(world.village_a2, a2, [today], world.users["office"])
    on_duty(world.village_b1, b1, [today], world.users["office_b"])
    logs = {}
    for village, person in ((world.village_a1, cadre), (world.village_a2, a2), (world.village_b1, b1)):
        logs[village.code] = services.log_start(village=village, date=today, actor=person)
    at = timezone.now() - datetime.timedelta(minutes=5)
    services.log_check_in(
        log=logs[world.village_a2.code], actor=a2, method="manual", reason="二维码坏了", at=at
    )
    return {"cadre": cadre, "a2": a2, "logs": logs, "checked_in": timezone.localtime(at)}


def test_a_cadre_sees_every_village_of_their_town_on_the_board(world, day):
    client = browser(day["cadre"])
    page = client.get("/duty/board/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = {row.village.code: row for row in page.context["rows"]}
    assert set(rows) == {world.village_a1.code, world.village_a2.code}
    assert "乙村干部" in html and f"{day['checked_in']:%H:%M}" in html and "1/9" in html
    assert "外镇干部" not in html and world.village_b1.name not in html
    # their own log is linked; the other village's is not, and is 404 to them
    own, other = day["logs"][world.village_a1.code], day["logs"][world.village_a2.code]
    assert f"/duty/logs/{own.pk}/" in html and f"/duty/logs/{other.pk}/" not in html
    assert client.get(f"/duty/logs/{other.pk}/").status_code == 404
    # the flags are the town office's
    assert "/duty/flags/" not in html


def test_the_cadre_s_menu_has_the_town_s_board(world, day):
    html = browser(day["cadre"]).get("/").content.decode()
    assert "全镇今日值班" in html and 'href="/duty/board/"' in html


def test_the_office_still_reads_every_log_from_the_board(world, day):
    html = browser(world.users["office"]).get("/duty/board/").content.decode()
    for code in (world.village_a1.code, world.village_a2.code):
        assert f"/duty/logs/{day['logs'][code].pk}/" in html
    assert "/duty/flags/" in html


def test_the_board_stays_a_constant_number_of_queries_for_a_cadre(world, day, django_assert_max_num_queries):
    client = browser(day["cadre"])
    with django_assert_max_num_queries(40) as few:
        client.get("/duty/board/")
    for i in range(5):
        village = f.VillageFactory(town=world.town_a, name=f"新村{i}", code=f"VN{i}")
        other = named(f.member(Role.VILLAGE_CADRE, village=village), f"值班{i}")
        on_duty(village, other, [timezone.localdate()], world.users["office"])
        services.log_start(village=village, date=timezone.localdate(), actor=other)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/duty/board/")
    assert len(page.context["rows"]) == 7
