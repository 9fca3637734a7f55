"""The scoping contract (DESIGN.md, "Who may do what") for what the ground floor keeps:
memberships, users, the audit trail and the calendar.

Read with :mod:`governance.scoping`. Every app declares its own models' rules in its own
``policies.py`` (``grids/policies.py``, ``cases/policies.py``, …), found at start-up.
"""

from django.db.models import Q

from .models import AuditEntry, CalendarDay, CalendarYear, Membership, User
from .scoping import CHANGE, OFFICE, SUPERVISOR, Scope, register

# The audit trail: read by the town office and supervisors of the town; nobody writes it
# except the services.
register(AuditEntry, paths=[("town", "town_id")], view={OFFICE, SUPERVISOR}, change=set())


def _membership_rule(scope: Scope, action: str) -> Q | None:
    """The town office keeps the memberships of its town; everyone sees their own."""
    towns = sorted(scope.ids("town", [OFFICE]))
    in_town = (
        Q(town_id__in=towns)
        | Q(village__town_id__in=towns)
        | Q(grid__village__town_id__in=towns)
        | Q(department__town_id__in=towns)
        | Q(party_member__town_id__in=towns)
    )
    if action == CHANGE:
        return in_town if towns else None
    own = Q(user_id=scope.user_id) if scope.user_id else None
    if towns:
        return in_town | own if own else in_town
    return own


register(Membership, custom=_membership_rule)


def _user_rule(scope: Scope, action: str) -> Q | None:
    """Users as choices (a grid's leader): oneself, and for the town office the people
    holding a role in its towns. Accounts themselves are kept by superusers."""
    if scope.user_id is None or action == CHANGE:
        return None
    membership_q = _membership_rule(scope, CHANGE)
    if membership_q is None:
        return Q(pk=scope.user_id)
    return Q(pk=scope.user_id) | Q(pk__in=Membership.objects.filter(membership_q).values("user_id"))


register(User, custom=_user_rule)


def _calendar_rule(scope: Scope, action: str) -> Q | None:
    """Every signed-in user reads the calendar (deadlines depend on it); a town office
    keeps its own town's closures and corrections. Nationwide days (town empty) move
    every town's deadlines: only a superuser changes them (scope_q gives superusers all)."""
    if scope.user_id is None:
        return None
    towns = sorted(scope.ids("town"))
    if action == CHANGE:
        offices = sorted(scope.ids("town", [OFFICE]))
        return Q(town_id__in=offices) if offices else None
    return Q(town__isnull=True) | Q(town_id__in=towns)


register(CalendarDay, custom=_calendar_rule)


def _calendar_year_rule(scope: Scope, action: str) -> Q | None:
    """Which years carry an official schedule: read by all, loaded by the town office."""
    if scope.user_id is None:
        return None
    if action == CHANGE:
        return Q() if scope.ids("town", [OFFICE]) else None
    return Q()


register(CalendarYear, custom=_calendar_year_rule)
