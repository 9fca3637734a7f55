"""Officers sent in from outside (平安书记, 第一书记): who they are, where they are posted,
what they do there, their night visits (夜访, on the 1st, 10th, 15th and 25th) with the
matters people bring, their groups' quarter focus and their yearly assessment.

Reads go through :func:`governance.scoping.restrict` (organisation/policies.py); the lists
run a constant number of queries (the year's figures are subqueries).

Writes are atomic and audited. Decisions taken here:

* The town office registers officers and groups, posts officers, ends postings, sets a
  group's quarter focus (the office records it for the group's leader) and assesses.
* Posting an officer who has an account gives the account an officer's membership of the
  village (``Role.OFFICER``: the village read as a supervisor reads it, nothing else of
  the town); ending the posting soft-deletes it (while no other open posting of the same
  officer names the village). Both are written through the governance services, audited
  like every membership.
* An officer (their own account) and the office record activities and night visits only
  for a village the officer is posted to now (an open posting that began by the day).
* A matter brought to a night visit is answered on the spot or made a case through
  ``cases.services.case_report`` (source: walk-in, reported by the person who brought it).
  The cases service lets only those who report cases report (an officer reads a village
  as a supervisor, who does not), so the case is reported the way the public doors
  report (no signed-in reporter); this service checks the officer's right first and
  audits the matter on the night visit under the officer's name.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit
from governance.choices import AuditAction, Role
from governance.models import Membership
from governance.scoping import VIEW, resolve_scope, restrict
from governance.services import ensure_in_scope, governed_create, governed_delete, governed_update
from grids.models import Town, Village

from .choices import MatterOutcome, NightVisitState, OfficerGrade, OfficerKind, Profession
from .models import (
    NIGHT_VISIT_DAYS,
    Activity,
    GroupFocus,
    NightVisit,
    NightVisitMatter,
    Officer,
    OfficerAssessment,
    OfficerGroup,
    Posting,
)

# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def office_towns(user) -> set[int]:
    """The towns ``user`` keeps as their town office (every town for the superuser)."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return set(Town.objects.values_list("id", flat=True))
    return scope.ids("town", [Role.TOWN_OFFICE])


def is_office(user) -> bool:
    return bool(office_towns(user))


def officer_of(user) -> Officer | None:
    """The officer whose account ``user`` is (None: not an officer)."""
    if not getattr(user, "pk", None):
        return None
    return Officer.objects.filter(user_id=user.pk, deleted_at__isnull=True).select_related("group").first()


def _open(on: datetime.date) -> Q:
    return Q(deleted_at__isnull=True, until__isnull=True, since__lte=on)


def _year_count(model, year: int, **extra) -> Subquery:
    rows = (
        model.objects.filter(officer=OuterRef("pk"), deleted_at__isnull=True, date__year=year, **extra)
        .order_by()
        .values("officer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def officers_for_user(user, action: str = VIEW, *, year: int | None = None) -> QuerySet[Officer]:
    """The officers ``user`` reads (or keeps), each with this year's figures (海盐's way:
    activities, night visits held, people received) and their open postings."""
    year = year or timezone.localdate().year
    received = (
        NightVisit.objects.filter(
            officer=OuterRef("pk"), deleted_at__isnull=True, date__year=year, state=NightVisitState.HELD
        )
        .order_by()
        .values("officer")
        .annotate(n=Sum("people_received"))
        .values("n")
    )
    return (
        restrict(Officer.objects.select_related("group", "town", "user"), user, action)
        .annotate(
            activities_year=_year_count(Activity, year),
            visits_held_year=_year_count(NightVisit, year, state=NightVisitState.HELD),
            people_received_year=Coalesce(Subquery(received, output_field=IntegerField()), Value(0)),
        )
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=restrict(
                    Posting.objects.filter(deleted_at__isnull=True, until__isnull=True), user, VIEW
                )
                .select_related("village")
                .order_by("village__code"),
                to_attr="open_postings",
            )
        )
    )


def postings_for_user(user, action: str = VIEW) -> QuerySet[Posting]:
    return restrict(Posting.objects.select_related("officer", "village"), user, action)


def activities_for_user(user, action: str = VIEW) -> QuerySet[Activity]:
    return restrict(Activity.objects.select_related("officer", "village", "recorded_by"), user, action)


def night_visits_for_user(user, action: str = VIEW) -> QuerySet[NightVisit]:
    return restrict(NightVisit.objects.select_related("officer", "village"), user, action)


