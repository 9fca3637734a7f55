"""A case that came from a first secretary's night visit links back to it on the case page
(cases.related; the cases app does not know this one)."""

from django.urls import reverse
from django.utils.translation import gettext

from cases import related
from governance.scoping import VIEW, restrict

# How many night-visit matters a case's page lists (one matter makes one case: one, really).
CASE_MATTERS = 5


@related.register
def case_night_visits(case, user) -> list[related.Related]:
    """The night visits whose matter became ``case``, as ``user`` may read them: one query."""
    from .models import NightVisitMatter

    matters = restrict(NightVisitMatter.objects.filter(case_id=case.pk), user, VIEW).select_related(
        "night_visit", "night_visit__officer"
    )
    return [
        related.Related(
            label=gettext("Night visit (第一书记夜访)"),
            url=reverse("organisation:night-visit", args=[matter.night_visit_id]),
            text=f"{matter.night_visit.date:%Y-%m-%d} · {matter.night_visit.officer.name} · {matter.person}",
        )
        for matter in matters.order_by("-id")[:CASE_MATTERS]
    ]
