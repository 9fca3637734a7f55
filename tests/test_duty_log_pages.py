"""The duty log pages: the cadre's today page through a day, the QR check-in, the
town's today board (constant queries), the flags list, the office's QR code."""

import pytest
from django.test import Client
from django.utils import timezone

from duty import services
from duty.choices import FlagKind, LogState
from duty.models import DutyFlag, DutyLog, OfficeCode, Roster, SpotCheck
from governance.choices import Role

from . import factories as f
from .test_duty_log import named, on_duty

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def cadre(world):
    cadre = named(world.users["cadre"], "黄马甲")
    on_duty(world.village_a1, cadre, [timezone.localdate()], world.users["office"])
    return cadre


@pytest.fixture
def households(world):
    return [f.HouseholdFactory(grid=world.grid_a1, number=f"A1-1{i:02d}") for i in range(6)]


def test_a_cadre_goes_through_the_duty_day_on_the_today_page(world, cadre, households):
    client = browser(cadre)
    page = client.get("/duty/today/")
    assert page.status_code == 200
    assert 'id="start-form"' in page.content.decode()
    assert client.post("/duty/today/").status_code == 302
    log = DutyLog.objects.get(village=world.village_a1, date=timezone.localdate())
    page = client.get("/duty/today/").content.decode()
    assert "0/9" in page and 'id="item-9"' in page
    # a check-in by hand without a reason: a field error, nothing saved
    refused = client.post("/duty/today/", {"action": "checkin", "check_in_reason": ""})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    assert (
        client.post("/duty/today/", {"action": "checkin", "check_in_reason": "二维码被雨淋坏"}).status_code
        == 302
    )
    # signing too early: the rule's message
    refused = client.post("/duty/today/", {"action": "sign"}).content.decode()
    assert "5" in refused and 'id="log-problems"' in refused
    # a household of another village is not a choice
    refused = client.post(
        "/duty/today/", {"action": "spot_check", "household": world.household_a2.pk, "passed": "1"}
    )
    assert refused.status_code == 200 and not SpotCheck.objects.exists()
    for h in households[:5]:
        assert (
            client.post(
                "/duty/today/", {"action": "spot_check", "household": h.pk, "passed": "1", "note": ""}
            ).status_code
            == 302
        )
    client.post("/duty/today/", {"action": "talk", "topic": "医保缴费", "audience": "老年人", "people": "8"})
    client.post("/duty/today/", {"action": "errand", "what": "盖章", "for_whom": "潘益水"})
    assert client.post("/duty/today/", {"action": "sign"}).status_code == 302
    log.refresh_from_db()
    assert log.state == LogState.SIGNED
    page = client.get(f"/duty/logs/{log.pk}/").content.decode()
    assert 'id="sign-form"' not in page and 'id="amend-form"' in page
    # locked: item forms are refused, a correction needs its reason
    assert client.post(f"/duty/logs/{log.pk}/", {"action": "talk", "topic": "x"}).status_code == 403
    refused = client.post(
        f"/duty/logs/{log.pk}/", {"action": "amend", "item": "6", "correction": "人数应为9"}
    )
    assert refused.status_code == 200 and log.amendments.count() == 0
    client.post(
        f"/duty/logs/{log.pk}/", {"action": "amend", "item": "6", "correction": "人数应为9", "reason": "笔误"}
    )
    assert log.amendments.count() == 1


def test_the_office_qr_code_checks_the_cadre_in(world, cadre):
    office = browser(world.users["office"])
    assert office.post(f"/duty/village/{world.village_a1.pk}/office-code/").status_code == 302
    code = OfficeCode.objects.get(village=world.village_a1)
    assert "<svg" in office.get(f"/duty/village/{world.village_a1.pk}/office-code/").content.decode()
    client = browser(cadre)
    # the code hangs in the office: the cadre cannot open it on their own phone
    assert client.get(f"/duty/village/{world.village_a1.pk}/office-code/").status_code == 404
    assert client.get(f"/duty/checkin/{code.token}/").status_code == 200
    assert (
        client.post(f"/duty/checkin/{code.token}/", {"latitude": "29.1", "longitude": "120.1"}).status_code
        == 302
    )
    log = DutyLog.objects.get(village=world.village_a1)
    assert log.check_in_method == "qr" and log.check_in_latitude == 29.1
    assert client.get("/duty/checkin/nosuchtoken/").status_code == 404
    outsider = named(f.member(Role.VILLAGE_CADRE, village=world.village_b1), "外人")
    assert browser(outsider).get(f"/duty/checkin/{code.token}/").status_code == 404


def test_a_log_outside_ones_area_is_404(world, cadre):
    log = services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    assert browser(world.users["office_b"]).get(f"/duty/logs/{log.pk}/").status_code == 404
    page = browser(world.users["office"]).get(f"/duty/logs/{log.pk}/")
    assert page.status_code == 200 and 'id="sign-form"' not in page.content.decode()
    assert browser(world.users["office"]).post(f"/duty/logs/{log.pk}/", {"action": "sign"}).status_code == 403


