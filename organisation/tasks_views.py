"""Pages of the weekly task list (周清单): the lists, a new list, a list at a glance (its
tasks × receivers, by theme and by village) with the office's editing while it is a
draft, a task's form, a receiver's assignment (answer it; a village hands it down to its
grids), "this week" for everyone signed in, and the town's public page of the week."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from governance.api.throttles import public_door
from governance.scoping import VIEW, can
from grids.models import Department, Grid, Town, Village

from . import tasks as service
from .choices import ListState, TaskState
from .models import Assignment, TaskList
from .tasks_forms import AnswerForm, HandDownForm, NoteForm, TaskForm, TaskListForm


def _add_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _list_or_404(request, pk: int) -> TaskList:
    return get_object_or_404(service.lists_for_user(request.user), pk=pk)


@login_required
def list_index(request):
    """The lists the user reads, newest week first; the office drafts a new one here."""
    if not can(request.user, VIEW, TaskList):
        raise PermissionDenied
    rows = list(service.lists_for_user(request.user).order_by("-week", "town__code")[:200])
    towns = service.office_towns(request.user)
    return render(
        request,
        "organisation/tasks/lists.html",
        {"rows": rows, "may_draft": towns.exists(), "this_week": service.this_week()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_new(request):
    """A new draft list (the town office)."""
    towns = service.office_towns(request.user).order_by("code")
    if not towns.exists():
        raise PermissionDenied
    first = towns.first()
    form = TaskListForm(request.POST or None, towns=towns, initial={"week": service.default_week(first.pk)})
    if request.method == "POST" and form.is_valid():
        try:
            task_list = service.list_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The list is drafted: add its tasks, then issue it."))
            return redirect("organisation:tasklist", pk=task_list.pk)
    return render(request, "organisation/tasks/list_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def list_detail(request, pk: int):
    """A list at a glance: its tasks × receivers with done / not done / open / overdue,
    the counts per theme and per village; the office edits a draft and issues it here."""
    task_list = _list_or_404(request, pk)
    keeper = service.keeps(request.user, task_list)
    note_form = None
    if keeper and task_list.state == ListState.DRAFT:
        note_form = NoteForm(request.POST or None, initial={"note": task_list.note})
        if request.method == "POST" and note_form.is_valid():
            try:
                service.list_update(task_list=task_list, actor=request.user, **note_form.cleaned_data)
            except ValidationError as exc:
                _add_errors(note_form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("organisation:tasklist", pk=pk)
    elif request.method == "POST":
        messages.error(
            request, _("The list is issued: its tasks are no longer changed. Add a task to correct it.")
        )
        return redirect("organisation:tasklist", pk=pk)
    view = service.overview(task_list, request.user)
    return render(
        request,
        "organisation/tasks/list.html",
        {
            "task_list": task_list,
            "view": view,
            "keeper": keeper,
            "note_form": note_form,
            "today": timezone.localdate(),
            "next_week": task_list.week + datetime.timedelta(days=7),
        },
    )


@login_required
@require_POST
def list_issue(request, pk: int):
    task_list = _list_or_404(request, pk)
    try:
        service.list_issue(task_list=task_list, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The list is issued: its receivers see their tasks."))
    return redirect("organisation:tasklist", pk=pk)


@login_required
@require_POST
def list_copy(request, pk: int):
    """A draft for the following week with this list's tasks (the office)."""
    task_list = _list_or_404(request, pk)
    try:
        new = service.list_copy(source=task_list, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        existing = TaskList.objects.filter(
            town_id=task_list.town_id,
            week=task_list.week + datetime.timedelta(days=7),
            deleted_at__isnull=True,
        ).first()
        return redirect("organisation:tasklist", pk=existing.pk if existing else pk)
    messages.success(
        request, _("Copied as a draft for the week of %(week)s.") % {"week": new.week.isoformat()}
    )
    return redirect("organisation:tasklist", pk=new.pk)


def _task_form(request, task_list: TaskList, **kwargs) -> TaskForm:
    villages = Village.objects.filter(town_id=task_list.town_id, deleted_at__isnull=True).order_by("code")
    departments = Department.objects.filter(town_id=task_list.town_id, deleted_at__isnull=True).order_by(
        "code"
    )
    return TaskForm(request.POST or None, villages=villages, departments=departments, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request, pk: int):
    """A task of the list (on an issued list: a correction, assigned at once)."""
    task_list = _list_or_404(request, pk)
    if not service.keeps(request.user, task_list):
        raise PermissionDenied
    form = _task_form(request, task_list, initial={"due": task_list.week + datetime.timedelta(days=4)})
    if request.method == "POST" and form.is_valid():
        try:
            service.task_add(task_list=task_list, actor=request.user, **form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The task is added."))
            return redirect("organisation:tasklist", pk=pk)
    return render(
        request, "organisation/tasks/task_form.html", {"form": form, "task_list": task_list, "task": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk: int):
    """Change a task of a draft and its receivers."""
    task = get_object_or_404(service.tasks_for_user(request.user), pk=pk)
    task_list = task.task_list
    if not service.keeps(request.user, task_list):
        raise PermissionDenied
    if task_list.state != ListState.DRAFT:
        messages.error(
            request, _("The list is issued: its tasks are no longer changed. Add a task to correct it.")
        )
        return redirect("organisation:tasklist", pk=task_list.pk)
    mine = Assignment.objects.filter(task=task, parent__isnull=True)
    initial = {
        "theme": task.theme,
        "title": task.title,
        "done_means": task.done_means,
        "due": task.due,
        "villages": [a.village_id for a in mine if a.village_id],
        "departments": [a.department_id for a in mine if a.department_id],
    }
    form = _task_form(request, task_list, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.task_update(task=task, actor=request.user, **form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("organisation:tasklist", pk=task_list.pk)
    return render(
        request, "organisation/tasks/task_form.html", {"form": form, "task_list": task_list, "task": task}
    )


@login_required
@require_POST
def task_remove(request, pk: int):
    task = get_object_or_404(service.tasks_for_user(request.user), pk=pk)
    try:
        service.task_remove(task=task, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The task is taken off the draft."))
    return redirect("organisation:tasklist", pk=task.task_list_id)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request, pk: int):
    """A receiver's task: what done means, the answer given, the answer form for the
    receiver, and for a village's own task its grids (hand it down, their answers)."""
    row = get_object_or_404(service.assignments_for_user(request.user), pk=pk)
    issued = row.task.task_list.state == ListState.ISSUED
    may_answer = issued and service.answers(request.user, row) and service.may_change_answer(row)
    may_hand_down = issued and service.hands_down(request.user, row)
    children = list(
        service.assignments_for_user(request.user).filter(parent=row).order_by("grid__code", "id")
    )
    answer_form = hand_form = None
    if may_answer:
        initial = {"seen": service.version(row), "note": row.note}
        if row.state != TaskState.OPEN:
            initial["done"] = "1" if row.state == TaskState.DONE else "0"
        answer_form = AnswerForm(
            request.POST if request.POST.get("form") == "answer" else None,
            request.FILES if request.POST.get("form") == "answer" else None,
            initial=initial,
        )
    if may_hand_down:
        handed = {c.grid_id for c in children}
        grids = Grid.objects.filter(village_id=row.village_id, deleted_at__isnull=True).exclude(pk__in=handed)
        hand_form = HandDownForm(
            request.POST if request.POST.get("form") == "hand" else None, grids=grids.order_by("code")
        )
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "answer" and answer_form is not None:
            if answer_form.is_valid():
                data = answer_form.cleaned_data
                try:
                    service.answer(
                        assignment=row,
                        actor=request.user,
                        done=data["done"],
                        note=data["note"],
                        photo=data["photo"],
                        seen=data["seen"] or None,
                    )
                except ValidationError as exc:
                    _add_errors(answer_form, exc)
                except PermissionDenied:
                    messages.error(request, _("This task is not yours to answer."))
                    return redirect("organisation:assignment", pk=pk)
                else:
                    messages.success(request, _("Your answer is recorded."))
                    return redirect("organisation:assignment", pk=pk)
        elif which == "hand" and hand_form is not None:
            if hand_form.is_valid():
                try:
                    made = service.hand_down(
                        assignment=row,
                        actor=request.user,
                        grids=[g.pk for g in hand_form.cleaned_data["grids"]],
                    )
                except ValidationError as exc:
                    _add_errors(hand_form, exc)
                else:
                    messages.success(request, _("Handed down to %(n)d grids.") % {"n": len(made)})
                    return redirect("organisation:assignment", pk=pk)
        else:
            # A form that is no longer offered (the due day passed, sent twice): say so plainly.
            messages.error(request, _("This can no longer be done here: look at the task again."))
            return redirect("organisation:assignment", pk=pk)
    return render(
        request,
        "organisation/tasks/assignment.html",
        {
            "row": row,
            "task": row.task,
            "children": children,
            "answer_form": answer_form,
            "hand_form": hand_form,
            "overdue": service.is_overdue(row),
            "today": timezone.localdate(),
            "answered_late": issued and not may_answer and service.answers(request.user, row),
        },
    )


@login_required
def assignment_photo(request, pk: int):
    row = get_object_or_404(service.assignments_for_user(request.user), pk=pk)
    if not row.photo:
        raise Http404
    return FileResponse(row.photo.open("rb"), content_type="image/jpeg")


@login_required
def my_week(request):
    """This week for the signed-in user: the tasks they answer (with earlier ones still
    open), and, for those who read the town's list, its figures at a glance."""
    week = service.parse_week(request.GET.get("week", "")) or service.this_week()
    rows = service.my_week(request.user, week)
    lists = list(service.lists_for_user(request.user).filter(week=week).order_by("town__code"))
    summaries = [(lst, service.overview(lst, request.user).total) for lst in lists[:5]]
    today = timezone.localdate()
    return render(
        request,
        "organisation/tasks/week.html",
        {
            "week": week,
            "rows": [(a, service.is_overdue(a, today)) for a in rows],
            "summaries": summaries,
            "previous": week - datetime.timedelta(days=7),
            "next": week + datetime.timedelta(days=7),
            "is_this_week": week == service.this_week(),
            "today": today,
            "may_draft": service.office_towns(request.user).exists(),
        },
    )


@public_door(methods=("GET",))
def public_week(request, code: str):
    """What the town is doing this week (让群众知道每周我们在干什么): the issued list's
    tasks by theme, and how many receivers are done. No names, no notes."""
    town = get_object_or_404(Town, code=code, deleted_at__isnull=True)
    week = service.parse_week(request.GET.get("week", "")) or service.this_week()
    groups = service.public_week(town, week)
    return render(
        request,
        "organisation/tasks/public.html",
        {
            "town": town,
            "week": week,
            "week_end": week + datetime.timedelta(days=6),
            "groups": groups,
            "previous": week - datetime.timedelta(days=7),
            "next": week + datetime.timedelta(days=7) if week < service.this_week() else None,
        },
    )


def open_count(user) -> int:
    """How many tasks the user answers are open this week (earlier ones included)."""
    return sum(1 for a in service.my_week(user) if a.state == TaskState.OPEN)
