"""Every page answers without a 5xx, for every role and every state of what it shows.

The URLs come from the resolver, not from a list: a new page is walked the day it is
added, and a parameter the walk does not know how to fill fails the test until it is
taught here. It runs on the demo town, whose cases have lived a few months, so there is a
case in every state at every level; each page that shows a case is opened for one of
each, as every demo role, as a superuser and as an anonymous visitor. The API's pages are
opened both as JSON and as the browsable HTML page.
"""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.views.generic import RedirectView

from cases.models import Case, CaseAttachment, CaseKind
from duty.models import DutyLog, Inspection, InspectionPhoto, LogPhoto, Roster
from governance.models import User
from governance.workdays import SHANGHAI
from grids.models import Grid, Town, Village

pytestmark = pytest.mark.django_db

# A small town whose villages report as much as a big town's do (tests/test_cases_demo.py).
SMALL = ["--villages", "3", "--grids-per-village", "3", "--households-per-village", "20"]
BUSY = ["--cases-per-village-day", "3", "--history-days", "30"]
ROLES = [
    "demo_office",
    "demo_supervisor",
    "demo_cadre",
    "demo_grid",
    "demo_department",
    "demo_member",
    "demo_api",
    "demo_officer",
    "admin",
]
# Unnamed patterns that are not pages of the site: uploaded files in development, the
# admin's catch-all (a 404 or a redirect to its log-in).
UNNAMED = {r"^media/(?P<path>.*)$", r"(?P<url>.*)$"}


