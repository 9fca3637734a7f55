"""Who answers for every household (三包, 十户一员, 三长五员): the responsibility map kept by
the town office, the informant networks and the compound teams with their public card.

Reads (each through ``restrict``; lists run a constant number of queries):
:func:`responsibilities_for_user`, :func:`who_answers` (a household's people at each
level), :func:`my_links` and :func:`my_households` ("which households are mine"),
:func:`map_overview` (coverage, leaders, cadres and gaps per village and grid),
:func:`informant_groups_with_figures` (informants and their reports per group),
:func:`posts_for_user` and :func:`service_card` (the public card, no log-in).

Writes (atomic, audited, re-checked against the actor's scope): :func:`responsibility_assign`
(a new link; the current link of the same place is closed, ``until`` = the new one's
start, today by default), :func:`responsibility_close`,
:func:`responsibility_assign_grid` (one person for every household of a grid, set-based),
:func:`informant_group_create`, :func:`informant_create`, :func:`informant_close`,
:func:`service_post_create`, :func:`service_post_close`.

Decisions taken here:

* A link is never edited in place of who: reassigning closes the current link of the same
  place (village, area or household) with ``until`` = today and opens a new one from today.
  The old link stays in the history.
* A party member named on a link must be of the link's village; their account (a party
  member's membership) is taken as the link's account, so "mine" works for them.
* The area level is a grid of the village (a first- or second-level grid); a household's
  area cadres are those of its grid and of its grid's parent.
* An informant's reports are the cases whose ``reported_by`` is the informant's account,
  counted by the day they were reported.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import audit
from governance.choices import AuditAction, Role
from governance.models import User
from governance.scoping import CHANGE, VIEW, resolve_scope, restrict, scope_q_paths
from governance.services import ensure_in_scope
from grids.models import Grid, Household, PartyMember, Resident, Village

from .choices import InformantGroupKind, Level, Post
from .models import Informant, InformantGroup, Responsibility, ServicePost
from .policies import READERS

ID_MAX = 2**63 - 1
#: Households one informant looks after: about ten (十户一员); more than this is refused.
MAX_INFORMANT_HOUSEHOLDS = 30
DUTIES = ("education", "service", "joint_defence")


def id_param(value) -> int | None:
    """``value`` as an id (1..ID_MAX), or None (a bad or huge id is "no such row")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= ID_MAX else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= ID_MAX else None


def _live(qs):
    return qs.filter(deleted_at__isnull=True)


def current_q(prefix: str = "") -> Q:
    """Links (or informants, posts) held today: open, or ending later than today."""
    return Q(**{f"{prefix}until__isnull": True})


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


def responsibilities_for_user(user, action: str = VIEW) -> QuerySet[Responsibility]:
    return restrict(
        _live(Responsibility.objects.select_related("village", "grid", "household", "household__grid")),
        user,
        action,
    )


def keeps_map(user) -> bool:
    """Whether ``user`` keeps a responsibility map (the town office, the superuser)."""
    scope = resolve_scope(user)
    return scope.is_superuser or Role.TOWN_OFFICE in scope.roles


def villages_kept_by(user) -> QuerySet[Village]:
    """The villages whose map, informants and posts ``user`` keeps: the town office its
    town's (the models' change rule, asked of villages)."""
    scope = resolve_scope(user)
    villages = _live(Village.objects.select_related("town"))
    if scope.is_superuser:
        return villages
    q = scope_q_paths(
        scope, CHANGE, paths=[("village", "id"), ("town", "town_id")], view=(), change={Role.TOWN_OFFICE}
    )
    return villages.filter(q) if q is not None else villages.none()


def villages_read_by(user) -> QuerySet[Village]:
    """The villages whose map ``user`` reads as a whole (office, supervisors, a village's
    cadres, an officer's villages)."""
    scope = resolve_scope(user)
    villages = _live(Village.objects.select_related("town"))
    if scope.is_superuser:
        return villages
    q = scope_q_paths(scope, VIEW, paths=[("village", "id"), ("town", "town_id")], view=READERS, change=())
    return villages.filter(q) if q is not None else villages.none()


