"""The doors around the API: log-in lock-out after repeated wrong passwords
(django-axes), throttles on the API and the public endpoints, tokens revoked on a
password change and expiring after TOKEN_TTL_DAYS."""

import datetime

import pytest
from axes.utils import reset
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from governance.api.throttles import PublicThrottle

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_reset():
    reset()
    yield
    reset()


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_repeated_wrong_passwords_lock_the_log_in_out(axes_reset, settings, url):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="locked", password="right-password-1", is_staff=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(2):
        assert client.post(url, {"username": user.username, "password": "wrong"}).status_code == 200
    locked = client.post(url, {"username": user.username, "password": "wrong"})
    assert locked.status_code == 429 and "登录已锁定" in locked.content.decode()
    # even the right password is refused while locked
    assert client.post(url, {"username": user.username, "password": "right-password-1"}).status_code == 429
    # another user from the same address is not locked out
    other = UserFactory(username="other", password="right-password-2", is_staff=True)
    assert client.post(url, {"username": other.username, "password": "right-password-2"}).status_code == 302
    reset(username=user.username)
    assert Client().post(url, {"username": user.username, "password": "right-password-1"}).status_code == 302


def test_api_requests_are_throttled_per_user(world, rates):
    rates(user="3/minute")
    client = APIClient()
    client.force_authenticate(world.users["office"])
    assert [client.get("/api/v1/towns/").status_code for _ in range(4)] == [200, 200, 200, 429]
    other = APIClient()
    other.force_authenticate(world.users["cadre"])
    assert other.get("/api/v1/towns/").status_code == 200


def test_anonymous_api_requests_are_throttled_per_address(rates):
    rates(anon="2/minute")
    client = APIClient()
    assert [client.get("/api/schema/").status_code for _ in range(3)] == [200, 200, 429]


def test_the_public_scope_throttles_open_endpoints_by_name(rates):
    class Open(APIView):
        authentication_classes = []
        permission_classes = [AllowAny]
        throttle_classes = [PublicThrottle]

        def get(self, request):
            return Response({})

    rates(public="2/minute")
    view = Open.as_view()
    factory = APIRequestFactory()
    assert [view(factory.get("/x")).status_code for _ in range(3)] == [200, 200, 429]
    assert view(factory.get("/x", REMOTE_ADDR="10.0.0.9")).status_code == 200


def test_a_password_change_revokes_the_users_tokens(world):
    user = world.users["client"]
    token = Token.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/towns/").status_code == 200
    user.first_name = "改名"
    user.save()  # not a password change: the token stays
    assert client.get("/api/v1/towns/").status_code == 200
    user.set_password("a-new-password-9")
    user.save()
    assert not Token.objects.filter(user=user).exists()
    assert client.get("/api/v1/towns/").status_code == 401


def test_a_password_changed_in_the_admin_revokes_the_tokens(world):
    user = world.users["client"]
    Token.objects.create(user=user)
    root = Client()
    root.force_login(UserFactory(is_superuser=True))
    response = root.post(
        f"/admin/governance/user/{user.pk}/password/",
        {"password1": "Another-pass-77", "password2": "Another-pass-77", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()


def test_a_token_older_than_the_ttl_is_refused(world, settings):
    settings.TOKEN_TTL_DAYS = 30
    token = Token.objects.create(user=world.users["client"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.get("/api/v1/towns/").status_code == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=31))
    expired = client.get("/api/v1/towns/")
    assert expired.status_code == 401 and "过期" in expired.json()["detail"]
    settings.TOKEN_TTL_DAYS = 0  # the office may keep tokens until revoked
    assert client.get("/api/v1/towns/").status_code == 200


def test_the_public_doors_are_throttled_per_address(db, world, settings, client):
    # given a low public rate
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    code = world.town_a.code
    # the board API, rating attempts on the tracking page, Open311 submissions: one budget
    # per address for all the public doors
    from django.core.cache import cache

    answers = [client.get(f"/api/v1/public/board/town/{code}/").status_code for _ in range(3)]
    assert answers[:2] == [200, 200] and answers[2] == 429
    assert client.post("/track/NOSUCHCASE/", {"code": "x"}).status_code == 429
    cache.clear()
    answers = [client.post("/track/NOSUCHCASE/", {"code": "x"}).status_code for _ in range(3)]
    assert answers[2] == 429 and 429 not in answers[:2]
    cache.clear()
    answers = [
        client.post("/open311/v2/requests.json", {"service_code": "drain"}).status_code for _ in range(3)
    ]
    assert answers[2] == 429 and 429 not in answers[:2]
