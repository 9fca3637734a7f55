"""Validators for codes and resident ID numbers (GB 11643-1999, checksum ISO 7064 MOD 11-2)."""

import datetime
import math
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from governance.text import normalise_number

validate_area_code = RegexValidator(
    r"^[0-9A-Za-z_-]{2,32}$", _("Use 2 to 32 letters, digits, dashes or underscores.")
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# ASCII digits only: ``\d`` would also take full-width and other scripts' digits, which
# normalise_number turns into ASCII first.
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def id_number_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    value = normalise_number(value)
    if not _ID_RE.match(value):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."), code="format")
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The date of birth in this ID number is not a real date."), code="birth"
        ) from None
    if born.year < 1900 or born > datetime.date.today():
        raise ValidationError(_("The date of birth in this ID number is out of range."), code="birth")
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("This ID number's check digit is wrong."), code="checksum")


def id_number_facts(value: str) -> dict:
    value = normalise_number(value)
    return {
        "birth_date": datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14])),
        "gender": "male" if int(value[16]) % 2 else "female",
    }


_PHONE_RE = re.compile(r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")


def validate_phone(value: str) -> None:
    if value and not _PHONE_RE.match(normalise_number(value)):
        raise ValidationError(_("Enter a mobile number (11 digits) or a landline with its area code."))


def validate_latitude(value: float) -> None:
    if value is not None and not (math.isfinite(value) and -90 <= value <= 90):
        raise ValidationError(_("Latitude must be between -90 and 90."), code="latitude")


def validate_longitude(value: float) -> None:
    if value is not None and not (math.isfinite(value) and -180 <= value <= 180):
        raise ValidationError(_("Longitude must be between -180 and 180."), code="longitude")
