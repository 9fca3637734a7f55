"""The statistics page, the map without tiles, and the village and grid pages.

The figures are checked on a small set of cases whose history is written at known times
(the services take ``now``), with the clock stopped at Wednesday 2025-11-19 10:00:

=====  =======  ==========================================================================
case   village  history
=====  =======  ==========================================================================
c1     A1       reported Mon 11-03 09:00, claimed and solved 11-04 09:00 (1 day, in time),
                rated satisfied
c2     A1       solved on the spot Mon 11-03 10:00 (0 days), rated basically satisfied
c3     A1       reported Mon 11-10 09:00, still registered: overdue since Thu 11-13
c4     A1       reported Mon 11-10 09:00, escalated 11-11 09:00 (1 day), assigned, accepted
                and solved by the department 11-14 09:00 (3 days at town level), satisfied
c5     A2       reported Mon 11-03 09:00, solved 11-12 09:00 (9 days, deadline Thu 11-06
                missed), rated not satisfied 11-13 10:00: reopened, overdue since 11-18
c6     B1       town B, solved on the spot 11-03: never in town A's figures
c7     A1       reported 2025-08-20, before the period, still open: overdue
=====  =======  ==========================================================================
"""

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cases import services
from cases.choices import Move, Satisfaction, Source
from cases.models import CaseKind
from governance.choices import Role
from governance.models import AuditEntry
from grids import geo, layers

from . import factories as f

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 11, 19, 10, tzinfo=SH)
pytestmark = pytest.mark.django_db


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def report(world, actor, village, now, *, grid=None, on_spot=False):
    data = {
        "village": village,
        "source": Source.WALK_IN,
        "kind": CaseKind.objects.get(code="drain", town=None),
        "description": "排水沟堵塞",
        "reporter_name": "王五",
    }
    if grid is not None:
        data["grid"] = grid
    return services.case_report(
        actor=actor, data=data, now=now, solved_on_spot=on_spot, solution="当场疏通" if on_spot else ""
    )


def move(case, name, actor, now, **extra):
    return services.case_move(case=case, move=name, actor=actor, note="处理", now=now, **extra)


@pytest.fixture
def history(world):
    u = world.users
    office, cadre, department = u["office"], u["cadre"], u["department"]
    c1 = report(world, u["grid_worker"], world.village_a1, at(2025, 11, 3, 9), grid=world.grid_a1)
    move(c1, Move.CLAIM, cadre, at(2025, 11, 3, 15))
    move(c1, Move.SOLVE, cadre, at(2025, 11, 4, 9))
    services.case_rate(case=c1, satisfaction=Satisfaction.SATISFIED, now=at(2025, 11, 5, 9))

    c2 = report(world, cadre, world.village_a1, at(2025, 11, 3, 10), on_spot=True)
    services.case_rate(case=c2, satisfaction=Satisfaction.BASICALLY, now=at(2025, 11, 5, 10))

    c3 = report(world, u["grid_worker"], world.village_a1, at(2025, 11, 10, 9), grid=world.grid_a1)

    c4 = report(world, cadre, world.village_a1, at(2025, 11, 10, 9))
    move(c4, Move.ESCALATE, cadre, at(2025, 11, 11, 9))
    move(c4, Move.ASSIGN, office, at(2025, 11, 11, 10), department=world.dept_a)
    move(c4, Move.ACCEPT, department, at(2025, 11, 11, 11))
    move(c4, Move.SOLVE, department, at(2025, 11, 14, 9))
    services.case_rate(case=c4, satisfaction=Satisfaction.SATISFIED, now=at(2025, 11, 14, 10))

    c5 = report(world, office, world.village_a2, at(2025, 11, 3, 9))
    move(c5, Move.CLAIM, office, at(2025, 11, 3, 11))
    move(c5, Move.SOLVE, office, at(2025, 11, 12, 9))
    services.case_rate(case=c5, satisfaction=Satisfaction.NOT_SATISFIED, now=at(2025, 11, 13, 10))

    c6 = report(world, u["office_b"], world.village_b1, at(2025, 11, 3, 9), on_spot=True)
    c7 = report(world, u["grid_worker"], world.village_a1, at(2025, 8, 20, 9), grid=world.grid_a1)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6, "c7": c7}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def embedded(response, element_id: str):
    """The JSON a page hands its script (json_script)."""
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


