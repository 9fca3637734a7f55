"""The one place that decides which rows a user may see and change.

Every queryset that leaves the server — REST API, admin, pages, exports — goes through
:func:`restrict`. The rules come from two tables:

* ``Policy.paths``: for each model, the lookups from the model to the areas above it,
  most specific first (e.g. a household: itself, its grid, its village, its town);
* ``Policy.view`` / ``Policy.change``: which roles may read or write the model.

A membership has a *reach*: its own area and the areas above it (a grid worker of grid G
reaches G and its second-level grids, G's village, G's town). A user sees a row when, for
one of their memberships whose role the policy admits, the row's most specific path that
the membership reaches holds the membership's area. So a grid worker sees the households
of their grid, their own village (but not its other grids' households) and their town's
name; a town office sees everything in its town. Anything else does not exist: 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.utils.module_loading import autodiscover_modules

from .choices import Role

VIEW, CHANGE = "view", "change"
ALL_ROLES = frozenset(Role.values)
# Short names of the roles, for the policies of every app.
OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, MEMBER, CLIENT = (
    Role.TOWN_OFFICE,
    Role.SUPERVISOR,
    Role.VILLAGE_CADRE,
    Role.GRID_WORKER,
    Role.DEPARTMENT,
    Role.PARTY_MEMBER,
    Role.API_CLIENT,
)


@dataclass
class Reach:
    """One membership's role and the ids of the areas it reaches, by level."""

    role: str
    ids: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class Scope:
    user_id: int | None
    is_superuser: bool = False
    reaches: list[Reach] = field(default_factory=list)
    # Towns whose personal data this user may see unmasked (town office + permission).
    personal_town_ids: set[int] = field(default_factory=set)

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.reaches}

    def ids(self, level: str, roles: Iterable[str] | None = None) -> set[int]:
        wanted = set(roles) if roles is not None else None
        out: set[int] = set()
        for reach in self.reaches:
            if wanted is None or reach.role in wanted:
                out |= reach.ids.get(level, set())
        return out


@dataclass(frozen=True)
class Policy:
    paths: tuple[tuple[str, str], ...]
    view: frozenset[str]
    change: frozenset[str] = frozenset()
    # A rule of its own for models that do not hang off the hierarchy the usual way.
    custom: Callable[[Scope, str], Q | None] | None = None


Rule = Callable[[Scope, str], Q | None]

_POLICIES: dict[type[Model], Policy] = {}
_GRANTS: dict[type[Model], list[Rule]] = {}


def register(model: type[Model], *, paths=(), view=(), change=(), custom=None) -> None:
    """The rule of ``model``, declared once, in the ``policies.py`` of the model's app."""
    if model in _POLICIES:
        raise ImproperlyConfigured(f"A scoping policy for {model.__name__} is already registered")
    _POLICIES[model] = Policy(tuple(paths), frozenset(view), frozenset(change), custom)


def grant(model: type[Model], rule: Rule) -> None:
    """Widen ``model``'s rule from another app: the rows ``rule(scope, action)`` selects
    are added to what the model's own policy gives (``None``: nothing more)."""
    _GRANTS.setdefault(model, []).append(rule)


def is_scoped(model: type[Model]) -> bool:
    """Whether ``model`` has a registered policy (its rows are scoped by :func:`restrict`)."""
    return model in _POLICIES


def autodiscover() -> None:
    """Import every installed app's ``policies`` module, which registers its rules."""
    autodiscover_modules("policies")


def policy_for(model: type[Model]) -> Policy:
    try:
        return _POLICIES[model]
    except KeyError:
        raise LookupError(f"No scoping policy registered for {model.__name__}") from None


AREA_VALUES = (
    "town_id",
    "village_id",
    "village__town_id",
    "grid_id",
    "grid__village_id",
    "grid__village__town_id",
)


def _reaches(rows: list[dict]) -> list[Reach]:
    """Reaches from rows naming a role and one area (with the area's ancestors)."""
    from grids.models import Grid

    grid_ids = {row["grid_id"] for row in rows if row.get("grid_id")}
    children: dict[int, set[int]] = {}
    if grid_ids:
        for child_id, parent_id in Grid.objects.filter(
            parent_id__in=grid_ids, deleted_at__isnull=True
        ).values_list("id", "parent_id"):
            children.setdefault(parent_id, set()).add(child_id)
    reaches = []
    for row in rows:
        if row["role"] == Role.PARTY_MEMBER and row.get("party_member_id"):
            ids = {
                "party_member": {row["party_member_id"]},
                "resident": {row["party_member__resident_id"]},
                "household": {row["party_member__resident__household_id"]},
            }
        elif row["role"] == Role.OFFICER and row.get("village_id"):
            # Sees the village posted to as a supervisor does; not the rest of the town. The
            # officer's own reach names the role for the navigation and the officers' pages;
            # no other app's policy admits it.
            village = {row["village_id"]}
            reaches.append(Reach(role=Role.SUPERVISOR, ids={"village": village}))
            reaches.append(Reach(role=Role.OFFICER, ids={"village": set(village)}))
            continue
        elif row.get("department_id"):
            ids = {"department": {row["department_id"]}, "town": {row["department__town_id"]}}
        elif row.get("grid_id"):
            ids = {
                "grid": {row["grid_id"], *children.get(row["grid_id"], ())},
                "village": {row["grid__village_id"]},
                "town": {row["grid__village__town_id"]},
            }
        elif row.get("village_id"):
            ids = {"village": {row["village_id"]}, "town": {row["village__town_id"]}}
        elif row.get("town_id"):
            ids = {"town": {row["town_id"]}}
        else:
            continue
        reaches.append(Reach(role=row["role"], ids=ids))
    return reaches


