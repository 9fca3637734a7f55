"""The demo step ``scoring_bulletins``: the demo town's bulletin of the last quarter that
has ended, generated from the demo's rankings, inspections and cases and published, so
the cadres and the public have one to read. Built once: a quarter with a bulletin is
left alone."""

from __future__ import annotations

from django.utils import timezone

from governance import demo
from grids.demo import town_code
from grids.models import Town

from . import bulletin
from .models import Bulletin


@demo.step("scoring_bulletins", after=("scoring_rankings",))
def build_bulletins(run: demo.DemoRun) -> None:
    town = Town.objects.get(code=town_code(0))
    year, quarter = bulletin.last_quarter(timezone.localdate())
    made = Bulletin.objects.filter(town=town, year=year, quarter=quarter).first()
    if made is None:
        made = bulletin.bulletin_generate(town=town, year=year, quarter=quarter, actor=None)
    bulletin.bulletin_publish(bulletin=made, actor=None)
    run.count("quarterly bulletins", Bulletin.objects.filter(town=town).count())