def matters_for_user(user, action: str = VIEW) -> QuerySet[NightVisitMatter]:
    return restrict(
        NightVisitMatter.objects.select_related("night_visit__officer", "night_visit__village", "case"),
        user,
        action,
    )


def assessments_for_user(user, action: str = VIEW) -> QuerySet[OfficerAssessment]:
    return restrict(OfficerAssessment.objects.select_related("officer", "assessed_by"), user, action)


def groups_for_user(user, action: str = VIEW) -> QuerySet[OfficerGroup]:
    return restrict(OfficerGroup.objects.all(), user, action)


def foci_for_user(user, action: str = VIEW) -> QuerySet[GroupFocus]:
    return restrict(GroupFocus.objects.select_related("group", "set_by"), user, action)


def posted_villages(officer: Officer, on: datetime.date | None = None, *, user=None) -> QuerySet[Village]:
    """The villages ``officer`` is posted to on ``on`` (today); with ``user``, only those
    of them ``user`` reads."""
    on = on or timezone.localdate()
    ids = Posting.objects.filter(_open(on), officer=officer).values("village_id")
    villages = Village.objects.filter(pk__in=ids, deleted_at__isnull=True)
    if user is not None:
        villages = restrict(villages, user, VIEW)
    return villages.order_by("code")


def may_record_for(officer: Officer, actor) -> bool:
    """Whether ``actor`` records ``officer``'s work: the officer's own account, or the
    town office of the officer's town."""
    if getattr(actor, "pk", None) is None:
        return False
    return officer.user_id == actor.pk or officer.town_id in office_towns(actor)


def recordable_officers(user) -> QuerySet[Officer]:
    """The officers whose work ``user`` records: their own, or the office's town's."""
    q = Q(user_id=getattr(user, "pk", None))
    towns = office_towns(user)
    if towns:
        q |= Q(town_id__in=sorted(towns))
    return Officer.objects.filter(q, deleted_at__isnull=True).order_by("kind", "name")


def case_kinds_for(village: Village):
    from cases.models import CaseKind

    return CaseKind.objects.filter(
        Q(town__isnull=True) | Q(town_id=village.town_id), deleted_at__isnull=True, is_active=True
    )


# ---------------------------------------------------------------------------------------
# Writes: officers, groups, postings
# ---------------------------------------------------------------------------------------


def _office_of(town_id: int, actor, message: str | None = None) -> None:
    if town_id not in office_towns(actor):
        raise PermissionDenied(message or _("Only the town office keeps its officers."))


def _text(errors: dict, name: str, value, message: str, *, required=True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not value:
        errors[name] = message
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _account_errors(errors: dict, user, officer: Officer | None = None) -> None:
    if user is None:
        return
    taken = Officer.objects.filter(user=user, deleted_at__isnull=True)
    if officer is not None:
        taken = taken.exclude(pk=officer.pk)
    if taken.exists():
        errors["user"] = _("This account is already another officer's.")


@transaction.atomic
def officer_create(
    *,
    town: Town,
    kind: str,
    name: str,
    profession: str,
    employer: str,
    actor,
    phone: str = "",
    user=None,
    group: OfficerGroup | None = None,
    visiting_hours: str = "",
) -> Officer:
    """Register an officer sent in to ``town`` (the town office)."""
    _office_of(getattr(town, "pk", None), actor)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, _("Give the officer's name."))
    employer = _text(errors, "employer", employer, _("Say where the officer comes from (their employer)."))
    if kind not in OfficerKind.values:
        errors["kind"] = _("Choose the kind of officer.")
    if profession not in Profession.values:
        errors["profession"] = _("Choose the officer's profession.")
    if group is not None and group.town_id != town.pk:
        errors["group"] = _("The group must be of the same town.")
    _account_errors(errors, user)
    _raise(errors)
    data = dict(
        town=town,
        kind=kind,
        name=name,
        profession=profession,
        employer=employer,
        phone=(phone or "").strip(),
        user=user,
        group=group,
        visiting_hours=(visiting_hours or "").strip(),
    )
    return governed_create(model=Officer, data=data, actor=actor)


