"""The village secretaries' files (先锋书记) and 承诺述职评议考核.

* Files: the town office keeps a file per village party secretary over a five-year cycle,
  with the mentor among the town leaders; entries (training, talks with the mentor,
  assessments, achievements, rewards, penalties, exams) are appended, never changed. The
  pairing asks for a talk every half month: :func:`talk_gap` says how many days since the
  last one (late past :data:`TALK_EVERY` days).
* Commitments (承诺): the office or the village's cadres record the committee's
  commitments for its term; the cadres (and the office) append progress with evidence;
  only the town office marks a commitment kept or not kept, as the final step.
* Yearly review (述职评议考核): the village's cadres write the year's report; the town
  office records the democratic review's votes and its grade, score and comment, then
  publishes; once published it is final.

Reads go through :func:`governance.scoping.restrict` (organisation/policies.py); writes
are atomic, checked before anything is written, audited, and re-checked in scope.

Decisions taken here:

* A commitment's progress never goes down: each step's percent is at least the last one's
  (a setback is told in the note). Steps are in date order (not before the last step, not
  in the future). 100 % does not close a commitment: the town office's final mark does.
  Marked kept, the progress is 100 %; not kept, it stays where it was.
* A file's entries fall within its cycle (1 January of the first year to 31 December of
  the fifth) and not in the future; a score is 0–100 with one decimal.
* A review's report is written for a year not in the future, reported on in that year or
  the next; the report may be rewritten and the votes and grade recorded again until the
  review is published. Publishing needs votes and the town's grade.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import audit
from governance.choices import AuditAction, Role
from governance.scoping import CADRE, CHANGE, OFFICE, VIEW, resolve_scope, restrict, scope_q_paths
from governance.services import ensure_in_scope
from grids.models import PartyMember, Village

from .choices import CommitmentState, EntryKind, ReviewGrade
from .models import Commitment, FileEntry, Progress, Review, SecretaryFile

#: The mentor pairing asks for a talk every half month.
TALK_EVERY = 15
FIRST_YEAR = 2000
#: A term of a village committee is at most five years.
LONGEST_TERM = 5
MAX_VOTES = 100_000


def today() -> datetime.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def files_for_user(user, action: str = VIEW) -> QuerySet[SecretaryFile]:
    """The files ``user`` reads (the town office and supervisors their town's, a secretary
    their own), each with ``last_talk``: the date of the last talk with the mentor."""
    return restrict(
        SecretaryFile.objects.select_related("village", "town", "secretary__resident", "user").annotate(
            last_talk=Max("entries__date", filter=Q(entries__kind=EntryKind.MENTOR_TALK)),
            entry_count=Count("entries"),
        ),
        user,
        action,
    )


def talk_gap(last_talk: datetime.date | None, *, on: datetime.date | None = None) -> dict:
    """Days since the last talk with the mentor, and whether that is past the half month
    the pairing asks for (no talk yet: late)."""
    on = on or today()
    if last_talk is None:
        return {"days": None, "late": True}
    days = (on - last_talk).days
    return {"days": days, "late": days > TALK_EVERY}


def file_entries(file: SecretaryFile) -> dict:
    """A file's entries, by kind (in the order of the kinds) and by year (newest first)."""
    entries = list(file.entries.select_related("by").order_by("-date", "-id"))
    by_kind = {kind: [] for kind in EntryKind}
    by_year: dict[int, list[FileEntry]] = defaultdict(list)
    for entry in entries:
        by_kind[EntryKind(entry.kind)].append(entry)
        by_year[entry.date.year].append(entry)
    return {
        "entries": entries,
        "by_kind": [(kind, rows) for kind, rows in by_kind.items()],
        "by_year": sorted(by_year.items(), reverse=True),
    }


def office_towns_of(user) -> set[int] | None:
    """The towns whose office ``user`` is (None: the superuser, every town)."""
    scope = resolve_scope(user)
    if scope.is_superuser:
        return None
    return scope.ids("town", [Role.TOWN_OFFICE])


def is_office_of(user, town_id: int) -> bool:
    towns = office_towns_of(user)
    return towns is None or town_id in towns


