"""The demo step ``organisation_officers``: six officers on the demo town, postings (the
demo officer's account reads its village), activities, night visits on the 1st, 10th,
15th and 25th with people received and matters, a few made cases; run twice, nothing new."""

import io

import pytest
from django.core.management import call_command

from governance.choices import Role
from governance.models import Membership
from organisation.choices import NightVisitState
from organisation.models import Activity, NightVisit, NightVisitMatter, Officer

pytestmark = pytest.mark.django_db

SMALL = ["--villages", "3", "--grids-per-village", "3", "--households-per-village", "10"]


def test_the_demo_officers_and_their_night_visits():
    call_command("seed_demo", *SMALL, stdout=io.StringIO())
    assert Officer.objects.count() == 6
    assert set(Officer.objects.values_list("kind", flat=True)) == {"safety", "first"}
    membership = Membership.objects.get(user__username="demo_officer", deleted_at__isnull=True)
    assert membership.role == Role.OFFICER
    assert Officer.objects.get(user__username="demo_officer").postings.get().village == membership.village
    assert Activity.objects.count() == 24
    visits = NightVisit.objects.all()
    assert {v.date.day for v in visits} == {1, 10, 15, 25}
    assert visits.filter(state=NightVisitState.HELD, people_received__gt=0).exists()
    assert NightVisitMatter.objects.filter(case__isnull=False).exists()
    assert NightVisit.objects.filter(officer__user__username="demo_officer", state="scheduled").exists()
    counts = (Officer.objects.count(), NightVisit.objects.count(), NightVisitMatter.objects.count())
    call_command("seed_demo", *SMALL, stdout=io.StringIO())
    assert (Officer.objects.count(), NightVisit.objects.count(), NightVisitMatter.objects.count()) == counts