def household_for_user(user, pk) -> Household | None:
    """The household ``pk`` if ``user`` reads it, or a link of theirs names it."""
    pk = id_param(pk)
    if pk is None:
        return None
    households = _live(Household.objects.select_related("village", "grid", "grid__parent", "town"))
    found = restrict(households, user, VIEW).filter(pk=pk).first()
    if found is None and user.is_authenticated:
        mine = (
            responsibilities_for_user(user)
            .filter(current_q())
            .filter(
                Q(household_id=pk)
                | Q(level=Level.AREA, grid__households__pk=pk)
                | Q(level=Level.AREA, grid__children__households__pk=pk)
                | Q(level=Level.VILLAGE, village__households__pk=pk)
            )
        )
        if mine.exists():
            found = households.filter(pk=pk).first()
    return found


def _household_links_q(household: Household) -> Q:
    grids = [g for g in (household.grid_id, household.grid.parent_id if household.grid_id else None) if g]
    return (
        Q(level=Level.VILLAGE, village_id=household.village_id)
        | Q(level=Level.AREA, grid_id__in=grids)
        | Q(level=Level.HOUSEHOLD, household_id=household.pk)
    )


def who_answers(household: Household) -> dict:
    """The people answering for ``household`` today, by level, and the history of its own
    links (closed ones too). Two queries. The household is one the caller may read."""
    links = list(
        _live(Responsibility.objects.select_related("grid"))
        .filter(_household_links_q(household), current_q())
        .order_by("level", "grid__level", "-since", "-id")
    )
    history = list(_live(Responsibility.objects.filter(household_id=household.pk)).order_by("-since", "-id"))
    return {
        "village": [r for r in links if r.level == Level.VILLAGE],
        "area": [r for r in links if r.level == Level.AREA],
        "household": [r for r in links if r.level == Level.HOUSEHOLD],
        "history": history,
    }


def my_links(user) -> QuerySet[Responsibility]:
    """The current links naming ``user``'s account."""
    if not user.is_authenticated:
        return Responsibility.objects.none()
    return (
        _live(Responsibility.objects.select_related("village", "grid", "household", "household__grid"))
        .filter(current_q(), user_id=user.pk)
        .order_by("level", "village__code", "grid__code", "household__number")
    )


def my_households(user, limit: int = 1000) -> dict:
    """ "Which households are mine": the user's current links and the households they
    answer for — a household link's own household, an area's households (its grid and its
    child grids), and, for a village link, the village's count only (a village is too many
    to list). Three queries."""
    links = list(my_links(user))
    grid_ids = {r.grid_id for r in links if r.level == Level.AREA}
    direct = [r.household for r in links if r.level == Level.HOUSEHOLD]
    area: list[Household] = []
    if grid_ids:
        area = list(
            _live(Household.objects.select_related("grid", "village"))
            .filter(Q(grid_id__in=grid_ids) | Q(grid__parent_id__in=grid_ids))
            .order_by("grid__code", "number")[:limit]
        )
    village_ids = {r.village_id for r in links if r.level == Level.VILLAGE}
    counts = {}
    if village_ids:
        counts = dict(
            _live(Household.objects.filter(village_id__in=village_ids))
            .values_list("village_id")
            .annotate(n=Count("id"))
            .values_list("village_id", "n")
        )
    for r in links:
        r.household_count = counts.get(r.village_id, 0) if r.level == Level.VILLAGE else None
    seen: set[int] = set()
    households = []
    for h in [*direct, *area]:
        if h is not None and h.pk not in seen and h.deleted_at is None:
            seen.add(h.pk)
            households.append(h)
    return {"links": links, "households": households}


def _covered() -> Exists:
    return Exists(
        Responsibility.objects.filter(
            household_id=OuterRef("pk"), level=Level.HOUSEHOLD, until__isnull=True, deleted_at__isnull=True
        )
    )


