"""Major decisions by 四议一审两公开 (seed 002: 双山村): a village's major matter is
proposed by the party branch (提议), discussed by the two committees (商议), deliberated by
the party members' meeting (审议), reviewed by the town (一审), resolved by the villager
representatives' meeting or the villagers' meeting (决议), and then the resolution and,
later, the result of carrying it out are published (两公开).

Reads: :func:`matters_for_user` (the scoping rule of affairs/policies.py),
:class:`MatterFilter` (pages and API alike), :func:`review_queue` (the town's 一审),
:func:`published_matters` (the public page: steps 6 and 7 only).

Writes: :func:`matter_create` and :func:`step_record`. Each is atomic, locks the matter,
checks every rule before writing, writes one audit row and re-checks that the matter is
still the actor's. A step is appended, never changed: :class:`~affairs.models.StepRecord`
rows are only ever inserted (no service, page, API or admin edits or deletes one), and
``Matter.step`` follows the last one.

Decisions taken here:

* A step is recorded once it is taken: a meeting whose vote did not pass (the party
  members' meeting, the villagers' resolution) is not a step — it is refused, the matter
  stays where it was, and the village may hold the meeting again.
* The town's review (一审) is recorded either way. Not approved, the matter stops there
  for good (its record stays as it is); to try again the village proposes it afresh as a
  new matter (the matter's page offers "propose again", which fills the new form in).
* A matter of the kind "spending" is major only from the town's threshold
  (``AffairsSettings.spending_threshold``, 50,000 yuan where the town has set none); below
  it, it is refused: the village decides it in its ordinary way. Land contracting,
  collective income and projects are major whatever the amount.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import audit
from governance.choices import AuditAction, Role
from governance.scoping import CHANGE, VIEW, resolve_scope, restrict, scope_q_paths
from governance.services import ensure_in_scope
from grids.models import Town, Village

from .choices import Assembly, MatterKind, Step
from .models import AffairsSettings, Matter, StepRecord
from .policies import WRITERS

#: What a town has not set: the model's defaults.
DEFAULT_SETTINGS = AffairsSettings()

#: The steps that record a meeting's attendance (who of how many came).
MEETINGS = (Step.PROPOSE, Step.CONSULT, Step.DELIBERATE, Step.RESOLVE)
#: The steps whose meeting votes.
VOTES = (Step.DELIBERATE, Step.RESOLVE)
#: The two publications (两公开): their record is the text published.
PUBLICATIONS = (Step.PUBLISH_RESOLUTION, Step.PUBLISH_RESULT)


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def _refused():
    return Exists(StepRecord.objects.filter(matter=OuterRef("pk"), step=Step.REVIEW, approved=False))


def matters_for_user(user, action: str = VIEW) -> QuerySet[Matter]:
    """The matters ``user`` reads (or, with ``CHANGE``, may record steps of), each with
    ``refused``: whether the town's review did not approve it (it stops there)."""
    return restrict(
        Matter.objects.select_related("village", "town").annotate(refused=_refused()), user, action
    )


def with_steps(queryset: QuerySet[Matter]) -> QuerySet[Matter]:
    return queryset.prefetch_related(
        Prefetch("steps", queryset=StepRecord.objects.select_related("by").order_by("step"))
    )


def villages_for_matters(user) -> QuerySet[Village]:
    """The villages whose matters ``user`` may put forward: a village's cadres their own,
    the town office its town's (the matters' change rule, asked of villages: a matter not
    yet made has no row to restrict)."""
    scope = resolve_scope(user)
    villages = Village.objects.filter(deleted_at__isnull=True).select_related("town")
    if scope.is_superuser:
        return villages
    q = scope_q_paths(scope, CHANGE, paths=[("village", "id"), ("town", "town_id")], view=(), change=WRITERS)
    return villages.filter(q) if q is not None else villages.none()


def reviews_for(user) -> bool:
    """Whether ``user`` is a town office (or the superuser): who reviews (一审)."""
    scope = resolve_scope(user)
    return scope.is_superuser or Role.TOWN_OFFICE in scope.roles


def _reviewer_of(matter: Matter, actor) -> bool:
    scope = resolve_scope(actor)
    return scope.is_superuser or matter.town_id in scope.ids("town", [Role.TOWN_OFFICE])


def review_queue(user) -> QuerySet[Matter]:
    """The matters of the user's town waiting for the town's review (一审): deliberated
    (审议, step 3), nothing since."""
    if not reviews_for(user):
        return Matter.objects.none()
    return matters_for_user(user, CHANGE).filter(step=Step.DELIBERATE)


