"""The villagers' council (村民议事厅, 理事会 9+X, seed 002: 山神村) and disputes heard in
public (评理说事, 群众评议团, seed 003: 马街镇).

Council: the village's members in nine fixed seats, and stakeholders (X) who sit for one
topic and are released (``until``) when the topic is closed — by :func:`topic_close`
itself. A topic is proposed, published ahead of the meeting (its village's party members
read it, and the village's public page shows it), discussed at a council or courtyard
meeting (院坝会), its suggestions recorded as adopted or not with what came of them, and
closed with its outcome.

Hearings: the dispute, the parties, the panel (name and role rows), its view and the
outcome; the case that led to it, of the same village. Settled, a hearing may solve its
case when the case is open at village level and the actor may make that move in the
cases app (cases.services.case_move); otherwise the two are only linked.

Every write: atomic, checked before anything is written (field errors in the user's
language), one audit row, and the row re-checked to be the actor's.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit
from governance.choices import AuditAction
from governance.scoping import CHANGE, VIEW, restrict
from governance.services import ensure_in_scope
from grids.models import Village

from .choices import Seat, TopicKind, TopicState
from .matters import villages_for_matters
from .models import Hearing, Meeting, Member, Suggestion, Topic

# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def villages_for_council(user) -> QuerySet[Village]:
    """The villages whose council ``user`` keeps: a village's cadres their own, the town
    office its town's (the same rule as the major matters')."""
    return villages_for_matters(user)


def topics_for_user(user, action: str = VIEW) -> QuerySet[Topic]:
    """The topics ``user`` reads; a party member only those published or further on (the
    policy's rule)."""
    return restrict(Topic.objects.select_related("village", "town"), user, action)


def members_for_user(user, action: str = VIEW) -> QuerySet[Member]:
    return restrict(Member.objects.select_related("village", "topic"), user, action)


def meetings_for_user(user, action: str = VIEW) -> QuerySet[Meeting]:
    return restrict(Meeting.objects.select_related("village"), user, action)


def hearings_for_user(user, action: str = VIEW) -> QuerySet[Hearing]:
    return restrict(Hearing.objects.select_related("village", "case"), user, action)


def hearings_of_case(case, user) -> QuerySet[Hearing]:
    """The hearings held on ``case`` that ``user`` reads (the case's side of the link:
    the case page lists them through cases.related)."""
    return restrict(Hearing.objects.filter(case_id=case.pk), user, VIEW).order_by("-held_at", "-id")


def counts_by_village(topics: QuerySet[Topic]) -> list[dict]:
    """Per village: its topics, and its adopted suggestions (山神村: 230 and 70)."""
    return list(
        topics.order_by()
        .values("village__code", "village__name")
        .annotate(
            topics=Count("id", distinct=True),
            adopted=Count("suggestions", filter=Q(suggestions__adopted=True), distinct=True),
        )
        .order_by("village__code")
    )


def public_topics(village: Village) -> QuerySet[Topic]:
    """A village's topics as villagers may see them: published or further on."""
    return (
        Topic.objects.filter(village=village, deleted_at__isnull=True)
        .exclude(state=TopicState.PROPOSED)
        .prefetch_related("suggestions")
        .order_by("-published_at", "-id")
    )


def current_members(village_id: int, on: datetime.date | None = None) -> QuerySet[Member]:
    on = on or timezone.localdate()
    return Member.objects.filter(village_id=village_id, deleted_at__isnull=True, since__lte=on).filter(
        Q(until__isnull=True) | Q(until__gte=on)
    )


# ---------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------


def _keeper(actor, village) -> None:
    if not villages_for_council(actor).filter(pk=getattr(village, "pk", None)).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office keep its council."))


def _text(errors: dict, name: str, value, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = message
    return value


def _topic_for_change(topic: Topic, actor) -> Topic:
    if not restrict(Topic.objects.all(), actor, CHANGE).filter(pk=topic.pk).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office keep its council."))
    return Topic.objects.select_for_update().get(pk=topic.pk)


@transaction.atomic
def member_add(
    *,
    village: Village,
    seat: str,
    name: str,
    actor,
    since: datetime.date | None = None,
    topic: Topic | None = None,
    resident=None,
) -> Member:
    """A member of the village's council: a fixed seat, or a stakeholder of one open
    topic of the village."""
    _keeper(actor, village)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, _("Give the member's name."))
    since = since or timezone.localdate()
    if seat not in Seat.values:
        errors["seat"] = _("Choose the member's seat.")
    elif seat == Seat.STAKEHOLDER:
        topic = Topic.objects.filter(pk=topic.pk).first() if topic is not None else None
        if topic is None:
            errors["topic"] = _("A stakeholder sits for one topic: choose it.")
        elif topic.village_id != village.pk:
            errors["topic"] = _("Choose a topic of this village.")
        elif topic.state == TopicState.CLOSED:
            errors["topic"] = _("This topic is closed.")
    else:
        topic = None
    if resident is not None and resident.household.village_id != village.pk:
        errors["resident"] = _("Choose a resident of this village.")
    if errors:
        raise ValidationError(errors)
    member = Member(
        village=village,
        town_id=village.town_id,
        seat=seat,
        name=name,
        topic=topic,
        since=since,
        resident=resident,
    )
    member.full_clean()
    member.save()
    audit.record(action=AuditAction.CREATE, instance=member, actor=actor, after=audit.snapshot(member))
    ensure_in_scope(instance=member, actor=actor)
    return member


@transaction.atomic
def topic_create(
    *, village: Village, title: str, description: str, actor, kind: str = TopicKind.COUNCIL
) -> Topic:
    """Propose a topic to the village's council (or its courtyard meeting)."""
    _keeper(actor, village)
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, _("Give the topic a title."))
    description = _text(errors, "description", description, _("Describe the topic."))
    if kind not in TopicKind.values:
        errors["kind"] = _("Choose a council topic or a courtyard meeting.")
    if errors:
        raise ValidationError(errors)
    topic = Topic(
        village=village,
        town_id=village.town_id,
        kind=kind,
        title=title,
        description=description,
        proposed_by=actor,
    )
    topic.full_clean()
    topic.save()
    audit.record(action=AuditAction.CREATE, instance=topic, actor=actor, after=audit.snapshot(topic))
    ensure_in_scope(instance=topic, actor=actor)
    return topic


