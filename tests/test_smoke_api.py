import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_cadres_village_households(world, as_user):
    response = as_user(world.users["cadre"]).get("/api/v1/households/")
    assert response.status_code == 200, response.content
    numbers = {row["number"] for row in response.json()["results"]}
    assert numbers == {"A1-001", "A1-002", "A1-003"}


def test_it_masks_id_numbers_for_the_cadre(world, as_user):
    response = as_user(world.users["cadre"]).get(f"/api/v1/residents/{world.resident_a1.pk}/")
    assert response.status_code == 200, response.content
    assert "*" in response.json()["id_number"]


def test_it_hides_other_towns(world, as_user):
    response = as_user(world.users["cadre"]).get(f"/api/v1/residents/{world.resident_b1.pk}/")
    assert response.status_code == 404
