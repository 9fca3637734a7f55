"""A case in every state at each level, made through the services like real ones, and the
users who act on them: the varied set the transition, inbox and page tests share."""

import datetime

from django.utils import timezone

from cases import services
from cases.choices import Move, Source
from cases.models import Case, CaseKind
from cases.sweeps import run_sweep
from governance.choices import Role

from . import factories as f


def more_users(world) -> dict:
    """The world's users, and those the table tells apart: the cadre of another village,
    the handler of another department, a superuser."""
    return {
        **world.users,
        "cadre_a2": f.member(Role.VILLAGE_CADRE, village=world.village_a2),
        "department_b": f.member(Role.DEPARTMENT, department=world.dept_b),
        "admin": f.UserFactory(is_superuser=True),
    }


def new_case(world, *, where="a1", now=None, contact="13700001111", actor=None) -> Case:
    village, grid, reporter = {
        "a1": (world.village_a1, world.grid_a1, world.users["grid_worker"]),
        "a2": (world.village_a2, world.grid_a2, world.users["office"]),
        "b1": (world.village_b1, world.grid_b1, world.users["office_b"]),
    }[where]
    return services.case_report(
        actor=actor or reporter,
        data={
            "village": village,
            "grid": grid,
            "source": Source.GRID_REPORT,
            "kind": CaseKind.objects.get(code="drain", town=None),
            "description": "排水沟堵塞",
            "reporter_name": "王五",
            "reporter_contact": contact,
        },
        now=now,
    )


def every_state(world, users) -> dict[str, Case]:
    """Named cases: each state at village and at town level, in and outside the users'
    areas, solved by different people, one overdue and one supervised."""
    cadre, office, dept = users["cadre"], users["office"], users["department"]
    office_b, dept_b = users["office_b"], users["department_b"]

    def moved(case, *steps):
        for move, actor, *extra in steps:
            services.case_move(
                case=case,
                move=move,
                actor=actor,
                note="说明" if move not in (Move.CLAIM, Move.ACCEPT, Move.CONFIRM, Move.CLOSE) else "",
                department=extra[0] if extra else None,
            )
        return case

    escalate = (Move.ESCALATE, cadre)
    assign = (Move.ASSIGN, office, world.dept_a)
    long_ago = timezone.now() - datetime.timedelta(days=40)
    overdue_town = new_case(world, now=long_ago)
    run_sweep(long_ago + datetime.timedelta(days=10))  # escalated when overdue in the village …
    run_sweep(long_ago + datetime.timedelta(days=30))  # … and flagged when overdue at the town
    overdue_town.refresh_from_db()
    overdue_village = new_case(world, now=long_ago)  # reported then, never swept
    return {
        "registered": new_case(world),
        "claimed": moved(new_case(world), (Move.CLAIM, cadre)),
        "village_solved": moved(new_case(world), (Move.CLAIM, cadre), (Move.SOLVE, cadre)),
        "village_solved_by_office": moved(new_case(world), (Move.CLAIM, cadre), (Move.SOLVE, office)),
        "village_confirmed": moved(
            new_case(world), (Move.CLAIM, cadre), (Move.SOLVE, cadre), (Move.CONFIRM, office)
        ),
        "village_closed": moved(
            new_case(world),
            (Move.CLAIM, cadre),
            (Move.SOLVE, cadre),
            (Move.CONFIRM, office),
            (Move.CLOSE, cadre),
        ),
        "village_rejected": moved(new_case(world), (Move.REJECT, cadre)),
        "reopened": moved(
            new_case(world, contact=""),
            (Move.CLAIM, cadre),
            (Move.SOLVE, cadre),
            (Move.CONFIRM, office),
            (Move.CLOSE, cadre),
            (Move.REOPEN, office),
        ),
        "escalated": moved(new_case(world), escalate),
        "assigned": moved(new_case(world), escalate, assign),
        "accepted": moved(new_case(world), escalate, assign, (Move.ACCEPT, dept)),
        "sent_back": moved(new_case(world), escalate, assign, (Move.SEND_BACK, dept)),
        "town_solved": moved(new_case(world), escalate, assign, (Move.ACCEPT, dept), (Move.SOLVE, dept)),
        "town_solved_by_office": moved(new_case(world), escalate, (Move.SOLVE, office)),
        "town_confirmed": moved(
            new_case(world), escalate, assign, (Move.ACCEPT, dept), (Move.SOLVE, dept), (Move.CONFIRM, office)
        ),
        "town_closed": moved(
            new_case(world),
            escalate,
            assign,
            (Move.ACCEPT, dept),
            (Move.SOLVE, dept),
            (Move.CONFIRM, users["supervisor"]),
            (Move.CLOSE, office),
        ),
        "town_rejected": moved(new_case(world), escalate, (Move.REJECT, office)),
        "overdue_village": overdue_village,
        "supervised": overdue_town,
        "a2_registered": new_case(world, where="a2"),
        "a2_escalated": moved(new_case(world, where="a2"), (Move.ESCALATE, users["cadre_a2"])),
        "b1_registered": new_case(world, where="b1"),
        "b1_assigned": moved(
            new_case(world, where="b1"),
            (Move.ESCALATE, office_b),
            (Move.ASSIGN, office_b, world.dept_b),
        ),
        "b1_accepted": moved(
            new_case(world, where="b1"),
            (Move.ESCALATE, office_b),
            (Move.ASSIGN, office_b, world.dept_b),
            (Move.ACCEPT, dept_b),
        ),
    }
