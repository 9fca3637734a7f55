"""The demo data, built by steps that each app owns.

Each app that has something to show puts a ``demo.py`` beside its models and registers
its steps with :func:`step`, naming the steps it builds on (``after``). ``seed_demo`` (the
one command, which knows no app by name) finds them at start-up the way Django finds
``admin.py`` and runs them in dependency order. A step must be deterministic for the
seed and idempotent: run twice, it builds nothing the second time.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


@dataclass
class DemoRun:
    """What the steps share: the command's options, its output, what earlier steps
    built (``built``, by name), and the lines of the closing summary."""

    options: dict
    write: Callable[[str], None]
    built: dict = field(default_factory=dict)
    counts: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, label: str, value: int) -> None:
        """A row of the closing summary: how many of something the demo holds."""
        self.counts.append((label, value))


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[DemoRun], None]
    after: tuple[str, ...] = ()
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


_STEPS: dict[str, Step] = {}


def step(name: str, *, after: tuple[str, ...] = (), arguments=None):
    """Register ``func(run: DemoRun)`` as the demo step ``name``; ``arguments(parser)``
    adds the step's own options to ``seed_demo``."""

    def decorator(func):
        _STEPS[name] = Step(name, func, tuple(after), arguments)
        return func

    return decorator


def steps() -> list[Step]:
    """Every app's steps, each after the steps it names (registration order otherwise)."""
    autodiscover_modules("demo")
    ordered: list[Step] = []
    placed: set[str] = set()

    def place(s: Step, path: tuple[str, ...]) -> None:
        if s.name in placed:
            return
        if s.name in path:
            raise ImproperlyConfigured(f"Demo steps depend on each other in a circle: {' → '.join(path)}")
        for name in s.after:
            if name not in _STEPS:
                raise ImproperlyConfigured(f"Demo step {s.name!r} needs {name!r}, which no app registers")
            place(_STEPS[name], (*path, s.name))
        placed.add(s.name)
        ordered.append(s)

    for s in list(_STEPS.values()):
        place(s, ())
    return ordered