def area_scope(queryset) -> Scope:
    """The scope of records bound to one area each (an Open311 client's key): the same
    reach as a REST client's token over that area."""
    rows = [{**row, "role": Role.API_CLIENT} for row in queryset.values(*AREA_VALUES)]
    return Scope(user_id=None, reaches=_reaches(rows))


def resolve_scope(user) -> Scope:
    """Build (once per user object) the areas a user's memberships reach."""
    cached = getattr(user, "_governance_scope", None)
    if cached is not None:
        return cached
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(user_id=None)
    from grids.models import Town

    from .models import Membership

    scope = Scope(user_id=user.pk, is_superuser=user.is_superuser)
    rows = list(
        # A membership reaches nothing through an area that has since been deleted.
        Membership.objects.filter(
            user_id=user.pk,
            deleted_at__isnull=True,
            town__deleted_at__isnull=True,
            village__deleted_at__isnull=True,
            grid__deleted_at__isnull=True,
            department__deleted_at__isnull=True,
            party_member__deleted_at__isnull=True,
        ).values(
            "role",
            *AREA_VALUES,
            "department_id",
            "department__town_id",
            "party_member_id",
            "party_member__resident_id",
            "party_member__resident__household_id",
        )
    )
    scope.reaches = _reaches(rows)

    office_towns = scope.ids("town", [Role.TOWN_OFFICE])
    if scope.is_superuser:
        scope.personal_town_ids = set(Town.objects.values_list("id", flat=True))
    elif office_towns:
        # The personal-data permission is either global or granted per town through
        # django-guardian; either way it only unmasks data in the user's own towns.
        if user.has_perm("grids.view_personal_data"):
            scope.personal_town_ids = set(office_towns)
        else:
            from guardian.shortcuts import get_objects_for_user

            granted = get_objects_for_user(
                user, "grids.view_personal_data", klass=Town, accept_global_perms=False
            ).values_list("id", flat=True)
            scope.personal_town_ids = office_towns & set(granted)
    user._governance_scope = scope
    return scope


def forget_scope(user) -> None:
    if hasattr(user, "_governance_scope"):
        del user._governance_scope


def scope_q(model: type[Model], scope: Scope, action: str = VIEW) -> Q | None:
    """The filter for ``model`` under ``scope``; ``None`` means nothing at all."""
    policy = policy_for(model)
    if scope.is_superuser:
        return Q()
    if policy.custom is not None:
        q = policy.custom(scope, action)
    else:
        q = scope_q_paths(scope, action, paths=policy.paths, view=policy.view, change=policy.change)
    for rule in _GRANTS.get(model, ()):
        more = rule(scope, action)
        if more is not None:
            q = more if q is None else q | more
    return q


def scope_q_paths(scope: Scope, action: str, *, paths, view, change) -> Q | None:
    """The path rule (see the module docstring), for policies and for custom rules that
    extend it."""
    roles = view if action == VIEW else change
    q: Q | None = None
    for reach in scope.reaches:
        if reach.role not in roles:
            continue
        for level, lookup in paths:
            if level in reach.ids:
                term = Q(**{f"{lookup}__in": sorted(reach.ids[level])})
                q = term if q is None else q | term
                break
    return q


def restrict(queryset: QuerySet, user, action: str = VIEW) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may ``action`` ("view" or "change")."""
    return restrict_to_scope(queryset, resolve_scope(user), action)


def restrict_to_scope(queryset: QuerySet, scope: Scope, action: str = VIEW) -> QuerySet:
    model = queryset.model
    if any(f.name == "deleted_at" for f in model._meta.concrete_fields):  # soft-deleted rows are gone
        queryset = queryset.filter(deleted_at__isnull=True)
    q = scope_q(model, scope, action)
    if q is None:
        return queryset.none()
    return queryset.filter(q) if q else queryset


def can(user, action: str, model: type[Model]) -> bool:
    """Whether ``user`` may ``action`` some rows of ``model`` at all (before any object)."""
    return scope_q(model, resolve_scope(user), action) is not None


def can_see_personal(user, town_id: int | None) -> bool:
    return town_id is not None and town_id in resolve_scope(user).personal_town_ids
