"""Photos: only images get in, re-encoded; the stored copy keeps the place it was taken,
the public copy keeps nothing."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import photos

GPS_IFD = 0x8825


def jpeg_with_location(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (30.0, 5.0, 0.0), 3: "E", 4: (120.0, 2.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_photo_is_re_encoded_as_a_jpeg_and_keeps_its_location_for_the_town():
    stored = photos.prepare(upload(jpeg_with_location()))
    assert stored.name.endswith(".jpg")
    image = Image.open(io.BytesIO(stored.read()))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert image.getexif().get_ifd(GPS_IFD)[1] == "N"


def test_the_public_copy_carries_no_metadata(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.storage import default_storage

    name = default_storage.save("p.jpg", photos.prepare(upload(jpeg_with_location())))
    public = Image.open(io.BytesIO(photos.public_copy(default_storage.open(name))))
    assert public.format == "JPEG" and not public.getexif() and not public.info.get("exif")


def test_a_large_photo_is_scaled_down(settings):
    settings.CASE_PHOTO_MAX_SIDE = 100
    stored = photos.prepare(upload(jpeg_with_location(size=(400, 300))))
    assert Image.open(io.BytesIO(stored.read())).size == (100, 75)


@pytest.mark.parametrize(
    "data, name",
    [
        (b"<html><script>alert(1)</script></html>", "x.html"),
        (b"<html><script>alert(1)</script></html>", "looks-like.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
        (b"MZ\x90\x00" + b"\x00" * 200, "x.exe"),
        (bytes(range(256)) * 40, "noise.jpg"),
        (jpeg_with_location()[:200], "truncated.jpg"),
    ],
)
def test_anything_but_a_photo_is_refused_on_the_photos_field(data, name):
    with pytest.raises(ValidationError) as exc:
        photos.prepare(upload(data, name=name))
    assert list(exc.value.message_dict) == ["photos"]


def test_a_photo_over_the_size_limit_is_refused(settings):
    settings.CASE_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        photos.prepare(upload(jpeg_with_location(size=(400, 300))))
    assert "photos" in exc.value.message_dict


# -- Through the doors -------------------------------------------------------------------


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def report_form(world, **extra):
    from cases.models import CaseKind

    return {
        "village": world.village_a1.pk,
        "grid": world.grid_a1.pk,
        "source": "grid_report",
        "kind": CaseKind.objects.get(code="drain", town=None).pk,
        "description": "排水沟堵塞",
        **extra,
    }


@pytest.mark.django_db
def test_a_grid_worker_reports_with_a_photo_and_those_who_see_the_case_see_it(world, media, client):
    from cases.models import Case, CaseAttachment

    # given a grid worker reporting from the page with a photo
    client.force_login(world.users["grid_worker"])
    response = client.post("/cases/new/", report_form(world, photos=[upload(jpeg_with_location())]))
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    # then the cadre of the village sees the stored photo, location and all
    client.force_login(world.users["cadre"])
    response = client.get(f"/cases/photos/{attachment.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert stored.getexif().get_ifd(GPS_IFD)
    # another town's office does not, nor does an anonymous visitor
    client.force_login(world.users["office_b"])
    assert client.get(f"/cases/photos/{attachment.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/cases/photos/{attachment.pk}/").status_code == 302  # to the log-in
    # the public copy, while the case is on the board, has no location
    response = client.get(f"/photos/{attachment.pk}/")
    assert response.status_code == 200 and not Image.open(io.BytesIO(response.content)).getexif()
    Case.objects.filter(pk=attachment.case_id).update(state="rejected")
    assert client.get(f"/photos/{attachment.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_written(world, media, client, as_user):
    from cases.models import Case, CaseAttachment

    client.force_login(world.users["grid_worker"])
    html = upload(b"<html><script>alert(1)</script></html>", name="x.html", content_type="text/html")
    response = client.post("/cases/new/", report_form(world, photos=[html]))
    assert response.status_code == 200
    assert "JPEG" in response.content.decode() and not Case.objects.exists()
    api = as_user(world.users["cadre"])
    svg = upload(b'<svg xmlns="http://www.w3.org/2000/svg"/>', name="x.svg", content_type="image/svg+xml")
    response = api.post("/api/v1/cases/", {**report_form(world), "photos": [svg]}, format="multipart")
    assert response.status_code == 400 and "photos" in response.json()
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()
