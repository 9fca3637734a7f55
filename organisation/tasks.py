"""The weekly task list (周清单, seed 003): every Monday the town's command centre issues
the week's tasks by theme; each task goes to villages and/or departments, a village hands
it down to its grids, and each receiver marks its part done (a note or a photo) or not
done (why). The town sees done and undone at a glance; the public page shows what the
town is doing this week, without names or notes.

Reads: :func:`lists_for_user`, :func:`tasks_for_user`, :func:`assignments_for_user`
(through ``restrict``), :func:`overview` (a list's tasks × receivers, by theme and by
village), :func:`my_week` (what a user answers this week), :func:`public_week`.

Writes (each atomic, locked where two people may act at once, audited, and re-checked in
scope): :func:`list_create`, :func:`list_copy`, :func:`list_update`, :func:`list_issue`,
:func:`task_add`, :func:`task_update`, :func:`task_remove`, :func:`hand_down`,
:func:`answer`.

Decisions taken here:

* A list's week is its Monday; the default is this week's Monday when the town has no
  list for it yet, else next Monday. A task is due on a day from the week's Monday on,
  at most twelve weeks later.
* A draft is edited freely (its tasks, their receivers, removed tasks are deleted: a
  draft was never seen by anyone but the office). Issuing fixes it: an issued list's
  tasks are not changed. A correction is a new task: the office may add a task to an
  issued list, and it is assigned to its receivers at once (the old task is answered
  "not done" with the reason by its receivers, or left as it is).
* A village's own assignment is handed down to one or more of its grids (a child
  assignment each, ``parent`` set); the village still answers for its own part.
* A receiver answers: a grid's worker (or the village's cadres for it), the village's
  cadres for the village, a department's handlers for it. Done needs a note or a photo;
  not done needs the reason (the note). An answer may be changed until its due day has
  passed (each change audited); an open task may still be answered late. The form carries
  the version it showed: an answer given meanwhile by someone else, or the same form sent
  twice, is a plain message, never a second write.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from governance import audit
from governance.choices import AuditAction
from governance.filters import IntegerFilter
from governance.scoping import (
    CADRE,
    DEPARTMENT,
    GRID_WORKER,
    OFFICE,
    VIEW,
    resolve_scope,
    restrict,
)
from governance.services import ensure_in_scope
from grids.models import Department, Grid, Town, Village

from .choices import ListState, TaskState, Theme
from .models import Assignment, Task, TaskList

#: A task is due at most this long after its week's Monday.
LONGEST = datetime.timedelta(weeks=12)
FIRST_WEEK = datetime.date(2000, 1, 3)  # a Monday


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def this_week() -> datetime.date:
    return monday(timezone.localdate())


def default_week(town_id: int | None) -> datetime.date:
    """This week's Monday if the town has no list for it yet, else next Monday."""
    week = this_week()
    if town_id and TaskList.objects.filter(town_id=town_id, week=week, deleted_at__isnull=True).exists():
        week += datetime.timedelta(days=7)
    return week


def parse_week(value) -> datetime.date | None:
    """A ``?week=YYYY-MM-DD`` value as its week's Monday; None when it is not a date in
    2000..a year from now (a bad value is "this week", never a 500)."""
    if isinstance(value, datetime.date):
        day = value
    else:
        if not isinstance(value, str) or len(value) != 10 or not value.isascii():
            return None
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return None
    if not FIRST_WEEK <= day <= timezone.localdate() + datetime.timedelta(days=366):
        return None
    return monday(day)


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def lists_for_user(user, action: str = VIEW) -> QuerySet[TaskList]:
    """The lists ``user`` reads (the office: its town's drafts too), each with its number
    of tasks (``n_tasks``)."""
    return restrict(
        TaskList.objects.select_related("town", "issued_by").annotate(
            n_tasks=Count("tasks", filter=Q(tasks__deleted_at__isnull=True), distinct=True)
        ),
        user,
        action,
    )


def tasks_for_user(user, action: str = VIEW) -> QuerySet[Task]:
    return restrict(
        Task.objects.select_related("task_list", "town").filter(task_list__deleted_at__isnull=True),
        user,
        action,
    )


def assignments_for_user(user, action: str = VIEW) -> QuerySet[Assignment]:
    return restrict(
        Assignment.objects.select_related(
            "task", "task__task_list", "village", "grid", "department", "answered_by"
        ).filter(task__deleted_at__isnull=True),
        user,
        action,
    )


