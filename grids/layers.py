"""What colours the map: a registry of layers, so that ``grids`` draws figures it does not
know how to count.

An app above the ground floor registers a layer (in its ``home.py``): a name, a label, and
two functions that count, for the grids and the villages a user sees, one number each —
open cases (``cases``), later visit coverage (``duty``). Each function receives a queryset
already restricted to the user and answers ``{area id: number}`` in one aggregate query;
an area it leaves out counts 0. The map, the village page and the grid page ask every
layer, so a new app's figures appear there without ``grids`` importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise

Counter = Callable[[QuerySet, object], dict[int, float]]


@dataclass(frozen=True)
class Layer:
    name: str
    label: str | Promise
    grids: Counter
    villages: Counter
    # The colours run from good to bad: for open cases more is worse, for visit coverage
    # more is better.
    higher_is_better: bool = False
    # What a value is, after the number ("件", "%"); empty for plain counts.
    unit: str | Promise = ""
    order: int = 50


_LAYERS: dict[str, Layer] = {}


def register(
    name: str,
    *,
    label,
    grids: Counter,
    villages: Counter,
    higher_is_better: bool = False,
    unit="",
    order: int = 50,
) -> None:
    """Add (or, on a module's reload, replace) the layer ``name``."""
    _LAYERS[name] = Layer(name, label, grids, villages, higher_is_better, unit, order)


def all_layers() -> list[Layer]:
    return sorted(_LAYERS.values(), key=lambda layer: (layer.order, layer.name))


def get(name: str | None) -> Layer | None:
    """The layer called ``name``, or the first one (None when no app registered any)."""
    layers = all_layers()
    return _LAYERS.get(name or "") or (layers[0] if layers else None)


def grid_values(grids: QuerySet, user) -> dict[str, dict[int, float]]:
    """Every layer's numbers for ``grids`` (restricted to ``user``): one query per layer."""
    return {layer.name: layer.grids(grids, user) for layer in all_layers()}


def village_values(villages: QuerySet, user) -> dict[str, dict[int, float]]:
    return {layer.name: layer.villages(villages, user) for layer in all_layers()}