def patterns(resolver=None, namespace=""):
    """(name, pattern, callback) of every URL pattern, namespaces joined."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), entry, entry.callback


def case_samples() -> list[Case]:
    """One case for each (state, level) the demo holds."""
    seen = {}
    for case in Case.objects.order_by("id"):
        seen.setdefault((case.state, case.level), case)
    return list(seen.values())


class Filler:
    """Values for a pattern's parameters, by parameter and by what the view shows."""

    def __init__(self):
        self.cases = case_samples()
        self.town = Town.objects.order_by("id").first()
        self.village = Village.objects.order_by("id").first()

    def values(self, name: str, pattern, callback) -> list[dict]:
        params = list(pattern.pattern.regex.groupindex)
        if not params:
            return [{}]
        model_admin = getattr(callback, "model_admin", None)
        view_class = getattr(callback, "cls", None)
        model = getattr(getattr(view_class, "queryset", None), "model", None)
        if model_admin is not None:
            model = model_admin.model
        elif name.startswith("admin:"):  # extra admin views (django-guardian's), by their name
            model = next(
                (
                    m
                    for m in _admin_models()
                    if name.startswith(f"admin:{m._meta.app_label}_{m._meta.model_name}_")
                ),
                None,
            )
        rows: list[dict] = [{}]
        for param in params:
            options = self.options(name, param, model)
            if options is None:
                raise AssertionError(
                    f"the walk does not know how to fill {param!r} of {name!r}: teach Filler"
                )
            rows = [{**row, param: value} for row in rows for value in options]
        return rows

    def options(self, name: str, param: str, model) -> list | None:
        if param in ("format", "fmt"):
            return ["json", "xml"] if name.startswith("open311") else ["json"]
        if param == "app_label":
            return sorted({m._meta.app_label for m in _admin_models()})
        if name in ("cases:photo", "public-photo"):
            first = CaseAttachment.objects.order_by("pk").first()
            return [first.pk if first else 0]
        if param in ("pk", "object_id") and model is Case or name in ("cases:detail", "cases:sheet"):
            return [case.pk for case in self.cases]
        if param in ("user_id", "id") and name.startswith("admin:"):
            return [User.objects.get(username="demo_cadre").pk]
        if param == "group_id":
            return [0]
        if param in ("pk", "object_id", "object_pk") and model is not None:
            first = model._default_manager.order_by("pk").first()
            return [first.pk] if first is not None else [0]
        if name == "admin:view_on_site":  # a town, by its content type and id
            return [
                ContentType.objects.get_for_model(Town).pk if param == "content_type_id" else self.town.pk
            ]
        if name == "duty:roster":  # a draft and a published roster, and one that is not there
            drafts = Roster.objects.order_by("state", "pk")
            return [*{r.state: r.pk for r in drafts}.values(), 0]
        if name in ("duty:open", "duty:office-code"):
            return [self.village.pk, 0]
        if name == "duty:log":  # a draft and a signed log, and one that is not there
            logs = DutyLog.objects.order_by("-state", "pk")
            return [*{log.state: log.pk for log in logs}.values(), 0]
        if name == "duty:photo":
            first = LogPhoto.objects.order_by("pk").first()
            return [first.pk if first else 0]
        if name in ("duty:inspection", "duty:inspection-edit"):  # a draft, a published one, none
            rows = Inspection.objects.order_by("state", "pk")
            return [*{i.state: i.pk for i in rows}.values(), 0]
        if name == "duty:inspection-photo":
            first = InspectionPhoto.objects.order_by("pk").first()
            return [first.pk if first else 0]
        if name in ("duty:visit", "duty:visit-photo"):  # a visit (with a case if any), a photo
            from duty.models import Visit, VisitPhoto

            model = Visit if name == "duty:visit" else VisitPhoto
            first = model.objects.order_by("pk").first()
            cased = Visit.objects.filter(case__isnull=False).order_by("pk").first()
            return [first.pk if first else 0, *([cased.pk] if cased and model is Visit else []), 0]
        if name == "duty:visits-grid":  # the demo grid worker's (first-level) grid, a child grid
            child = Grid.objects.filter(parent__isnull=False).order_by("pk").first()
            return [Grid.objects.order_by("pk").first().pk, *([child.pk] if child else []), 0]
        if name.startswith("scoring:assessment") or name == "scoring:redlist-entry":
            from scoring.assessment import FIGURES  # a graded and an open one (or the list's states), none
            from scoring.models import Assessment, ListEntry

            if param == "figure":
                return [*FIGURES, "nosuch"]
            if name == "scoring:redlist-entry":
                return [*{e.state: e.pk for e in ListEntry.objects.order_by("pk")}.values(), 0]
            return [*{a.assessed_at is None: a.pk for a in Assessment.objects.order_by("pk")}.values(), 0]
        if param == "code" and name in ("scoring:redlist-public", "scoring:redlist-public-print"):
            return [Grid.objects.order_by("pk").first().code, "nosuch"]
        if name in ("scoring:ranking-village", "scoring:ranking-publish"):  # a draft, a published one, none
            from scoring.models import Snapshot

            if param == "village_id":
                return [self.village.pk, 0]
            rows = Snapshot.objects.order_by("-start", "pk")
            return [*{s.published_at is None: s.pk for s in rows}.values(), 0]
        if name.startswith(("scoring:bulletin", "scoring:public-town-bulletin")) and param == "pk":
            from scoring.models import Bulletin  # a draft, a published one, none

            rows = Bulletin.objects.order_by("pk")
            return [*{b.published_at is None: b.pk for b in rows}.values(), 0]
        if name == "affairs:matter":  # a matter done, one waiting for the town's review, none
            from affairs.models import Matter

            rows = Matter.objects.order_by("pk")
            return [*{m.step: m.pk for m in rows}.values(), 0]
        if param == "code" and name.startswith("affairs:public-matters"):
            return [self.village.code, "nosuch"]
        if name in ("affairs:topic", "affairs:hearing"):  # one of each state (or settled), none
            from affairs.models import Hearing, Topic

            if name == "affairs:topic":
                return [*{t.state: t.pk for t in Topic.objects.order_by("pk")}.values(), 0]
            return [*{h.settled: h.pk for h in Hearing.objects.order_by("pk")}.values(), 0]
        if name == "affairs:public-topics":
            return [self.village.code, "nosuch"]
        if name.startswith("affairs:disclosure"):  # a draft, a published one, a correction, none
            from affairs.models import Disclosure

            if param == "code":
                return [self.village.code, "nosuch"]
            rows = Disclosure.objects.order_by("pk")
            kinds = {(d.published_at is None, d.corrects_id is None, bool(d.board_photo)): d.pk for d in rows}
            return [*kinds.values(), 0]
        if name in ("organisation:officer", "organisation:officer-activity-new"):
            from organisation.models import Officer  # one with an account, one without, none

            return [*{o.user_id is None: o.pk for o in Officer.objects.order_by("pk")}.values(), 0]
        if name == "organisation:night-visit":  # one of each state, none
            from organisation.models import NightVisit

            return [*{v.state: v.pk for v in NightVisit.objects.order_by("pk")}.values(), 0]
        if name in ORG_FILES_PAGES:  # secretaries' files, commitments, reviews
            return _org_files(name, param)
        if name.startswith("organisation:tasklist") or name == "organisation:task-new":
            from organisation.models import TaskList  # a draft and an issued list, none

            return [*{t.state: t.pk for t in TaskList.objects.order_by("pk")}.values(), 0]
        if name in ("organisation:task-edit", "organisation:task-remove", "organisation:assignment-photo"):
            from organisation.models import Assignment, Task

            model = Task if name.startswith("organisation:task-") else Assignment
            first = model.objects.order_by("pk").first()
            return [first.pk if first else 0, 0]
        if name == "organisation:assignment":  # one of each state and level (village, grid), none
            from organisation.models import Assignment

            rows = Assignment.objects.order_by("pk")
            return [*{(a.state, a.grid_id is None): a.pk for a in rows}.values(), 0]
        if name in ORG_MAP_PAGES:  # the responsibility map's rows (the first, and none)
            return _org_map(name)
        if name == "grids:grid":
            return [Grid.objects.order_by("pk").first().pk, 0]
        if param == "number":
            return [case.tracking_number for case in self.cases] + ["NOSUCHCASE"]
        if param == "code" and "village" in name:
            return [self.village.code, "nosuch"]
        if param == "code" and "town" in name:
            return [self.town.code, "nosuch"]
        if param == "code":
            return [CaseKind.objects.order_by("id").first().code]
        if param == "token":
            return ["nosuchtoken"]
        if name in SCORING_POINTS:  # the first row (a reversal too for the ledger), and none
            rows = SCORING_POINTS[name]().objects.order_by("pk")
            firsts = [
                rows.first(),
                rows.filter(reverses__isnull=False).first() if name.endswith("reverse") else None,
            ]
            return [*(row.pk for row in firsts if row is not None), 0]
        return None