# -- Statistics -----------------------------------------------------------------------------


def test_it_counts_the_cases_reported_each_week_by_their_state_now(world, history, frozen):
    response = client_for(world.users["office"]).get(reverse("cases:stats"))
    assert response.status_code == 200
    weeks = embedded(response, "stats-data")["weeks"]
    # The last twelve weeks, from their Monday: 2025-09-01 to the week of 11-17.
    assert weeks["weeks"][0] == "2025-09-01" and weeks["weeks"][-1] == "2025-11-17"
    assert len(weeks["weeks"]) == 12
    by_state = {s["key"]: dict(zip(weeks["weeks"], s["data"], strict=True)) for s in weeks["series"]}
    assert set(by_state) == {"registered", "claimed", "solved"}
    assert by_state["solved"]["2025-11-03"] == 2  # c1, c2
    assert by_state["claimed"]["2025-11-03"] == 1  # c5, reopened
    assert by_state["registered"]["2025-11-10"] == 1  # c3
    assert by_state["solved"]["2025-11-10"] == 1  # c4
    assert sum(weeks["totals"]) == 5  # c6 is town B's, c7 before the period
    # The series are named by the states' Chinese labels.
    assert {s["name"] for s in weeks["series"]} == {"已登记", "村已认领", "已办结"}


def test_it_measures_the_time_to_solve_and_the_deadlines_met_per_level(world, history, frozen):
    response = client_for(world.users["office"]).get(reverse("cases:stats"))
    levels = {row["key"]: row for row in response.context["levels"]}
    village, town = levels["village"], levels["town"]
    # Village level: c1 1 day, c2 0 days, c5 9 days; c4's escalation ended a period too.
    assert village["solved"] == 3
    assert village["median_days"] == 1.0
    assert village["average_days"] == 3.3
    assert village["ended"] == 4 and village["within_deadline"] == 75.0
    assert village["solved_in_time"] == 66.7
    # Town level: c4, 3 days after its escalation.
    assert town["solved"] == 1 and town["median_days"] == 3.0 and town["average_days"] == 3.0
    assert town["within_deadline"] == 100.0


def test_the_median_of_an_even_number_of_solutions_is_the_mean_of_the_middle_two(world, history, frozen):
    c8 = report(world, world.users["cadre"], world.village_a1, at(2025, 11, 17, 9))
    move(c8, Move.CLAIM, world.users["cadre"], at(2025, 11, 17, 10))
    move(c8, Move.SOLVE, world.users["cadre"], at(2025, 11, 19, 9))  # 2 days
    response = client_for(world.users["office"]).get(reverse("cases:stats"))
    village = next(row for row in response.context["levels"] if row["key"] == "village")
    assert village["solved"] == 4 and village["median_days"] == 1.5  # 0, 1, 2, 9


def test_it_gives_the_shares_of_satisfaction(world, history, frozen):
    response = client_for(world.users["office"]).get(reverse("cases:stats"))
    satisfaction = embedded(response, "stats-data")["satisfaction"]
    assert satisfaction["total"] == 4
    shares = {row["key"]: (row["value"], row["share"]) for row in satisfaction["rows"]}
    assert shares == {"satisfied": (2, 50.0), "basically": (1, 25.0), "not_satisfied": (1, 25.0)}
    assert satisfaction["good_share"] == 75.0
    assert {row["name"] for row in satisfaction["rows"]} == {"满意", "基本满意", "不满意"}


