"""The flags page in Chromium on the demo town, whose demo step ``duty_motions`` files logs
gone through the motions: the town office sees a flag of each kind with why and its
evidence (the logs, the reused photo beside the earlier one, the distance), narrows the
list to one kind and dismisses a flag with a reason; screenshots at 360 and 1280 px
(test-results/screenshots/duty-flags-<width>.png)."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from duty import motions
from duty.choices import FlagKind
from duty.models import DutyFlag

from . import e2e
from .e2e import DESK, PHONE, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_office_sees_each_sign_with_its_evidence(browser, server, viewport):
    with browsing(browser, viewport, mobile=viewport is PHONE) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/duty/flags/")
        for kind in motions.MOTION_KINDS:
            row = page.locator(f'tr[data-kind="{kind}"]').first
            expect(row).to_be_visible()
            with translation.override("zh-hans"):  # the page's language, whatever a test before left active
                label = str(FlagKind(kind).label)
            expect(row).to_contain_text(label)
        photo_row = page.locator('tr[data-kind="reused_photo"]').first
        pictures = photo_row.locator(".photo-pair img")
        expect(pictures).to_have_count(2)
        for i in range(2):  # both pictures load (served within the office's scope)
            pictures.nth(i).scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=pictures.nth(i).element_handle()
            )
        expect(page.locator('tr[data-kind="check_in_far"]').first).to_contain_text("米")
        sitting = page.locator('tr[data-kind="one_sitting"]').first
        expect(sitting.locator(".flag-evidence a")).to_have_count(3)
        page.wait_for_load_state("networkidle")
        shoot(page, f"duty-flags-{viewport['width']}")
        # narrowed to one kind
        with translation.override("zh-hans"):
            late = str(FlagKind.CHECK_IN_LATE.label)
        page.get_by_label("类别").select_option(late)
        page.wait_for_url("**kind=check_in_late**")
        expect(page.locator("tr[data-kind]")).to_have_count(
            DutyFlag.objects.filter(kind=FlagKind.CHECK_IN_LATE, dismissed_at__isnull=True).count()
        )
        assert page.locator('tr[data-kind="reused_photo"]').count() == 0


def test_the_office_dismisses_a_motion_flag_with_a_reason(browser, server):
    flag = DutyFlag.objects.filter(kind=FlagKind.CHECK_IN_LATE, dismissed_at__isnull=True).first()
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/duty/flags/?kind=check_in_late")
        row = page.locator(f'tr[data-flag="{flag.pk}"]')
        row.get_by_placeholder("撤销原因").fill("当天上午在镇里开会，已核实")
        row.get_by_role("button", name="撤销").click()
        page.wait_for_url("**kind=check_in_late**")
        expect(page.locator(f'tr[data-flag="{flag.pk}"]')).to_have_count(0)
    flag.refresh_from_db()
    assert flag.dismissed_at is not None and flag.dismiss_reason == "当天上午在镇里开会，已核实"