def _scoring_model(name: str):
    def model():
        from django.apps import apps

        return apps.get_model("scoring", name)

    return model


# The points pages that take a row's id (scoring.points_views), and the row's model.
SCORING_POINTS = {
    "scoring:points-entry-reverse": _scoring_model("PointEntry"),
    "scoring:points-rule-version": _scoring_model("PointRule"),
    "scoring:theme-day": _scoring_model("ThemeDay"),
    "scoring:rectification": _scoring_model("Rectification"),
}


ORG_MAP_PAGES = {
    "organisation:map-household",
    "organisation:map-link-close",
    "organisation:informant-group",
    "organisation:informant-close",
    "organisation:post-close",
    "organisation:public-card",
}


def _org_map(name: str) -> list:
    from grids.models import Household
    from organisation.models import Informant, InformantGroup, Responsibility, ServicePost

    if name == "organisation:public-card":  # a compound with its card, one without, none
        post = ServicePost.objects.order_by("pk").first()
        return [*([post.grid.code] if post else []), Grid.objects.order_by("pk").first().code, "nosuch"]
    model = {
        "organisation:map-household": Household,
        "organisation:map-link-close": Responsibility,
        "organisation:informant-group": InformantGroup,
        "organisation:informant-close": Informant,
        "organisation:post-close": ServicePost,
    }[name]
    first = model.objects.order_by("pk").first()
    return [first.pk if first else 0, 0]


