"""The villagers' council (村民议事厅) and public hearings (评理说事) in the ``AFFAIRS``
menu, for every reader; a case's hearings on its page (cases.related)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import related
from governance.frontend import nav
from governance.scoping import CADRE, MEMBER, OFFICE, SUPERVISOR

from .home import AFFAIRS

READERS = (OFFICE, SUPERVISOR, CADRE, MEMBER)
nav(_("Villagers' council"), "affairs:topics", roles=READERS, order=63, group=AFFAIRS)
nav(_("Public hearings"), "affairs:hearings", roles=READERS, order=64, group=AFFAIRS)


# How many of a case's hearings its page lists (a case heard more than a few times is rare).
CASE_HEARINGS = 20


@related.register
def case_hearings(case, user) -> list[related.Related]:
    """The hearings held on ``case`` that ``user`` reads, newest first: one query."""
    from .council import hearings_of_case

    settled = {True: gettext("Settled"), False: gettext("Not settled"), None: gettext("Not yet")}
    return [
        related.Related(
            label=gettext("Public hearing (评理说事)"),
            url=reverse("affairs:hearing", args=[hearing.pk]),
            text=f"{timezone.localtime(hearing.held_at):%Y-%m-%d} · {hearing.title} · {settled[hearing.settled]}",
        )
        for hearing in hearings_of_case(case, user)[:CASE_HEARINGS]
    ]