def map_overview(user, *, village=None, gaps_per_grid: int = 30) -> list[dict]:
    """Per village the user reads: households, covered (with a current household link),
    coverage, the village leaders, the area cadres, and per grid the households without
    anyone (the gaps, the first ``gaps_per_grid`` listed). Five queries."""
    villages = villages_read_by(user).order_by("code")
    if village is not None:
        villages = villages.filter(pk=village.pk)
    villages = list(villages)
    ids = [v.pk for v in villages]
    if not ids:
        return []
    grids = list(_live(Grid.objects.filter(village_id__in=ids)).order_by("code"))
    counts = (
        _live(Household.objects.filter(village_id__in=ids))
        .annotate(covered=_covered())
        .values("village_id", "grid_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(covered=True)))
        .order_by()
    )
    by_grid = {(row["village_id"], row["grid_id"]): row for row in counts}
    links = list(
        _live(Responsibility.objects.select_related("grid"))
        .filter(village_id__in=ids, level__in=[Level.VILLAGE, Level.AREA], until__isnull=True)
        .order_by("grid__code", "-since")
    )
    gap_rows = (
        _live(Household.objects.filter(village_id__in=ids))
        .annotate(covered=_covered())
        .filter(covered=False)
        .order_by("grid_id", "number")
        .values_list("pk", "number", "grid_id")
    )
    gaps: dict[int, list] = defaultdict(list)
    for pk, number, grid_id in gap_rows[: gaps_per_grid * max(len(grids), 1) * 4]:
        if len(gaps[grid_id]) < gaps_per_grid:
            gaps[grid_id].append((pk, number))
    out = []
    for v in villages:
        rows = []
        total = covered = 0
        for g in (g for g in grids if g.village_id == v.pk):
            row = by_grid.get((v.pk, g.pk), {"n": 0, "done": 0})
            total += row["n"]
            covered += row["done"]
            rows.append(
                {
                    "grid": g,
                    "households": row["n"],
                    "covered": row["done"],
                    "missing": row["n"] - row["done"],
                    "cadres": [r for r in links if r.level == Level.AREA and r.grid_id == g.pk],
                    "gaps": gaps.get(g.pk, []),
                }
            )
        out.append(
            {
                "village": v,
                "households": total,
                "covered": covered,
                "coverage": round(100 * covered / total) if total else 0,
                "leaders": [r for r in links if r.level == Level.VILLAGE and r.village_id == v.pk],
                "grids": rows,
            }
        )
    return out


class ResponsibilityFilter(django_filters.FilterSet):
    """Filters of the API: village, level, household, current only, and ``user=mine``."""

    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=gettext_lazy("village"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=gettext_lazy("level"))
    household = django_filters.ModelChoiceFilter(
        queryset=Household.objects.all(), label=gettext_lazy("household")
    )
    current = django_filters.BooleanFilter(method="filter_current", label=gettext_lazy("current only"))
    user = django_filters.ChoiceFilter(
        choices=[("mine", gettext_lazy("mine"))], method="filter_user", label=gettext_lazy("account")
    )

    class Meta:
        model = Responsibility
        fields = ["village", "level", "household", "current", "user"]

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(until__isnull=True) if value else qs.filter(until__isnull=False)

    def filter_user(self, qs, name, value):
        if value == "mine":
            user = getattr(self.request, "user", None)
            return qs.filter(user_id=getattr(user, "pk", None) or 0)
        return qs


# ---------------------------------------------------------------------------------------
# Writes: the responsibility map
# ---------------------------------------------------------------------------------------


def _kept(village, actor) -> Village:
    if village is None or not villages_kept_by(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("Only the town office keeps the responsibility map of its villages."))
    return village


def _account_of(member: PartyMember) -> User | None:
    return (
        User.objects.filter(
            memberships__party_member=member,
            memberships__role=Role.PARTY_MEMBER,
            memberships__deleted_at__isnull=True,
            is_active=True,
        )
        .order_by("pk")
        .first()
    )


def _person(errors: dict, *, village, name, phone, user, party_member) -> tuple[str, str, User | None]:
    """The link's person: a name (from the party member or account when not given), a
    phone (the account's when not given) and the account; a party member must be of the
    village."""
    name, phone = (name or "").strip(), (phone or "").strip()
    if party_member is not None:
        if party_member.village_id != village.pk or party_member.deleted_at is not None:
            errors["party_member"] = _("The party member must be of the village %(village)s.") % {
                "village": village.name
            }
        else:
            name = name or party_member.resident.name
            if user is None:
                user = _account_of(party_member)
    if user is not None:
        if not user.is_active:
            errors["user"] = _("This account is not active.")
        name = name or str(user)[:32]
        phone = phone or getattr(user, "phone", "") or ""
    if not name:
        errors["name"] = _("Name the person: choose an account or a party member, or give a name.")
    elif len(name) > 32:
        errors["name"] = _("A name has at most 32 characters.")
    if len(phone) > 32:
        errors["phone"] = _("A phone number has at most 32 characters.")
    return name, phone, user


def _since(errors: dict, since) -> datetime.date:
    today = timezone.localdate()
    if since in (None, ""):
        return today
    if not isinstance(since, datetime.date) or isinstance(since, datetime.datetime):
        errors["since"] = _("Give the day the link starts.")
        return today
    if since > today:
        errors["since"] = _("A link starts today or earlier.")
    elif since < datetime.date(2000, 1, 1):
        errors["since"] = _("A link starts in 2000 or later.")
    return since


def _place_q(level, village, grid, household) -> Q:
    if level == Level.VILLAGE:
        return Q(level=level, village_id=village.pk)
    if level == Level.AREA:
        return Q(level=level, grid_id=grid.pk)
    return Q(level=level, household_id=household.pk)


@transaction.atomic
def responsibility_assign(
    *,
    village: Village,
    level: str,
    actor,
    grid: Grid | None = None,
    household: Household | None = None,
    name: str = "",
    title: str = "",
    phone: str = "",
    user: User | None = None,
    party_member: PartyMember | None = None,
    education: bool = True,
    service: bool = True,
    joint_defence: bool = True,
    since: datetime.date | None = None,
) -> Responsibility:
    """Name who answers for a village (a town leader), an area (a cadre; a grid of the
    village) or a household (a party member or grid worker), with the three duties. The
    current link of the same place is closed (``until`` = the new link's start) and the
    new one opened: who answers is never edited in place."""
    _kept(village, actor)
    # Two office clerks reassigning the same place at once: the second waits here, then
    # closes the first's new link.
    village = Village.objects.select_for_update().get(pk=village.pk)
    errors: dict[str, str] = {}
    if level not in Level.values:
        errors["level"] = _("Choose the level: village, group or area, or household.")
    if level == Level.AREA:
        if grid is None:
            errors["grid"] = _("Choose the group or area (a grid of the village).")
        elif grid.village_id != village.pk or grid.deleted_at is not None:
            errors["grid"] = _("The grid must belong to the village %(village)s.") % {"village": village.name}
    if level == Level.HOUSEHOLD:
        if household is None:
            errors["household"] = _("Choose the household.")
        elif household.village_id != village.pk or household.deleted_at is not None:
            errors["household"] = _("The household must belong to the village %(village)s.") % {
                "village": village.name
            }
    name, phone, user = _person(
        errors, village=village, name=name, phone=phone, user=user, party_member=party_member
    )
    title = (title or "").strip()
    if len(title) > 64:
        errors["title"] = _("A post has at most 64 characters.")
    since = _since(errors, since)
    if not (education or service or joint_defence):
        errors["education"] = _("Give the link at least one of the three duties.")
    if errors:
        raise ValidationError(errors)
    place = _place_q(level, village, grid, household)
    old = list(
        _live(Responsibility.objects.select_for_update()).filter(place, current_q()).order_by("since", "id")
    )
    for link in old:
        if since < link.since:
            raise ValidationError(
                {
                    "since": _("The current link starts on %(date)s: the new one cannot start before it.")
                    % {"date": link.since.isoformat()}
                }
            )
    link = Responsibility(
        village=village,
        town_id=village.town_id,
        level=level,
        grid=grid if level == Level.AREA else None,
        household=household if level == Level.HOUSEHOLD else None,
        name=name,
        title=title,
        phone=phone,
        user=user,
        party_member=party_member,
        education=bool(education),
        service=bool(service),
        joint_defence=bool(joint_defence),
        since=since,
    )
    link.full_clean()
    for previous in old:
        before = audit.snapshot(previous)
        previous.until = since
        previous.save(update_fields=["until", "updated_at"])
        audit.record(
            action=AuditAction.UPDATE,
            instance=previous,
            actor=actor,
            before=before,
            after=audit.snapshot(previous),
        )
    link.save()
    audit.record(
        action=AuditAction.CREATE,
        instance=link,
        actor=actor,
        after=audit.snapshot(link),
        extra={"replaces": [p.pk for p in old]} if old else None,
    )
    ensure_in_scope(instance=link, actor=actor)
    return link


@transaction.atomic
def responsibility_close(
    *, responsibility: Responsibility, actor, until: datetime.date | None = None
) -> Responsibility:
    """End a link (nobody in its place until someone is assigned)."""
    if not responsibilities_for_user(actor, CHANGE).filter(pk=responsibility.pk).exists():
        raise PermissionDenied(_("Only the town office keeps the responsibility map of its villages."))
    link = Responsibility.objects.select_for_update().get(pk=responsibility.pk)
    if link.until is not None:
        raise ValidationError({NON_FIELD_ERRORS: _("This link is already closed.")})
    until = until or timezone.localdate()
    if until < link.since:
        raise ValidationError({"until": _("The end is before the start.")})
    before = audit.snapshot(link)
    link.until = until
    link.save(update_fields=["until", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=link, actor=actor, before=before, after=audit.snapshot(link)
    )
    ensure_in_scope(instance=link, actor=actor)
    return link


def grid_households(grid: Grid) -> QuerySet[Household]:
    """A grid's households with those of its child grids."""
    return _live(Household.objects.filter(Q(grid_id=grid.pk) | Q(grid__parent_id=grid.pk)))


@transaction.atomic
def responsibility_assign_grid(
    *,
    grid: Grid,
    actor,
    name: str = "",
    title: str = "",
    phone: str = "",
    user: User | None = None,
    party_member: PartyMember | None = None,
    education: bool = True,
    service: bool = True,
    joint_defence: bool = True,
    only_gaps: bool = False,
) -> int:
    """One person for every household of ``grid`` (with its child grids), in one action:
    the current household links there are closed today (all, or none with ``only_gaps``,
    which fills only the households nobody answers for) and new ones opened. Set-based:
    one update, one insert, one audit insert per kind. The number of links opened."""
    if grid is None:
        raise ValidationError({"grid": _("Choose the grid.")})
    village = _kept(Village.objects.filter(pk=grid.village_id).first(), actor)
    village = Village.objects.select_for_update().get(pk=village.pk)
    errors: dict[str, str] = {}
    name, phone, user = _person(
        errors, village=village, name=name, phone=phone, user=user, party_member=party_member
    )
    title = (title or "").strip()
    if len(title) > 64:
        errors["title"] = _("A post has at most 64 characters.")
    if not (education or service or joint_defence):
        errors["education"] = _("Give the link at least one of the three duties.")
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    households = grid_households(grid)
    current = _live(Responsibility.objects).filter(
        level=Level.HOUSEHOLD, household__in=households.values("pk"), until__isnull=True
    )
    if only_gaps:
        households = households.exclude(pk__in=current.values("household_id"))
        closing = []
    else:
        if current.filter(since__gt=today).exists():
            raise ValidationError({NON_FIELD_ERRORS: _("A link of this grid starts after today.")})
        closing = list(current.select_for_update())
        current.update(until=today, updated_at=timezone.now())
        for link in closing:
            link.until = today
    ids = list(households.order_by("pk").values_list("pk", flat=True))
    links = [
        Responsibility(
            village_id=village.pk,
            town_id=village.town_id,
            level=Level.HOUSEHOLD,
            household_id=pk,
            name=name,
            title=title,
            phone=phone,
            user=user,
            party_member=party_member,
            education=bool(education),
            service=bool(service),
            joint_defence=bool(joint_defence),
            since=today,
        )
        for pk in ids
    ]
    created = Responsibility.objects.bulk_create(links, batch_size=1000)
    if closing:
        audit.record_many(action=AuditAction.UPDATE, instances=closing, actor=actor)
    if created and created[0].pk is None:  # a database that does not return the ids
        created = list(
            Responsibility.objects.filter(level=Level.HOUSEHOLD, household_id__in=ids, until__isnull=True)
        )
    audit.record_many(action=AuditAction.CREATE, instances=created, actor=actor)
    if created:
        ensure_in_scope(instance=created[0], actor=actor)
    return len(created)


# ---------------------------------------------------------------------------------------
# Informants (十户一员、十员一组)
# ---------------------------------------------------------------------------------------


def informant_groups_for_user(user, action: str = VIEW) -> QuerySet[InformantGroup]:
    return restrict(_live(InformantGroup.objects.select_related("village", "town")), user, action)


def informants_for_user(user, action: str = VIEW) -> QuerySet[Informant]:
    return restrict(_live(Informant.objects.select_related("group", "group__village")), user, action)


def towns_kept_by(user):
    from grids.models import Town

    scope = resolve_scope(user)
    towns = _live(Town.objects.all())
    if scope.is_superuser:
        return towns
    return towns.filter(pk__in=scope.ids("town", [Role.TOWN_OFFICE]))


def informant_groups_with_figures(user, *, start: datetime.date, end: datetime.date) -> list[InformantGroup]:
    """The groups ``user`` reads, each with ``informant_count`` (current), ``reporting``
    (informants who reported), ``reports`` (cases reported from ``start`` to ``end``) and
    ``kinds`` [(kind, n)]. Three queries."""
    from cases.models import Case

    groups = list(
        informant_groups_for_user(user)
        .annotate(
            informant_count=Count(
                "informants", filter=Q(informants__until__isnull=True, informants__deleted_at__isnull=True)
            )
        )
        .order_by("kind", "name")
    )
    members = list(
        _live(
            Informant.objects.filter(group__in=[g.pk for g in groups], until__isnull=True, user__isnull=False)
        ).values_list("group_id", "user_id")
    )
    users = {u for _g, u in members}
    rows = []
    if users:
        lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=timezone.get_current_timezone())
        hi = datetime.datetime.combine(
            end + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_current_timezone()
        )
        rows = list(
            # the cases the reader may read, whoever reported them (restrict: no figure
            # from another village's or town's cases)
            restrict(Case.objects.all(), user)
            .filter(reported_by_id__in=users, created_at__gte=lo, created_at__lt=hi)
            .values("reported_by_id", "kind__name")
            .annotate(n=Count("id"))
            .order_by()
        )
    by_user: dict[int, list] = defaultdict(list)
    for row in rows:
        by_user[row["reported_by_id"]].append((row["kind__name"], row["n"]))
    group_users: dict[int, set] = defaultdict(set)
    for g, u in members:
        group_users[g].add(u)
    for g in groups:
        kinds: dict[str, int] = defaultdict(int)
        reporting = 0
        for u in group_users.get(g.pk, ()):
            if by_user.get(u):
                reporting += 1
            for kind, n in by_user.get(u, ()):
                kinds[kind] += n
        g.reporting = reporting
        g.reports = sum(kinds.values())
        g.kinds = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
    return groups


@transaction.atomic
def informant_group_create(
    *, town, kind: str, name: str, actor, village: Village | None = None, leader: str = ""
) -> InformantGroup:
    """A group of informants (十员一组): of a village, or a trade group across the town."""
    if town is None or not towns_kept_by(actor).filter(pk=town.pk).exists():
        raise PermissionDenied(_("Only the town office keeps its informant groups."))
    errors: dict[str, str] = {}
    name, leader = (name or "").strip(), (leader or "").strip()
    if kind not in InformantGroupKind.values:
        errors["kind"] = _("Choose the kind of group.")
    if kind == InformantGroupKind.VILLAGE and village is None:
        errors["village"] = _("A village's group names its village.")
    if village is not None and village.town_id != town.pk:
        errors["village"] = _("The village must be of the town %(town)s.") % {"town": town.name}
    if not name:
        errors["name"] = _("Give the group a name.")
    if errors:
        raise ValidationError(errors)
    group = InformantGroup(town=town, kind=kind, village=village, name=name, leader=leader)
    group.full_clean()
    group.save()
    audit.record(action=AuditAction.CREATE, instance=group, actor=actor, after=audit.snapshot(group))
    ensure_in_scope(instance=group, actor=actor)
    return group


@transaction.atomic
def informant_create(
    *,
    group: InformantGroup,
    name: str,
    actor,
    phone: str = "",
    user: User | None = None,
    resident: Resident | None = None,
    households=(),
    since: datetime.date | None = None,
) -> Informant:
    """An informant (十户一员) with the households they look after (about ten), of the
    group's village (or the town's, for a trade group)."""
    if not informant_groups_for_user(actor, CHANGE).filter(pk=getattr(group, "pk", None)).exists():
        raise PermissionDenied(_("Only the town office keeps its informant groups."))
    errors: dict[str, str] = {}
    name, phone = (name or "").strip(), (phone or "").strip()
    if resident is not None:
        name = name or resident.name
        if resident.town_id != group.town_id:
            errors["resident"] = _("The resident must be of the town.")
    if user is not None:
        name = name or str(user)[:32]
        phone = phone or user.phone
    if not name:
        errors["name"] = _("Give the informant's name.")
    households = list(households or [])
    if len(households) > MAX_INFORMANT_HOUSEHOLDS:
        errors["households"] = _("An informant looks after about ten households, at most %(n)d.") % {
            "n": MAX_INFORMANT_HOUSEHOLDS
        }
    wrong = [
        h.number
        for h in households
        if h.town_id != group.town_id or (group.village_id and h.village_id != group.village_id)
    ]
    if wrong:
        errors["households"] = _("These households are not of the group's village: %(numbers)s.") % {
            "numbers": ", ".join(wrong[:10])
        }
    since = _since(errors, since)
    if errors:
        raise ValidationError(errors)
    informant = Informant(
        town_id=group.town_id, group=group, name=name, phone=phone, user=user, resident=resident, since=since
    )
    informant.full_clean()
    informant.save()
    informant.households.set(households)
    audit.record(
        action=AuditAction.CREATE,
        instance=informant,
        actor=actor,
        after=audit.snapshot(informant),
        extra={"households": [h.pk for h in households]},
    )
    ensure_in_scope(instance=informant, actor=actor)
    return informant


@transaction.atomic
def informant_close(*, informant: Informant, actor) -> Informant:
    if not informants_for_user(actor, CHANGE).filter(pk=informant.pk).exists():
        raise PermissionDenied(_("Only the town office keeps its informant groups."))
    informant = Informant.objects.select_for_update().get(pk=informant.pk)
    if informant.until is not None:
        raise ValidationError({NON_FIELD_ERRORS: _("This informant is already closed.")})
    before = audit.snapshot(informant)
    informant.until = max(timezone.localdate(), informant.since)
    informant.save(update_fields=["until", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE,
        instance=informant,
        actor=actor,
        before=before,
        after=audit.snapshot(informant),
    )
    return informant


# ---------------------------------------------------------------------------------------
# Compound teams (党员楼道长, 三长五员) and the public service card
# ---------------------------------------------------------------------------------------


def posts_for_user(user, action: str = VIEW) -> QuerySet[ServicePost]:
    return restrict(_live(ServicePost.objects.select_related("grid", "village")), user, action)


def grids_kept_by(user) -> QuerySet[Grid]:
    return _live(Grid.objects.select_related("village")).filter(village__in=villages_kept_by(user))


@transaction.atomic
def service_post_create(
    *,
    grid: Grid,
    post: str,
    name: str,
    phone: str,
    handles: str,
    actor,
    building: str = "",
    user: User | None = None,
    party_member: PartyMember | None = None,
    since: datetime.date | None = None,
) -> ServicePost:
    """A post of a compound's team, shown on its public service card."""
    if grid is None:
        raise ValidationError({"grid": _("Choose the compound.")})
    village = _kept(Village.objects.filter(pk=grid.village_id).first(), actor)
    errors: dict[str, str] = {}
    name, phone, handles, building = (
        (name or "").strip(),
        (phone or "").strip(),
        (handles or "").strip(),
        (building or "").strip(),
    )
    if post not in Post.values:
        errors["post"] = _("Choose the post.")
    if post == Post.STAIRWELL and party_member is None:
        errors["party_member"] = _("A stairwell leader (党员楼道长) is a party member: choose them.")
    if party_member is not None:
        if party_member.village_id != village.pk:
            errors["party_member"] = _("The party member must be of the village %(village)s.") % {
                "village": village.name
            }
        else:
            name = name or party_member.resident.name
    if not name:
        errors["name"] = _("Give the name shown on the card.")
    if not phone:
        errors["phone"] = _("Give the contact phone shown on the card.")
    if not handles:
        errors["handles"] = _("Say what this post handles.")
    since = _since(errors, since)
    if errors:
        raise ValidationError(errors)
    row = ServicePost(
        village=village,
        town_id=village.town_id,
        grid=grid,
        post=post,
        building=building,
        name=name,
        phone=phone,
        handles=handles,
        user=user,
        party_member=party_member,
        since=since,
    )
    row.full_clean()
    row.save()
    audit.record(action=AuditAction.CREATE, instance=row, actor=actor, after=audit.snapshot(row))
    ensure_in_scope(instance=row, actor=actor)
    return row


@transaction.atomic
def service_post_close(*, post: ServicePost, actor) -> ServicePost:
    if not posts_for_user(actor, CHANGE).filter(pk=post.pk).exists():
        raise PermissionDenied(_("Only the town office keeps the compounds' teams."))
    post = ServicePost.objects.select_for_update().get(pk=post.pk)
    if post.until is not None:
        raise ValidationError({NON_FIELD_ERRORS: _("This post is already closed.")})
    before = audit.snapshot(post)
    post.until = max(timezone.localdate(), post.since)
    post.save(update_fields=["until", "updated_at"])
    audit.record(
        action=AuditAction.UPDATE, instance=post, actor=actor, before=before, after=audit.snapshot(post)
    )
    return post


def service_card(code: str) -> tuple[Grid | None, list[ServicePost]]:
    """A compound's public card: the grid and its current posts (public by design: the
    card is posted in the compound). Two queries."""
    grid = _live(Grid.objects.select_related("village", "village__town")).filter(code=code).first()
    if grid is None:
        return None, []
    posts = list(
        _live(ServicePost.objects.filter(grid=grid, until__isnull=True)).order_by("post", "building", "name")
    )
    order = {value: i for i, value in enumerate(Post.values)}
    posts.sort(key=lambda p: (order.get(p.post, 99), p.building, p.name))
    return grid, posts
