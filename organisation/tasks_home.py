"""The weekly task list on the web front: "this week" for everyone signed in who has a
part in it, the lists in the ``ORGANISATION`` menu; the office's tile of this week's list
and the receivers' tile of their tasks still open."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, CLIENT, DEPARTMENT, GRID_WORKER, OFFICE, SUPERVISOR

from .home import ORGANISATION

nav(
    _("This week's tasks"),
    "organisation:tasks-week",
    roles=(OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT),
    order=68,
    group=ORGANISATION,
)
nav(
    _("Weekly task lists"),
    "organisation:tasklists",
    roles=(OFFICE, SUPERVISOR, CADRE, CLIENT),
    order=69,
    group=ORGANISATION,
)


@tiles(roles=(OFFICE,), order=68)
def week_list_tiles(request, scope, role):
    from . import tasks as service

    lists = list(service.lists_for_user(request.user).filter(week=service.this_week())[:1])
    if not lists:
        return [
            Tile(
                _("This week's task list"),
                "—",
                reverse("organisation:tasklist-new"),
                "warning",
                _("no list for this week yet"),
                "tasks-list",
            )
        ]
    total = service.overview(lists[0], request.user).total
    return [
        Tile(
            _("This week's tasks done"),
            f"{total.done}/{total.total}",
            reverse("organisation:tasklist", args=[lists[0].pk]),
            "success" if lists[0].state == "issued" else "warning",
            _("draft: not issued yet") if lists[0].state != "issued" else _("receivers done of all"),
            "tasks-list",
        )
    ]


@tiles(roles=(CADRE, GRID_WORKER, DEPARTMENT), order=68)
def my_tasks_tiles(request, scope, role):
    from .tasks_views import open_count

    n = open_count(request.user)
    return [
        Tile(
            _("Tasks to answer"),
            n,
            reverse("organisation:tasks-week"),
            "warning" if n else "success",
            _("this week's tasks still open, and earlier ones"),
            "tasks-open",
        )
    ]
