"""The flags and inspections pages page through their rows (?page=, a constant number of
queries), a draft's photo taken back leaves no file behind once the removal is committed,
and signing is refused for the rules the add services do not already keep."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from duty import inspections, services
from duty.choices import FlagKind
from duty.models import DutyFlag, Inspection, LogPhoto

from .test_duty_log import named, on_duty

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def flags(world, n: int) -> None:
    first = datetime.date(2026, 1, 1)
    DutyFlag.objects.bulk_create(
        DutyFlag(
            kind=FlagKind.MISSING_LOG,
            village=world.village_a1,
            date=first + datetime.timedelta(days=i),
            reason="无日记",
        )
        for i in range(DutyFlag.objects.count(), n)
    )


def inspected(world, n: int) -> None:
    start = timezone.now() - datetime.timedelta(days=400)
    Inspection.objects.bulk_create(
        Inspection(
            town=world.town_a,
            village=world.village_a1,
            at=start + datetime.timedelta(hours=i),
            inspectors="镇纪委",
            present=bool(i % 2),
            score=80,
        )
        for i in range(Inspection.objects.count(), n)
    )


@pytest.mark.parametrize(("url", "make"), [("/duty/flags/", flags), ("/duty/inspections/", inspected)])
def test_the_list_pages_page_through_their_rows_in_constant_queries(
    world, url, make, django_assert_max_num_queries
):
    client = browser(world.users["office"])
    make(world, 60)
    with django_assert_max_num_queries(100) as few:
        first = client.get(url)
    assert first.status_code == 200
    assert 'id="pager"' in first.content.decode() and "?page=2" in first.content.decode()
    make(world, 560)  # more than the 500 the pages used to stop at
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    last = client.get(url, {"page": 12}).content.decode()
    assert 'aria-current="page"><span class="page-link">12<' in last  # 560 rows in fifties
    assert client.get(url, {"page": "x"}).status_code == 200


def test_the_flags_page_shows_fifty_a_page(world):
    flags(world, 120)
    client = browser(world.users["office"])
    assert client.get("/duty/flags/").content.decode().count('name="flag"') == 50
    assert client.get("/duty/flags/", {"page": 3}).content.decode().count('name="flag"') == 20


def test_the_inspections_page_shows_fifty_a_page(world):
    inspected(world, 70)
    client = browser(world.users["office"])
    assert 'id="pager"' in client.get("/duty/inspections/").content.decode()
    assert len(client.get("/duty/inspections/").context["rows"]) == 50
    assert len(client.get("/duty/inspections/", {"page": 2}).context["rows"]) == 20


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return SimpleUploadedFile("巡查.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_draft_s_photo_taken_back_leaves_no_file(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    cadre = named(world.users["cadre"], "黄马甲")
    on_duty(world.village_a1, cadre, [timezone.localdate()], world.users["office"])
    log = services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    photo = services.photo_add(log=log, actor=cadre, item=3, upload=jpeg())
    path = Path(photo.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.row_remove(log=log, actor=cadre, kind="photo", row_id=photo.pk)
    assert not LogPhoto.objects.exists() and not path.exists()


def test_an_inspection_s_photo_taken_back_leaves_no_file(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    office = world.users["office"]
    draft = Inspection.objects.create(
        town=world.town_a,
        village=world.village_a1,
        at=timezone.now() - datetime.timedelta(hours=1),
        inspectors="镇纪委",
        present=True,
        score=90,
    )
    row = inspections.inspection_photo_add(inspection=draft, actor=office, upload=jpeg())
    path = Path(row.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        inspections.inspection_photo_remove(inspection=draft, actor=office, photo_id=row.pk)
    assert not path.exists()


def test_a_rolled_back_removal_keeps_the_file(world, settings, tmp_path, django_capture_on_commit_callbacks):
    from django.db import transaction

    settings.MEDIA_ROOT = tmp_path
    cadre = named(world.users["cadre"], "黄马甲")
    on_duty(world.village_a1, cadre, [timezone.localdate()], world.users["office"])
    log = services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)
    photo = services.photo_add(log=log, actor=cadre, item=3, upload=jpeg())
    path = Path(photo.file.path)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.row_remove(log=log, actor=cadre, kind="photo", row_id=photo.pk)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not callbacks and path.exists() and LogPhoto.objects.filter(pk=photo.pk).exists()
