"""``python manage.py seed_demo``: the demo town (or a county of towns, ``--scale county``),
a demo user per role, and what each app has to show, built by the steps the apps register
in their ``demo.py`` (:mod:`governance.demo`). Idempotent: a second run builds nothing."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from governance import demo


class Command(BaseCommand):
    help = (
        "Load the demo town (~60 villages, ~900 grids, ~20,000 households, ~50,000 residents) "
        "or a county of them, a demo user per role and each app's demo data. "
        "What is already there is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        for step in demo.steps():
            if step.arguments is not None:
                step.arguments(parser)

    def handle(self, *args, **options):
        started = time.perf_counter()

        def write(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        run = demo.DemoRun(options=options, write=write)
        for step in demo.steps():
            t0 = time.perf_counter()
            step.run(run)
            if options["verbosity"] > 1:
                write(f"step {step.name}: {time.perf_counter() - t0:.1f} s")
        write("")
        for label, count in run.counts:
            write(f"  {label:20s} {count:>9,}")
        write(f"  {'seconds':20s} {time.perf_counter() - started:>9.1f}")
        for line in run.notes:
            write(line)