@transaction.atomic
def topic_publish(*, topic: Topic, actor) -> Topic:
    """Publish a proposed topic ahead of its meeting, for villagers to look into."""
    topic = _topic_for_change(topic, actor)
    if topic.state != TopicState.PROPOSED:
        raise ValidationError({"state": _("This topic is already published.")})
    before = audit.snapshot(topic)
    topic.state, topic.published_at = TopicState.PUBLISHED, timezone.now()
    topic.save(update_fields=["state", "published_at", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=topic, actor=actor, before=before, after=audit.snapshot(topic)
    )
    ensure_in_scope(instance=topic, actor=actor)
    return topic


@transaction.atomic
def meeting_record(
    *,
    village: Village,
    held_at: datetime.datetime,
    place: str,
    topics,
    actor,
    kind: str = TopicKind.COUNCIL,
    attendees=(),
    others_present: int = 0,
    speakers: str = "",
    minutes: str = "",
) -> Meeting:
    """A council or courtyard meeting held: its topics (the village's, published ahead of
    it or already discussed) are discussed from then on."""
    _keeper(actor, village)
    errors: dict[str, str] = {}
    place = _text(errors, "place", place, _("Give the place of the meeting."))
    if not isinstance(held_at, datetime.datetime):
        errors["held_at"] = _("Give when the meeting was held.")
    elif held_at > timezone.now():
        errors["held_at"] = _("A meeting is recorded once it is held: this time is still to come.")
    if kind not in TopicKind.values:
        errors["kind"] = _("Choose a council meeting or a courtyard meeting.")
    topics, attendees = list(topics or ()), list(attendees or ())
    # their states as they stand now, locked (an instance handed in may be stale)
    states = dict(
        Topic.objects.select_for_update().filter(pk__in=[t.pk for t in topics]).values_list("pk", "state")
    )
    if not topics:
        errors["topics"] = _("Choose the topics discussed.")
    elif any(t.village_id != village.pk for t in topics):
        errors["topics"] = _("Choose topics of this village.")
    elif any(states.get(t.pk) == TopicState.CLOSED for t in topics):
        errors["topics"] = _("A closed topic is not discussed again.")
    elif any(states.get(t.pk) == TopicState.PROPOSED for t in topics):
        errors["topics"] = _("Publish a topic ahead of its meeting before it is discussed.")
    if any(m.village_id != village.pk for m in attendees):
        errors["attendees"] = _("Choose members of this village's council.")
    if (
        not isinstance(others_present, int)
        or isinstance(others_present, bool)
        or not 0 <= others_present <= 100000
    ):
        errors["others_present"] = _("Give a whole number.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        village=village,
        town_id=village.town_id,
        kind=kind,
        held_at=held_at,
        place=place,
        others_present=others_present,
        speakers=(speakers or "").strip(),
        minutes=(minutes or "").strip(),
    )
    meeting.full_clean()
    meeting.save()
    meeting.topics.set(topics)
    meeting.attendees.set(attendees)
    audit.record(action=AuditAction.CREATE, instance=meeting, actor=actor, after=audit.snapshot(meeting))
    for topic in Topic.objects.select_for_update().filter(
        pk__in=[t.pk for t in topics], state=TopicState.PUBLISHED
    ):
        before = audit.snapshot(topic)
        topic.state = TopicState.DISCUSSED
        topic.save(update_fields=["state", "updated_at"])
        audit.record(
            action=AuditAction.UPDATE, instance=topic, actor=actor, before=before, after=audit.snapshot(topic)
        )
    ensure_in_scope(instance=meeting, actor=actor)
    return meeting


def _adopted(value):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    return {"1": True, "true": True, "0": False, "false": False}.get(str(value).lower(), "bad")


@transaction.atomic
def suggestion_add(
    *,
    topic: Topic,
    by: str,
    text: str,
    actor,
    meeting: Meeting | None = None,
    adopted=None,
    outcome: str = "",
) -> Suggestion:
    """A suggestion made on an open topic, adopted or not (or not yet decided), and what
    came of it."""
    topic = _topic_for_change(topic, actor)
    errors: dict[str, str] = {}
    by = _text(errors, "by", by, _("Say who made the suggestion."))
    text = _text(errors, "text", text, _("Give the suggestion."))
    adopted = _adopted(adopted)
    if adopted == "bad":
        errors["adopted"] = _("Say whether the suggestion was adopted.")
    if topic.state == TopicState.CLOSED:
        errors["topic"] = _("This topic is closed.")
    if meeting is not None and not meeting.topics.filter(pk=topic.pk).exists():
        errors["meeting"] = _("Choose a meeting that discussed this topic.")
    if errors:
        raise ValidationError(errors)
    suggestion = Suggestion(
        topic=topic, meeting=meeting, by=by, text=text, adopted=adopted, outcome=(outcome or "").strip()
    )
    suggestion.full_clean()
    suggestion.save()
    audit.record(
        action=AuditAction.CREATE, instance=suggestion, actor=actor, after=audit.snapshot(suggestion)
    )
    ensure_in_scope(instance=suggestion, actor=actor)
    return suggestion


@transaction.atomic
def suggestion_decide(*, suggestion: Suggestion, adopted, actor, outcome: str = "") -> Suggestion:
    """Record whether a suggestion was adopted, and what came of it."""
    topic = _topic_for_change(suggestion.topic, actor)
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if topic.state == TopicState.CLOSED:
        raise ValidationError({"topic": _("This topic is closed.")})
    adopted = _adopted(adopted)
    if adopted in (None, "bad"):
        raise ValidationError({"adopted": _("Say whether the suggestion was adopted.")})
    before = audit.snapshot(suggestion)
    suggestion.adopted, suggestion.outcome = adopted, (outcome or "").strip()
    suggestion.full_clean()
    suggestion.save(update_fields=["adopted", "outcome"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=suggestion,
        actor=actor,
        before=before,
        after=audit.snapshot(suggestion),
    )
    ensure_in_scope(instance=suggestion, actor=actor)
    return suggestion


@transaction.atomic
def topic_close(*, topic: Topic, outcome: str, actor) -> Topic:
    """Close a topic with what came of it; its stakeholders (X) are released today."""
    topic = _topic_for_change(topic, actor)
    errors: dict[str, str] = {}
    outcome = _text(errors, "outcome", outcome, _("Say what came of the topic."))
    if topic.state == TopicState.CLOSED:
        errors["state"] = _("This topic is closed.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(topic)
    now = timezone.now()
    topic.state, topic.closed_at, topic.outcome = TopicState.CLOSED, now, outcome
    topic.save(update_fields=["state", "closed_at", "outcome", "updated_at"])
    today = timezone.localdate()
    for member in Member.objects.select_for_update().filter(topic=topic, until__isnull=True):
        released = audit.snapshot(member)
        member.until = max(today, member.since)
        member.save(update_fields=["until", "updated_at"])
        audit.record(
            action=AuditAction.UPDATE,
            instance=member,
            actor=actor,
            before=released,
            after=audit.snapshot(member),
        )
    audit.record(
        action=AuditAction.UPDATE, instance=topic, actor=actor, before=before, after=audit.snapshot(topic)
    )
    ensure_in_scope(instance=topic, actor=actor)
    return topic


def _panel(errors: dict, panel) -> list[dict]:
    rows = []
    if not isinstance(panel, list):
        errors["panel"] = _("Give the panel as rows of a name and a role.")
        return rows
    for row in panel:
        if not isinstance(row, dict):
            errors["panel"] = _("Give the panel as rows of a name and a role.")
            return []
        name, role = str(row.get("name") or "").strip()[:32], str(row.get("role") or "").strip()[:64]
        if not name and not role:
            continue
        if not name or not role:
            errors["panel"] = _("Each panel member needs a name and a role.")
            return []
        rows.append({"name": name, "role": role})
    if not rows and "panel" not in errors:
        errors["panel"] = _("Give the panel: at least one member with a name and a role.")
    return rows


def cases_for_hearing(actor, village: Village | None = None):
    """The cases a hearing of ``village`` may name: the actor's, of that village."""
    from cases.models import Case

    cases = restrict(Case.objects.select_related("village"), actor, VIEW)
    return cases.filter(village=village) if village is not None else cases


@transaction.atomic
def hearing_record(
    *,
    village: Village,
    title: str,
    parties: str,
    held_at: datetime.datetime,
    place: str,
    panel: list,
    summary: str,
    actor,
    case=None,
    panel_view: str = "",
    outcome: str = "",
    settled: bool | None = None,
    solve_case: bool = False,
) -> Hearing:
    """A public hearing of a village's dispute. With ``solve_case``, a settled hearing
    solves its case (open at village level) if the actor may make that move."""
    _keeper(actor, village)
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, _("Name the dispute."))
    parties = _text(errors, "parties", parties, _("Name the parties."))
    place = _text(errors, "place", place, _("Give the place of the hearing."))
    summary = _text(errors, "summary", summary, _("Record the hearing."))
    outcome = (outcome or "").strip()
    if not isinstance(held_at, datetime.datetime):
        errors["held_at"] = _("Give when the hearing was held.")
    elif held_at > timezone.now():
        errors["held_at"] = _("A hearing is recorded once it is held: this time is still to come.")
    rows = _panel(errors, panel)
    if case is not None and not cases_for_hearing(actor, village).filter(pk=case.pk).exists():
        errors["case"] = _("Choose a case of this village.")
    if settled is not None and not isinstance(settled, bool):
        errors["settled"] = _("Say whether the dispute was settled.")
    if solve_case:
        if case is None:
            errors["solve_case"] = _("Choose the case to solve.")
        elif settled is not True:
            errors["solve_case"] = _("Only a settled dispute solves its case.")
        elif not outcome:
            errors["outcome"] = _("Say how the dispute was settled: it is the case's solution.")
    if errors:
        raise ValidationError(errors)
    hearing = Hearing(
        village=village,
        town_id=village.town_id,
        title=title,
        parties=parties,
        case=case,
        held_at=held_at,
        place=place,
        panel=rows,
        summary=summary,
        panel_view=(panel_view or "").strip(),
        outcome=outcome,
        settled=settled,
    )
    hearing.full_clean()
    hearing.save()
    audit.record(action=AuditAction.CREATE, instance=hearing, actor=actor, after=audit.snapshot(hearing))
    ensure_in_scope(instance=hearing, actor=actor)
    if solve_case:
        solve_error = _solve(hearing, actor)
        if solve_error:
            raise ValidationError({"solve_case": solve_error})
    return hearing


def may_solve(case, actor) -> bool:
    """Whether a settled hearing may solve ``case`` for ``actor``: open at village level
    and the actor may claim it (if not yet claimed) and solve it."""
    from cases import transitions
    from cases.choices import CaseState, Level, Move

    if case is None or case.level != Level.VILLAGE:
        return False
    moves = transitions.allowed_moves(case, actor)
    if case.state == CaseState.REGISTERED:
        return Move.CLAIM in moves
    return case.state == CaseState.CLAIMED and Move.SOLVE in moves


def _solve(hearing: Hearing, actor) -> str | None:
    from cases import services as cases
    from cases.choices import CaseState, Move
    from cases.models import Case

    case = Case.objects.get(pk=hearing.case_id)
    if not may_solve(case, actor):
        return _("This case cannot be solved here: it is not open at village level, or not yours to solve.")
    try:
        if case.state == CaseState.REGISTERED:
            case = cases.case_move(case=case, move=Move.CLAIM, actor=actor)
        cases.case_move(
            case=case,
            move=Move.SOLVE,
            actor=actor,
            note=_("Settled at a public hearing (评理说事): %(outcome)s") % {"outcome": hearing.outcome},
        )
    except cases.MoveNotAllowed:
        return _("This case cannot be solved here: it is not open at village level, or not yours to solve.")
    return None
