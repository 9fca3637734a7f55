"""Ids in the affairs pages' query strings and posted fields: a bad or huge one is "no
such row" (or ignored), never a 500."""

import pytest
from django.urls import reverse

from affairs import council as service
from governance.params import ID_MAX

pytestmark = pytest.mark.django_db

BAD = ["²", "١٢", "-1", "0", "abc", "1e3", str(ID_MAX + 1), "9" * 40]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(
    "name, param",
    [
        ("affairs:topics", "village"),
        ("affairs:meeting-new", "topic"),
        ("affairs:hearings", "case"),
        ("affairs:hearing-new", "case"),
        ("affairs:disclosures", "village"),
        ("affairs:disclosure-new", "village"),
        ("affairs:matter-new", "again"),
    ],
)
def test_a_bad_id_in_the_query_string_is_no_500(world, client, name, param, value):
    client.force_login(world.users["cadre"])
    assert client.get(reverse(name), {param: value}).status_code == 200


@pytest.mark.parametrize("value", ["abc", "²", "9" * 40, ""])
def test_deciding_a_bad_suggestion_id_is_404(world, client, value):
    cadre = world.users["cadre"]
    topic = service.topic_create(
        village=world.village_a1, title="修桥", description="修一座桥。", actor=cadre
    )
    client.force_login(cadre)
    response = client.post(
        reverse("affairs:topic", args=[topic.pk]),
        {"action": "decide", "suggestion": value, "adopted": "true"},
    )
    assert response.status_code == 404


def test_a_bad_village_posted_to_a_new_disclosure_is_no_500(world, client):
    client.force_login(world.users["cadre"])
    assert client.post(reverse("affairs:disclosure-new"), {"village": "9" * 40}).status_code in (200, 302)