@transaction.atomic
def officer_update(*, officer: Officer, data: dict, actor) -> Officer:
    """Change an officer's details (the town office). The account cannot change while
    the officer holds a posting: end it first (its membership goes with it)."""
    _office_of(officer.town_id, actor)
    allowed = {"kind", "name", "profession", "employer", "phone", "user", "group", "visiting_hours"}
    data = {k: v for k, v in data.items() if k in allowed}
    errors: dict[str, str] = {}
    if "user" in data:
        new_id = getattr(data["user"], "pk", None)
        if new_id != officer.user_id and posted_villages(officer).exists():
            errors["user"] = _("End the officer's postings before changing the account.")
        _account_errors(errors, data["user"], officer)
    if data.get("group") is not None and data["group"].town_id != officer.town_id:
        errors["group"] = _("The group must be of the same town.")
    _raise(errors)
    return governed_update(instance=officer, data=data, actor=actor)


@transaction.atomic
def group_create(*, town: Town, name: str, leader: str, actor) -> OfficerGroup:
    """A first secretaries' group (联络组) and its leader (the town office)."""
    _office_of(getattr(town, "pk", None), actor)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, _("Give the group a name."))
    leader = _text(errors, "leader", leader, _("Name the group's leader."))
    _raise(errors)
    return governed_create(
        model=OfficerGroup, data={"town": town, "name": name, "leader": leader}, actor=actor
    )


def _sync_membership(officer: Officer, village_id: int, actor) -> None:
    """The officer's account holds an officer's membership of the village exactly while
    an open posting names it."""
    if not officer.user_id:
        return
    live = Membership.objects.filter(
        user_id=officer.user_id, role=Role.OFFICER, village_id=village_id, deleted_at__isnull=True
    )
    posted = Posting.objects.filter(
        officer=officer, village_id=village_id, deleted_at__isnull=True, until__isnull=True
    ).exists()
    if posted and not live.exists():
        governed_create(
            model=Membership,
            data={"user_id": officer.user_id, "role": Role.OFFICER, "village_id": village_id},
            actor=actor,
        )
    elif not posted:
        for membership in live:
            governed_delete(instance=membership, actor=actor)
    from governance.scoping import forget_scope

    if officer.user is not None:
        forget_scope(officer.user)


@transaction.atomic
def posting_create(*, officer: Officer, village: Village, since: datetime.date, actor) -> Posting:
    """Post ``officer`` to ``village`` from ``since`` (the town office)."""
    _office_of(officer.town_id, actor)
    errors: dict[str, str] = {}
    if not isinstance(village, Village) or village.town_id != officer.town_id or village.deleted_at:
        errors["village"] = _("Choose a village of the officer's town.")
    if not isinstance(since, datetime.date):
        errors["since"] = _("Give the date the posting begins.")
    elif since > timezone.localdate():
        errors["since"] = _("A posting is recorded once it has begun: the date is still to come.")
    if (
        "village" not in errors
        and Posting.objects.filter(
            officer=officer, village=village, deleted_at__isnull=True, until__isnull=True
        ).exists()
    ):
        errors["village"] = _("The officer is already posted to this village.")
    _raise(errors)
    posting = governed_create(
        model=Posting, data={"officer": officer, "village": village, "since": since}, actor=actor
    )
    _sync_membership(officer, village.pk, actor)
    return posting


@transaction.atomic
def posting_end(*, posting: Posting, until: datetime.date, actor) -> Posting:
    """End a posting on ``until`` (the town office); the officer's account no longer
    reads the village (its membership is soft-deleted)."""
    _office_of(posting.town_id, actor)
    posting = Posting.objects.select_for_update().get(pk=posting.pk)
    errors: dict[str, str] = {}
    if posting.until is not None:
        errors[NON_FIELD_ERRORS] = _("This posting has already ended.")
    elif not isinstance(until, datetime.date):
        errors["until"] = _("Give the date the posting ends.")
    elif until < posting.since:
        errors["until"] = _("The end is before the start.")
    elif until > timezone.localdate():
        errors["until"] = _("A posting is ended once it has ended: the date is still to come.")
    _raise(errors)
    posting = governed_update(instance=posting, data={"until": until}, actor=actor)
    _sync_membership(posting.officer, posting.village_id, actor)
    return posting


# ---------------------------------------------------------------------------------------
# Writes: activities
# ---------------------------------------------------------------------------------------


def _posted_errors(errors: dict, officer: Officer, village, day) -> None:
    """The rule of activities and night visits: the officer is posted to the village now,
    and the day is within the posting."""
    if not isinstance(village, Village):
        errors["village"] = _("Choose a village the officer is posted to.")
        return
    posting = (
        Posting.objects.filter(officer=officer, village=village, deleted_at__isnull=True, until__isnull=True)
        .order_by("since")
        .first()
    )
    if posting is None:
        errors["village"] = _("The officer is not posted to this village now.")
    elif isinstance(day, datetime.date) and day < posting.since:
        errors["date"] = _("The officer was posted to this village only from %(since)s.") % {
            "since": posting.since.isoformat()
        }