def test_the_today_board_runs_a_constant_number_of_queries(world, cadre, django_assert_max_num_queries):
    services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    client = browser(world.users["office"])
    with django_assert_max_num_queries(20) as few:
        page = client.get("/duty/board/")
    assert page.status_code == 200 and "黄马甲" in page.content.decode()
    for i in range(6):
        village = f.VillageFactory(town=world.town_a, name=f"新村{i}", code=f"VN{i}")
        other = named(f.member(Role.VILLAGE_CADRE, village=village), f"值班{i}")
        on_duty(village, other, [timezone.localdate()], world.users["office"])
        services.log_start(village=village, date=timezone.localdate(), actor=other)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/duty/board/").status_code == 200


def test_the_office_dismisses_a_flag_on_the_flags_page(world):
    flag = DutyFlag.objects.create(
        kind=FlagKind.MISSING_LOG, village=world.village_a1, date=timezone.localdate(), reason="无人填写"
    )
    client = browser(world.users["office"])
    assert "无人填写" in client.get("/duty/flags/").content.decode()
    refused = client.post("/duty/flags/", {"flag": flag.pk, "reason": ""})
    assert refused.status_code == 200
    assert client.post("/duty/flags/", {"flag": flag.pk, "reason": "当日防汛"}).status_code == 302
    flag.refresh_from_db()
    assert flag.dismiss_reason == "当日防汛"
    assert (
        browser(world.users["supervisor"]).post("/duty/flags/", {"flag": flag.pk, "reason": "x"}).status_code
        == 404
    )
    assert browser(world.users["cadre"]).get("/duty/flags/").status_code == 403


def test_home_tiles(world, cadre):
    from duty.selectors import villages_without_log_today

    # A1 has its cadre on duty today and no log; A2 has nobody on the roster
    assert villages_without_log_today(world.users["office"]) == 1
    services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    page = browser(cadre).get("/").content.decode()
    assert 'data-tile="duty-log-today"' in page and "0/9" in page
    page = browser(world.users["office"]).get("/").content.decode()
    assert 'data-tile="duty-logs-missing"' in page and 'data-tile="duty-flags-open"' in page
    assert villages_without_log_today(world.users["office"]) == 0


def test_an_entry_sent_again_with_its_key_is_applied_once(world, cadre):
    """The phone's offline queue sends each entry with an idempotency key; sending it
    again (the answer was lost) records nothing more."""
    from duty.models import LogSubmission, PolicyTalk

    services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    client = browser(cadre)
    entry = {"action": "talk", "topic": "防诈骗", "audience": "老年人", "people": "6", "idem": "k-1"}
    first = client.post("/duty/today/", entry)
    again = client.post("/duty/today/", entry)
    assert first["X-Duty-Result"] == "saved" and again["X-Duty-Result"] == "duplicate"
    assert PolicyTalk.objects.filter(topic="防诈骗").count() == 1
    # a refused entry leaves its key free, to be sent again corrected
    refused = client.post("/duty/today/", {**entry, "people": "0", "idem": "k-2"})
    assert refused["X-Duty-Result"] == "invalid"
    client.post("/duty/today/", {"action": "checkin", "check_in_reason": "", "idem": "k-3"})
    assert not LogSubmission.objects.filter(key__in=["k-2", "k-3"]).exists()
    assert (
        client.post("/duty/today/", {"action": "checkin", "check_in_reason": "停电", "idem": "k-3"})[
            "X-Duty-Result"
        ]
        == "saved"
    )


def test_a_photo_on_an_item_is_prepared_as_cases_photos_are_and_scoped(world, cadre):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from duty.models import LogPhoto

    services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    out = io.BytesIO()
    Image.new("RGB", (3000, 1000), (90, 140, 60)).save(out, "PNG")
    client = browser(cadre)
    sent = client.post(
        "/duty/today/",
        {
            "action": "photo",
            "item": "3",
            "photo": SimpleUploadedFile("巡查.png", out.getvalue(), "image/png"),
        },
    )
    assert sent.status_code == 302
    photo = LogPhoto.objects.get()
    assert photo.item == 3 and photo.file.name.endswith(".jpg")
    assert max(Image.open(photo.file).size) <= 2048  # re-encoded and resized (cases.photos)
    assert browser(world.users["office"]).get(f"/duty/logs/photos/{photo.pk}/").status_code == 200
    assert browser(world.users["office_b"]).get(f"/duty/logs/photos/{photo.pk}/").status_code == 404
    fake = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", "image/jpeg")
    refused = client.post("/duty/today/", {"action": "photo", "item": "3", "photo": fake})
    assert refused.status_code == 200 and LogPhoto.objects.count() == 1


def test_malformed_ids_and_months_answer_without_a_server_error(world, cadre):
    office = browser(world.users["office"])
    assert office.post("/duty/flags/", {"flag": "abc", "reason": "x"}).status_code == 404
    assert office.get("/duty/?month=9999-12").status_code == 200
    assert office.get("/duty/?month=0001-01").status_code == 200
    # an item's entry never begins today's log (refused); on a begun log a bad id is 404
    assert browser(cadre).post("/duty/today/", {"action": "errand_done", "errand": "abc"}).status_code == 200
    assert not DutyLog.objects.exists()
    services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    for errand in ("abc", "99999999999999999999"):
        assert (
            browser(cadre).post("/duty/today/", {"action": "errand_done", "errand": errand}).status_code
            == 404
        )
    response = office.post(f"/duty/village/{world.village_a1.pk}/?month=9999-12")
    assert response.status_code < 500
    assert not Roster.objects.filter(month__year=9999).exists()
