"""Records of other apps that belong with a case, shown on the case page: the cases app
does not know those apps (tests/test_layers.py), so they register here, from their
``home`` module, a provider that lists a case's records as the user may see them.

A provider is ``(case, user) -> list[Related]``. It scopes what it lists itself (through
``governance.scoping.restrict``: a record the user may not read is not listed) and reads
a fixed number of queries, whatever the case holds — the case page's query count stays
the same however many records point at it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Related:
    """One record of another app about a case: what kind it is, where its page is, and
    a line that names it."""

    label: str
    url: str
    text: str


Provider = Callable[[object, object], list[Related]]

_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add ``provider`` to the case page (usable as a decorator; once per function)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def related_for(case, user) -> list[Related]:
    """Every registered app's records about ``case`` that ``user`` may see."""
    rows: list[Related] = []
    for provider in _PROVIDERS:
        rows.extend(provider(case, user))
    return rows
