"""What the end-to-end tests share: a small demo town seeded once per module, a live
server on it, Debian's Chromium, and logging in the way a person does.

A transactional test flushes the database after itself, so a module whose tests each
asked for ``transactional_db`` would seed the town again for every test. Here the tests
are marked ``django_db(transaction=True)`` (so the test database is set up, and what they
write is committed where the live server sees it), but the module's ``_django_db_helper``
(:func:`on_the_demo_town`) replaces pytest-django's per-test handling: the town is seeded
once, each test works on cases of its own (so they do not depend on each other's order),
and the module flushes the database when it ends, as a transactional test would. The
server is a module's own ``LiveServer`` (pytest-django's ``live_server`` fixture would
bring a flush per test).

A test module uses them by binding them in its namespace::

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
    chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from .test_browser import browser as chromium  # Debian's Chromium, launched as every browser test does

# What the user should see may take a while to come on a CI machine running two test
# workers beside PostgreSQL: wait for it up to 15 s rather than Playwright's 5.
expect.set_options(timeout=15_000)

# A small town (as tests/test_pages_walk.py seeds it): 3 villages, a few grids, three
# weeks of cases, so that each state has some.
SMALL = ["--villages", "3", "--grids-per-village", "3", "--households-per-village", "20"]
BUSY = ["--cases-per-village-day", "2", "--history-days", "20"]
PASSWORD = "e2e-demo-2026"
PHONE = {"width": 360, "height": 780}
DESK = {"width": 1280, "height": 900}
SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"


def reference_data() -> None:
    """What the migrations load and a flush removes (as tests/conftest.py puts it back
    for each test): the default case kinds and the calendar."""
    from cases.models import CaseKind
    from governance import workdays

    for code, name, description, group, four in importlib.import_module(
        "cases.migrations.0002_case_kinds"
    ).KINDS:
        CaseKind.objects.get_or_create(
            town=None,
            code=code,
            defaults={"name": name, "description": description, "group": group, "is_four_reports": four},
        )
    workdays.seed_from_package()


def on_a_test_database() -> None:
    """Seeding and flushing are for the test database only, never the one it was made for
    (pytest-django sets one up only when a selected test is marked ``django_db``)."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    assert "test" in name or "memory" in name, f"not a test database: {name}"


@pytest.fixture(scope="module")
def demo_town(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo town, seeded once for the module; flushed when the module ends."""
    with django_db_blocker.unblock():
        on_a_test_database()
        reference_data()
        # in the town's language, whatever an earlier test left active: what the demo's jobs
        # write (a flag's reason) is written in it, as a worker does
        with translation.override(settings.LANGUAGE_CODE):
            call_command("seed_demo", *SMALL, *BUSY, "--password", PASSWORD, stdout=io.StringIO())
        close_connections()
        try:
            yield
        finally:
            on_a_test_database()
            call_command("flush", interactive=False, verbosity=0)
            close_connections()


def close_connections() -> None:
    """Close this context's database connections, as a transactional test does after
    itself. Playwright's sync API runs fixtures and tests in contexts of their own, each
    with a connection of its own; one left open and PostgreSQL refuses to drop the test
    database at the end. (SQLite keeps an in-memory database open whatever is asked.)"""
    from django.db import connections

    connections.close_all()


@pytest.fixture(scope="module")
def server(demo_town) -> Iterator[str]:
    """A live server on the demo town; its base URL."""
    from pytest_django.live_server_helper import LiveServer

    live = LiveServer("localhost")
    live._live_server_modified_settings.enable()
    try:
        yield live.url
    finally:
        live._live_server_modified_settings.disable()
        live.stop()


@pytest.fixture(scope="module")
def browser(server, chromium):
    """The module's Chromium, started after the server: it closes its connections to the
    server before the server stops (a request thread closing its database connection after
    that fails on SQLite's shared in-memory database)."""
    return chromium


@pytest.fixture
def on_the_demo_town(demo_town, django_db_blocker) -> Iterator[None]:
    """Bound as ``_django_db_helper`` in an e2e module: each test of the module runs on the
    module's demo town with the database open, neither in a transaction of its own nor
    flushed after it."""
    with django_db_blocker.unblock():
        yield
        close_connections()


FIXTURES = (chromium, browser, demo_town, server, on_the_demo_town)


@contextmanager
def browsing(browser, viewport=DESK, *, mobile: bool = False):  # noqa: F811 - the fixture's value
    """A fresh browser context (its own cookies) in Chinese; its page."""
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=mobile, has_touch=mobile)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page, server: str, username: str) -> None:
    """Through the site's own log-in page, as a person types it."""
    page.goto(f"{server}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/")


def shoot(page, name: str) -> Path:
    """A full-page screenshot as a test artefact: test-results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def number(text: str) -> int:
    """The first whole number in a text ("12" of "待派单 12")."""
    found = re.search(r"\d+", text)
    assert found, f"no number in {text!r}"
    return int(found.group())
