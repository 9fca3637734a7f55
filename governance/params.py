"""Ids read from a request: a page's query string, a posted field, a URL's part.

One reader for every app, so a bad or huge id is "no such row" (ignored, or a 404) and
never a 500 from the database's integer bound.
"""

from __future__ import annotations

#: The largest id a row may have: a 64-bit signed integer, the bound of both databases.
ID_MAX = 2**63 - 1


def id_param(value) -> int | None:
    """``value`` as an id: a whole number from 1 to :data:`ID_MAX` written in ASCII digits
    (surrounding spaces ignored); None for anything else — ``"²"``, ``"١٢"``, ``"-1"``,
    ``"abc"``, ``"9" * 30``, ``""`` and None alike."""
    text = str(value).strip() if value is not None else ""
    if not text or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None