def office_towns(user) -> QuerySet[Town]:
    """The towns whose lists ``user`` drafts and issues (the town office; all for the
    superuser)."""
    scope = resolve_scope(user)
    towns = Town.objects.filter(deleted_at__isnull=True)
    if scope.is_superuser:
        return towns
    return towns.filter(pk__in=sorted(scope.ids("town", [OFFICE])))


def keeps(user, task_list: TaskList) -> bool:
    """Whether ``user`` drafts, edits and issues ``task_list`` (its town's office)."""
    return office_towns(user).filter(pk=task_list.town_id).exists()


def answers(user, assignment: Assignment) -> bool:
    """Whether ``user`` answers ``assignment``: its grid's worker, its village's cadres
    (for the village and for its grids), its department's handlers."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return True
    if assignment.department_id:
        return assignment.department_id in scope.ids("department", [DEPARTMENT])
    if assignment.grid_id and assignment.grid_id in scope.ids("grid", [GRID_WORKER]):
        return True
    return assignment.village_id in scope.ids("village", [CADRE])


def hands_down(user, assignment: Assignment) -> bool:
    """Whether ``user`` hands ``assignment`` down to grids: a village's own assignment,
    by the village's cadres."""
    if assignment.department_id or assignment.grid_id or assignment.parent_id:
        return False
    scope = resolve_scope(user)
    return scope.is_superuser or assignment.village_id in scope.ids("village", [CADRE])