def test_it_tabulates_each_village_and_the_town(world, history, frozen):
    response = client_for(world.users["office"]).get(reverse("cases:stats"))
    rows = {row["village"].code: row for row in response.context["rows"]}
    assert set(rows) == {"VA1", "VA2"}
    a1, a2 = rows["VA1"], rows["VA2"]
    assert (a1["reported"], a1["solved"], a1["in_time"], a1["overdue"], a1["satisfaction"]) == (
        4,
        3,
        100.0,
        2,
        100.0,
    )
    assert (a2["reported"], a2["solved"], a2["in_time"], a2["overdue"], a2["satisfaction"]) == (
        1,
        1,
        0.0,
        1,
        0.0,
    )
    total = response.context["total"]
    assert (
        total["reported"],
        total["solved"],
        total["in_time"],
        total["overdue"],
        total["satisfaction"],
    ) == (
        5,
        4,
        75.0,
        3,
        75.0,
    )
    page = response.content.decode()
    # Each village links to its page; the table sorts by its headings (charts.js).
    assert reverse("grids:village", args=["VA1"]) in page
    assert "data-sortable" in page and 'id="chart-weeks"' in page and "aria-label" in page


def test_a_period_chosen_narrows_every_figure(world, history, frozen):
    response = client_for(world.users["office"]).get(
        reverse("cases:stats"), {"since": "2025-11-10", "until": "2025-11-16"}
    )
    data = embedded(response, "stats-data")
    assert data["weeks"]["weeks"] == ["2025-11-10"] and data["weeks"]["totals"] == [2]
    assert data["satisfaction"]["total"] == 2  # c4 (11-14), c5 (11-13)
    levels = {row["key"]: row for row in data["levels"]}
    assert levels["village"]["solved"] == 1 and levels["village"]["median_days"] == 9.0  # c5


def test_bad_dates_are_field_errors_and_the_page_still_answers(world, history, frozen):
    client = client_for(world.users["office"])
    for params in (
        {"since": "2025-11-20", "until": "2025-11-01"},
        {"since": "not a date"},
        {"since": "1900-01-01"},
        {"until": "99999-01-01"},
        {"since": "2020-01-01", "until": "2025-11-19"},
    ):
        response = client.get(reverse("cases:stats"), params)
        assert response.status_code == 200, params
        assert response.context["form"].errors, params
        # The figures fall back to the last twelve weeks.
        assert len(response.context["data"]["weeks"]["weeks"]) == 12


def test_a_village_chosen_narrows_the_figures_to_it(world, history, frozen):
    response = client_for(world.users["office"]).get(reverse("cases:stats"), {"village": world.village_a2.pk})
    assert [row["village"].code for row in response.context["rows"]] == ["VA2"]
    assert response.context["total"]["reported"] == 1
    assert embedded(response, "stats-data")["satisfaction"]["total"] == 1


def test_another_towns_villages_never_appear_in_the_figures_or_the_choices(world, history, frozen):
    client = client_for(world.users["office"])
    response = client.get(reverse("cases:stats"))
    page = response.content.decode()
    assert "乙一村" not in page
    choices = [str(v) for v in response.context["form"].fields["village"].queryset]
    assert choices == ["甲一村", "甲二村"]
    # Town B's village asked for by id: nothing, and nothing said about it.
    response = client.get(reverse("cases:stats"), {"village": world.village_b1.pk})
    assert response.status_code == 200
    assert "乙一村" not in response.content.decode()
    assert response.context["rows"] == [] and response.context["total"]["reported"] == 0
    assert embedded(response, "stats-data")["satisfaction"]["total"] == 0


def test_a_cadre_sees_the_figures_of_their_village_only(world, history, frozen):
    response = client_for(world.users["cadre"]).get(reverse("cases:stats"))
    assert [row["village"].code for row in response.context["rows"]] == ["VA1"]
    assert [str(v) for v in response.context["form"].fields["village"].queryset] == ["甲一村"]
    assert response.context["total"]["reported"] == 4
    assert embedded(response, "stats-data")["satisfaction"]["total"] == 3
    assert "甲二村" not in response.content.decode()


@pytest.mark.parametrize("role", ["grid_worker", "department", "party_member", "nobody"])
def test_the_statistics_are_for_the_office_supervisors_and_cadres(world, role):
    assert client_for(world.users[role]).get(reverse("cases:stats")).status_code == 403


