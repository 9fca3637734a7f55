"""A case and the public hearings held on it link both ways (issue 11): the hearing's page
links its case (affairs), and the case's page lists its hearings with a link, through
the cases app's extension point for other apps' records (cases.related) — the cases app
does not know affairs. Only the hearings the user reads are listed, and the case page's
query count does not grow with them."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from affairs import council as service
from cases import related

from .case_states import new_case

pytestmark = pytest.mark.django_db

PAST = timezone.now() - datetime.timedelta(days=1)


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def hearing(world, case, *, title="道路通行纠纷", village=None, actor=None):
    return service.hearing_record(
        village=village or world.village_a1,
        title=title,
        parties="张家、李家",
        held_at=PAST,
        place="村委会",
        panel=[{"name": "张代表", "role": "人大代表"}],
        summary="双方陈述",
        case=case,
        actor=actor or world.users["cadre"],
    )


def hearing_links(body: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/affairs/hearings/(\d+)/"', body)}


def test_the_case_page_links_the_hearings_held_on_it(world):
    case = new_case(world)
    first = hearing(world, case)
    second = hearing(world, case, title="再次评理")
    hearing(world, new_case(world), title="另一件事")  # on another case: not listed
    body = logged_in(world.users["cadre"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="related"' in body and "相关记录" in body and "评理说事" in body
    assert hearing_links(body) == {first.pk, second.pk}
    assert "道路通行纠纷" in body and "再次评理" in body and "另一件事" not in body
    # and back: the hearing's page links the case
    back = logged_in(world.users["cadre"]).get(reverse("affairs:hearing", args=[first.pk])).content.decode()
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in back


@pytest.mark.parametrize(("role", "sees"), [("office", True), ("supervisor", True), ("grid_worker", False)])
def test_only_a_user_who_reads_the_hearing_sees_it_on_the_case_page(world, role, sees):
    """The grid worker reported the case and reads it, but hearings are not theirs."""
    case = new_case(world)
    heard = hearing(world, case)
    response = logged_in(world.users[role]).get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert hearing_links(body) == ({heard.pk} if sees else set())
    assert ("道路通行纠纷" in body) is sees and ('id="related"' in body) is sees


def test_a_case_without_hearings_shows_no_related_records(world):
    case = new_case(world)
    body = logged_in(world.users["cadre"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="related"' not in body and not hearing_links(body)


def test_the_case_page_reads_the_same_queries_with_none_one_or_many_hearings(world, count_queries):
    cases = [new_case(world) for _ in range(3)]
    for n, case in enumerate(cases):
        for i in range(n * 2):  # 0, 2 and 4 hearings
            hearing(world, case, title=f"纠纷{i}")
    client = logged_in(world.users["cadre"])
    counts = []
    for case in cases:
        client.get(f"/cases/{case.pk}/")  # the session and the calendar warm
        with count_queries() as q:
            body = client.get(f"/cases/{case.pk}/").content.decode()
        counts.append((len(q), len(hearing_links(body))))
    assert [links for _n, links in counts] == [0, 2, 4]
    assert len({n for n, _links in counts}) == 1, counts


def test_a_provider_is_registered_once_and_asked_with_the_case_and_the_user(world):
    seen = []

    def provider(case, user):
        seen.append((case.pk, user.pk))
        return [related.Related(label="测试", url="/x/", text=case.tracking_number)]

    case = new_case(world)
    try:
        assert related.register(provider) is provider
        related.register(provider)
        rows = related.related_for(case, world.users["cadre"])
        assert [r for r in rows if r.label == "测试"] == [
            related.Related(label="测试", url="/x/", text=case.tracking_number)
        ]
        assert seen == [(case.pk, world.users["cadre"].pk)]
    finally:
        related._PROVIDERS.remove(provider)
