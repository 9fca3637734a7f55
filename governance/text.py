"""Text on the way in: what is refused everywhere, and how typed numbers are normalised.

The middleware (paths, query strings, form fields), the JSON parser (API bodies) and the
file import all use these, so a rule changes in one place.
"""

import re
import unicodedata

# C0 control characters other than tab, line feed and carriage return. Nobody types
# them; PostgreSQL refuses NUL in text and XML 1.0 (Open311's requests.xml) refuses them
# all, so a value holding one fails later as a 500 or an invalid document.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def normalise_number(value: str) -> str:
    """An ID or phone number as people type it on a Chinese keyboard: full-width digits
    and letters (１２３, ｘ) become ASCII (NFKC), spaces (full-width too) go, letters are
    upper case. Validation and the lookup digest both see this form, so the same number
    typed two ways is one number."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()
