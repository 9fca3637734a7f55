"""Photos attached to cases.

On the way in (:func:`prepare`, called by the services for every upload, from the pages,
the API and Open311 alike) a file must be a photo: opened and verified by Pillow, at most
``CASE_PHOTO_MAX_BYTES``, and it is re-encoded as a JPEG no larger than
``CASE_PHOTO_MAX_SIDE`` pixels, so what is stored is an image whatever was sent (an HTML
or SVG file named ``.jpg`` never reaches a browser). Its EXIF data, the place it was
taken included, is kept for the town.

On the way out the views check the viewer's scope: the stored copy for those who may see
the case (:func:`governance.scoping.restrict`), and for the public board and Open311 a
copy re-encoded without any metadata (:func:`public_copy`), for cases the board shows.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
QUALITY = 85


def max_bytes() -> int:
    return getattr(settings, "CASE_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def max_side() -> int:
    return getattr(settings, "CASE_PHOTO_MAX_SIDE", 2048)


def _refuse() -> ValidationError:
    return ValidationError({"photos": _("Only photos (JPEG, PNG, WebP or GIF) can be attached.")})


def _open(data) -> Image.Image:
    """The image in ``data`` (a file), verified and decoded, or ValidationError."""
    try:
        with Image.open(data) as probe:
            fmt = probe.format
            probe.verify()
        data.seek(0)
        image = Image.open(data)
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse() from exc
    if fmt not in ACCEPTED_FORMATS:
        raise _refuse()
    return image


def _encode(image: Image.Image, *, exif: Image.Exif | None) -> bytes:
    image = ImageOps.exif_transpose(image)  # upright, whatever the camera's orientation tag
    if image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((max_side(), max_side()))
    out = io.BytesIO()
    options = {"quality": QUALITY, "optimize": True}
    if exif is not None:
        exif.pop(0x0112, None)  # the orientation is applied above
        options["exif"] = exif.tobytes()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def prepare(upload) -> ContentFile:
    """The stored copy of an uploaded photo, or ValidationError on ``photos``."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            {"photos": _("A photo may be at most %(mb)d MB.") % {"mb": max_bytes() // (1024 * 1024)}}
        )
    image = _open(upload)
    return ContentFile(_encode(image, exif=image.getexif()), name=f"{uuid.uuid4().hex}.jpg")


def public_copy(stored) -> bytes:
    """A copy of a stored photo for the public: re-encoded, with no metadata at all."""
    with stored.open("rb") as data:
        return _encode(_open(data), exif=None)
