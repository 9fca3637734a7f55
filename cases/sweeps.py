"""The escalation sweep: the sweep's moves of :mod:`cases.transitions` — escalate overdue
village cases to the town with the town's deadline, flag overdue town cases for
supervision (督办), remind a working day before each deadline — applied to sets of cases
in SQL.

Each move writes what ``services.apply_move`` writes for one case (the case's fields,
the event, the level periods closed and opened, the notifications), for all due cases
at once, and nothing passes through Python objects:

* PostgreSQL: one statement per move (per group of towns sharing the new deadline, for
  escalation): ``UPDATE … FROM (the due cases, locked, SKIP LOCKED) … RETURNING`` feeding
  data-modifying CTEs that insert the events, close the old periods (by case id), open
  the new ones and insert the notifications.
* SQLite has no data-modifying CTEs: a few statements in one transaction, which holds
  the write lock from its start (``transaction_mode`` IMMEDIATE), the moved cases kept in
  a temporary table.

Safe to repeat and on two workers: a case is written only if what the sweep decided on
(state, deadline, supervised_at, reminded_for) is unchanged since it read it; a second
worker skips the rows the first holds; a rerun finds nothing due; notification keys are
unique.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from governance.models import CalendarDay

from . import notify
from .choices import TOWN_OPEN_STATES, VILLAGE_OPEN_STATES, CaseState, Level, Move
from .models import Case, CaseEvent, CasePeriod, Notification
from .services import level_deadline, move_changes, period_met
from .transitions import HOLDER, SWEEP, TRANSITIONS, Grant, Tell, Transition

# What the sweep decides on: a case is written only if these are as it read them.
GUARD = ("state", "deadline", "supervised_at", "reminded_for")
MOVED = "cases_sweep_moved"  # SQLite: the cases one statement moved (a temporary table)


@dataclass
class SweepResult:
    escalated: int = 0
    supervised: int = 0
    reminded: int = 0
    deadlines: dict = field(default_factory=dict)


def run_sweep(now: datetime.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    result.escalated = escalate_overdue(now, result.deadlines)
    result.supervised = supervise_overdue(now)
    result.reminded = remind_due(now)
    return result


def escalate_overdue(now: datetime.datetime, deadlines: dict | None = None) -> int:
    return apply_sweep_move(Move.ESCALATE, now, deadlines)


def supervise_overdue(now: datetime.datetime) -> int:
    return apply_sweep_move(Move.SUPERVISE, now)


def remind_due(now: datetime.datetime) -> int:
    return apply_sweep_move(Move.REMIND, now)


def sweep_grant(t: Transition) -> Grant:
    return next(g for g in t.grants if g.role == SWEEP.role)


def due_cases(t: Transition, now: datetime.datetime):
    """The cases on which the sweep has move ``t`` at ``now`` (the table's sources and the
    sweep grant's conditions)."""
    # One arm per partial index of the sweep (case_sweep_village_due, case_sweep_town_due):
    # PostgreSQL reads a partial index only where the query's states imply its own, so a
    # move from the states of both levels (reminders) reads both, not every open case.
    arms = [set(VILLAGE_OPEN_STATES), set(TOWN_OPEN_STATES)]
    arms.append(set(t.sources) - set().union(*arms))
    states = Q()
    for arm in arms:
        if t.sources & arm:
            states |= Q(state__in=sorted(t.sources & arm))
    conditions = [c.q(now) for c in sweep_grant(t).when]
    return Case.objects.filter(states, *conditions, deleted_at__isnull=True).order_by()


def apply_sweep_move(move: str, now: datetime.datetime, deadlines: dict | None = None) -> int:
    """Apply the sweep's move ``move`` to every case due for it; the number moved."""
    t = TRANSITIONS[move]
    due = due_cases(t, now)
    if not t.new_deadline:
        with transaction.atomic():
            return _apply(t, due, now=now, deadline=None)
    total = 0
    for deadline, town_ids in town_deadlines(due, level=t.level, now=now).items():
        if deadlines is not None:
            deadlines.update(dict.fromkeys(town_ids, deadline))
        with transaction.atomic():
            total += _apply(t, due.filter(town_id__in=town_ids), now=now, deadline=deadline)
    return total


def town_deadlines(due, *, level: str, now: datetime.datetime) -> dict[datetime.datetime, list[int]]:
    """The towns of the due cases, grouped by the deadline a move to ``level`` gives them
    now. A town without local calendar days up to the nationwide deadline has that
    deadline (it counts the same days); the others are counted on their own calendar."""
    town_ids = sorted(set(due.values_list("town_id", flat=True).distinct()))
    if not town_ids:
        return {}
    national = level_deadline(start=now, level=level, town_id=None)
    local = set(
        CalendarDay.objects.filter(
            town_id__in=town_ids,
            date__gte=timezone.localtime(now).date(),
            date__lte=national.date(),
            deleted_at__isnull=True,  # as workdays counts them
        ).values_list("town_id", flat=True)
    )
    groups: dict[datetime.datetime, list[int]] = {}
    for town_id in town_ids:
        at = level_deadline(start=now, level=level, town_id=town_id) if town_id in local else national
        groups.setdefault(at, []).append(town_id)
    return groups


# -- The statements --------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _value(name: str, value):
    return Case._meta.get_field(name).get_db_prep_save(value, connection)


def _sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _text(expression: str) -> str:
    return f"CAST({expression} AS TEXT)"


def _deadline_text(column: str) -> tuple[str, list]:
    """notify.deadline_text in SQL: the deadline in local time, to the minute."""
    if connection.vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE %s, %s)", [
            timezone.get_current_timezone_name(),
            "YYYY-MM-DD HH24:MI",
        ]
    # SQLite stores UTC; the zone's offset now (China keeps one offset all year).
    minutes = int(timezone.localtime().utcoffset().total_seconds() // 60)
    return f"strftime(%s, {column}, %s)", ["%Y-%m-%d %H:%M", f"{minutes:+d} minutes"]


def _deadline_key(column: str) -> tuple[str, list]:
    """notify.deadline_key in SQL: whole seconds since the epoch."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)", []
    return f"CAST(strftime(%s, {column}) AS INTEGER)", ["%s"]


def _state_label(column: str) -> tuple[str, list]:
    whens = " ".join("WHEN %s THEN %s" for _ in CaseState)
    params = [x for state in CaseState for x in (state.value, str(state.label))]
    return f"CASE {column} {whens} END", params


def _template(text: str, fields: dict[str, tuple[str, list]]) -> tuple[str, list]:
    """SQL concatenating ``text`` with ``{name}`` fields replaced by SQL expressions."""
    parts, params = [], []
    for i, piece in enumerate(re.split(r"\{(\w+)\}", text)):
        if i % 2:
            sql, p = fields[piece]
            parts.append(sql)
            params.extend(p)
        elif piece:
            parts.append("%s")
            params.append(piece)
    return " || ".join(parts) or "''", params


def _notification_insert(tell: Tell, *, source: str, event_id: str) -> tuple[str, list]:
    """INSERT … SELECT of the rows notify.notification(tell) makes, for the cases of
    ``source`` (aliased m, with the columns of the moved cases)."""
    ids = {
        "event": (_text(event_id), []),
        "case": (_text("m.id"), []),
        "town": (_text("m.town_id"), []),
    }
    # The messages, translated now, with the per-case values left as {fields}.
    markers = {name: "{" + name + "}" for name in ("number", "state", "deadline")}
    body, body_params = _template(
        " ".join(str(part) % markers for part in tell.body),
        {
            "number": ("m.tracking_number", []),
            "state": _state_label("m.to_state"),
            "deadline": _deadline_text("m.deadline"),
        },
    )
    epoch, epoch_params = _deadline_key("m.deadline")
    key, key_params = _template(tell.key, {**ids, "deadline": (_text(epoch), epoch_params)})
    if tell.recipient == HOLDER:  # notify.holder_recipient
        recipient = (
            f"CASE WHEN m.level = %s AND m.department_id IS NOT NULL THEN %s || {_text('m.department_id')} "
            f"WHEN m.level = %s THEN %s || {_text('m.village_id')} ELSE %s || {_text('m.town_id')} END"
        )
        recipient_params = [Level.TOWN, "department:", Level.VILLAGE, "village:", "town:"]
    else:
        recipient, recipient_params = _template(tell.recipient, ids)
    sql = (
        f"INSERT INTO {_table(Notification)} (case_id, kind, channel, recipient, body, key, created_at, sent_at) "
        f"SELECT m.id, %s, %s, {recipient}, {body}, {key}, %s, NULL FROM {source} "
        f"WHERE {'m.has_contact' if tell.needs_contact else 'TRUE'} "
        "ON CONFLICT (key) DO NOTHING"
    )
    channel = Notification._meta.get_field("channel").default
    # created_at is auto_now_add: the moment the row is written, as the ORM would.
    params = [tell.kind, channel, *recipient_params, *body_params, *key_params, _dt(timezone.now())]
    return sql, params


def _event_insert(t: Transition, *, now, source: str = "moved m", with_id: bool = False) -> tuple[str, list]:
    data = CaseEvent._meta.get_field("data").get_db_prep_save(dict(SWEEP.event_data), connection)
    columns = "case_id, at, actor_id, move, from_state, to_state, note, data"
    values = "m.id, %s, NULL, %s, m.from_state, m.to_state, %s, %s"
    if with_id:
        columns, values = f"id, {columns}", f"m.event_id, {values}"
    sql = f"INSERT INTO {_table(CaseEvent)} ({columns}) SELECT {values} FROM {source}"
    return sql, [_dt(now), t.move, str(sweep_grant(t).note), data]


def _period_insert(*, now) -> tuple[str, list]:
    sql = (
        f"INSERT INTO {_table(CasePeriod)} "
        "(case_id, level, village_id, department_id, started_at, deadline, ended_at, met, outcome) "
        "SELECT m.id, m.level, CASE WHEN m.level = %s THEN m.village_id END, m.department_id, %s, m.deadline, "
        "NULL, NULL, %s FROM moved m"
    )
    return sql, [Level.VILLAGE, _dt(now), ""]


def _set_clause(changes: dict) -> tuple[str, list]:
    parts, params = [], []
    for name, value in changes.items():
        column = connection.ops.quote_name(Case._meta.get_field(name).column)
        if isinstance(value, F):
            parts.append(f"{column} = c.{connection.ops.quote_name(Case._meta.get_field(value.name).column)}")
        else:
            parts.append(f"{column} = %s")
            params.append(_value(name, value))
    return ", ".join(parts), params


MOVED_COLUMNS = (
    "c.id, c.state AS to_state, c.level, c.village_id, c.department_id, c.town_id, c.deadline, "
    "c.tracking_number, c.reporter_contact_cipher <> '' AS has_contact"
)


def _apply(t: Transition, due, *, now: datetime.datetime, deadline: datetime.datetime | None) -> int:
    changes = move_changes(t, now=now, deadline=deadline)
    if connection.vendor == "postgresql":
        return _apply_postgresql(t, due, changes, now=now)
    return _apply_sqlite(t, due, changes, now=now)


def _apply_postgresql(t: Transition, due, changes: dict, *, now) -> int:
    due_sql, due_params = _sql(due.select_for_update(skip_locked=True, of=("self",)).values("id", *GUARD))
    sets, set_params = _set_clause(changes)
    guard = " AND ".join(f"c.{c} IS NOT DISTINCT FROM old.{c}" for c in GUARD)
    ctes = [
        (
            f"moved AS (UPDATE {_table(Case)} AS c SET {sets} FROM ({due_sql}) AS old "
            f"WHERE c.id = old.id AND {guard} AND c.deleted_at IS NULL "
            f"RETURNING {MOVED_COLUMNS}, old.state AS from_state)",
            [*set_params, *due_params],
        )
    ]
    source = "moved m"
    if t.event:
        # Each moved case's event id, drawn once from the events' own sequence, for the
        # event and the notifications keyed by it: no join of one insert's rows to another's.
        ctes.append(
            (
                "numbered AS MATERIALIZED (SELECT m.*, "
                "nextval((SELECT pg_get_serial_sequence(%s, 'id'))::regclass) AS event_id FROM moved m)",
                [CaseEvent._meta.db_table],
            )
        )
        source = "numbered m"
        sql, params = _event_insert(t, now=now, source=source, with_id=True)
        ctes.append((f"events AS ({sql} RETURNING id)", params))
    opened_after = ""
    if t.closes_period:
        # Matched by case id: one index probe per moved case (a join would walk every
        # running period).
        ctes.append(
            (
                f"closed AS (UPDATE {_table(CasePeriod)} SET ended_at = %s, met = (%s <= deadline), outcome = %s "
                "WHERE case_id = ANY(ARRAY(SELECT id FROM moved)) AND ended_at IS NULL RETURNING id)",
                [_dt(now), _dt(now), t.move],
            )
        )
        # Open the new periods after closing the old: one running period per case.
        opened_after = " WHERE (SELECT count(*) FROM closed) >= 0"
    if t.opens_period:
        sql, params = _period_insert(now=now)
        ctes.append((f"opened AS ({sql}{opened_after} RETURNING id)", params))
    told = []
    for i, tell in enumerate(t.tells):
        sql, params = _notification_insert(tell, source=source, event_id="m.event_id")
        ctes.append((f"told{i} AS ({sql} RETURNING id)", params))
        told.append(f"(SELECT count(*) FROM told{i})")
    statement = "WITH " + ", ".join(sql for sql, _ in ctes)
    statement += f" SELECT (SELECT count(*) FROM moved), {' + '.join(told) or '0'}"
    with connection.cursor() as cursor:
        cursor.execute(statement, [p for _, params in ctes for p in params])
        moved, notified = cursor.fetchone()
    if notified:
        notify.deliver_after_commit()
    return moved


def _apply_sqlite(t: Transition, due, changes: dict, *, now) -> int:
    due_sql, due_params = _sql(due.values("id", "state"))
    moved_ids = RawSQL(f"SELECT id FROM temp.{MOVED}", ())
    moved_cte = (
        f"WITH moved AS (SELECT {MOVED_COLUMNS}, x.from_state, x.event_id "
        f"FROM temp.{MOVED} x JOIN {_table(Case)} c ON c.id = x.id) "
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {MOVED} "
            "(id INTEGER PRIMARY KEY, from_state TEXT NOT NULL, event_id INTEGER)"
        )
        cursor.execute(f"DELETE FROM temp.{MOVED}")
        # This transaction holds the write lock since it began: the cases read here are
        # the cases written below, as read.
        cursor.execute(
            f"INSERT INTO temp.{MOVED} (id, from_state) SELECT id, state FROM ({due_sql})", due_params
        )
        moved = Case.objects.filter(id__in=moved_ids).update(**changes)
        if not moved:
            return 0
        if t.event:
            sql, params = _event_insert(t, now=now)
            cursor.execute(moved_cte + sql, params)
            # The newest event of each moved case is the one just written (no other writer).
            cursor.execute(
                f"UPDATE temp.{MOVED} SET event_id = (SELECT max(e.id) FROM {_table(CaseEvent)} e "
                f"WHERE e.case_id = {MOVED}.id)"
            )
        if t.closes_period:
            CasePeriod.objects.filter(case_id__in=moved_ids, ended_at__isnull=True).update(
                ended_at=now, outcome=t.move, met=period_met(now)
            )
        if t.opens_period:
            sql, params = _period_insert(now=now)
            cursor.execute(moved_cte + sql, params)
        notified = 0
        for tell in t.tells:
            sql, params = _notification_insert(tell, source="moved m", event_id="m.event_id")
            cursor.execute(moved_cte + sql, params)
            notified += cursor.rowcount
    if notified:
        notify.deliver_after_commit()
    return moved
