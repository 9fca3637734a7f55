"""Each role's home page in Chromium, on the demo town: the role's section, its tiles
with the counts the database holds, a navigation with only what the role may do, and a
screenshot at 360 and 1280 px (test-results/screenshots/<role>-<width>.png)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from cases.choices import OPEN_STATES, CaseState, Level
from cases.models import Case
from governance.models import User
from governance.scoping import restrict
from grids.models import Town

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, number, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

S = CaseState


def visible(user):
    return restrict(Case.objects.all(), user)


def overdue(user) -> int:
    return visible(user).overdue().count()


def supervised(user) -> int:
    return visible(user).filter(state__in=OPEN_STATES, supervised_at__isnull=False).count()


def membership(user):
    """The membership the demo user is named after (the demo's cadres and supervisor are
    party members too, for their points)."""
    return user.memberships.filter(deleted_at__isnull=True).exclude(role="party_member").get()


def office_tiles(user):
    town = membership(user).town
    cases = visible(user).filter(town=town)
    return {
        # escalated to the town, waiting for a department
        "dispatch": ("待派单", cases.filter(state=S.ESCALATED).count()),
        # to dispatch, to confirm (not its own solution), to close
        "inbox": (
            "我的待办",
            cases.filter(
                Q(state__in=[S.ESCALATED, S.CONFIRMED]) | Q(state=S.SOLVED) & ~Q(solved_by=user)
            ).count(),
        ),
        "overdue": ("已超期", overdue(user)),
        "supervised": ("督办事项", supervised(user)),
    }


def supervisor_tiles(user):
    town = membership(user).town
    to_confirm = visible(user).filter(town=town, state=S.SOLVED).exclude(solved_by=user).count()
    return {
        "supervised": ("督办事项", supervised(user)),
        "overdue": ("已超期", overdue(user)),
        "inbox": ("我的待办", to_confirm),
    }


def cadre_tiles(user):
    village = membership(user).village
    at_village = visible(user).filter(village=village, level=Level.VILLAGE)
    waiting = at_village.filter(
        Q(state__in=[S.REGISTERED, S.CLAIMED, S.CONFIRMED]) | Q(state=S.SOLVED) & ~Q(solved_by=user)
    )
    return {"inbox": ("我的待办", waiting.count()), "overdue": ("已超期", overdue(user))}


def department_tiles(user):
    department = membership(user).department
    waiting = visible(user).filter(department=department, state__in=[S.ASSIGNED, S.ACCEPTED])
    return {"inbox": ("我的待办", waiting.count()), "overdue": ("已超期", overdue(user))}


def grid_tiles(user):
    mine = Case.objects.filter(reported_by=user, deleted_at__isnull=True, state__in=OPEN_STATES)
    return {"my-reports": ("我上报的、未办结的事项", mine.count())}


def no_counted_tiles(user):
    return {}


# username: (file name, section heading, the tiles it counts, nav it has, nav it has not)
ROLES = {
    "demo_office": ("office", "镇组织办工作人员", office_tiles, {"事项", "上报问题"}, {"查询事项进度"}),
    "demo_supervisor": ("supervisor", "督查人员", supervisor_tiles, {"事项"}, {"上报问题", "REST 接口"}),
    "demo_cadre": ("cadre", "村值班干部", cadre_tiles, {"事项", "上报问题"}, {"REST 接口"}),
    "demo_grid": ("grid", "网格员", grid_tiles, {"事项", "上报问题"}, {"REST 接口"}),
    "demo_department": ("department", "职能部门经办人", department_tiles, {"事项"}, {"上报问题"}),
    "demo_member": ("member", "党员", no_counted_tiles, {"查询事项进度"}, {"事项", "上报问题", "REST 接口"}),
}


def nav_labels(page) -> list[str]:
    menu = page.get_by_role("navigation", name="主导航").locator(".navbar-nav")
    # the entries of the drop-down menus too (hidden until their menu opens)
    return [text.strip() for text in menu.get_by_role("link", include_hidden=True).all_inner_texts()]


def expected_nav(user) -> list[str]:
    from django.utils import translation

    from governance.frontend import nav_entries

    with translation.override("zh-hans"):
        labels = [str(item.label) for item in nav_entries(user)]
    return [*labels, "管理后台"] if user.is_staff else labels


def shoot_both_widths(page, name: str) -> None:
    """The page as it is (1280 px) and on a phone (360 px): screenshots, and no sideways
    scrolling on the phone."""
    shoot(page, f"{name}-{DESK['width']}")
    page.set_viewport_size(PHONE)
    page.reload()
    shoot(page, f"{name}-{PHONE['width']}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}'s home page scrolls sideways on a phone: {width} px wide"


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_lands_on_its_own_home_page_with_the_counts_the_database_holds(browser, server, username):
    name, heading, counted, has, has_not = ROLES[username]
    user = User.objects.get(username=username)
    with browsing(browser, DESK) as page:
        # when the user logs in through the site's own log-in page
        log_in(page, server, username)
        # then the home page greets them by their real name and shows their role's section
        assert page.get_by_role("heading", level=1).inner_text() == f"您好，{user}"
        section = page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))
        assert section.count() == 1, f"no section {heading!r} on {username}'s home page"
        # each tile counts what the database holds, under its Chinese label
        for key, (label, expected) in counted(user).items():
            tile = section.locator(f'[data-tile="{key}"]')
            assert tile.get_by_text(label, exact=True).is_visible(), (
                f"{username}: tile {key} is not {label!r}"
            )
            shown = tile.locator(".value").inner_text()
            assert number(shown) == expected, f"{username}'s {label}: {shown}, the database holds {expected}"
        # the navigation shows only what the role may do
        shown_nav = nav_labels(page)
        assert shown_nav == expected_nav(user)
        assert has <= set(shown_nav), f"{username} misses {has - set(shown_nav)} in {shown_nav}"
        assert not has_not & set(shown_nav), f"{username} is offered {has_not & set(shown_nav)}"
        shoot_both_widths(page, name)


def test_the_public_home_page_offers_tracking_and_each_towns_board(browser, server):
    with browsing(browser, DESK) as page:
        # when a visitor opens the site without logging in
        page.goto(f"{server}/")
        # then it offers to log in, to follow a case and each town's public board
        assert page.get_by_role("link", name="登录").first.is_visible()
        assert page.get_by_role("link", name="查询您的事项").is_visible()
        for town in Town.objects.filter(deleted_at__isnull=True):
            assert page.get_by_role("link", name=f"{town.name}公示栏").is_visible(), town.name
        # and the navigation has nothing that needs an account
        shown_nav = nav_labels(page)
        assert "查询事项进度" in shown_nav
        assert not {"事项", "上报问题", "REST 接口"} & set(shown_nav)
        shoot_both_widths(page, "public")
