"""Ids read from a page's query string or a posted field: ASCII digits only, within the
database's integers, else none (a bad or huge id is "no such row", never a 500)."""

# The largest id a row may have (a 64-bit signed integer, the bound of both databases).
ID_MAX = 2**63 - 1


def id_param(value) -> int | None:
    """``value`` as an id (1..ID_MAX), or None when it is not one: ``"²"``, ``"-1"``,
    ``"abc"`` and ``"9" * 30`` are all none."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= ID_MAX else None