def answerable(user) -> Q:
    """The assignments ``user`` answers, as a filter (see :func:`answers`)."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if ids := sorted(scope.ids("department", [DEPARTMENT])):
        q |= Q(department_id__in=ids)
    if ids := sorted(scope.ids("grid", [GRID_WORKER])):
        q |= Q(grid_id__in=ids)
    if ids := sorted(scope.ids("village", [CADRE])):
        q |= Q(village_id__in=ids)
    return q


def state_word(state: str) -> str:
    """A task's state in words (with their own context: "Done" and "Open" mean other
    things elsewhere)."""
    return {
        TaskState.DONE: pgettext("task", "Done"),
        TaskState.NOT_DONE: pgettext("task", "Not done"),
    }.get(state, pgettext("task", "Open"))


def is_overdue(assignment: Assignment, today: datetime.date | None = None) -> bool:
    return assignment.state == TaskState.OPEN and assignment.task.due < (today or timezone.localdate())


def may_change_answer(assignment: Assignment, today: datetime.date | None = None) -> bool:
    """An open assignment is answered any time; an answer is changed until the due day."""
    return assignment.state == TaskState.OPEN or (today or timezone.localdate()) <= assignment.task.due


def version(assignment: Assignment) -> str:
    """What an answer form carries, to find an answer given since it was shown."""
    return f"{assignment.state}:{assignment.updated_at.timestamp():.6f}" if assignment.updated_at else ""


@dataclass
class Tally:
    """How many of some assignments are done, not done, open (and of those, overdue)."""

    done: int = 0
    not_done: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.done + self.not_done + self.open

    def add(self, assignment: Assignment, today: datetime.date) -> None:
        if assignment.state == TaskState.DONE:
            self.done += 1
        elif assignment.state == TaskState.NOT_DONE:
            self.not_done += 1
        else:
            self.open += 1
            if assignment.task.due < today:
                self.overdue += 1


@dataclass
class Overview:
    """A list at a glance: its tasks × its receivers (villages, then departments), each
    cell the receiver's own assignment with its grids' below it; tallies per theme and
    per village."""

    task_list: TaskList
    tasks: list = field(default_factory=list)
    receivers: list = field(default_factory=list)  # ("v", village) / ("d", department)
    cells: dict = field(default_factory=dict)  # (task id, key) -> Assignment
    children: dict = field(default_factory=dict)  # parent id -> [Assignment]
    by_theme: dict = field(default_factory=dict)  # theme label -> Tally
    by_village: dict = field(default_factory=dict)  # receiver name -> Tally
    total: Tally = field(default_factory=Tally)

    def rows(self):
        """(task, [(receiver, assignment or None, its grids' assignments)])."""
        for task in self.tasks:
            row = []
            for key, receiver in self.receivers:
                cell = self.cells.get((task.pk, key))
                row.append((receiver, cell, self.children.get(cell.pk, []) if cell else []))
            yield task, row


def overview(task_list: TaskList, user) -> Overview:
    """The list's tasks and the assignments ``user`` reads, in three queries."""
    today = timezone.localdate()
    tasks = list(tasks_for_user(user).filter(task_list=task_list).order_by("theme", "due", "id"))
    rows = list(
        assignments_for_user(user)
        .filter(task__task_list=task_list)
        .order_by("village__code", "grid__code", "id")
    )
    out = Overview(task_list=task_list, tasks=tasks)
    villages, departments = {}, {}
    theme_label = dict(Theme.choices)
    for a in rows:
        if a.parent_id:
            out.children.setdefault(a.parent_id, []).append(a)
            continue
        if a.department_id:
            departments[a.department_id] = a.department
            key = f"d{a.department_id}"
        else:
            villages[a.village_id] = a.village
            key = f"v{a.village_id}"
        out.cells[(a.task_id, key)] = a
        out.total.add(a, today)
        out.by_theme.setdefault(theme_label.get(a.task.theme, a.task.theme), Tally()).add(a, today)
        name = a.department.name if a.department_id else a.village.name
        out.by_village.setdefault(name, Tally()).add(a, today)
    out.receivers = [
        *((f"v{v.pk}", v) for v in sorted(villages.values(), key=lambda v: v.code)),
        *((f"d{d.pk}", d) for d in sorted(departments.values(), key=lambda d: d.code)),
    ]
    return out


def my_week(user, week: datetime.date | None = None) -> list[Assignment]:
    """What ``user`` answers: the assignments of the issued lists of ``week`` (this week
    by default) and of the week after (a list is often issued ahead), and those of
    earlier weeks still open."""
    week = week or this_week()
    return list(
        assignments_for_user(user)
        .filter(answerable(user))
        .filter(
            Q(task__task_list__week__in=[week, week + datetime.timedelta(days=7)])
            | Q(task__task_list__week__lt=week, state=TaskState.OPEN)
        )
        .order_by("task__due", "task__theme", "village__code", "grid__code", "department__code", "id")[:300]
    )


def public_week(town: Town, week: datetime.date) -> list[dict]:
    """The town's issued list of ``week`` for the public page: per theme, each task's
    title, what done means, its due day and how many of its receivers (villages and
    departments) are done. No names, no notes, no photos."""
    tasks = (
        Task.objects.filter(
            town=town,
            task_list__week=week,
            task_list__state=ListState.ISSUED,
            task_list__deleted_at__isnull=True,
            deleted_at__isnull=True,
        )
        .annotate(
            receivers=Count("assignments", filter=Q(assignments__parent__isnull=True)),
            done=Count(
                "assignments",
                filter=Q(assignments__parent__isnull=True, assignments__state=TaskState.DONE),
            ),
        )
        .order_by("theme", "due", "id")
    )
    groups: dict[str, list] = defaultdict(list)
    labels = dict(Theme.choices)
    for task in tasks:
        groups[task.theme].append(
            {
                "title": task.title,
                "done_means": task.done_means,
                "due": task.due,
                "receivers": task.receivers,
                "done": task.done,
            }
        )
    return [{"theme": labels[t], "key": t, "tasks": groups[t]} for t in Theme.values if t in groups]


class TaskListFilter(django_filters.FilterSet):
    """Lists by town, week (any day of it) and state."""

    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=gettext_lazy("town"))
    week = django_filters.DateFilter(method="filter_week", label=gettext_lazy("week of (Monday)"))
    state = django_filters.ChoiceFilter(choices=ListState.choices, label=gettext_lazy("state"))

    class Meta:
        model = TaskList
        fields = ["town", "week", "state"]

    def filter_week(self, queryset, name, value):
        week = parse_week(value)
        return queryset.filter(week=week) if week else queryset.none()


class TaskFilter(django_filters.FilterSet):
    """Tasks by list, week, theme, the list's state and a receiving village."""

    task_list = IntegerFilter(field_name="task_list_id", min_value=1, max_value=2**63 - 1)
    week = django_filters.DateFilter(method="filter_week", label=gettext_lazy("week of (Monday)"))
    theme = django_filters.ChoiceFilter(choices=Theme.choices, label=gettext_lazy("theme"))
    state = django_filters.ChoiceFilter(
        field_name="task_list__state", choices=ListState.choices, label=gettext_lazy("state")
    )
    village = django_filters.ModelChoiceFilter(
        queryset=Village.objects.all(),
        field_name="assignments__village",
        distinct=True,
        label=gettext_lazy("village"),
    )

    class Meta:
        model = Task
        fields = ["task_list", "week", "theme", "state", "village"]

    def filter_week(self, queryset, name, value):
        week = parse_week(value)
        return queryset.filter(task_list__week=week) if week else queryset.none()


class AssignmentFilter(django_filters.FilterSet):
    """Assignments by task, list, week, theme, state, village, grid and department."""

    task = IntegerFilter(field_name="task_id", min_value=1, max_value=2**63 - 1)
    task_list = IntegerFilter(field_name="task__task_list_id", min_value=1, max_value=2**63 - 1)
    week = django_filters.DateFilter(method="filter_week", label=gettext_lazy("week of (Monday)"))
    theme = django_filters.ChoiceFilter(
        field_name="task__theme", choices=Theme.choices, label=gettext_lazy("theme")
    )
    state = django_filters.ChoiceFilter(choices=TaskState.choices, label=gettext_lazy("state"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=gettext_lazy("village"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=gettext_lazy("grid"))
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), label=gettext_lazy("department")
    )

    class Meta:
        model = Assignment
        fields = ["task", "task_list", "week", "theme", "state", "village", "grid", "department"]

    def filter_week(self, queryset, name, value):
        week = parse_week(value)
        return queryset.filter(task__task_list__week=week) if week else queryset.none()


# ---------------------------------------------------------------------------------------
# Writes: the office's lists and tasks
# ---------------------------------------------------------------------------------------


def _check_week(week) -> datetime.date:
    if not isinstance(week, datetime.date) or isinstance(week, datetime.datetime):
        raise ValidationError({"week": _("Give the week's Monday.")})
    if week.weekday() != 0:
        raise ValidationError({"week": _("A week starts on a Monday.")})
    if parse_week(week) is None:
        raise ValidationError({"week": _("Give a week from 2000 up to a year from today.")})
    return week


def _keeper(task_list: TaskList, actor) -> None:
    if not keeps(actor, task_list):
        raise PermissionDenied(_("Only the town office keeps the town's weekly task lists."))


def _lock(task_list: TaskList) -> TaskList:
    return TaskList.objects.select_for_update().get(pk=task_list.pk)


def _must_be_draft(task_list: TaskList) -> None:
    if task_list.state != ListState.DRAFT:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "The list is issued: its tasks are no longer changed. Add a task to correct it."
                )
            },
            code="issued",
        )