def _admin_models():
    from django.contrib import admin

    return list(admin.site._registry)


def urls() -> list[tuple[str, str]]:
    """(url, accept) pairs for every named pattern."""
    filler = Filler()
    out = []
    for name, pattern, callback in patterns():
        if name is None:
            # The admin's old change-page addresses only redirect to the named ones.
            redirect = getattr(callback, "view_class", None) is RedirectView
            assert redirect or str(pattern.pattern) in UNNAMED, f"a page without a name: {pattern.pattern}"
            continue
        if name in ("logout", "admin:logout", "set_language"):
            continue  # actions, not pages (they answer GET with 405 or a redirect)
        is_api = hasattr(callback, "cls")
        for kwargs in filler.values(name, pattern, callback):
            try:
                url = reverse(name, kwargs=kwargs)
            except Exception as exc:  # noqa: BLE001 - the message names the pattern
                raise AssertionError(f"cannot build {name} with {kwargs}: {exc}") from exc
            out.append((url, "application/json"))
            if is_api and "format" not in kwargs:
                out.append((url, "text/html"))
    return out


def test_every_page_answers_without_a_server_error_for_every_role_and_case_state(settings):
    # One address makes every request here: no throttle answers 429 in place of a page.
    unlimited = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": unlimited}
    # The demo's villages report between 07:00 and 19:00: walked before dawn, yesterday's
    # reports are all claimed and no case waits at "registered". So the walk happens in
    # the afternoon, Beijing time, of today.
    afternoon = datetime.datetime.combine(timezone.localdate(), datetime.time(15), tzinfo=SHANGHAI)
    with time_machine.travel(afternoon, tick=True):
        walk()


def walk():
    call_command("seed_demo", *SMALL, *BUSY, stdout=io.StringIO())
    states = {(c.state, c.level) for c in case_samples()}
    assert len(states) >= 12, f"the demo lacks cases in some states: {sorted(states)}"
    pages = urls()
    assert len(pages) > 200
    failures = []
    for username in [*ROLES, None]:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
        if username is not None:
            client.force_login(User.objects.get(username=username))
        for url, accept in pages:
            response = client.get(url, HTTP_ACCEPT=accept)
            assert response.status_code != 429, f"throttled: {url}"
            if response.status_code >= 500:
                failures.append(f"{username or 'anonymous'} GET {url} ({accept}): {response.status_code}")
    assert not failures, f"{len(failures)} pages answered 5xx:\n" + "\n".join(failures[:60])


ORG_FILES_PAGES = {
    "organisation:file",
    "organisation:file-print",
    "organisation:commitment-term",
    "organisation:commitment",
    "organisation:commitment-photo",
    "organisation:review",
    "organisation:public-commitments",
    "organisation:public-commitment-photo",
}


def _org_files(name: str, param: str) -> list:
    """A file, a commitment of each state (and its term), a step, a review published and
    one not; and none."""
    from organisation.models import Commitment, Progress, Review, SecretaryFile

    first = Commitment.objects.order_by("pk").first()
    if param == "code":
        code = first.village.code if first else Village.objects.order_by("pk").first().code
        return [code, "nosuch"] if name == "organisation:public-commitments" else [code]
    if param == "village_id":
        return [first.village_id if first else 0, 0]
    if param == "term_start":
        return [first.term_start if first else 2000]
    if name.startswith("organisation:file"):
        row = SecretaryFile.objects.order_by("pk").first()
        return [row.pk if row else 0, 0]
    if name == "organisation:commitment":
        return [*{c.state: c.pk for c in Commitment.objects.order_by("pk")}.values(), 0]
    if name == "organisation:review":
        return [*{r.published_at is None: r.pk for r in Review.objects.order_by("pk")}.values(), 0]
    step = (
        Progress.objects.exclude(evidence="").order_by("pk").first()
        or Progress.objects.order_by("pk").first()
    )
    return [step.pk if step else 0, 0]
