"""Cadres' year-end assessment (年终考绩): per village cadre and year, the figures the town
ties to pay, each computed from the records and keeping the ids of its evidence, and the
town office's own grade and comment.

* Figures (:func:`compute`) are read for all cadres of a town at once, one query per
  source: lead shifts on published rosters, the cadres' signed duty logs (hours, signed
  on time), published inspections that found the cadre on duty absent (脱岗), household
  visits they made, cases they solved at the village level (in time or late), and the
  points of the year of their party-member record; and, for the cadre's village, the
  commitments kept of its term that covers the year (organisation: 承诺) and the
  satisfaction of its published yearly review of the year (述职评议考核).
* The town office generates the town's assessments of a year (:func:`generate`): new
  ones, and the figures of those not yet graded refreshed. Once graded (:func:`grade`)
  the figures are frozen: a later generation leaves them as they were.
* A cadre reads their own; supervisors and the town office their town's (policies).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import audit
from governance.choices import AuditAction, Role
from governance.scoping import OFFICE, VIEW, resolve_scope, restrict
from grids.models import Town

from .choices import Grade
from .models import Assessment, PointEntry

#: A log signed before this hour of the morning after its duty day is on time (the hour
#: the missing-log sweep flags yesterday's duty days, duty.tasks.flag_missing_logs).
ON_TIME_HOUR = 7
FIRST_YEAR = 2000

#: The figures in the order of the sheet, with their labels.
FIGURES = {
    "duty_days": gettext_lazy("Duty days served against the roster"),
    "hours": gettext_lazy("Hours on duty"),
    "on_time": gettext_lazy("Duty logs signed on time"),
    "absences": gettext_lazy("Absences found by inspection (脱岗)"),
    "visits": gettext_lazy("Household visits made"),
    "cases": gettext_lazy("Cases solved in time"),
    "points": gettext_lazy("Party-member points"),
    "commitments": gettext_lazy("Village commitments kept (承诺)"),
    "review": gettext_lazy("Democratic review satisfaction (述职评议)"),
}


def this_year() -> int:
    return timezone.localdate().year


# ---------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------


def assessments_for_user(user, action: str = VIEW) -> QuerySet[Assessment]:
    return restrict(
        Assessment.objects.select_related("town", "village", "cadre", "assessed_by"), user, action
    )


def office_towns(user) -> QuerySet[Town]:
    """The towns whose assessments ``user`` generates and grades (the town office's)."""
    scope = resolve_scope(user)
    towns = Town.objects.filter(deleted_at__isnull=True).order_by("code")
    if scope.is_superuser:
        return towns
    return towns.filter(pk__in=scope.ids("town", [OFFICE]))


def _check_year(year) -> int:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year():
        raise ValidationError(
            {
                "year": _("Give a year from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": this_year()}
            }
        )
    return year


def _bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """The year's days that count: to its end, or to yesterday in the current year (today's
    log may still be filed)."""
    last = min(datetime.date(year, 12, 31), timezone.localdate() - datetime.timedelta(days=1))
    return datetime.date(year, 1, 1), last


def _span(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def cadres_of(town_id: int) -> list[tuple[int, int]]:
    """(user id, village id) of the town's village cadres (their current memberships)."""
    from governance.models import Membership

    return sorted(
        set(
            Membership.objects.filter(
                role=Role.VILLAGE_CADRE,
                deleted_at__isnull=True,
                village__town_id=town_id,
                village__deleted_at__isnull=True,
                user__is_active=True,
            ).values_list("user_id", "village_id")
        )
    )


def _empty() -> dict:
    return {
        "duty_days": {"rostered": 0, "served": 0, "missed": [], "logs": []},
        "hours": {"total": 0.0, "days": 0, "average": None},
        "on_time": {"signed": 0, "on_time": 0, "late": []},
        "absences": {"inspected": 0, "absent": 0, "ids": []},
        "visits": {"count": 0, "ids": []},
        "cases": {"solved": 0, "in_time": 0, "ids": [], "late": []},
        "points": {"member": None, "total": None},
        "commitments": {"term": None, "total": 0, "kept": 0, "ids": [], "kept_ids": []},
        "review": {"review": None, "satisfaction": None, "grade": ""},
    }


def compute(*, town_id: int, year: int, cadres: list[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    """The figures of ``year`` of each (user id, village id) of ``cadres``, all of a town,
    one query per source (nine in all, however many cadres)."""
    from cases.choices import Level, Move
    from cases.models import CasePeriod
    from duty.choices import InspectionState, LogState, Position, RosterState
    from duty.models import DutyLog, Inspection, Shift, Visit
    from governance.models import Membership

    first, last = _bounds(year)
    start, end = _span(first, last)
    users = sorted({u for u, _v in cadres})
    out = {key: _empty() for key in cadres}
    if not cadres or last < first:
        return out

    def fig(user_id, village_id):
        return out.get((user_id, village_id))

    # Lead shifts on the town's published rosters: the days each cadre was on duty.
    shifts = (
        Shift.objects.filter(
            deleted_at__isnull=True,
            position=Position.LEAD,
            roster__deleted_at__isnull=True,
            roster__state=RosterState.PUBLISHED,
            roster__village__town_id=town_id,
            date__range=(first, last),
            person_id__in=users,
        )
        .order_by()
        .values_list("person_id", "roster__village_id", "date")
    )
    rostered: dict[tuple[int, int], set[datetime.date]] = defaultdict(set)
    on_duty: dict[tuple[int, datetime.date], int] = {}  # (village, day) → the cadre on duty
    for user_id, village_id, day in shifts:
        rostered[(user_id, village_id)].add(day)
        on_duty[(village_id, day)] = user_id

    # Their signed logs: days served, hours, signed by the next morning.
    logs = (
        DutyLog.objects.filter(
            deleted_at__isnull=True,
            state=LogState.SIGNED,
            village__town_id=town_id,
            date__range=(first, last),
            cadre_id__in=users,
        )
        .order_by()
        .values_list("pk", "cadre_id", "village_id", "date", "check_in_at", "check_out_at", "signed_at")
    )
    served: dict[tuple[int, int], set[datetime.date]] = defaultdict(set)
    tz = timezone.get_current_timezone()
    for pk, user_id, village_id, day, check_in, check_out, signed_at in sorted(
        logs, key=lambda r: (r[3], r[0])
    ):
        f = fig(user_id, village_id)
        if f is None:
            continue
        served[(user_id, village_id)].add(day)
        f["duty_days"]["logs"].append(pk)
        if check_in and check_out and check_out > check_in:
            f["hours"]["total"] += (check_out - check_in).total_seconds() / 3600
            f["hours"]["days"] += 1
        f["on_time"]["signed"] += 1
        due = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(ON_TIME_HOUR), tzinfo=tz
        )
        if signed_at <= due:
            f["on_time"]["on_time"] += 1
        else:
            f["on_time"]["late"].append(pk)
    for key, f in out.items():
        days = rostered.get(key, set())
        f["duty_days"]["rostered"] = len(days)
        f["duty_days"]["served"] = len(days & served.get(key, set()))
        f["duty_days"]["missed"] = [d.isoformat() for d in sorted(days - served.get(key, set()))]
        h = f["hours"]
        h["total"] = round(h["total"], 1)
        h["average"] = round(h["total"] / h["days"], 1) if h["days"] else None

    # Published inspections on their duty days: the cadre named on duty, or else the one
    # on the roster that day.
    inspections = (
        Inspection.objects.filter(
            deleted_at__isnull=True,
            state=InspectionState.PUBLISHED,
            town_id=town_id,
            at__gte=start,
            at__lt=end,
        )
        .order_by()
        .values_list("pk", "village_id", "at", "on_duty_id", "present")
    )
    for pk, village_id, at, named, present in sorted(inspections, key=lambda r: (r[2], r[0])):
        user_id = named or on_duty.get((village_id, timezone.localtime(at, tz).date()))
        f = fig(user_id, village_id)
        if f is None:
            continue
        f["absences"]["inspected"] += 1
        if not present:
            f["absences"]["absent"] += 1
            f["absences"]["ids"].append(pk)

    # Household visits they made (as one of the visitors).
    visits = Visit.visitors.through.objects.filter(
        visit__deleted_at__isnull=True,
        visit__town_id=town_id,
        visit__visited_at__gte=start,
        visit__visited_at__lt=end,
        user_id__in=users,
    ).values_list("user_id", "visit__village_id", "visit_id", "visit__visited_at")
    for user_id, village_id, pk, _at in sorted(visits, key=lambda r: (r[3], r[2])):
        f = fig(user_id, village_id)
        if f is not None:
            f["visits"]["count"] += 1
            f["visits"]["ids"].append(pk)

    # Cases they solved at the village level: the village's period that ended with the
    # solution, in time when it met its deadline.
    solved = (
        CasePeriod.objects.filter(
            level=Level.VILLAGE,
            outcome__in=[Move.SOLVE, Move.SOLVE_ON_SPOT],
            ended_at__gte=start,
            ended_at__lt=end,
            case__deleted_at__isnull=True,
            case__town_id=town_id,
            case__solved_by_id__in=users,
        )
        .order_by()
        .values_list("case_id", "case__solved_by_id", "case__village_id", "met", "ended_at")
    )
    for pk, user_id, village_id, met, _at in sorted(solved, key=lambda r: (r[4], r[0])):
        f = fig(user_id, village_id)
        if f is None:
            continue
        f["cases"]["solved"] += 1
        if met:
            f["cases"]["in_time"] += 1
            f["cases"]["ids"].append(pk)
        else:
            f["cases"]["late"].append(pk)

    # Points of the year of their party-member record, if they have one.
    links = dict(
        Membership.objects.filter(
            role=Role.PARTY_MEMBER,
            deleted_at__isnull=True,
            party_member__isnull=False,
            party_member__deleted_at__isnull=True,
            user_id__in=users,
        )
        .order_by("-id")
        .values_list("user_id", "party_member_id")
    )
    totals = dict(
        PointEntry.objects.filter(member_id__in=set(links.values()), date__year=year)
        .order_by()
        .values_list("member_id")
        .annotate(s=Sum("points"))
        .values_list("member_id", "s")
    )
    for (user_id, _village_id), f in out.items():
        member_id = links.get(user_id)
        if member_id is not None:
            f["points"] = {"member": member_id, "total": totals.get(member_id) or 0}

    villages = sorted({v for _u, v in cadres})
    _village_figures(out, town_id=town_id, year=year, villages=villages)
    return out


def _village_figures(out: dict, *, town_id: int, year: int, villages: list[int]) -> None:
    """The figures of each cadre's village (the same for all its cadres): its commitments
    of the term covering ``year`` (the latest such term, if terms overlap) kept of all,
    and its published yearly review of ``year`` (the satisfied and fairly satisfied share
    of the votes). One query each."""
    from organisation.choices import CommitmentState
    from organisation.models import Commitment, Review

    commitments = (
        Commitment.objects.filter(
            deleted_at__isnull=True,
            town_id=town_id,
            village_id__in=villages,
            term_start__lte=year,
            term_end__gte=year,
        )
        .order_by("village_id", "term_start", "number", "pk")
        .values_list("pk", "village_id", "term_start", "term_end", "state")
    )
    terms: dict[int, dict] = {}
    for pk, village_id, start, end, state in commitments:
        term = terms.get(village_id)
        if term is None or term["term"][0] < start:  # the latest term wins
            term = terms[village_id] = {
                "term": [start, end],
                "total": 0,
                "kept": 0,
                "ids": [],
                "kept_ids": [],
            }
        term["term"][1] = max(term["term"][1], end)
        term["total"] += 1
        term["ids"].append(pk)
        if state == CommitmentState.KEPT:
            term["kept"] += 1
            term["kept_ids"].append(pk)
    reviews = {
        village_id: (pk, grade, counts)
        for pk, village_id, grade, *counts in Review.objects.filter(
            deleted_at__isnull=True,
            town_id=town_id,
            village_id__in=villages,
            year=year,
            published_at__isnull=False,
        )
        .order_by("pk")
        .values_list(
            "pk",
            "village_id",
            "grade",
            "members_satisfied",
            "members_fair",
            "members_unsatisfied",
            "reps_satisfied",
            "reps_fair",
            "reps_unsatisfied",
        )
    }
    for (_user_id, village_id), f in out.items():
        if village_id in terms:
            term = terms[village_id]
            f["commitments"] = {
                **term,
                "term": list(term["term"]),
                "ids": list(term["ids"]),
                "kept_ids": list(term["kept_ids"]),
            }
        if village_id in reviews:
            pk, grade, (ms, mf, mu, rs, rf, ru) = reviews[village_id]
            votes = ms + mf + mu + rs + rf + ru
            satisfaction = round(100 * (ms + mf + rs + rf) / votes, 1) if votes else None
            f["review"] = {"review": pk, "satisfaction": satisfaction, "grade": grade}


# ---------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------


def _office_of(actor, town_id: int) -> None:
    if not office_towns(actor).filter(pk=town_id).exists():
        raise PermissionDenied(_("Only the town office assesses its town's cadres."))


def _trail(assessment: Assessment) -> dict:
    """What the trail keeps of an assessment: not the figures' id lists (the record holds
    them), but their headline numbers."""
    data = audit.snapshot(assessment)
    data.pop("figures", None)
    data["figures"] = headline(assessment.figures)
    return data


def headline(figures: dict) -> dict:
    f = {**_empty(), **(figures or {})}
    return {
        "duty_days": f"{f['duty_days']['served']}/{f['duty_days']['rostered']}",
        "hours": f["hours"]["total"],
        "on_time": f"{f['on_time']['on_time']}/{f['on_time']['signed']}",
        "absences": f["absences"]["absent"],
        "visits": f["visits"]["count"],
        "cases": f"{f['cases']['in_time']}/{f['cases']['solved']}",
        "points": f["points"]["total"],
        "commitments": f"{f['commitments']['kept']}/{f['commitments']['total']}",
        "review": f["review"]["satisfaction"],
    }


@transaction.atomic
def generate(*, town: Town, year: int, actor) -> dict[str, int]:
    """The town's assessments of ``year``: one for each of its village cadres that has
    none yet, and the figures of those not yet graded computed again. Graded ones keep
    their figures (frozen). Returns how many were created, refreshed and left frozen."""
    _office_of(actor, town.pk)
    year = _check_year(year)
    # One generation per town at a time: two first generations at once would both
    # insert and the second hit the unique key (a 500); the second waits here instead.
    Town.objects.select_for_update().filter(pk=town.pk).first()
    existing = {
        (a.cadre_id, a.village_id): a
        for a in Assessment.objects.select_for_update()
        .filter(town_id=town.pk, year=year, deleted_at__isnull=True)
        .order_by("pk")
    }
    keys = sorted(set(cadres_of(town.pk)) | {k for k, a in existing.items() if a.assessed_at is None})
    figures = compute(town_id=town.pk, year=year, cadres=keys)
    now = timezone.now()
    counts = {"created": 0, "refreshed": 0, "frozen": 0}
    for key in keys:
        a = existing.get(key)
        if a is not None and a.assessed_at is not None:
            continue
        if a is None:
            a = Assessment(town=town, village_id=key[1], cadre_id=key[0], year=year)
            a.figures, a.computed_at = figures[key], now
            a.full_clean()
            a.save()
            audit.record(action=AuditAction.CREATE, instance=a, actor=actor, after=_trail(a))
            counts["created"] += 1
        else:
            before = _trail(a)
            a.figures, a.computed_at = figures[key], now
            a.save(update_fields=["figures", "computed_at", "updated_at"])
            audit.record(action=AuditAction.UPDATE, instance=a, actor=actor, before=before, after=_trail(a))
            counts["refreshed"] += 1
    counts["frozen"] = sum(1 for a in existing.values() if a.assessed_at is not None)
    return counts


@transaction.atomic
def grade(*, assessment: Assessment, grade: str, comment: str, actor) -> Assessment:
    """The town office's grade and comment on a cadre's year. From then on the figures
    are frozen; the grade and comment may be changed again (each change in the trail)."""
    locked = Assessment.objects.select_for_update().filter(pk=assessment.pk, deleted_at__isnull=True).first()
    if locked is None:
        raise PermissionDenied(_("Only the town office assesses its town's cadres."))
    _office_of(actor, locked.town_id)
    errors = {}
    if grade not in Grade.values:
        errors["grade"] = _("Choose a grade.")
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = _("Write the town's assessment of the cadre's year.")
    elif len(comment) > 2000:
        errors["comment"] = _("At most 2000 characters.")
    if locked.computed_at is None:
        errors["grade"] = _("Generate the figures before grading.")
    if errors:
        raise ValidationError(errors)
    before = _trail(locked)
    locked.grade, locked.comment = grade, comment
    locked.assessed_by = actor if getattr(actor, "pk", None) else None
    locked.assessed_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["grade", "comment", "assessed_by", "assessed_at", "updated_at"])
    audit.record(action=AuditAction.UPDATE, instance=locked, actor=actor, before=before, after=_trail(locked))
    return locked


# ---------------------------------------------------------------------------------------
# Evidence: the records behind each figure
# ---------------------------------------------------------------------------------------


def evidence(assessment: Assessment, figure: str, user) -> dict:
    """The records behind ``figure`` that ``user`` reads (each page of the other apps
    checks its own scope again): logs, missed days, inspections, visits, cases or the
    member's ledger entries."""
    from cases.models import Case
    from duty.models import DutyLog, Inspection, Visit

    f = {**_empty(), **(assessment.figures or {})}
    out: dict = {"figure": figure, "label": FIGURES[figure], "values": f[figure]}
    if figure in ("duty_days", "hours", "on_time"):
        ids = f["duty_days"]["logs"]
        logs = restrict(DutyLog.objects.filter(pk__in=ids).select_related("village"), user).order_by("date")
        late = set(f["on_time"]["late"])
        out["logs"] = [(log, log.pk in late) for log in logs]
        out["missed"] = [datetime.date.fromisoformat(d) for d in f["duty_days"]["missed"]]
        months = sorted(
            {(d.year, d.month) for d in out["missed"]}
            | {(log.date.year, log.date.month) for log, _ in out["logs"]}
        )
        out["months"] = [datetime.date(y, m, 1) for y, m in months]
        out["kind"] = "logs"
    elif figure == "absences":
        out["kind"] = "inspections"
        out["inspections"] = list(
            restrict(
                Inspection.objects.filter(pk__in=f["absences"]["ids"]).select_related("village"), user
            ).order_by("at")
        )
    elif figure == "visits":
        out["kind"] = "visits"
        out["visits"] = list(
            restrict(
                Visit.objects.filter(pk__in=f["visits"]["ids"]).select_related("household", "grid"), user
            ).order_by("visited_at")
        )
    elif figure == "cases":
        out["kind"] = "cases"
        late = set(f["cases"]["late"])
        rows = restrict(
            Case.objects.filter(pk__in=f["cases"]["ids"] + f["cases"]["late"]).select_related("kind"), user
        ).order_by("solved_at", "pk")
        out["cases"] = [(case, case.pk in late) for case in rows]
    elif figure == "points":
        out["kind"] = "points"
        member = f["points"]["member"]
        out["entries"] = (
            list(
                restrict(PointEntry.objects.filter(member_id=member, date__year=assessment.year), user)
                .select_related("rule")
                .order_by("date", "pk")
            )
            if member
            else []
        )
    elif figure == "commitments":
        from organisation.models import Commitment

        out["kind"] = "commitments"
        out["commitments"] = list(
            restrict(
                Commitment.objects.filter(pk__in=f["commitments"]["ids"]).select_related("village"), user
            ).order_by("number", "pk")
        )
    elif figure == "review":
        from organisation.models import Review

        out["kind"] = "review"
        pk = f["review"]["review"]
        out["review"] = restrict(Review.objects.filter(pk=pk), user).first() if pk else None
    return out
