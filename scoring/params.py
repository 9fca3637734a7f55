"""Numbers read from a request's URL or query string, for every scoring page."""

from __future__ import annotations

from duty.models import ID_MAX


def id_or_none(value) -> int | None:
    """A whole number from 1 to the largest id the database takes, written in ASCII
    digits; None for anything else (a letter, "²", a value past the database's integers),
    so a bad or huge parameter is ignored or answers 404, never a 500."""
    text = str(value).strip() if value is not None else ""
    if not text or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None