def _posted_unless_office(errors: dict, visit: NightVisit, actor) -> None:
    """The posting rule for the officer's own account on an evening's record; the town
    office may still act on it (after the posting ended, say)."""
    if visit.officer.town_id not in office_towns(actor):
        _posted_errors(errors, visit.officer, visit.village, visit.date)


def _count(errors: dict, name: str, value) -> int:
    if value in (None, ""):
        return 0
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
        if not isinstance(value, int) and str(value).strip() != str(number):
            raise ValueError
    except (TypeError, ValueError):
        errors[name] = _("Give a whole number.")
        return 0
    if number < 0 or number > 100_000:
        errors[name] = _("Give a whole number.")
    return number


@transaction.atomic
def activity_record(
    *,
    officer: Officer,
    village: Village,
    kind: str,
    date: datetime.date,
    title: str,
    actor,
    detail: str = "",
    people=0,
) -> Activity:
    """Record what ``officer`` did in ``village`` (the officer or the town office)."""
    if not may_record_for(officer, actor):
        raise PermissionDenied(_("Only the officer and the town office record the officer's work."))
    from .choices import ActivityKind

    errors: dict[str, str] = {}
    if kind not in ActivityKind.values:
        errors["kind"] = _("Choose what kind of activity this was.")
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        errors["date"] = _("Give the date.")
        date = None
    elif date > timezone.localdate():
        errors["date"] = _("An activity is recorded once it is done: the date is still to come.")
    title = _text(errors, "title", title, _("Say in a few words what was done."))
    people = _count(errors, "people", people)
    _posted_errors(errors, officer, village, date)
    _raise(errors)
    activity = Activity(
        officer=officer,
        village=village,
        town_id=village.town_id,
        kind=kind,
        date=date,
        title=title,
        detail=(detail or "").strip(),
        people=people,
        recorded_by=actor,
    )
    activity.full_clean()
    activity.save()
    audit.record(action=AuditAction.CREATE, instance=activity, actor=actor, after=audit.snapshot(activity))
    ensure_in_scope(instance=activity, actor=actor)
    return activity


# ---------------------------------------------------------------------------------------
# Writes: night visits (夜访) and their matters
# ---------------------------------------------------------------------------------------


def station_of(village: Village) -> str:
    return _("%(village)s party pioneer station") % {"village": village.name}


SCHEDULE_MONTHS_AHEAD = 3


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def schedule_month_error(year, month, *, earliest: bool = True) -> str | None:
    """Why ``year``-``month`` cannot be scheduled (None: it can): this month up to
    three months ahead (``earliest=False``: no lower bound, for the demo's back-filling)."""
    try:
        first = datetime.date(int(year), int(month), 1)
    except (TypeError, ValueError, OverflowError):
        return _("Choose a month.")
    ahead = _month_index(first) - _month_index(timezone.localdate())
    if ahead > SCHEDULE_MONTHS_AHEAD or (earliest and ahead < 0):
        return _("Choose this month or one of the next three.")
    return None


@transaction.atomic
def month_schedule(
    *, officer: Officer, year: int, month: int, actor, village: Village | None = None, station: str = ""
) -> list[NightVisit]:
    """The month's evenings (the 1st, 10th, 15th and 25th) at the village's station,
    skipping those already scheduled; returns the ones made."""
    if not may_record_for(officer, actor):
        raise PermissionDenied(_("Only the officer and the town office record the officer's work."))
    # One scheduling of the officer at a time: two identical submits at once make the
    # month's evenings once (the second waits, then finds them taken).
    Officer.objects.select_for_update().filter(pk=officer.pk).first()
    errors: dict[str, str] = {}
    problem = schedule_month_error(year, month, earliest=False)
    if problem:
        raise ValidationError({"month": problem})
    first = datetime.date(int(year), int(month), 1)
    if village is None:
        villages = list(posted_villages(officer))
        if len(villages) != 1:
            raise ValidationError({"village": _("Choose a village the officer is posted to.")})
        village = villages[0]
    _posted_errors(errors, officer, village, None)
    _raise(errors)
    station = (station or "").strip() or station_of(village)
    taken = set(
        NightVisit.objects.filter(
            officer=officer, deleted_at__isnull=True, date__year=first.year, date__month=first.month
        ).values_list("date", flat=True)
    )
    since = (
        Posting.objects.filter(officer=officer, village=village, deleted_at__isnull=True, until__isnull=True)
        .order_by("since")
        .values_list("since", flat=True)
        .first()
    )
    made = []
    for day in NIGHT_VISIT_DAYS:
        date = first.replace(day=day)
        if date in taken or date < since:
            continue
        visit = NightVisit(
            officer=officer, village=village, town_id=village.town_id, date=date, station=station[:100]
        )
        visit.full_clean()
        visit.save()
        made.append(visit)
    if made:
        audit.record_many(action=AuditAction.CREATE, instances=made, actor=actor)
    return made