def settings_of(town_id: int) -> AffairsSettings:
    """The town's affairs settings; the defaults where it has set none."""
    return AffairsSettings.objects.filter(town_id=town_id).first() or DEFAULT_SETTINGS


def next_step(matter: Matter) -> Step | None:
    """The step to record next; None when the matter is done or stopped at its review."""
    if getattr(matter, "refused", None) is None:
        matter.refused = matter.steps.filter(step=Step.REVIEW, approved=False).exists()
    if matter.refused or matter.step == Step.PUBLISH_RESULT:
        return None
    return Step((matter.step or 0) + 1)


def published_matters(village: Village) -> QuerySet[Matter]:
    """A village's matters whose resolution is published (step 6 or 7), for the public
    page: with their two publications only."""
    return (
        Matter.objects.filter(village=village, deleted_at__isnull=True, step__gte=Step.PUBLISH_RESOLUTION)
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=StepRecord.objects.filter(step__in=PUBLICATIONS).order_by("step"),
                to_attr="publications",
            )
        )
        .order_by("-updated_at", "-id")
    )


class StepFilter(django_filters.ChoiceFilter):
    """The step reached; ``0``: put forward, no step recorded yet."""

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        return qs.filter(step__isnull=True) if str(value) == "0" else qs.filter(step=int(value))


