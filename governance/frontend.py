"""The web front's frame, which every app plugs into without the ground floor knowing it.

Each app with pages puts a ``home.py`` beside its views, found at start-up like
``policies.py``, and registers there:

* its entries of the navigation (:func:`nav`), each for the roles that may use it;
* its tiles on the home page (:func:`tiles`): for a role, what is waiting for the user
  today, as counts that link to the lists.

So a town office sees the cases to dispatch and, once the duty app is installed, the
villages without a duty log, on one home page, and the navigation of every page shows
only what the user's roles may do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.forms.renderers import TemplatesSetting
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

from .choices import Role
from .scoping import Scope, resolve_scope

ANYONE = "<anyone>"  # the public: visitors who have not logged in


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]  # who sees it; ANYONE: the public too
    order: int = 50
    group: str | Promise | None = None  # entries of one group share a drop-down menu

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass
class NavGroup:
    """A drop-down menu of the navigation: the entries of one group the user may use, at
    the place of its first entry."""

    label: str | Promise
    items: list[NavItem]

    @property
    def urls(self) -> list[str]:
        return [item.url for item in self.items]


@dataclass(frozen=True)
class Tile:
    """One figure on a home page: what it counts, how many, where the list is."""

    label: str | Promise
    value: int | str
    url: str = ""
    # Bootstrap's colours: "danger" for what is late, "warning" for what waits, ...
    tone: str = "primary"
    hint: str | Promise = ""
    key: str = ""  # a stable name for tests and scripts (data-tile)


TileProvider = Callable[[object, Scope | None, str], Iterable[Tile]]

_NAV: list[NavItem] = []
_TILES: list[tuple[int, frozenset[str], TileProvider]] = []


def nav(label, url_name: str, *, roles: Iterable[str], order: int = 50, group=None) -> None:
    """An entry of the navigation, shown to users holding one of ``roles``; entries of the
    same ``group`` (a label) share a drop-down menu, so that the bar stays one line."""
    _NAV.append(NavItem(label, url_name, frozenset(roles), order, group))
    _NAV.sort(key=lambda item: item.order)


def tiles(*, roles: Iterable[str], order: int = 50):
    """Register ``provider(request, scope, role) -> [Tile, ...]``: the home page's figures
    for each of ``roles`` the user holds (asked once per role section; the scope is None
    for the public)."""

    def decorator(provider: TileProvider) -> TileProvider:
        _TILES.append((order, frozenset(roles), provider))
        _TILES.sort(key=lambda entry: entry[0])
        return provider

    return decorator


def autodiscover() -> None:
    autodiscover_modules("home")


def user_roles(user) -> tuple[Scope | None, list[str]]:
    """The user's scope and roles, in the order of ``Role`` (the superuser acts as the
    town office)."""
    if not user.is_authenticated:
        return None, [ANYONE]
    scope = resolve_scope(user)
    roles = [role for role in Role.values if role in scope.roles]
    if user.is_superuser and Role.TOWN_OFFICE not in roles:
        roles.insert(0, Role.TOWN_OFFICE)
    return scope, roles


def nav_for(user) -> list[NavItem | NavGroup]:
    """The user's navigation: entries, and groups of entries as drop-down menus (a group
    the user has one entry of is shown as that entry)."""
    _scope, roles = user_roles(user)
    out: list[NavItem | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    for item in _NAV:
        if not item.roles & set(roles):
            continue
        if item.group is None:
            out.append(item)
            continue
        key = str(item.group)
        if key not in groups:
            groups[key] = NavGroup(item.group, [])
            out.append(groups[key])
        groups[key].items.append(item)
    return [e.items[0] if isinstance(e, NavGroup) and len(e.items) == 1 else e for e in out]


def nav_entries(user) -> list[NavItem]:
    """Every entry of the user's navigation, in order, groups opened."""
    return [item for e in nav_for(user) for item in (e.items if isinstance(e, NavGroup) else [e])]


@dataclass
class Section:
    role: str
    label: str | Promise
    tiles: list[Tile]


def home_sections(request) -> list[Section]:
    """The home page: a section per role the user holds, with each app's tiles for it."""
    scope, roles = user_roles(request.user)
    labels = dict(Role.choices)
    sections = []
    for role in roles:
        found = [
            tile
            for _order, wanted, provider in _TILES
            if role in wanted
            for tile in provider(request, scope if role != ANYONE else None, role)
        ]
        sections.append(Section(role, labels.get(role, ""), found))
    return sections


def navigation(request) -> dict:
    """Context processor: the navigation entries for the user of this request."""
    return {"nav_items": lambda: nav_for(request.user)} if hasattr(request, "user") else {}


class FormRenderer(TemplatesSetting):
    """Every form of the site as Bootstrap fields, each field's errors beside it."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