def is_office(user) -> bool:
    towns = office_towns_of(user)
    return towns is None or bool(towns)


def office_villages(user) -> QuerySet[Village]:
    """The villages of the towns whose office ``user`` is."""
    villages = Village.objects.filter(deleted_at__isnull=True).select_related("town")
    towns = office_towns_of(user)
    return villages if towns is None else villages.filter(town_id__in=sorted(towns))


def writable_villages(user) -> QuerySet[Village]:
    """The villages whose commitments and reviews ``user`` records: a village's cadres
    their own, the town office its town's (the rule of organisation/policies.py asked of
    villages: a commitment not yet made has no row to restrict)."""
    scope = resolve_scope(user)
    villages = Village.objects.filter(deleted_at__isnull=True).select_related("town")
    if scope.is_superuser:
        return villages
    q = scope_q_paths(
        scope, CHANGE, paths=[("village", "id"), ("town", "town_id")], view=(), change={OFFICE, CADRE}
    )
    return villages.filter(q) if q is not None else villages.none()


def secretaries_of(villages: QuerySet[Village]) -> QuerySet[PartyMember]:
    return (
        PartyMember.objects.filter(deleted_at__isnull=True, village__in=villages)
        .select_related("resident", "village")
        .order_by("village__code", "id")
    )


def accounts_for(village: Village, secretary: PartyMember | None):
    """The accounts a secretary's file may name: the village's cadres, and the accounts
    linked to the secretary's party-member record."""
    from django.contrib.auth import get_user_model

    from governance.models import Membership

    q = Q(role=Role.VILLAGE_CADRE, village=village)
    if secretary is not None:
        q |= Q(role=Role.PARTY_MEMBER, party_member=secretary)
    ids = Membership.objects.filter(q, deleted_at__isnull=True).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


def commitments_for_user(user, action: str = VIEW) -> QuerySet[Commitment]:
    return restrict(Commitment.objects.select_related("village", "town"), user, action)


def terms_for_user(user) -> list[dict]:
    """Each village term the user reads: its commitments counted (all, kept, not kept)
    and the mean progress (one query)."""
    rows = (
        commitments_for_user(user)
        .order_by()
        .values("village_id", "village__name", "village__code", "term_start", "term_end")
        .annotate(
            total=Count("id"),
            kept=Count("id", filter=Q(state=CommitmentState.KEPT)),
            not_kept=Count("id", filter=Q(state=CommitmentState.NOT_KEPT)),
            progress=Avg("progress"),
        )
        .order_by("village__code", "-term_start")
    )
    return list(rows)


def with_last_step(commitments) -> list[Commitment]:
    """The commitments with ``last``: their last step (one query for all)."""
    items = list(commitments)
    last: dict[int, Progress] = {}
    for step in Progress.objects.filter(commitment__in=[c.pk for c in items]).order_by("date", "id"):
        last[step.commitment_id] = step
    evidence: dict[int, Progress] = {}
    for step in (
        Progress.objects.filter(commitment__in=[c.pk for c in items])
        .exclude(evidence="")
        .order_by("date", "id")
    ):
        evidence[step.commitment_id] = step
    for c in items:
        c.last = last.get(c.pk)
        c.last_evidence = evidence.get(c.pk)
    return items


def reviews_for_user(user, action: str = VIEW) -> QuerySet[Review]:
    return restrict(Review.objects.select_related("village", "town", "assessed_by"), user, action)


def public_commitments(village: Village) -> QuerySet[Commitment]:
    """A village's commitments for the public page, its latest term first."""
    return Commitment.objects.filter(village=village, deleted_at__isnull=True).order_by(
        "-term_start", "number"
    )


def public_reviews(village: Village) -> QuerySet[Review]:
    return Review.objects.filter(
        village=village, deleted_at__isnull=True, published_at__isnull=False
    ).order_by("-year")


# ---------------------------------------------------------------------------------------
# Input helpers
# ---------------------------------------------------------------------------------------


