"""A huge or odd number in a scoring page's URL or query string is ignored or answers
404, never a 500 (one helper, governance.params.id_param, reads them all)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from governance.params import ID_MAX, id_param
from scoring import ranking
from scoring.choices import PeriodKind
from scoring.models import Snapshot

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("١٢", None),
        (HUGE, None),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), None),
        ("1e3", None),
        (12, 12),
        ("", None),
        (None, None),
    ],
)
def test_id_param_takes_only_ascii_ids_the_database_holds(value, expected):
    assert id_param(value) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"/scoring/redlist/?village={HUGE}&grid={HUGE}",
        f"/scoring/assessments/?village={HUGE}&year={HUGE}",
        "/scoring/points/theme-days/new/?branch=²",
        f"/scoring/points/theme-days/new/?branch={HUGE}",
        "/scoring/points/rectifications/new/?member=²",
        f"/scoring/points/rectifications/new/?member={HUGE}",
    ],
)
def test_a_huge_or_odd_number_in_a_query_is_no_500(world, url):
    response = browser(world.users["office"]).get(url)
    assert response.status_code in (200, 404), (url, response.status_code)


def test_a_huge_village_in_a_snapshots_url_answers_404(world):
    start = datetime.date(2026, 5, 1)
    ranking.compute([world.town_a], PeriodKind.MONTH, start)
    snapshot = Snapshot.objects.get(town=world.town_a)
    client = browser(world.users["office"])
    assert client.get(f"/scoring/ranking/{snapshot.pk}/village/{HUGE}/").status_code == 404
    assert client.get(f"/scoring/ranking/{HUGE}/village/1/").status_code == 404
