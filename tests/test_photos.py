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
