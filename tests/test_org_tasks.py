"""The weekly task list's services: the office drafts, edits, copies and issues a week's
list; receivers are villages and departments of the town; a village hands its task down to
its grids; receivers answer done (note or photo) or not done (why), changeable until the
due day; a stale answer is a plain error; bad input is a field error and writes nothing;
each write is audited."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from governance.choices import AuditAction
from governance.models import AuditEntry
from organisation import tasks as service
from organisation.choices import ListState, TaskState, Theme
from organisation.models import Assignment, Task, TaskList

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 30)  # a Monday
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _tuesday():
    with time_machine.travel(NOW, tick=False):
        yield


def new_list(world, week=MONDAY):
    return service.list_create(town=world.town_a, week=week, actor=world.users["office"])


def add_task(world, task_list, **changes):
    values = dict(
        theme=Theme.SAFETY,
        title="燃气安全入户检查",
        done_means="检查餐饮店，隐患当场整改",
        due=task_list.week + datetime.timedelta(days=3),
        villages=[world.village_a1.pk, world.village_a2.pk],
        departments=[world.dept_a.pk],
        actor=world.users["office"],
    )
    values.update(changes)
    return service.task_add(task_list=task_list, **values)


def issued(world):
    task_list = new_list(world)
    task = add_task(world, task_list)
    service.list_issue(task_list=task_list, actor=world.users["office"])
    return task_list, task


def own(task, village):
    return Assignment.objects.get(task=task, village=village, grid__isnull=True)


def photo_upload(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def message(exc) -> str:
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


# --- the office's list --------------------------------------------------------------------


def test_the_office_drafts_a_list_adds_a_task_with_receivers_and_issues_it(world):
    task_list = new_list(world)
    assert task_list.state == ListState.DRAFT
    task = add_task(world, task_list)
    tops = Assignment.objects.filter(task=task)
    assert {(a.village_id, a.department_id) for a in tops} == {
        (world.village_a1.pk, None),
        (world.village_a2.pk, None),
        (None, world.dept_a.pk),
    }
    service.list_issue(task_list=task_list, actor=world.users["office"])
    task_list.refresh_from_db()
    assert task_list.state == ListState.ISSUED and task_list.issued_by == world.users["office"]
    assert task_list.issued_at is not None
    assert AuditEntry.objects.filter(object_id=str(task_list.pk), action=AuditAction.UPDATE).exists()
    assert AuditEntry.objects.filter(object_id=str(task.pk), action=AuditAction.CREATE).exists()


def test_all_villages_is_every_village_of_the_town(world):
    task = add_task(world, new_list(world), villages=[], departments=[], all_villages=True)
    assert set(Assignment.objects.filter(task=task).values_list("village_id", flat=True)) == {
        world.village_a1.pk,
        world.village_a2.pk,
    }


def test_the_default_week_is_this_monday_then_next_monday(world):
    assert service.default_week(world.town_a.pk) == MONDAY
    new_list(world)
    assert service.default_week(world.town_a.pk) == MONDAY + datetime.timedelta(days=7)


@pytest.mark.parametrize(
    "week, text",
    [
        (MONDAY + datetime.timedelta(days=1), "星期一"),
        (datetime.date(1999, 1, 4), "2000"),
        (datetime.date(2099, 1, 5), "2000"),
        ("2026-11-30", "星期一"),
    ],
)
def test_a_bad_week_is_a_field_error(world, week, text):
    with pytest.raises(ValidationError) as exc:
        service.list_create(town=world.town_a, week=week, actor=world.users["office"])
    assert "week" in exc.value.message_dict
    assert not TaskList.objects.exists()


def test_one_list_a_week(world):
    new_list(world)
    with pytest.raises(ValidationError) as exc:
        new_list(world)
    assert "week" in exc.value.message_dict


@pytest.mark.parametrize("who", ["supervisor", "cadre", "grid_worker", "department", "client", "office_b"])
def test_only_the_town_office_drafts_its_lists(world, who):
    with pytest.raises(PermissionDenied):
        service.list_create(town=world.town_a, week=MONDAY, actor=world.users[who])


def test_bad_task_input_is_field_errors_and_writes_nothing(world):
    task_list = new_list(world)
    with pytest.raises(ValidationError) as exc:
        add_task(
            world,
            task_list,
            theme="nosuch",
            title=" ",
            done_means="",
            due=MONDAY - datetime.timedelta(days=1),
            villages=[world.village_b1.pk],
            departments=[world.dept_b.pk],
        )
    assert {"theme", "title", "done_means", "due", "villages", "departments"} <= set(exc.value.message_dict)
    assert not Task.objects.exists() and not Assignment.objects.exists()


def test_a_task_needs_a_receiver_and_a_due_day_within_twelve_weeks(world):
    task_list = new_list(world)
    with pytest.raises(ValidationError) as exc:
        add_task(world, task_list, villages=[], departments=[])
    assert "villages" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        add_task(world, task_list, due=MONDAY + datetime.timedelta(weeks=13))
    assert "due" in exc.value.message_dict
    add_task(world, task_list, due=MONDAY)  # the Monday itself is fine


def test_a_draft_task_is_changed_and_its_receivers_replaced_then_removed(world):
    task_list = new_list(world)
    task = add_task(world, task_list)
    service.task_update(
        task=task,
        theme=Theme.ENVIRONMENT,
        title="河道清理",
        done_means="无垃圾",
        due=MONDAY + datetime.timedelta(days=4),
        villages=[world.village_a2.pk],
        departments=[],
        actor=world.users["office"],
    )
    task.refresh_from_db()
    assert task.theme == Theme.ENVIRONMENT
    assert list(Assignment.objects.filter(task=task).values_list("village_id", flat=True)) == [
        world.village_a2.pk
    ]
    service.task_remove(task=task, actor=world.users["office"])
    assert not Assignment.objects.filter(task=task).exists()
    assert Task.objects.get(pk=task.pk).deleted_at is not None


def test_an_issued_list_is_not_changed_but_a_correction_is_added_and_assigned_at_once(world):
    task_list, task = issued(world)
    with pytest.raises(ValidationError) as exc:
        service.task_update(
            task=task,
            theme=Theme.SAFETY,
            title="x",
            done_means="y",
            due=MONDAY,
            villages=[world.village_a1.pk],
            actor=world.users["office"],
        )
    assert "issued" in str(exc.value.error_dict) or "下达" in message(exc)
    with pytest.raises(ValidationError):
        service.task_remove(task=task, actor=world.users["office"])
    with pytest.raises(ValidationError):
        service.list_issue(task_list=task_list, actor=world.users["office"])
    fix = add_task(
        world, task_list, title="更正：燃气检查扩大到农家乐", villages=[world.village_a1.pk], departments=[]
    )
    assert service.assignments_for_user(world.users["cadre"]).filter(task=fix).count() == 1


def test_an_empty_list_is_not_issued(world):
    task_list = new_list(world)
    with pytest.raises(ValidationError):
        service.list_issue(task_list=task_list, actor=world.users["office"])
    assert TaskList.objects.get().state == ListState.DRAFT


def test_copying_last_weeks_list_makes_a_draft_with_its_tasks_and_receivers_a_week_on(world):
    task_list, task = issued(world)
    child_grid = world.grid_a1
    service.hand_down(
        assignment=own(task, world.village_a1), grids=[child_grid.pk], actor=world.users["cadre"]
    )
    copy = service.list_copy(source=task_list, actor=world.users["office"])
    assert copy.week == MONDAY + datetime.timedelta(days=7) and copy.state == ListState.DRAFT
    new = Task.objects.get(task_list=copy)
    assert new.due == task.due + datetime.timedelta(days=7) and new.title == task.title
    assert Assignment.objects.filter(task=new).count() == 3  # the grids are not copied
    with pytest.raises(ValidationError):
        service.list_copy(source=task_list, actor=world.users["office"])  # that week has one now


# --- the receivers ------------------------------------------------------------------------


def test_a_draft_is_seen_by_the_office_only(world):
    task_list = new_list(world)
    add_task(world, task_list)
    assert service.lists_for_user(world.users["office"]).count() == 1
    for who in ("supervisor", "cadre", "grid_worker", "department", "client", "office_b"):
        assert not service.lists_for_user(world.users[who]).exists(), who
        assert not service.assignments_for_user(world.users[who]).exists(), who


def test_a_cadre_hands_a_task_down_to_grids_of_the_village(world):
    _, task = issued(world)
    village = own(task, world.village_a1)
    made = service.hand_down(
        assignment=village, grids=[world.grid_a1.pk, world.grid_a1_2.pk], actor=world.users["cadre"]
    )
    assert {a.grid_id for a in made} == {world.grid_a1.pk, world.grid_a1_2.pk}
    assert all(a.parent_id == village.pk and a.village_id == world.village_a1.pk for a in made)
    grid_view = service.assignments_for_user(world.users["grid_worker"])
    assert set(grid_view.values_list("grid_id", flat=True)) == {world.grid_a1.pk}
    # again: the grids it already went to are refused plainly
    with pytest.raises(ValidationError) as exc:
        service.hand_down(assignment=village, grids=[world.grid_a1.pk], actor=world.users["cadre"])
    assert "grids" in exc.value.message_dict
    # another village's grid, or none
    for grids in ([world.grid_a2.pk], [], ["x"]):
        with pytest.raises(ValidationError):
            service.hand_down(assignment=village, grids=grids, actor=world.users["cadre"])
    assert Assignment.objects.filter(parent=village).count() == 2


def test_only_the_villages_cadre_hands_its_task_down(world):
    _, task = issued(world)
    other = own(task, world.village_a2)
    with pytest.raises(PermissionDenied):
        service.hand_down(assignment=other, grids=[world.grid_a2.pk], actor=world.users["cadre"])
    dept = Assignment.objects.get(task=task, department=world.dept_a)
    with pytest.raises(PermissionDenied):
        service.hand_down(assignment=dept, grids=[world.grid_a1.pk], actor=world.users["department"])


def test_receivers_answer_done_with_a_note_or_photo_and_not_done_with_a_reason(world):
    _, task = issued(world)
    village = own(task, world.village_a1)
    with pytest.raises(ValidationError) as exc:
        service.answer(assignment=village, done=True, note="", actor=world.users["cadre"])
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service.answer(assignment=village, done=False, note=" ", actor=world.users["cadre"])
    assert "note" in exc.value.message_dict
    assert Assignment.objects.get(pk=village.pk).state == TaskState.OPEN
    row = service.answer(assignment=village, done=True, photo=photo_upload(), actor=world.users["cadre"])
    assert row.state == TaskState.DONE and row.photo and row.answered_by == world.users["cadre"]
    dept = Assignment.objects.get(task=task, department=world.dept_a)
    row = service.answer(
        assignment=dept, done=False, note="人手不足，下周完成", actor=world.users["department"]
    )
    assert row.state == TaskState.NOT_DONE
    trail = AuditEntry.objects.filter(content_type__model="assignment", object_id=str(dept.pk))
    assert trail.filter(action=AuditAction.UPDATE).count() == 1


def test_a_file_that_is_not_a_photo_is_a_field_error(world):
    _, task = issued(world)
    bad = SimpleUploadedFile("x.jpg", b"<html>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        service.answer(
            assignment=own(task, world.village_a1), done=True, photo=bad, actor=world.users["cadre"]
        )
    assert "photo" in exc.value.message_dict


def test_only_the_receiver_answers(world):
    _, task = issued(world)
    village = own(task, world.village_a1)
    for who in ("office", "department", "grid_worker"):
        with pytest.raises(PermissionDenied):
            service.answer(assignment=village, done=True, note="好", actor=world.users[who])
    with pytest.raises(PermissionDenied):
        service.answer(
            assignment=own(task, world.village_a2), done=True, note="好", actor=world.users["cadre"]
        )


def test_a_grid_worker_answers_their_grids_part_and_the_cadre_may_too(world):
    _, task = issued(world)
    made = service.hand_down(
        assignment=own(task, world.village_a1),
        grids=[world.grid_a1.pk, world.grid_a1_2.pk],
        actor=world.users["cadre"],
    )
    mine = next(a for a in made if a.grid_id == world.grid_a1.pk)
    other = next(a for a in made if a.grid_id == world.grid_a1_2.pk)
    service.answer(assignment=mine, done=True, note="已入户检查", actor=world.users["grid_worker"])
    with pytest.raises(PermissionDenied):
        service.answer(assignment=other, done=True, note="x", actor=world.users["grid_worker"])
    service.answer(assignment=other, done=False, note="网格员请假", actor=world.users["cadre"])


def test_an_answer_is_changed_until_the_due_day_then_it_stands(world):
    _, task = issued(world)
    village = own(task, world.village_a1)
    service.answer(assignment=village, done=False, note="没做完", actor=world.users["cadre"])
    row = service.answer(assignment=village, done=True, note="补做完成", actor=world.users["cadre"])
    assert row.state == TaskState.DONE
    trail = AuditEntry.objects.filter(content_type__model="assignment", object_id=str(village.pk))
    assert trail.filter(action=AuditAction.UPDATE).count() == 2
    with time_machine.travel(NOW + datetime.timedelta(days=5), tick=False):
        with pytest.raises(ValidationError) as exc:
            service.answer(assignment=village, done=False, note="改", actor=world.users["cadre"])
        assert "期限" in message(exc)
        # an open one is still answered late, and shows overdue until then
        late = own(task, world.village_a2)
        assert service.is_overdue(late)


def test_a_stale_answer_is_a_plain_error_not_a_second_write(world):
    _, task = issued(world)
    village = own(task, world.village_a1)
    seen = service.version(village)
    service.answer(assignment=village, done=True, note="第一次", actor=world.users["cadre"], seen=seen)
    with pytest.raises(ValidationError) as exc:
        service.answer(assignment=village, done=False, note="第二次", actor=world.users["cadre"], seen=seen)
    assert set(exc.value.message_dict) == {"__all__"}
    assert Assignment.objects.get(pk=village.pk).note == "第一次"


def test_the_overview_counts_per_theme_and_village_and_overdue(world):
    task_list, task = issued(world)
    service.answer(assignment=own(task, world.village_a1), done=True, note="好", actor=world.users["cadre"])
    with time_machine.travel(NOW + datetime.timedelta(days=5), tick=False):
        view = service.overview(task_list, world.users["office"])
    assert (view.total.done, view.total.open, view.total.overdue) == (1, 2, 2)
    assert view.by_village["甲一村"].done == 1
    assert list(view.by_theme) == [Theme.SAFETY.label]
    assert len(view.receivers) == 3


def test_the_public_week_shows_counts_only_for_issued_lists(world):
    task_list = new_list(world)
    add_task(world, task_list)
    assert service.public_week(world.town_a, MONDAY) == []
    service.list_issue(task_list=task_list, actor=world.users["office"])
    task = Task.objects.get()
    service.answer(
        assignment=own(task, world.village_a1), done=True, note="秘密备注", actor=world.users["cadre"]
    )
    groups = service.public_week(world.town_a, MONDAY)
    assert groups[0]["tasks"][0]["done"] == 1 and groups[0]["tasks"][0]["receivers"] == 3
    assert "秘密备注" not in str(groups)


def test_my_week_lists_what_the_user_answers(world):
    _, task = issued(world)
    assert [a.village_id for a in service.my_week(world.users["cadre"])] == [world.village_a1.pk]
    assert [a.department_id for a in service.my_week(world.users["department"])] == [world.dept_a.pk]
    assert service.my_week(world.users["office"]) == []


def test_parse_week_is_lenient(world):
    assert service.parse_week("2026-12-02") == MONDAY
    for bad in ("", "x", "2026-13-01", "9999-12-31", "²026-12-02", None, "2026-12-0²"):
        assert service.parse_week(bad) is None
