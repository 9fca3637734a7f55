"""The scoping contract (DESIGN.md, "Who may do what") for the hierarchy and its people.

Read with :mod:`governance.scoping`: ``paths`` lead from a model to the areas above it,
most specific first; ``view``/``change`` name the roles that may read or write it. Other
apps widen these rules from their own policies (a department reads the households of its
cases: ``cases/policies.py``).
"""

from governance.scoping import (
    CADRE,
    CLIENT,
    DEPARTMENT,
    GRID_WORKER,
    MEMBER,
    OFFICE,
    SUPERVISOR,
    register,
)

from .models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village

# Towns, villages, grids: RW own town (office), R own towns (supervisor), R own village
# (cadre), R own grid (grid worker), R names (department), R token scope (REST client).
AREA_VIEW = {OFFICE, SUPERVISOR, CADRE, GRID_WORKER, DEPARTMENT, CLIENT}
register(Town, paths=[("town", "pk")], view=AREA_VIEW, change={OFFICE})
register(Village, paths=[("village", "pk"), ("town", "town_id")], view=AREA_VIEW, change={OFFICE})
register(
    Grid,
    paths=[("grid", "pk"), ("village", "village_id"), ("town", "village__town_id")],
    view=AREA_VIEW,
    change={OFFICE},
)
register(Department, paths=[("department", "pk"), ("town", "town_id")], view=AREA_VIEW, change={OFFICE})

# Households and residents: RW own town (office), R (supervisor), RW own village (cadre),
# RW own grid (grid worker), own record (party member), token scope (REST client).
PEOPLE_VIEW = {OFFICE, SUPERVISOR, CADRE, GRID_WORKER, MEMBER, CLIENT}
PEOPLE_CHANGE = {OFFICE, CADRE, GRID_WORKER}
register(
    Household,
    paths=[("household", "pk"), ("grid", "grid_id"), ("village", "village_id"), ("town", "town_id")],
    view=PEOPLE_VIEW,
    change=PEOPLE_CHANGE,
)
register(
    Resident,
    paths=[
        ("resident", "pk"),
        ("household", "household_id"),
        ("grid", "household__grid_id"),
        ("village", "village_id"),
        ("town", "town_id"),
    ],
    view=PEOPLE_VIEW,
    change=PEOPLE_CHANGE,
)

# Party branches and members: kept by the town office, read by supervisors, the village
# cadres of the village, REST clients; a party member sees their own record.
register(
    PartyBranch,
    paths=[("village", "village_id"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE, CLIENT},
    change={OFFICE},
)
register(
    PartyMember,
    paths=[("party_member", "pk"), ("village", "village_id"), ("town", "town_id")],
    view={OFFICE, SUPERVISOR, CADRE, MEMBER, CLIENT},
    change={OFFICE},
)