def _new_list(*, town: Town, week, note: str, actor) -> TaskList:
    if not office_towns(actor).filter(pk=getattr(town, "pk", None)).exists():
        raise PermissionDenied(_("Only the town office keeps the town's weekly task lists."))
    week = _check_week(week)
    # The lock: two lists for one week at once — the second waits, then is told.
    Town.objects.select_for_update().filter(pk=town.pk).first()
    if TaskList.objects.filter(town=town, week=week, deleted_at__isnull=True).exists():
        raise ValidationError({"week": _("The town already has a list for this week.")}, code="exists")
    task_list = TaskList(town=town, week=week, note=(note or "").strip())
    task_list.full_clean()
    task_list.save()
    audit.record(action=AuditAction.CREATE, instance=task_list, actor=actor, after=audit.snapshot(task_list))
    return task_list


@transaction.atomic
def list_create(*, town: Town, week: datetime.date, actor, note: str = "") -> TaskList:
    """A draft list of ``town`` for the week of Monday ``week``."""
    task_list = _new_list(town=town, week=week, note=note, actor=actor)
    ensure_in_scope(instance=task_list, actor=actor)
    return task_list


@transaction.atomic
def list_update(*, task_list: TaskList, actor, note: str) -> TaskList:
    """The draft's note."""
    _keeper(task_list, actor)
    task_list = _lock(task_list)
    _must_be_draft(task_list)
    before = audit.snapshot(task_list)
    task_list.note = (note or "").strip()
    task_list.full_clean()
    task_list.save(update_fields=["note", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=task_list,
        actor=actor,
        before=before,
        after=audit.snapshot(task_list),
    )
    return task_list


@transaction.atomic
def list_copy(*, source: TaskList, actor, week: datetime.date | None = None) -> TaskList:
    """A new draft for ``week`` (the week after ``source``'s by default) with ``source``'s
    tasks and their receivers (villages, departments; not the grids, which each village
    chooses again), each due the same weekday as before."""
    _keeper(source, actor)
    week = week or source.week + datetime.timedelta(days=7)
    task_list = _new_list(town=source.town, week=week, note=source.note, actor=actor)
    shift = week - source.week
    tasks = list(Task.objects.filter(task_list=source, deleted_at__isnull=True).order_by("id"))
    receivers = defaultdict(list)
    for a in Assignment.objects.filter(task__in=tasks, parent__isnull=True, deleted_at__isnull=True):
        receivers[a.task_id].append((a.village_id, a.department_id))
    for old in tasks:
        task = Task.objects.create(
            task_list=task_list,
            town_id=task_list.town_id,
            theme=old.theme,
            title=old.title,
            done_means=old.done_means,
            due=old.due + shift,
        )
        Assignment.objects.bulk_create(
            Assignment(task=task, town_id=task.town_id, village_id=v, department_id=d)
            for v, d in receivers[old.pk]
        )
    audit.record(
        action=AuditAction.UPDATE,
        instance=task_list,
        actor=actor,
        extra={"copied_from": source.pk, "tasks": len(tasks)},
    )
    ensure_in_scope(instance=task_list, actor=actor)
    return task_list


@transaction.atomic
def list_issue(*, task_list: TaskList, actor) -> TaskList:
    """Issue the draft: its receivers see and answer their tasks from now on."""
    _keeper(task_list, actor)
    task_list = _lock(task_list)
    if task_list.deleted_at is not None:
        raise PermissionDenied
    if task_list.state == ListState.ISSUED:
        raise ValidationError({NON_FIELD_ERRORS: _("The list is already issued.")}, code="issued")
    if not Task.objects.filter(task_list=task_list, deleted_at__isnull=True).exists():
        raise ValidationError({NON_FIELD_ERRORS: _("Add a task before issuing the list.")}, code="empty")
    before = audit.snapshot(task_list)
    task_list.state = ListState.ISSUED
    task_list.issued_at = timezone.now()
    task_list.issued_by = actor
    task_list.save(update_fields=["state", "issued_at", "issued_by", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=task_list,
        actor=actor,
        before=before,
        after=audit.snapshot(task_list),
    )
    ensure_in_scope(instance=task_list, actor=actor)
    return task_list


def _receivers(task_list: TaskList, villages, departments, all_villages: bool) -> tuple[list, list]:
    town_id = task_list.town_id
    errors = {}
    live = Village.objects.filter(town_id=town_id, deleted_at__isnull=True)
    if all_villages:
        village_ids = list(live.order_by("code").values_list("pk", flat=True))
    else:
        wanted = {getattr(v, "pk", v) for v in (villages or [])}
        village_ids = list(
            live.filter(pk__in=[v for v in wanted if isinstance(v, int)]).values_list("pk", flat=True)
        )
        if len(village_ids) != len(wanted):
            errors["villages"] = _("Choose villages of the town.")
    wanted = {getattr(d, "pk", d) for d in (departments or [])}
    department_ids = list(
        Department.objects.filter(
            town_id=town_id, deleted_at__isnull=True, pk__in=[d for d in wanted if isinstance(d, int)]
        ).values_list("pk", flat=True)
    )
    if len(department_ids) != len(wanted):
        errors["departments"] = _("Choose departments of the town.")
    if not errors and not village_ids and not department_ids:
        errors["villages"] = _("Choose who receives the task: villages, departments or both.")
    if errors:
        raise ValidationError(errors)
    return village_ids, department_ids


def _task_fields(task: Task, *, theme, title, done_means, due) -> None:
    errors = {}
    task.theme = theme or ""
    task.title = (title or "").strip()
    task.done_means = (done_means or "").strip()
    if task.theme not in Theme.values:
        errors["theme"] = _("Choose the task's theme.")
    if not task.title:
        errors["title"] = _("Say what the task is.")
    if not task.done_means:
        errors["done_means"] = _("Say what done means: what a receiver has to have done.")
    week = task.task_list.week
    if not isinstance(due, datetime.date) or isinstance(due, datetime.datetime):
        errors["due"] = _("Give the day the task is due.")
    elif due < week:
        errors["due"] = _("A task is due within its week or after it, not before %(monday)s.") % {
            "monday": week.isoformat()
        }
    elif due > week + LONGEST:
        errors["due"] = _("A task of a weekly list is due within twelve weeks (by %(last)s).") % {
            "last": (week + LONGEST).isoformat()
        }
    else:
        task.due = due
    if errors:
        raise ValidationError(errors)
    task.full_clean(exclude=["task_list", "town"])


@transaction.atomic
def task_add(
    *,
    task_list: TaskList,
    theme: str,
    title: str,
    done_means: str,
    due: datetime.date,
    actor,
    villages=(),
    departments=(),
    all_villages: bool = False,
) -> Task:
    """A task of the list and its receivers (``villages`` of the town, all of them with
    ``all_villages``, and/or ``departments``). On a draft, or as a correction of an issued
    list: then it is assigned to its receivers at once."""
    _keeper(task_list, actor)
    task_list = _lock(task_list)
    if task_list.deleted_at is not None:
        raise PermissionDenied
    task = Task(task_list=task_list, town_id=task_list.town_id)
    errors = {}
    try:
        _task_fields(task, theme=theme, title=title, done_means=done_means, due=due)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        village_ids, department_ids = _receivers(task_list, villages, departments, all_villages)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    task.save()
    made = Assignment.objects.bulk_create(
        [Assignment(task=task, town_id=task.town_id, village_id=v) for v in village_ids]
        + [Assignment(task=task, town_id=task.town_id, department_id=d) for d in department_ids]
    )
    audit.record(
        action=AuditAction.CREATE,
        instance=task,
        actor=actor,
        after=audit.snapshot(task),
        extra={
            "villages": village_ids,
            "departments": department_ids,
            "correction": task_list.state == ListState.ISSUED,
            "assignments": len(made),
        },
    )
    ensure_in_scope(instance=task, actor=actor)
    return task


@transaction.atomic
def task_update(
    *,
    task: Task,
    theme: str,
    title: str,
    done_means: str,
    due: datetime.date,
    actor,
    villages=(),
    departments=(),
    all_villages: bool = False,
) -> Task:
    """Change a task of a draft and its receivers (those no longer chosen are removed: a
    draft's assignment was never seen nor answered)."""
    _keeper(task.task_list, actor)
    task_list = _lock(task.task_list)
    _must_be_draft(task_list)
    task = Task.objects.select_for_update().get(pk=task.pk, deleted_at__isnull=True)
    task.task_list = task_list
    before = audit.snapshot(task)
    errors = {}
    try:
        _task_fields(task, theme=theme, title=title, done_means=done_means, due=due)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        village_ids, department_ids = _receivers(task_list, villages, departments, all_villages)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    task.save()
    wanted = {(v, None) for v in village_ids} | {(None, d) for d in department_ids}
    current = {
        (a.village_id, a.department_id): a for a in Assignment.objects.filter(task=task, parent__isnull=True)
    }
    Assignment.objects.filter(pk__in=[a.pk for key, a in current.items() if key not in wanted]).delete()
    Assignment.objects.bulk_create(
        Assignment(task=task, town_id=task.town_id, village_id=v, department_id=d)
        for v, d in wanted - set(current)
    )
    audit.record(
        action=AuditAction.UPDATE,
        instance=task,
        actor=actor,
        before=before,
        after=audit.snapshot(task),
        extra={"villages": village_ids, "departments": department_ids},
    )
    return task


@transaction.atomic
def task_remove(*, task: Task, actor) -> None:
    """Take a task off a draft (deleted with its assignments: nobody saw them)."""
    _keeper(task.task_list, actor)
    task_list = _lock(task.task_list)
    _must_be_draft(task_list)
    before = audit.snapshot(task)
    Assignment.objects.filter(task=task).delete()
    task.deleted_at = timezone.now()
    task.save(update_fields=["deleted_at", "updated_at"])
    audit.record(action=AuditAction.DELETE, instance=task, actor=actor, before=before)


# ---------------------------------------------------------------------------------------
# Writes: the receivers
# ---------------------------------------------------------------------------------------


def _live(assignment: Assignment, actor) -> Assignment:
    """The assignment, locked, if it is still the actor's to see, of an issued list."""
    row = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task", "task__task_list")
        .filter(pk=assignment.pk, deleted_at__isnull=True, task__deleted_at__isnull=True)
        .first()
    )
    if row is None or not assignments_for_user(actor).filter(pk=row.pk).exists():
        raise PermissionDenied(_("This task is not yours."))
    if row.task.task_list.state != ListState.ISSUED:
        raise ValidationError({NON_FIELD_ERRORS: _("The list is not issued yet.")}, code="draft")
    return row


@transaction.atomic
def hand_down(*, assignment: Assignment, grids, actor) -> list[Assignment]:
    """Hand a village's task down to ``grids`` of the village: a child assignment each.
    Grids it is already handed down to are left as they are."""
    row = _live(assignment, actor)
    if not hands_down(actor, row):
        raise PermissionDenied(_("Only the village's cadres hand its tasks down to its grids."))
    wanted = {getattr(g, "pk", g) for g in (grids or [])}
    wanted = {g for g in wanted if isinstance(g, int)}
    grid_ids = list(
        Grid.objects.filter(village_id=row.village_id, deleted_at__isnull=True, pk__in=sorted(wanted))
        .order_by("code")
        .values_list("pk", flat=True)
    )
    if not wanted or len(grid_ids) != len(wanted):
        raise ValidationError({"grids": _("Choose one or more grids of the village.")})
    already = set(
        Assignment.objects.filter(
            task_id=row.task_id, village_id=row.village_id, grid_id__in=grid_ids
        ).values_list("grid_id", flat=True)
    )
    new = [g for g in grid_ids if g not in already]
    if not new:
        raise ValidationError({"grids": _("The task is already handed down to these grids.")}, code="exists")
    made = Assignment.objects.bulk_create(
        Assignment(task_id=row.task_id, town_id=row.town_id, parent=row, village_id=row.village_id, grid_id=g)
        for g in new
    )
    made = list(Assignment.objects.filter(parent=row, grid_id__in=new).select_related("grid", "task"))
    audit.record(action=AuditAction.UPDATE, instance=row, actor=actor, extra={"handed_down_to": new})
    return made


@transaction.atomic
def answer(
    *,
    assignment: Assignment,
    done: bool,
    actor,
    note: str = "",
    photo=None,
    seen: str | None = None,
) -> Assignment:
    """The receiver's answer: done (a note or a photo) or not done (the reason, in
    ``note``). ``seen``: the version the form showed (:func:`version`); an answer given
    since is not overwritten."""
    stored = None
    if photo:
        from cases import photos

        try:
            stored = photos.prepare(photo)  # before any write
        except ValidationError as exc:
            raise ValidationError({"photo": exc.message_dict.get("photos", exc.messages)}) from None
    row = _live(assignment, actor)
    if not answers(actor, row):
        raise PermissionDenied(_("Only the task's receiver answers it."))
    if seen is not None and seen != version(row):
        who = row.answered_by.get_full_name() or row.answered_by.username if row.answered_by_id else ""
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "This task was answered meanwhile (%(state)s, by %(who)s): look at it again."
                )
                % {"state": state_word(row.state), "who": who or "—"}
            },
            code="stale",
        )
    if not may_change_answer(row):
        raise ValidationError(
            {NON_FIELD_ERRORS: _("The due day has passed: the answer given stands.")}, code="closed"
        )
    if not isinstance(done, bool):
        raise ValidationError({"done": _("Say whether the task is done.")})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("At most 2000 characters.")})
    if done and not note and stored is None and not row.photo:
        raise ValidationError({"note": _("Say what was done, or add a photo.")})
    if not done and not note:
        raise ValidationError({"note": _("Say why the task is not done.")})
    before = audit.snapshot(row)
    row.state = TaskState.DONE if done else TaskState.NOT_DONE
    row.note = note
    row.answered_by = actor
    row.answered_at = timezone.now()
    if not done:
        row.photo = ""
    elif stored is not None:
        row.photo.save(stored.name, stored, save=False)
    try:
        row.save(update_fields=["state", "note", "photo", "answered_by", "answered_at", "updated_at"])
    except IntegrityError:  # pragma: no cover - nothing unique changes here
        raise ValidationError({NON_FIELD_ERRORS: _("Try again.")}) from None
    audit.record(
        action=AuditAction.UPDATE,
        instance=row,
        actor=actor,
        before=before,
        after=audit.snapshot(row),
        extra={"photo": bool(stored)},
    )
    return row


def counts_by_state(queryset: QuerySet[Assignment]) -> Counter:
    return Counter(dict(queryset.values_list("state").annotate(n=Count("id")).values_list("state", "n")))