def test_the_statistics_ask_a_visitor_to_log_in(world):
    response = Client().get(reverse("cases:stats"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_statistics_run_the_same_queries_for_few_or_many_cases(world, history, frozen, count_queries):
    client = client_for(world.users["office"])
    client.get(reverse("cases:stats"))  # warm the session
    with count_queries() as few:
        client.get(reverse("cases:stats"))
    for day in range(3, 15):
        case = report(world, world.users["cadre"], world.village_a1, at(2025, 10, day, 9))
        if day % 2:
            move(case, Move.CLAIM, world.users["cadre"], at(2025, 10, day, 10))
            move(case, Move.SOLVE, world.users["cadre"], at(2025, 10, day, 11))
            services.case_rate(case=case, satisfaction=Satisfaction.SATISFIED, now=at(2025, 10, day, 12))
    f.VillageFactory(town=world.town_a, name="甲三村", code="VA3")
    with count_queries() as many:
        client.get(reverse("cases:stats"))
    assert len(many.captured_queries) == len(few.captured_queries), many.listing()
    # The session, the user, the scope, the village choices, the villages, and one query
    # per figure: weeks, levels, medians, satisfaction, and per village cases, periods,
    # ratings.
    assert len(few.captured_queries) <= 15, few.listing()


def test_the_statistics_answer_for_a_supervisor_across_towns(world, history, frozen):
    supervisor = f.member(Role.SUPERVISOR, town=world.town_a)
    f.MembershipFactory(user=supervisor, role=Role.SUPERVISOR, town=world.town_b)
    response = client_for(supervisor).get(reverse("cases:stats"))
    assert {row["village"].code for row in response.context["rows"]} == {"VA1", "VA2", "VB1"}
    # A row per town after the villages, and the whole.
    assert [t["label"] for t in response.context["total_rows"]] == ["甲镇", "乙镇", "全部"]
    assert response.context["total"]["reported"] == 6


# -- The map ----------------------------------------------------------------------------------


@pytest.fixture
def bounded(world):
    """Village A1 and B1 with boundaries; A2 without."""
    for village, box in (
        (world.village_a1, (120.0, 30.0, 120.02, 30.02)),
        (world.village_b1, (121, 31, 121.02, 31.02)),
    ):
        village.boundary = geo.rectangle(*box)
        village.full_clean()
        village.save()
    return world


def test_the_map_draws_the_towns_villages_from_their_boundaries_coloured_by_open_cases(
    bounded, history, frozen
):
    world = bounded
    response = client_for(world.users["office"]).get(reverse("grids:map"))
    assert response.status_code == 200
    data = embedded(response, "map-data")
    assert data["kind"] == "villages"
    features = data["geojson"]["features"]
    assert [feature["properties"]["code"] for feature in features] == ["VA1"]
    assert features[0]["geometry"] == geo.rectangle(120.0, 30.0, 120.02, 30.02)
    assert data["areas"] == [
        {"name": "VA1", "label": "甲一村", "value": 2, "url": reverse("grids:village", args=["VA1"])}
    ]  # c3 and c7 are open in A1
    assert data["layer"]["label"] == "未办结事项"
    page = response.content.decode()
    # A2 has no boundary: listed below the map with its value (c5, reopened).
    assert re.search(r'id="undrawn".*甲二村', page, re.S)
    assert "乙一村" not in page and "VB1" not in page
    assert "vendor/echarts/echarts.min.js" in page and "js/map.js" in page


def test_the_map_of_a_village_draws_its_most_specific_grids(bounded, history, frozen):
    world = bounded
    response = client_for(world.users["office"]).get(reverse("grids:map"), {"village": "VA1"})
    data = embedded(response, "map-data")
    assert data["kind"] == "grids"
    # The second-level grid tiles its first-level grid; the second grid has no boundary.
    assert [feature["properties"]["code"] for feature in data["geojson"]["features"]] == ["GA1a"]
    assert data["areas"][0]["url"] == reverse("grids:grid", args=[world.grid_a1_child.pk])
    areas = {a.area.code: a for a in response.context["areas"]}
    assert areas["GA1"].drawn_by_children and areas["GA1"].values["open_cases"] == 2
    assert not areas["GA12"].drawn and [a.area.code for a in response.context["undrawn"]] == ["GA12"]


def test_a_village_out_of_scope_is_not_on_the_map(bounded):
    world = bounded
    client = client_for(world.users["office"])
    assert client.get(reverse("grids:map"), {"village": "VB1"}).status_code == 404
    cadre = client_for(world.users["cadre"])
    assert cadre.get(reverse("grids:map"), {"village": "VA2"}).status_code == 404
    # A cadre's map is their village's grids.
    response = cadre.get(reverse("grids:map"))
    assert embedded(response, "map-data")["kind"] == "grids"
    assert {a.area.code for a in response.context["areas"]} == {"GA1", "GA1a", "GA12"}


def test_a_grid_workers_map_shows_their_grid_only(bounded):
    response = client_for(bounded.users["grid_worker"]).get(reverse("grids:map"))
    assert {a.area.code for a in response.context["areas"]} == {"GA1", "GA1a"}


def test_the_map_is_not_for_party_members(world):
    assert client_for(world.users["party_member"]).get(reverse("grids:map")).status_code == 404


def test_the_open_cases_layer_counts_a_second_level_grids_cases_in_its_first_level_grid(
    world, history, frozen
):
    report(world, world.users["grid_worker"], world.village_a1, NOW, grid=world.grid_a1_child)
    layer = layers.get("open_cases")
    from grids.models import Grid, Village

    user = world.users["office"]
    by_grid = layer.grids(Grid.objects.filter(village=world.village_a1), user)
    assert by_grid == {world.grid_a1.pk: 3, world.grid_a1_child.pk: 1}
    assert layer.villages(Village.objects.all(), user) == {world.village_a1.pk: 3, world.village_a2.pk: 1}
    # Another town's office counts its own cases only (c6 was solved on the spot).
    assert layer.villages(Village.objects.all(), world.users["office_b"]) == {}


def test_the_map_runs_the_same_queries_for_few_or_many_villages(world, count_queries):
    client = client_for(world.users["office"])
    client.get(reverse("grids:map"))
    with count_queries() as few:
        client.get(reverse("grids:map"))
    for n in range(5):
        f.VillageFactory(
            town=world.town_a, boundary=geo.rectangle(120 + n / 100, 30, 120.005 + n / 100, 30.005)
        )
    with count_queries() as many:
        client.get(reverse("grids:map"))
    assert len(many.captured_queries) == len(few.captured_queries), many.listing()


# -- The village and grid pages ---------------------------------------------------------------


def test_a_village_page_shows_its_facts_grids_workers_and_links(world, history, frozen):
    worker = world.users["grid_worker"]
    worker.last_name, worker.first_name = "李", "晓燕"
    worker.save()
    response = client_for(world.users["office"]).get(reverse("grids:village", args=["VA1"]))
    assert response.status_code == 200
    facts = response.context["facts"]
    assert facts == {"grids": 3, "households": 3, "residents": 2, "migrants": 0, "party_members": 1}
    rows = {row["grid"].code: row for row in response.context["rows"]}
    assert rows["GA1"]["workers"] == [worker] and rows["GA1"]["households"] == 2
    # every registered layer has its value (duty's visit coverage beside the open cases)
    assert dict((layer.name, value) for layer, value in rows["GA1"]["values"]) == {
        "open_cases": 2,
        "visit_coverage": 0.0,
    }
    page = response.content.decode()
    assert "李晓燕" in page
    assert reverse("board-village", args=["VA1"]) in page
    assert f"{reverse('cases:list')}?village={world.village_a1.pk}" in page
    assert f"{reverse('cases:stats')}?village={world.village_a1.pk}" in page


@pytest.mark.parametrize(
    ("role", "code"), [("office", "VB1"), ("cadre", "VA2"), ("party_member", "VA1"), ("office", "nosuch")]
)
def test_a_village_out_of_scope_is_not_found(world, role, code):
    assert client_for(world.users[role]).get(reverse("grids:village", args=[code])).status_code == 404


def test_a_grid_page_lists_its_households_with_personal_data_masked(world, history, frozen):
    response = client_for(world.users["office"]).get(reverse("grids:grid", args=[world.grid_a1.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    # Its own households and its second-level grid's, the head of household as the API shows it.
    assert [row["household"].number for row in response.context["rows"]] == ["A1-001", "A1-002"]
    assert "张三" in page
    assert "13800001234" not in page and "138****1234" in page
    assert "13900005678" not in page  # residents' phones and ID numbers are not on the page
    assert response.context["facts"] == {
        "households": 2,
        "residents": 1,
        "migrants": 0,
        "party_members": 1,
    }
    assert dict((layer.name, value) for layer, value in response.context["values"]) == {
        "open_cases": 2,
        "visit_coverage": 0.0,
    }
    assert not AuditEntry.objects.filter(action="view_personal").exists()


def test_a_grid_page_shows_the_phone_to_an_office_with_the_grant_and_audits_it(world):
    office = world.users["office"]
    office.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    response = client_for(office).get(reverse("grids:grid", args=[world.grid_a1.pk]))
    assert "13800001234" in response.content.decode()
    entry = AuditEntry.objects.get(action="view_personal")
    assert entry.actor == office and sorted(entry.changes["ids"]) == sorted(
        [world.household_a1.pk, world.household_a1_child.pk]
    )


def test_a_grid_worker_sees_their_grid_and_no_other(world):
    client = client_for(world.users["grid_worker"])
    assert client.get(reverse("grids:grid", args=[world.grid_a1.pk])).status_code == 200
    assert client.get(reverse("grids:grid", args=[world.grid_a1_child.pk])).status_code == 200
    assert client.get(reverse("grids:grid", args=[world.grid_a1_2.pk])).status_code == 404
    response = client.get(reverse("grids:grid", args=[world.grid_a1.pk]))
    assert "138****1234" in response.content.decode()
    assert response.context["facts"]["party_members"] is None  # not theirs to read


@pytest.mark.parametrize(
    ("role", "grid"), [("office", "grid_b1"), ("cadre", "grid_a2"), ("party_member", "grid_a1")]
)
def test_a_grid_out_of_scope_is_not_found(world, role, grid):
    pk = getattr(world, grid).pk
    assert client_for(world.users[role]).get(reverse("grids:grid", args=[pk])).status_code == 404


def test_the_village_page_runs_the_same_queries_for_few_or_many_grids(world, count_queries):
    client = client_for(world.users["office"])
    url = reverse("grids:village", args=["VA1"])
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(6):
        grid = f.GridFactory(village=world.village_a1, parent=world.grid_a1 if n % 2 else None)
        f.HouseholdFactory(grid=grid)
        f.member(Role.GRID_WORKER, grid=grid)
    with count_queries() as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries), many.listing()


def test_the_grid_page_runs_the_same_queries_for_a_page_of_households(world, count_queries):
    client = client_for(world.users["office"])
    url = reverse("grids:grid", args=[world.grid_a1.pk])
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(30):
        f.HouseholdFactory(grid=world.grid_a1, number=f"A1-1{n:02d}")
    with count_queries() as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries), many.listing()


# -- Home tiles and navigation -----------------------------------------------------------------


def test_home_leads_a_grid_worker_to_their_grids_households(world):
    page = client_for(world.users["grid_worker"]).get(reverse("home")).content.decode()
    tile = re.search(
        r'<a class="tile[^"]*" href="([^"]+)" data-tile="grid-households-GA1">\s*<div class="value">(\d+)',
        page,
    )
    assert tile and tile.group(1) == reverse("grids:grid", args=[world.grid_a1.pk]) and tile.group(2) == "2"
    assert reverse("grids:map") in page


def test_home_leads_a_cadre_to_their_village(world):
    page = client_for(world.users["cadre"]).get(reverse("home")).content.decode()
    url = reverse("grids:village", args=["VA1"])
    households = re.search(
        r'href="([^"]+)" data-tile="village-households-VA1">\s*<div class="value">(\d+)', page
    )
    grids = re.search(r'href="([^"]+)" data-tile="village-grids-VA1">\s*<div class="value">(\d+)', page)
    assert households.groups() == (url, "3") and grids.groups() == (url, "3")
    assert reverse("cases:stats") in page
