"""Item 5 of the duty log (联系农户访一访) is household visits: listed on the log, or
recorded from the due list by the log's cadre that day, they are one kind of record
(``Visit``); taken back from a draft they are soft-deleted and audited; the migration
that made the log's own rows into visits copies every one.

Named people: 黄马甲, the world's cadre of village A1, on duty today.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from duty import services
from duty.choices import Item, VisitKind
from duty.models import DutyLog, Visit
from duty.selectors import items_done, with_progress
from duty.visits import visit_record
from governance.models import AuditEntry

from .test_duty_log import checked_in, named, on_duty

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre(world):
    cadre = named(world.users["cadre"], "黄马甲")
    on_duty(world.village_a1, cadre, [timezone.localdate()], world.users["office"])
    return cadre


@pytest.fixture
def log(world, cadre):
    return services.log_start(village=world.village_a1, date=timezone.localdate(), actor=cadre)


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def progress_of(log) -> dict:
    return items_done(with_progress(DutyLog.objects.filter(pk=log.pk)).get())


def test_a_visit_listed_on_the_log_is_a_visit_of_the_log(world, cadre, log):
    visit = services.visit_add(
        log=log, actor=cadre, household=world.household_a1, note="老人住院，家属在陪护"
    )
    visit = Visit.objects.get(pk=visit.pk)
    assert visit.log == log and visit.by == cadre and list(visit.visitors.all()) == [cadre]
    assert (visit.town, visit.village, visit.grid) == (world.town_a, world.village_a1, world.grid_a1)
    assert visit.kind == VisitKind.ROUTINE and visit.found == "老人住院，家属在陪护"
    assert timezone.localtime(visit.visited_at).date() == log.date
    assert progress_of(log)[Item.VISITS]
    # audited twice: the visit made, the log's item 5
    assert AuditEntry.objects.filter(object_id=str(visit.pk), action="create").exists()


def test_the_same_household_twice_in_a_log_is_refused(world, cadre, log):
    services.visit_add(log=log, actor=cadre, household=world.household_a1)
    with pytest.raises(ValidationError) as exc:
        services.visit_add(log=log, actor=cadre, household=world.household_a1, note="再次")
    assert exc.value.message_dict["household"] == ["该户今天已记录。"]
    assert Visit.objects.count() == 1


def test_a_household_of_another_village_is_refused_with_the_field_message(world, cadre, log):
    with pytest.raises(ValidationError) as exc:
        services.visit_add(log=log, actor=cadre, household=world.household_a2)
    assert exc.value.message_dict == {"household": ["不是甲一村的农户。"]}
    assert not Visit.objects.exists()


def test_a_visit_for_another_day_than_the_logs_is_refused(world, cadre, log):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.visit_add(log=log, actor=cadre, household=world.household_a1, at=yesterday)
    assert "visited_at" in exc.value.message_dict and not Visit.objects.exists()


def test_a_visit_from_the_due_list_that_day_shows_in_the_log_and_counts(world, cadre, log):
    assert not progress_of(log)[Item.VISITS]
    # the cadre records a visit away from the log page (their due list), by phone
    visit = visit_record(
        actor=cadre, household=world.household_a1_2, kind=VisitKind.PHONE, found="在外务工，电话联系"
    )
    assert visit.log_id == log.pk
    assert progress_of(log)[Item.VISITS]
    page = browser(cadre).get("/duty/today/").content.decode()
    assert world.household_a1_2.number in page and "在外务工，电话联系" in page
    assert "电话走访（外出户）" in page  # its kind
    # and it counts as listed: the same household is not listed again
    with pytest.raises(ValidationError):
        services.visit_add(log=log, actor=cadre, household=world.household_a1_2)


def test_item_5_on_the_page_records_a_visit_and_shows_time_kind_and_what_was_found(world, cadre, log):
    client = browser(cadre)
    response = client.post(
        "/duty/today/", {"action": "visit", "household": world.household_a1.pk, "note": "反映路灯不亮"}
    )
    assert response.status_code == 302 and response["X-Duty-Result"] == "saved"
    visit = Visit.objects.get()
    assert visit.log_id == log.pk and visit.found == "反映路灯不亮"
    page = client.get("/duty/today/").content.decode()
    assert timezone.localtime(visit.visited_at).strftime("%H:%M") in page
    assert "日常走访" in page and "反映路灯不亮" in page
    # another village's household is no choice on the form: refused, nothing saved
    refused = client.post("/duty/today/", {"action": "visit", "household": world.household_a2.pk})
    assert refused.status_code == 200 and refused["X-Duty-Result"] == "invalid"
    assert Visit.objects.count() == 1


def test_a_visit_sent_twice_from_the_phones_queue_is_recorded_once(world, cadre, log):
    client = browser(cadre)
    entry = {"action": "visit", "household": world.household_a1.pk, "note": "", "idem": "k-visit-1"}
    assert client.post("/duty/today/", entry)["X-Duty-Result"] == "saved"
    assert client.post("/duty/today/", entry)["X-Duty-Result"] == "duplicate"
    assert Visit.objects.filter(log=log).count() == 1


def test_taking_a_visit_back_from_a_draft_soft_deletes_and_audits_it(world, cadre, log, as_user):
    visit = services.visit_add(log=log, actor=cadre, household=world.household_a1, note="走错户")
    client = browser(cadre)
    response = client.post("/duty/today/", {"action": "remove", "kind": "visit", "row": visit.pk, "item": 5})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.deleted_at is not None  # the row stays, with its history
    assert AuditEntry.objects.filter(object_id=str(visit.pk), action="delete").exists()
    assert not progress_of(log)[Item.VISITS]
    assert "走错户" not in client.get("/duty/today/").content.decode()
    assert as_user(world.users["office"]).get(f"/api/v1/duty/logs/{log.pk}/").json()["visits"] == []
    # gone: taking it back again finds nothing; listing the household again is allowed
    with pytest.raises(ValidationError) as exc:
        services.row_remove(log=log, actor=cadre, kind="visit", row_id=visit.pk)
    assert "row" in exc.value.message_dict
    assert services.visit_add(log=log, actor=cadre, household=world.household_a1).pk != visit.pk


def test_a_visit_reported_as_a_case_stays(world, cadre, log):
    from cases.models import CaseKind
    from duty.visits import visit_report

    visit = services.visit_add(log=log, actor=cadre, household=world.household_a1, note="院墙开裂")
    visit_report(visit=visit, kind=CaseKind.objects.filter(town__isnull=True).first(), actor=cadre)
    with pytest.raises(ValidationError) as exc:
        services.row_remove(log=log, actor=cadre, kind="visit", row_id=visit.pk)
    assert "row" in exc.value.message_dict
    assert Visit.objects.get(pk=visit.pk).deleted_at is None


def test_the_log_api_lists_its_visits(world, cadre, log, as_user):
    checked_in(log, cadre)
    services.visit_add(log=log, actor=cadre, household=world.household_a1, note="了解家庭情况")
    rows = as_user(world.users["office"]).get(f"/api/v1/duty/logs/{log.pk}/").json()["visits"]
    assert [(r["household"], r["kind"], r["found"]) for r in rows] == [
        (world.household_a1.pk, "routine", "了解家庭情况")
    ]
    assert rows[0]["visited_at"] and rows[0]["case"] is None


# ---------------------------------------------------------------------------------------
# The migration: the log's own rows (HouseholdVisit) become visits
# ---------------------------------------------------------------------------------------

BEFORE = [("duty", "0004_visits_inspections_motions")]
AFTER = [("duty", "0005_log_visits_are_visits")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_every_log_row_into_a_visit(world):
    cadre = named(world.users["cadre"], "黄马甲")
    households = [world.household_a1, world.household_a1_2, world.household_a1_child]
    try:
        old = migrate(BEFORE)
        OldLog = old.get_model("duty", "DutyLog")
        OldRow = old.get_model("duty", "HouseholdVisit")
        day = timezone.localdate() - datetime.timedelta(days=3)
        logs = [
            OldLog.objects.create(
                village_id=world.village_a1.pk, date=day - datetime.timedelta(days=i), cadre_id=cadre.pk
            )
            for i in range(2)
        ]
        for i, household in enumerate(households):
            OldRow.objects.create(log_id=logs[i % 2].pk, household_id=household.pk, note=f"情况{i}")
        long_ago = timezone.now() - datetime.timedelta(days=3)
        OldRow.objects.update(created_at=long_ago)

        new = migrate(AFTER)
        assert "householdvisit" not in {m._meta.model_name for m in new.get_app_config("duty").get_models()}
        visits = Visit.objects.order_by("household_id")
        assert visits.count() == 3
        for visit in visits:
            i = households.index(next(h for h in households if h.pk == visit.household_id))
            assert visit.log_id == logs[i % 2].pk and visit.found == f"情况{i}"
            assert (visit.town_id, visit.village_id, visit.grid_id) == (
                visit.household.town_id,
                visit.household.village_id,
                visit.household.grid_id,
            )
            assert visit.kind == VisitKind.ROUTINE and visit.by_id == cadre.pk
            assert list(visit.visitors.values_list("pk", flat=True)) == [cadre.pk]
            assert visit.visited_at == long_ago and visit.created_at == long_ago
        assert [progress_of(log)[Item.VISITS] for log in DutyLog.objects.order_by("-date")] == [True, True]

        # backwards, a best effort: the visits become log rows again
        old = migrate(BEFORE)
        rows = old.get_model("duty", "HouseholdVisit").objects.order_by("household_id")
        assert [(r.log_id, r.household_id, r.note) for r in rows] == [
            (logs[households.index(h) % 2].pk, h.pk, f"情况{households.index(h)}")
            for h in sorted(households, key=lambda h: h.pk)
        ]
        assert old.get_model("duty", "Visit").objects.count() == 0
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
