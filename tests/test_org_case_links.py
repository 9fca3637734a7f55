"""A case made from a matter brought to a night visit links back to the night visit on
the case page (organisation.case_links through cases.related)."""

import pytest
from django.urls import reverse

from cases.models import CaseKind
from organisation import officers as service
from organisation.choices import MatterOutcome

from .test_org_officers import a_night_visit, posted  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_the_case_page_links_its_night_visit(posted, world, client):  # noqa: F811
    officer, _posting, account = posted
    visit = a_night_visit(world, officer)
    kind = CaseKind.objects.filter(town__isnull=True).first()
    made = service.matter_record(
        visit=visit, person="李阿姨", matter="路灯不亮", outcome=MatterOutcome.CASE, kind=kind, actor=account
    )
    link = reverse("organisation:night-visit", args=[visit.pk])
    page = reverse("cases:detail", args=[made.case.pk])
    for who in ("cadre", "office"):
        client.force_login(world.users[who])
        body = client.get(page).content.decode()
        assert link in body and "李阿姨" in body, who