def _text(errors: dict, name: str, value, message: str, *, limit: int, required=True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        errors[name] = message
    elif len(value) > limit:
        errors[name] = _("At most %(n)d characters.") % {"n": limit}
    return value


def _date(errors: dict, name: str, value, message: str) -> datetime.date | None:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors[name] = message
        return None
    if value > today():
        errors[name] = _("The date is still to come.")
        return None
    return value


def _whole(errors: dict, name: str, value, *, low: int, high: int, message: str) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        errors[name] = message
        return None
    try:
        number = int(value)
        if not isinstance(value, int) and str(value).strip().lstrip("+") != str(number):
            raise ValueError
    except (TypeError, ValueError):
        errors[name] = message
        return None
    if not low <= number <= high:
        errors[name] = message
        return None
    return number


def _score(errors: dict, name: str, value) -> Decimal | None:
    if value in (None, ""):
        return None
    message = _("Give a score from 0 to 100, with at most one decimal.")
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[name] = message
        return None
    if not score.is_finite() or not 0 <= score <= 100 or score != score.quantize(Decimal("0.1")):
        errors[name] = message
        return None
    return score.quantize(Decimal("0.1"))


def _photo(upload, name: str = "photo"):
    """The stored copy of an evidence photo (prepared as a case's photo is), or None."""
    if not upload:
        return None
    from cases import photos

    try:
        return photos.prepare(upload)
    except ValidationError as exc:
        raise ValidationError({name: [m for ms in exc.message_dict.values() for m in ms]}) from None


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def _only_office(actor, town_id: int, message: str) -> None:
    if not is_office_of(actor, town_id):
        raise PermissionDenied(message)


@transaction.atomic
def file_create(
    *,
    village: Village,
    secretary: PartyMember,
    cycle_start: int,
    actor,
    selected: bool = False,
    mentor: str = "",
    user=None,
) -> SecretaryFile:
    """A secretary's file for a five-year cycle from ``cycle_start``: the town office's."""
    if village is None or not office_villages(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("Only the town office keeps the secretaries' files."))
    # The lock: two of these for one village at once — the second waits, then is told.
    Village.objects.select_for_update().filter(pk=village.pk).first()
    errors: dict = {}
    if secretary is None or secretary.village_id != village.pk or secretary.deleted_at is not None:
        errors["secretary"] = _("Choose a party member of the village.")
    year = _whole(
        errors,
        "cycle_start",
        cycle_start,
        low=FIRST_YEAR,
        high=today().year,
        message=_("Give the first year of the cycle, from %(first)d to %(last)d.")
        % {"first": FIRST_YEAR, "last": today().year},
    )
    mentor = _text(errors, "mentor", mentor, "", limit=32, required=False)
    if user is not None and not accounts_for(village, secretary).filter(pk=user.pk).exists():
        errors["user"] = _("Choose an account of the village's cadres or of the secretary.")
    if (
        not errors
        and SecretaryFile.objects.filter(
            village=village, secretary=secretary, cycle_start=year, deleted_at__isnull=True
        ).exists()
    ):
        errors["cycle_start"] = _("This secretary already has a file for this cycle.")
    if errors:
        raise ValidationError(errors)
    file = SecretaryFile(
        village=village,
        town_id=village.town_id,
        secretary=secretary,
        cycle_start=year,
        selected=bool(selected),
        mentor=mentor,
        user=user,
    )
    file.full_clean()
    file.save()
    audit.record(action=AuditAction.CREATE, instance=file, actor=actor, after=audit.snapshot(file))
    ensure_in_scope(instance=file, actor=actor)
    return file


_UNSET = object()


@transaction.atomic
def file_update(*, file: SecretaryFile, actor, selected=None, mentor=None, user=_UNSET) -> SecretaryFile:
    """Change a file's pioneer flag, mentor or account (the town office); its secretary,
    village and cycle stay as opened."""
    locked = SecretaryFile.objects.select_for_update().filter(pk=file.pk, deleted_at__isnull=True).first()
    if locked is None or not files_for_user(actor, CHANGE).filter(pk=file.pk).exists():
        raise PermissionDenied(_("Only the town office keeps the secretaries' files."))
    errors: dict = {}
    before = audit.snapshot(locked)
    if mentor is not None:
        locked.mentor = _text(errors, "mentor", mentor, "", limit=32, required=False)
    if selected is not None:
        locked.selected = bool(selected)
    if user is not _UNSET:
        if (
            user is not None
            and not accounts_for(locked.village, locked.secretary).filter(pk=user.pk).exists()
        ):
            errors["user"] = _("Choose an account of the village's cadres or of the secretary.")
        locked.user = user
    if errors:
        raise ValidationError(errors)
    locked.full_clean()
    locked.save(update_fields=["mentor", "selected", "user", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=locked, actor=actor, before=before, after=audit.snapshot(locked)
    )
    ensure_in_scope(instance=locked, actor=actor)
    return locked


@transaction.atomic
def entry_append(
    *,
    file: SecretaryFile,
    kind: str,
    date,
    title: str,
    actor,
    detail: str = "",
    score=None,
) -> FileEntry:
    """Append an entry to a file (the town office); entries are never changed."""
    locked = SecretaryFile.objects.select_for_update().filter(pk=file.pk, deleted_at__isnull=True).first()
    if locked is None or not files_for_user(actor, CHANGE).filter(pk=file.pk).exists():
        raise PermissionDenied(_("Only the town office keeps the secretaries' files."))
    errors: dict = {}
    if kind not in EntryKind.values:
        errors["kind"] = _("Choose what kind of entry this is.")
    when = _date(errors, "date", date, _("Give the date."))
    if when is not None and not locked.cycle_start <= when.year <= locked.cycle_end:
        errors["date"] = _("The date is outside the file's cycle (%(first)d–%(last)d).") % {
            "first": locked.cycle_start,
            "last": locked.cycle_end,
        }
    title = _text(errors, "title", title, _("Give the entry a title."), limit=200)
    detail = _text(errors, "detail", detail, "", limit=4000, required=False)
    score = _score(errors, "score", score)
    if errors:
        raise ValidationError(errors)
    entry = FileEntry(file=locked, kind=kind, date=when, title=title, detail=detail, score=score, by=actor)
    entry.full_clean(exclude=["file", "by"])
    entry.save()
    audit.record(
        action=AuditAction.UPDATE,
        instance=locked,
        actor=actor,
        before={},
        after={},
        extra={"entry": audit.snapshot(entry)},
    )
    return entry


# ---------------------------------------------------------------------------------------
# Commitments
# ---------------------------------------------------------------------------------------


@transaction.atomic
def commitment_create(
    *,
    village: Village,
    term_start: int,
    term_end: int,
    number: int,
    title: str,
    actor,
    detail: str = "",
) -> Commitment:
    """A commitment of the village committee for its term: the town office or the
    village's cadres record it."""
    if village is None or not writable_villages(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office record its commitments."))
    # The lock: two of these for one village at once — the second waits, then is told.
    Village.objects.select_for_update().filter(pk=village.pk).first()
    errors: dict = {}
    last = today().year + 1
    message = _("Give a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": last}
    start = _whole(errors, "term_start", term_start, low=FIRST_YEAR, high=last, message=message)
    end = _whole(errors, "term_end", term_end, low=FIRST_YEAR, high=last + LONGEST_TERM, message=message)
    if start is not None and end is not None and not start <= end < start + LONGEST_TERM:
        errors["term_end"] = _("A term ends in its first year or up to four years later.")
    number = _whole(errors, "number", number, low=1, high=999, message=_("Give a number from 1 to 999."))
    title = _text(errors, "title", title, _("Say what the committee commits to."), limit=200)
    detail = _text(errors, "detail", detail, "", limit=4000, required=False)
    if (
        "number" not in errors
        and start is not None
        and Commitment.objects.filter(
            village=village, term_start=start, number=number, deleted_at__isnull=True
        ).exists()
    ):
        errors["number"] = _("This number is already used in the term.")
    if errors:
        raise ValidationError(errors)
    c = Commitment(
        village=village,
        town_id=village.town_id,
        term_start=start,
        term_end=end,
        number=number,
        title=title,
        detail=detail,
    )
    c.full_clean()
    c.save()
    audit.record(action=AuditAction.CREATE, instance=c, actor=actor, after=audit.snapshot(c))
    ensure_in_scope(instance=c, actor=actor)
    return c


def _lock_commitment(commitment: Commitment, actor) -> Commitment:
    if not commitments_for_user(actor, CHANGE).filter(pk=commitment.pk).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office record its commitments."))
    return Commitment.objects.select_for_update().get(pk=commitment.pk)


def _step_date(errors: dict, c: Commitment, date) -> datetime.date | None:
    when = _date(errors, "date", date, _("Give the date."))
    if when is None:
        return None
    last = c.steps.aggregate(d=Max("date"))["d"]
    if last is not None and when < last:
        errors["date"] = _("This step cannot come before the last one (%(date)s).") % {
            "date": last.isoformat()
        }
    elif when.year < c.term_start:
        errors["date"] = _("The date is before the term (%(year)d).") % {"year": c.term_start}
    return when


def _save_step(c: Commitment, step: Progress, stored, actor) -> Progress:
    before = audit.snapshot(c)
    if stored is not None:
        step.evidence.save(stored.name, stored, save=False)
    step.save()
    c.progress, c.state = step.percent, step.state
    c.save(update_fields=["progress", "state", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=c,
        actor=actor,
        before=before,
        after=audit.snapshot(c),
        extra={"step": audit.snapshot(step)},
    )
    ensure_in_scope(instance=c, actor=actor)
    return step


@transaction.atomic
def progress_append(*, commitment: Commitment, date, percent, note: str, actor, photo=None) -> Progress:
    """A step of a commitment's progress, with an evidence photo if any: the village's
    cadres or the town office. The percent never goes down; the commitment stays in
    progress (only the town office closes it)."""
    stored = _photo(photo)  # before any write
    c = _lock_commitment(commitment, actor)
    if c.state != CommitmentState.IN_PROGRESS:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("The town office has marked this commitment: it takes no more progress.")}
        )
    errors: dict = {}
    when = _step_date(errors, c, date)
    percent = _whole(
        errors, "percent", percent, low=0, high=100, message=_("Give the progress from 0 to 100 %.")
    )
    if percent is not None and percent < c.progress:
        errors["percent"] = _(
            "Progress does not go down: the last step was %(last)d %%. Tell a setback in the note."
        ) % {"last": c.progress}
    note = _text(errors, "note", note, _("Say what was done."), limit=2000)
    if errors:
        raise ValidationError(errors)
    step = Progress(
        commitment=c, date=when, percent=percent, note=note, state=CommitmentState.IN_PROGRESS, by=actor
    )
    return _save_step(c, step, stored, actor)


@transaction.atomic
def commitment_mark(*, commitment: Commitment, kept: bool, date, note: str, actor, photo=None) -> Progress:
    """The town office's final step: the commitment kept (100 %) or not kept (its progress
    stays). Nothing follows it."""
    stored = _photo(photo)
    c = _lock_commitment(commitment, actor)
    _only_office(actor, c.town_id, _("Only the town office marks a commitment kept or not kept."))
    if c.state != CommitmentState.IN_PROGRESS:
        raise ValidationError({NON_FIELD_ERRORS: _("This commitment is already marked.")})
    errors: dict = {}
    if not isinstance(kept, bool):
        errors["kept"] = _("Say whether the commitment was kept.")
    when = _step_date(errors, c, date)
    note = _text(errors, "note", note, _("Give the town's finding."), limit=2000)
    if errors:
        raise ValidationError(errors)
    step = Progress(
        commitment=c,
        date=when,
        percent=100 if kept else c.progress,
        note=note,
        state=CommitmentState.KEPT if kept else CommitmentState.NOT_KEPT,
        by=actor,
    )
    return _save_step(c, step, stored, actor)


# ---------------------------------------------------------------------------------------
# Yearly reviews
# ---------------------------------------------------------------------------------------

VOTES = (
    "members_satisfied",
    "members_fair",
    "members_unsatisfied",
    "reps_satisfied",
    "reps_fair",
    "reps_unsatisfied",
)


def _report_fields(errors: dict, year: int | None, report, reported_on):
    report = _text(errors, "report", report, _("Write the year's report."), limit=8000)
    when = _date(errors, "reported_on", reported_on, _("Give the day the report was given."))
    if when is not None and year is not None and when.year not in (year, year + 1):
        errors["reported_on"] = _("The report on %(year)d is given in %(year)d or the year after.") % {
            "year": year
        }
    return report, when


@transaction.atomic
def review_create(*, village: Village, year: int, report: str, reported_on, actor) -> Review:
    """The village's year: its report (述职), written by the village's cadres (or the town
    office). One per village and year."""
    if village is None or not writable_villages(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office write its report."))
    # The lock: two of these for one village at once — the second waits, then is told.
    Village.objects.select_for_update().filter(pk=village.pk).first()
    errors: dict = {}
    year = _whole(
        errors,
        "year",
        year,
        low=FIRST_YEAR,
        high=today().year,
        message=_("Give a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": today().year},
    )
    report, when = _report_fields(errors, year, report, reported_on)
    if (
        year is not None
        and Review.objects.filter(village=village, year=year, deleted_at__isnull=True).exists()
    ):
        errors["year"] = _("The village's review of this year already exists.")
    if errors:
        raise ValidationError(errors)
    review = Review(village=village, town_id=village.town_id, year=year, report=report, reported_on=when)
    review.full_clean()
    review.save()
    audit.record(action=AuditAction.CREATE, instance=review, actor=actor, after=audit.snapshot(review))
    ensure_in_scope(instance=review, actor=actor)
    return review


def _lock_review(review: Review, actor) -> Review:
    if not reviews_for_user(actor, CHANGE).filter(pk=review.pk).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office write its review."))
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.published_at is not None:
        raise ValidationError({NON_FIELD_ERRORS: _("The review is published: it is final.")})
    return locked


def _save_review(review: Review, before: dict, actor, fields: list[str]) -> Review:
    review.full_clean()
    review.save(update_fields=[*fields, "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=review, actor=actor, before=before, after=audit.snapshot(review)
    )
    ensure_in_scope(instance=review, actor=actor)
    return review


@transaction.atomic
def review_report(*, review: Review, report: str, reported_on, actor) -> Review:
    """Rewrite the year's report, until the review is published."""
    r = _lock_review(review, actor)
    errors: dict = {}
    report, when = _report_fields(errors, r.year, report, reported_on)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(r)
    r.report, r.reported_on = report, when
    return _save_review(r, before, actor, ["report", "reported_on"])


@transaction.atomic
def review_assess(
    *,
    review: Review,
    actor,
    grade: str = "",
    score=None,
    comment: str = "",
    **votes,
) -> Review:
    """The democratic review's votes (party members' and villagers' representatives':
    satisfied, fairly satisfied, unsatisfied) and the town's grade, score and comment:
    the town office, until published."""
    r = _lock_review(review, actor)
    _only_office(actor, r.town_id, _("Only the town office records the review's votes and grade."))
    unknown = set(votes) - set(VOTES)
    if unknown:
        raise TypeError(f"unknown arguments: {sorted(unknown)}")
    errors: dict = {}
    counts = {
        name: _whole(
            errors,
            name,
            votes.get(name, 0),
            low=0,
            high=MAX_VOTES,
            message=_("Give the number of votes (0 or more)."),
        )
        for name in VOTES
    }
    grade = grade or ""
    if grade and grade not in ReviewGrade.values:
        errors["grade"] = _("Choose a grade.")
    score = _score(errors, "score", score)
    comment = _text(errors, "comment", comment, "", limit=2000, required=False)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(r)
    for name, value in counts.items():
        setattr(r, name, value)
    r.grade, r.score, r.comment = grade, score, comment
    r.assessed_by = actor if getattr(actor, "pk", None) else None
    return _save_review(r, before, actor, [*VOTES, "grade", "score", "comment", "assessed_by"])


@transaction.atomic
def review_publish(*, review: Review, actor) -> Review:
    """Publish the review's results (the town office): final from then on."""
    r = _lock_review(review, actor)
    _only_office(actor, r.town_id, _("Only the town office publishes the review."))
    errors: dict = {}
    if not r.votes:
        errors["members_satisfied"] = _("Record the democratic review's votes before publishing.")
    if not r.grade:
        errors["grade"] = _("Give the town's grade before publishing.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(r)
    r.published_at = timezone.now()
    return _save_review(r, before, actor, ["published_at"])