class MatterFilter(django_filters.FilterSet):
    """Filters of the matters list and the API: town, village, kind, step reached
    (``0``: none yet)."""

    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=gettext_lazy("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=gettext_lazy("village"))
    kind = django_filters.ChoiceFilter(
        choices=MatterKind.choices, label=gettext_lazy("kind"), empty_label=gettext_lazy("All")
    )
    step = StepFilter(
        choices=[(0, gettext_lazy("No step yet")), *Step.choices],
        label=gettext_lazy("step reached"),
        empty_label=gettext_lazy("All"),
    )

    class Meta:
        model = Matter
        fields = ["town", "village", "kind", "step"]


# ---------------------------------------------------------------------------------------
# The law's numbers (中华人民共和国村民委员会组织法, as amended 2018)
# ---------------------------------------------------------------------------------------
#
# Art. 22: "召开村民会议，应当有本村十八周岁以上村民的过半数，或者本村三分之二以上的户的
#   代表参加，村民会议所作决定应当经到会人员的过半数通过。"
# Art. 26: "村民代表会议有三分之二以上的组成人员参加方可召开，所作决定应当经到会人员的
#   过半数同意。" (Art. 25 says who its members are: the village committee and the villager
#   representatives, who are at least four fifths of it.)
#
# How the words count. "过半数" is more than half: 10 of 20 is not a majority, 11 is.
# "以上" includes the number itself (本数) in Chinese statutes — 全国人大常委会法制工作
# 委员会《立法技术规范（试行）（一）》(2009) 第13条, and 民法典 art. 1259 in the same words — so
# "三分之二以上的组成人员" is met by exactly two thirds (20 of 30), and one fewer (19) is
# not. The rules are the functions below and nowhere else.


def _more_than_half(part: int, whole: int) -> bool:
    return 2 * part > whole


def _two_thirds_or_more(part: int, whole: int) -> bool:
    return 3 * part >= 2 * whole


def quorum_error(assembly: str, *, members: int, present: int) -> str | None:
    """Why a meeting of ``assembly`` with ``present`` of ``members`` cannot resolve; None
    when it can."""
    numbers = {"present": present, "members": members}
    if assembly == Assembly.REPRESENTATIVES and not _two_thirds_or_more(present, members):
        return _(
            "No quorum: %(present)d of the representatives' meeting's %(members)d members are present; "
            "it needs two thirds of its members or more (at least %(need)d, 村民委员会组织法 art. 26)."
        ) % {**numbers, "need": -(-2 * members // 3)}
    if assembly == Assembly.VILLAGERS and not _more_than_half(present, members):
        return _(
            "No quorum: %(present)d of %(members)d adult villagers are present; a villagers' meeting "
            "needs more than half of them (at least %(need)d, 村民委员会组织法 art. 22)."
        ) % {**numbers, "need": members // 2 + 1}
    if assembly == Assembly.HOUSEHOLDS and not _two_thirds_or_more(present, members):
        return _(
            "No quorum: representatives of %(present)d of %(members)d households are present; a "
            "villagers' meeting needs two thirds of the households or more (at least %(need)d, "
            "村民委员会组织法 art. 22)."
        ) % {**numbers, "need": -(-2 * members // 3)}
    return None


def majority_error(*, present: int, votes_for: int) -> str | None:
    """Why ``votes_for`` of ``present`` do not carry a decision; None when they do."""
    if _more_than_half(votes_for, present):
        return None
    return _(
        "Not carried: %(for)d of the %(present)d present voted for; a decision needs more than "
        "half of those present (at least %(need)d)."
    ) % {"for": votes_for, "present": present, "need": present // 2 + 1}


# ---------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Give the amount in yuan, as a number.")}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": _("Give the amount in yuan, as a number.")})
    return amount


@transaction.atomic
def matter_create(
    *,
    village: Village,
    kind: str,
    title: str,
    description: str,
    actor,
    amount: Decimal | int | str | None = None,
) -> Matter:
    """A village's major matter, put forward by its cadres or the town office; no step is
    taken yet (the party branch's proposal, 提议, is the first)."""
    if not villages_for_matters(actor).filter(pk=getattr(village, "pk", None)).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office put forward its matters."))
    errors: dict[str, str] = {}
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = _("Give the matter a title.")
    if not description:
        errors["description"] = _("Describe the matter: what is to be decided, and why.")
    if kind not in MatterKind.values:
        errors["kind"] = _("Choose what kind of major matter this is.")
    try:
        amount = _amount(amount)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        amount = None
    if kind == MatterKind.SPENDING and "amount" not in errors:
        threshold = settings_of(village.town_id).spending_threshold
        if amount is None:
            errors["amount"] = _("Give the amount to be spent.")
        elif amount <= threshold:  # major is spending above the threshold
            errors["amount"] = _(
                "%(amount)s yuan is not above the town's threshold of %(threshold)s yuan: only spending "
                "above it is a major matter; this is decided in the village's ordinary way."
            ) % {"amount": f"{amount:,.2f}", "threshold": f"{threshold:,.2f}"}
    if errors:
        raise ValidationError(errors)
    matter = Matter(
        village=village,
        town_id=village.town_id,
        kind=kind,
        title=title,
        description=description,
        amount=amount,
    )
    matter.full_clean()
    matter.save()
    audit.record(action=AuditAction.CREATE, instance=matter, actor=actor, after=audit.snapshot(matter))
    ensure_in_scope(instance=matter, actor=actor)
    return matter


def _count(errors: dict, name: str, value, label: str) -> int | None:
    """A whole number ≥ 0 from a form or a request, or a field error."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
        if str(value).strip().lstrip("+") != str(number) and not isinstance(value, int):
            raise ValueError
    except (TypeError, ValueError):
        errors[name] = _("%(label)s: give a whole number.") % {"label": label}
        return None
    if number < 0 or number > 10_000_000:
        errors[name] = _("%(label)s: give a whole number.") % {"label": label}
        return None
    return number


def _check_step(matter: Matter, record: StepRecord, raw: dict, actor) -> None:
    """Every rule of the next step, each a field error (nothing is written before)."""
    step = record.step
    if matter.refused:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "The town did not approve this matter at its review (一审): it stops there. "
                    "To try again, propose it afresh as a new matter."
                )
            },
            code="refused",
        )
    expected = next_step(matter)
    if expected is None:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("All seven steps of this matter are recorded.")}, code="done"
        )
    if step != expected:
        if step <= (matter.step or 0):
            message = _("The step “%(step)s” is already recorded; a step is recorded once.")
        elif step == Step.RESOLVE:
            message = _(
                "The villagers cannot resolve before the town has reviewed and approved the matter "
                "(一审); the next step is “%(next)s”."
            )
        elif step == Step.PUBLISH_RESULT and expected <= Step.PUBLISH_RESOLUTION:
            message = _("The result is published after the resolution; the next step is “%(next)s”.")
        else:
            message = _("Steps are recorded in their order: the next step is “%(next)s”.")
        raise ValidationError(
            {"step": message % {"step": Step(step).label, "next": expected.label}}, code="order"
        )
    if step == Step.REVIEW and not _reviewer_of(matter, actor):
        raise PermissionDenied(_("Only the town office reviews a village's major matters (一审)."))

    errors: dict[str, str] = {}
    date = record.date
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        errors["date"] = _("Give the date of this step.")
    elif date > timezone.localdate():
        errors["date"] = _("A step is recorded once it is taken: the date is still to come.")
    else:
        last = matter.steps.order_by("-step").values_list("date", flat=True).first()
        if last is not None and date < last:
            errors["date"] = _("This step cannot come before the previous one (%(date)s).") % {
                "date": last.isoformat()
            }
    record.note = (record.note or "").strip()
    if not record.note:
        errors["note"] = (
            _("Give the text published.")
            if step in PUBLICATIONS
            else _("Give the town's opinion.")
            if step == Step.REVIEW
            else _("Record what was proposed, discussed or decided.")
        )

    labels = {
        "members": _("members of the body"),
        "present": _("present"),
        "votes_for": _("for"),
        "votes_against": _("against"),
        "abstentions": _("abstentions"),
    }
    counts = {name: _count(errors, name, raw.get(name), str(label)) for name, label in labels.items()}
    if step in MEETINGS:
        for name in ("members", "present"):
            if counts[name] is None and name not in errors:
                errors[name] = _("%(label)s: give the number.") % {"label": labels[name]}
        if counts["members"] == 0:
            errors["members"] = _("A meeting's body has at least one member.")
        if counts["members"] and counts["present"] is not None and counts["present"] > counts["members"]:
            errors["present"] = _("More present (%(present)d) than the body has members (%(members)d).") % {
                "present": counts["present"],
                "members": counts["members"],
            }
    if step == Step.RESOLVE:
        if record.assembly not in Assembly.values:
            errors["assembly"] = _(
                "Say which meeting resolved: the villager representatives' or the villagers'."
            )
        if counts["votes_for"] is None and "votes_for" not in errors:
            errors["votes_for"] = _("Give the votes for.")
    if step in VOTES:
        present, votes = counts["present"], [counts[n] for n in ("votes_for", "votes_against", "abstentions")]
        if present is not None and "votes_for" not in errors and sum(v or 0 for v in votes) > present:
            errors["votes_for"] = _("More votes (%(votes)d) than people present (%(present)d).") % {
                "votes": sum(v or 0 for v in votes),
                "present": present,
            }
    else:
        for name in ("votes_for", "votes_against", "abstentions"):
            counts[name] = None
    if step not in MEETINGS:
        counts["members"] = counts["present"] = None
    if step == Step.REVIEW:
        if not isinstance(record.approved, bool):
            errors["approved"] = _("Say whether the town approves the matter.")
    else:
        record.approved = None
    if step != Step.RESOLVE:
        record.assembly = ""
    if errors:
        raise ValidationError(errors)
    for name, value in counts.items():
        setattr(record, name, value)

    # The law's numbers, once the figures are sound.
    if step == Step.RESOLVE:
        no_quorum = quorum_error(record.assembly, members=record.members, present=record.present)
        if no_quorum:
            raise ValidationError({"present": no_quorum}, code="quorum")
    if step in VOTES and record.votes_for is not None:
        not_carried = majority_error(present=record.present, votes_for=record.votes_for)
        if not_carried:
            raise ValidationError({"votes_for": not_carried}, code="majority")
    record.full_clean(exclude=["matter", "by"])


@transaction.atomic
def step_record(
    *,
    matter: Matter,
    step: int,
    date: datetime.date,
    note: str,
    actor,
    assembly: str = "",
    members: int | None = None,
    present: int | None = None,
    votes_for: int | None = None,
    votes_against: int | None = None,
    abstentions: int | None = None,
    approved: bool | None = None,
) -> StepRecord:
    """Append the matter's next step. Its figures: ``members`` and ``present`` for the
    meetings (steps 1, 2, 3 and 5), the votes for 3 (if the party members' meeting votes)
    and 5, ``assembly`` for 5, ``approved`` for the town's review (4), the published text
    as ``note`` for 6 and 7. Anything else given is not kept."""
    if not matters_for_user(actor, CHANGE).filter(pk=matter.pk).exists():
        raise PermissionDenied(_("Only the village's cadres and its town office record this matter's steps."))
    # The lock: two people recording the same step at once — the second waits, then is
    # told the step is already recorded.
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    matter.refused = matter.steps.filter(step=Step.REVIEW, approved=False).exists()
    try:
        step = int(step)
        Step(step)
    except (TypeError, ValueError):
        raise ValidationError({"step": _("Choose one of the seven steps.")}) from None
    raw = {
        "members": members,
        "present": present,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "abstentions": abstentions,
    }
    record = StepRecord(
        matter=matter, step=step, date=date, note=note, assembly=assembly or "", approved=approved, by=actor
    )
    _check_step(matter, record, raw, actor)
    before = audit.snapshot(matter)
    record.save()
    matter.step = step
    matter.save(update_fields=["step", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=matter,
        actor=actor,
        before=before,
        after=audit.snapshot(matter),
        extra={"step": audit.snapshot(record)},
    )
    ensure_in_scope(instance=matter, actor=actor)
    return record
