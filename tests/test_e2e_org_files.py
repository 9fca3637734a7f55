"""Secretaries' files and 承诺述职评议考核 in Chromium, on the demo town: the town office
appends a talk with the mentor to a secretary's file at its desk (the gap turns from red
to 0 days) and prints the whole file on A4; the village's cadre, on a 360 px phone,
records a commitment's progress with a photo; the village's public page shows it without
log-in; the cadre writes the year's report, the town office records the votes and grade
and publishes it, and the public page shows the result. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from governance.choices import Role
from governance.models import Membership
from organisation.choices import CommitmentState, EntryKind
from organisation.models import Commitment, FileEntry, Progress, Review, SecretaryFile

from . import e2e
from .e2e import DESK, PHONE, SCREENSHOTS, browsing, log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The module's fixtures: one Chromium, one demo town and a live server on it (tests/e2e.py).
chromium, browser, demo_town, server, _django_db_helper = e2e.FIXTURES

TALK = "与导师谈村集体经济发展思路"
PROGRESS = "三组道路路基完成，铺设水稳层"


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def a_photo() -> str:
    path = SCREENSHOTS.parent / "evidence.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_files_commitments_and_reviews_in_the_browser(browser, server):
    village = Membership.objects.get(user__username="demo_cadre", role=Role.VILLAGE_CADRE).village
    file = SecretaryFile.objects.get(village=village)
    today = timezone.localdate()

    # the town office, at its desk: a talk with the mentor appended, the file printed
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/organisation/files/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("书记档案")
        shoot(page, "org-files-list-1280")
        page.locator(f'[data-file="{file.pk}"] a').first.click()
        expect(page.locator("#file-title")).to_contain_text(village.name)
        page.locator("#id_kind").select_option(EntryKind.MENTOR_TALK)
        page.locator("#id_date").fill(today.isoformat())
        page.locator("#id_title").fill(TALK)
        page.get_by_role("button", name="记入档案").click()
        talks = page.locator('[data-kind="mentor_talk"]')
        expect(talks).to_contain_text(TALK)
        expect(page.locator("#file-gap .talk-gap")).to_have_attribute("data-days", "0")
        expect(page.locator("#file-gap .late")).to_have_count(0)
        shoot(page, "org-file-1280")
        page.get_by_role("link", name="打印档案").click()
        expect(page.locator("#file-sheet h1")).to_contain_text("培养档案")
        expect(page.locator("#file-sheet")).to_contain_text(TALK)
        page.emulate_media(media="print")
        expect(page.locator("nav.navbar")).to_be_hidden()
        expect(page.locator("#print")).to_be_hidden()
        shoot(page, "org-file-print-1280")
        page.emulate_media(media="screen")
    assert FileEntry.objects.filter(file=file, title=TALK).count() == 1

    # the cadre, on a phone: a commitment's progress with a photo
    c = (
        Commitment.objects.filter(village=village, state=CommitmentState.IN_PROGRESS)
        .order_by("-term_start", "number")
        .first()
    )
    percent = min(100, c.progress + 10)
    with browsing(browser, PHONE, mobile=True) as page:
        log_in(page, server, "demo_cadre")
        page.goto(f"{server}/organisation/commitments/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("承诺")
        fits(page, PHONE)
        page.locator(f'[data-village="{village.pk}"][data-term="{c.term_start}"] a').click()
        expect(page.locator("#term-title")).to_contain_text(village.name)
        fits(page, PHONE)
        shoot(page, "org-term-360")
        page.locator(f'[data-commitment="{c.pk}"] a').first.click()
        expect(page.locator("#commitment-title")).to_contain_text(c.title)
        expect(page.locator("#mark-form")).to_have_count(0)  # the town's only
        page.locator("#id_percent").fill(str(percent))
        page.locator("#id_note").fill(PROGRESS)
        page.locator("#id_photo").set_input_files(a_photo())
        fits(page, PHONE)
        shoot(page, "org-progress-form-360")
        page.get_by_role("button", name="记录进展").click()
        expect(page.locator("#commitment-steps li").first).to_contain_text(PROGRESS)
        expect(page.locator("#commitment-steps li").first.locator("img")).to_be_visible()
        expect(page.locator("#commitment-bar [data-percent]")).to_have_attribute("data-percent", str(percent))
        fits(page, PHONE)
        shoot(page, "org-progress-done-360")

        # and the year's report
        page.goto(f"{server}/organisation/reviews/new/")
        page.locator("#id_year").fill(str(today.year))
        page.locator("#id_reported_on").fill(today.isoformat())
        page.locator("#id_report").fill(f"{today.year}年，村党支部带领群众推进承诺事项。")
        fits(page, PHONE)
        page.locator("#review-form button.btn-primary").click()
        expect(page.locator("#review-title")).to_contain_text(str(today.year))
        expect(page.locator("#assess-form")).to_have_count(0)
    step = Progress.objects.get(commitment=c, note=PROGRESS)
    assert step.evidence and step.percent == percent
    review = Review.objects.get(village=village, year=today.year)

    # the public page, without log-in: the progress and its photo
    with browsing(browser, PHONE, mobile=True) as page:
        page.goto(f"{server}/organisation/public/{village.code}/commitments/")
        item = page.locator(f'[data-commitment="{c.pk}"]')
        expect(item).to_contain_text(PROGRESS)
        expect(item.locator("[data-percent]")).to_have_attribute("data-percent", str(percent))
        expect(item.locator("img")).to_be_visible()
        expect(page.locator(f'[data-review="{review.pk}"]')).to_have_count(0)
        fits(page, PHONE)
        shoot(page, "org-public-commitments-360")

    # the town office records the votes and the grade, and publishes
    with browsing(browser, DESK) as page:
        log_in(page, server, "demo_office")
        page.goto(f"{server}/organisation/reviews/{review.pk}/")
        for field, value in {
            "members_satisfied": 30,
            "members_fair": 6,
            "members_unsatisfied": 4,
            "reps_satisfied": 18,
            "reps_fair": 2,
            "reps_unsatisfied": 0,
        }.items():
            page.locator(f"#id_{field}").fill(str(value))
        page.locator("#id_grade").select_option("good")
        page.locator("#id_score").fill("88.5")
        page.locator("#id_comment").fill("承诺推进有力，群众满意度较高。")
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("#review-satisfaction")).to_contain_text("93.3%")
        shoot(page, "org-review-assessed-1280")
        page.locator("#publish").click()
        expect(page.locator("#review-published")).to_contain_text("不再更改")
        expect(page.locator("#assess-form")).to_have_count(0)
        shoot(page, "org-review-published-1280")
    assert Review.objects.get(pk=review.pk).published_at is not None

    with browsing(browser, DESK) as page:
        page.goto(f"{server}/organisation/public/{village.code}/commitments/")
        row = page.locator(f'[data-review="{review.pk}"]')
        expect(row).to_contain_text("93.3%")
        expect(row).to_contain_text("良好")
        expect(page.locator("#public-reviews")).not_to_contain_text("承诺推进有力")  # the comment stays in
        shoot(page, "org-public-commitments-1280")