def _visit_writable(visit: NightVisit, actor) -> NightVisit:
    visit = NightVisit.objects.select_for_update().select_related("officer", "village").get(pk=visit.pk)
    if visit.deleted_at is not None or not may_record_for(visit.officer, actor):
        raise PermissionDenied(_("Only the officer and the town office record the officer's work."))
    return visit


@transaction.atomic
def night_visit_hold(*, visit: NightVisit, people_received, summary: str, actor) -> NightVisit:
    """The evening was held: how many people came and what was said."""
    visit = _visit_writable(visit, actor)
    errors: dict[str, str] = {}
    if visit.state != NightVisitState.SCHEDULED:
        errors[NON_FIELD_ERRORS] = _("This evening is already recorded (%(state)s).") % {
            "state": visit.get_state_display()
        }
    elif visit.date > timezone.localdate():
        errors["date"] = _("An evening is recorded as held once it is over: it is still to come.")
    people = _count(errors, "people_received", people_received)
    summary = _text(errors, "summary", summary, _("Summarise the evening: who came, and about what."))
    _posted_errors(errors, visit.officer, visit.village, visit.date)
    _raise(errors)
    before = audit.snapshot(visit)
    visit.state = NightVisitState.HELD
    visit.people_received = people
    visit.summary = summary
    visit.held_at = timezone.now()
    visit.save(update_fields=["state", "people_received", "summary", "held_at", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=visit, actor=actor, before=before, after=audit.snapshot(visit)
    )
    return visit


@transaction.atomic
def night_visit_cancel(*, visit: NightVisit, actor, reason: str = "") -> NightVisit:
    """The evening did not take place (the reason in the summary)."""
    visit = _visit_writable(visit, actor)
    errors: dict[str, str] = {}
    if visit.state != NightVisitState.SCHEDULED:
        errors[NON_FIELD_ERRORS] = _("This evening is already recorded (%(state)s).") % {
            "state": visit.get_state_display()
        }
    _posted_unless_office(errors, visit, actor)
    _raise(errors)
    before = audit.snapshot(visit)
    visit.state = NightVisitState.CANCELLED
    visit.summary = (reason or "").strip()
    visit.held_at = timezone.now()
    visit.save(update_fields=["state", "summary", "held_at", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=visit, actor=actor, before=before, after=audit.snapshot(visit)
    )
    return visit


def _report_case(visit: NightVisit, matter: NightVisitMatter, kind, now=None):
    from cases.choices import Source
    from cases.services import case_report

    return case_report(
        actor=None,
        data={
            "village": visit.village,
            "kind": kind,
            "source": Source.WALK_IN,
            "description": matter.matter,
            "reporter_name": matter.person[:32],
        },
        now=now,
    )


def _kind_errors(errors: dict, visit: NightVisit, kind) -> None:
    if kind is None or not case_kinds_for(visit.village).filter(pk=getattr(kind, "pk", None)).exists():
        errors["kind"] = _("Choose the kind of case.")


@transaction.atomic
def matter_record(
    *,
    visit: NightVisit,
    person: str,
    matter: str,
    outcome: str,
    actor,
    answer: str = "",
    kind=None,
    now: datetime.datetime | None = None,
) -> NightVisitMatter:
    """A matter brought to a held evening: answered on the spot (``answer``) or made a
    case of ``kind`` in the evening's village."""
    visit = _visit_writable(visit, actor)
    errors: dict[str, str] = {}
    if visit.state != NightVisitState.HELD:
        errors[NON_FIELD_ERRORS] = _("Record the evening as held before the matters brought to it.")
    person = _text(errors, "person", person, _("Say who brought the matter."))
    text = _text(errors, "matter", matter, _("Say what the matter is."))
    answer = (answer or "").strip()
    if outcome not in MatterOutcome.values:
        errors["outcome"] = _("Say whether it was answered on the spot or made a case.")
    elif outcome == MatterOutcome.ANSWERED and not answer:
        errors["answer"] = _("Give the answer given on the spot.")
    elif outcome == MatterOutcome.CASE:
        _kind_errors(errors, visit, kind)
    if len(person) > 32:
        errors["person"] = _("At most 32 characters.")
    _posted_unless_office(errors, visit, actor)
    _raise(errors)
    row = NightVisitMatter(night_visit=visit, person=person, matter=text, outcome=outcome, answer=answer)
    row.full_clean(exclude=["night_visit"])
    if outcome == MatterOutcome.CASE:
        row.case = _report_case(visit, row, kind, now)
    row.save()
    audit.record(
        action=AuditAction.UPDATE,
        instance=visit,
        actor=actor,
        extra={"matter": audit.snapshot(row)},
    )
    return row


@transaction.atomic
def matter_make_case(*, matter: NightVisitMatter, kind, actor) -> NightVisitMatter:
    """A matter answered on the spot that needs more after all: made a case."""
    visit = _visit_writable(matter.night_visit, actor)
    matter = NightVisitMatter.objects.select_for_update().get(pk=matter.pk)
    errors: dict[str, str] = {}
    if matter.case_id is not None:
        errors[NON_FIELD_ERRORS] = _("This matter is already a case.")
    else:
        _kind_errors(errors, visit, kind)
    _posted_unless_office(errors, visit, actor)
    _raise(errors)
    before = audit.snapshot(matter)
    matter.case = _report_case(visit, matter, kind)
    matter.outcome = MatterOutcome.CASE
    matter.save(update_fields=["case", "outcome"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=visit,
        actor=actor,
        extra={"matter": audit.diff(before, audit.snapshot(matter)) | {"id": matter.pk}},
    )
    return matter


# ---------------------------------------------------------------------------------------
# Writes: the group's quarter focus, the yearly assessment (the town office)
# ---------------------------------------------------------------------------------------


@transaction.atomic
def focus_set(*, group: OfficerGroup, year, quarter, focus: str, actor) -> GroupFocus:
    """The focus the group's leader sets for a quarter, recorded by the town office; once
    per quarter."""
    _office_of(group.town_id, actor)
    OfficerGroup.objects.select_for_update().filter(pk=group.pk).first()
    errors: dict[str, str] = {}
    year = _count(errors, "year", year)
    if "year" not in errors and not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = _("Give a year.")
    quarter = _count(errors, "quarter", quarter)
    if quarter not in (1, 2, 3, 4):
        errors["quarter"] = _("Choose a quarter (1 to 4).")
    focus = _text(errors, "focus", focus, _("Give the quarter's focus."))
    if not errors and GroupFocus.objects.filter(group=group, year=year, quarter=quarter).exists():
        errors[NON_FIELD_ERRORS] = _("The group's focus for this quarter is already set.")
    _raise(errors)
    row = GroupFocus(group=group, year=year, quarter=quarter, focus=focus, set_by=actor)
    row.full_clean()
    row.save()
    audit.record(action=AuditAction.UPDATE, instance=group, actor=actor, extra={"focus": audit.snapshot(row)})
    return row


@transaction.atomic
def assessment_record(*, officer: Officer, year, grade: str, actor, comment: str = "") -> OfficerAssessment:
    """The office's yearly assessment of an officer; once per year."""
    _office_of(officer.town_id, actor, _("Only the town office assesses its officers."))
    Officer.objects.select_for_update().filter(pk=officer.pk).first()
    errors: dict[str, str] = {}
    year = _count(errors, "year", year)
    if "year" not in errors and not 2000 <= year <= timezone.localdate().year:
        errors["year"] = _("Assess a year that has begun.")
    if grade not in OfficerGrade.values:
        errors["grade"] = _("Choose a grade.")
    if (
        "year" not in errors
        and OfficerAssessment.objects.filter(officer=officer, year=year, deleted_at__isnull=True).exists()
    ):
        errors["year"] = _("This officer is already assessed for this year.")
    _raise(errors)
    row = OfficerAssessment(
        officer=officer,
        town_id=officer.town_id,
        year=year,
        grade=grade,
        comment=(comment or "").strip(),
        assessed_by=actor,
    )
    row.full_clean()
    row.save()
    audit.record(action=AuditAction.CREATE, instance=row, actor=actor, after=audit.snapshot(row))
    ensure_in_scope(instance=row, actor=actor)
    return row
