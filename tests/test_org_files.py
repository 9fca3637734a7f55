"""The village secretaries' files (先锋书记) and 承诺述职评议考核: the services' rules (who
writes what, bad input as Chinese field errors with nothing written, entries and steps
appended only, progress never going down, the town's final mark, a review final once
published), the pages for each role (404 out of scope), the public page, and the two
figures the year-end assessment takes from them (scoring)."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from governance.choices import AuditAction, Role
from governance.models import AuditEntry, Membership
from governance.workdays import SHANGHAI
from organisation import secretaries as service
from organisation.choices import CommitmentState, EntryKind, ReviewGrade
from organisation.models import Commitment, FileEntry, Progress, Review, SecretaryFile

from . import factories as f

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        with translation.override("zh-hans"):
            yield


def d(month: int, day: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def photo(name="p.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def errors(exc: ValidationError) -> dict:
    return exc.value.message_dict


@pytest.fixture
def secretary_user(world):
    """The secretary's own account: a party-member membership of member_a1."""
    return world.users["party_member"]


@pytest.fixture
def file(world, secretary_user):
    return service.file_create(
        village=world.village_a1,
        secretary=world.member_a1,
        cycle_start=2024,
        selected=True,
        mentor="张镇长",
        user=secretary_user,
        actor=world.users["office"],
    )


@pytest.fixture
def commitment(world):
    return service.commitment_create(
        village=world.village_a1,
        term_start=2024,
        term_end=2026,
        number=1,
        title="硬化村组道路3公里",
        actor=world.users["office"],
    )


@pytest.fixture
def review(world):
    return service.review_create(
        village=world.village_a1,
        year=2025,
        report="一年来，村党支部……",
        reported_on=d(1, 15),
        actor=world.users["cadre"],
    )


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def test_the_office_opens_a_file_and_appends_entries(world, file):
    office = world.users["office"]
    assert file.cycle_end == 2028 and file.town_id == world.town_a.pk
    entry = service.entry_append(
        file=file, kind=EntryKind.EXAM, date=d(3, 1), title="党务知识考试", score="92.5", actor=office
    )
    assert entry.score == 92.5 and entry.by == office
    trail = AuditEntry.objects.filter(object_id=str(file.pk), action=AuditAction.UPDATE).get()
    assert trail.changes["entry"]["title"] == "党务知识考试"


@pytest.mark.parametrize("who", ["supervisor", "cadre", "party_member", "office_b", "client"])
def test_only_the_town_office_keeps_files(world, file, who):
    with pytest.raises(PermissionDenied):
        service.entry_append(
            file=file, kind=EntryKind.TRAINING, date=d(3, 1), title="x", actor=world.users[who]
        )
    with pytest.raises(PermissionDenied):
        service.file_create(
            village=world.village_a1, secretary=world.member_a1, cycle_start=2021, actor=world.users[who]
        )
    assert FileEntry.objects.count() == 0


def test_bad_entries_are_field_errors_and_nothing_is_written(world, file):
    office = world.users["office"]
    with pytest.raises(ValidationError) as exc:
        service.entry_append(file=file, kind="nap", date=d(3, 11), title=" ", score="101", actor=office)
    e = errors(exc)
    assert set(e) == {"kind", "date", "title", "score"}
    assert "日期" in e["date"][0] or "尚未" in e["date"][0] or e["date"]
    with pytest.raises(ValidationError) as exc:
        service.entry_append(file=file, kind=EntryKind.REWARD, date=d(12, 31, 2023), title="x", actor=office)
    assert "2024–2028" in errors(exc)["date"][0]
    with pytest.raises(ValidationError) as exc:
        service.entry_append(
            file=file, kind=EntryKind.EXAM, date=d(3, 1), title="x", score="9.55", actor=office
        )
    assert "score" in errors(exc)
    assert FileEntry.objects.count() == 0


def test_a_file_is_of_a_party_member_of_the_village_once_a_cycle(world, file):
    office = world.users["office"]
    with pytest.raises(ValidationError) as exc:
        service.file_create(
            village=world.village_a2, secretary=world.member_a1, cycle_start=2024, actor=office
        )
    assert "secretary" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        service.file_create(
            village=world.village_a1, secretary=world.member_a1, cycle_start=2024, actor=office
        )
    assert "cycle_start" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        service.file_create(
            village=world.village_a1, secretary=world.member_a1, cycle_start=2027, actor=office
        )
    assert "cycle_start" in errors(exc)
    with pytest.raises(ValidationError) as exc:  # an account of another village's cadre
        service.file_create(
            village=world.village_a1,
            secretary=world.member_a1,
            cycle_start=2019,
            user=world.users["office"],
            actor=office,
        )
    assert "user" in errors(exc)
    with pytest.raises(PermissionDenied):
        service.file_create(
            village=world.village_b1, secretary=world.member_b1, cycle_start=2024, actor=office
        )
    assert SecretaryFile.objects.count() == 1


def test_the_mentor_talk_gap(world, file):
    assert service.talk_gap(None) == {"days": None, "late": True}
    assert service.talk_gap(d(2, 24)) == {"days": 14, "late": False}
    assert service.talk_gap(d(2, 23)) == {"days": 15, "late": False}
    assert service.talk_gap(d(2, 22)) == {"days": 16, "late": True}
    office = world.users["office"]
    service.entry_append(file=file, kind=EntryKind.MENTOR_TALK, date=d(2, 1), title="谈心", actor=office)
    service.entry_append(file=file, kind=EntryKind.MENTOR_TALK, date=d(2, 20), title="谈心", actor=office)
    service.entry_append(file=file, kind=EntryKind.TRAINING, date=d(3, 5), title="培训", actor=office)
    got = service.files_for_user(office).get(pk=file.pk)
    assert got.last_talk == d(2, 20) and got.entry_count == 3
    page = browser(office).get(f"/organisation/files/{file.pk}/").content.decode()
    assert 'data-days="18"' in page and "late text-danger" in page


def test_the_file_page_shows_entries_by_kind_and_year_and_prints(world, file):
    office = world.users["office"]
    service.entry_append(
        file=file, kind=EntryKind.TRAINING, date=d(11, 3, 2025), title="县委党校轮训", actor=office
    )
    service.entry_append(
        file=file, kind=EntryKind.EXAM, date=d(3, 2), title="年度考试", score=88, actor=office
    )
    page = browser(office).get(f"/organisation/files/{file.pk}/").content.decode()
    assert 'data-kind="training"' in page and "县委党校轮训" in page and 'data-year="2025"' in page
    assert 'data-year="2026"' in page and "entry-form" in page and "先锋书记" in page
    sheet = browser(office).get(f"/organisation/files/{file.pk}/print/").content.decode()
    assert (
        "size: A4" in sheet and "window.print()" in sheet and "年度考试" in sheet and "县委党校轮训" in sheet
    )


def test_the_entry_form_appends_and_shows_errors(world, file):
    client = browser(world.users["office"])
    bad = client.post(
        f"/organisation/files/{file.pk}/", {"kind": "exam", "date": "2026-04-01", "title": "考"}
    )
    assert bad.status_code == 200 and FileEntry.objects.count() == 0
    assert "尚未到来" in bad.content.decode() or "still to come" not in bad.content.decode()
    ok = client.post(
        f"/organisation/files/{file.pk}/",
        {"kind": "exam", "date": "2026-03-01", "title": "考", "score": "90"},
    )
    assert ok.status_code == 302 and FileEntry.objects.get().score == 90


def test_who_reads_a_file(world, file):
    url = f"/organisation/files/{file.pk}/"
    for who, status in [
        ("office", 200),
        ("supervisor", 200),
        ("party_member", 200),  # the secretary's own account
        ("cadre", 404),
        ("grid_worker", 404),
        ("office_b", 404),
        ("nobody", 404),
    ]:
        assert browser(world.users[who]).get(url).status_code == status, who
    # only the office appends
    page = browser(world.users["supervisor"]).get(url).content.decode()
    assert "entry-form" not in page
    post = browser(world.users["supervisor"]).post(url, {"kind": "exam", "date": "2026-03-01", "title": "x"})
    assert post.status_code == 403
    listing = browser(world.users["party_member"]).get("/organisation/files/").content.decode()
    assert f'data-file="{file.pk}"' in listing
    assert browser(None).get(url).status_code == 302


def test_the_new_file_page(world, secretary_user):
    office = browser(world.users["office"])
    page = office.get("/organisation/files/new/").content.decode()
    assert "甲一村" in page and "乙一村" not in page
    ok = office.post(
        "/organisation/files/new/",
        {
            "village": world.village_a1.pk,
            "secretary": world.member_a1.pk,
            "cycle_start": 2025,
            "selected": "on",
            "mentor": "李书记",
            "user": secretary_user.pk,
        },
    )
    assert ok.status_code == 302
    assert SecretaryFile.objects.get().user == secretary_user
    assert browser(world.users["cadre"]).get("/organisation/files/new/").status_code == 403


# ---------------------------------------------------------------------------------------
# Commitments
# ---------------------------------------------------------------------------------------


def test_progress_is_appended_with_a_photo_and_never_goes_down(world, commitment):
    cadre = world.users["cadre"]
    step = service.progress_append(
        commitment=commitment, date=d(2, 1), percent=40, note="完成1.2公里", photo=photo(), actor=cadre
    )
    assert step.evidence.name.endswith(".jpg") and step.state == CommitmentState.IN_PROGRESS
    commitment.refresh_from_db()
    assert commitment.progress == 40
    with pytest.raises(ValidationError) as exc:
        service.progress_append(commitment=commitment, date=d(3, 1), percent=30, note="雨季停工", actor=cadre)
    assert "40" in errors(exc)["percent"][0]
    with pytest.raises(ValidationError) as exc:
        service.progress_append(commitment=commitment, date=d(1, 1), percent=50, note="x", actor=cadre)
    assert "date" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        service.progress_append(commitment=commitment, date=d(3, 1), percent=101, note="", actor=cadre)
    assert set(errors(exc)) == {"percent", "note"}
    with pytest.raises(ValidationError) as exc:
        service.progress_append(
            commitment=commitment,
            date=d(3, 1),
            percent=50,
            note="x",
            photo=SimpleUploadedFile("x.jpg", b"<svg/>"),
            actor=cadre,
        )
    assert "photo" in errors(exc)
    assert Progress.objects.count() == 1
    service.progress_append(commitment=commitment, date=d(3, 1), percent=100, note="全线贯通", actor=cadre)
    commitment.refresh_from_db()
    assert commitment.state == CommitmentState.IN_PROGRESS  # 100 % does not close it


def test_only_the_town_office_marks_a_commitment_and_then_it_is_final(world, commitment):
    cadre, office = world.users["cadre"], world.users["office"]
    service.progress_append(commitment=commitment, date=d(2, 1), percent=60, note="过半", actor=cadre)
    with pytest.raises(PermissionDenied):
        service.commitment_mark(commitment=commitment, kept=True, date=d(3, 1), note="x", actor=cadre)
    with pytest.raises(PermissionDenied):
        service.commitment_mark(
            commitment=commitment, kept=True, date=d(3, 1), note="x", actor=world.users["office_b"]
        )
    step = service.commitment_mark(
        commitment=commitment, kept=False, date=d(3, 1), note="未完成", actor=office
    )
    commitment.refresh_from_db()
    assert step.state == commitment.state == CommitmentState.NOT_KEPT and commitment.progress == 60
    with pytest.raises(ValidationError):
        service.progress_append(commitment=commitment, date=d(3, 2), percent=70, note="x", actor=cadre)
    with pytest.raises(ValidationError):
        service.commitment_mark(commitment=commitment, kept=True, date=d(3, 2), note="x", actor=office)
    kept = service.commitment_create(
        village=world.village_a1, term_start=2024, term_end=2026, number=2, title="建文化广场", actor=cadre
    )
    service.commitment_mark(commitment=kept, kept=True, date=d(3, 1), note="已建成", actor=office)
    kept.refresh_from_db()
    assert kept.state == CommitmentState.KEPT and kept.progress == 100


def test_commitments_are_recorded_by_the_village_and_the_office_only(world, commitment):
    with pytest.raises(ValidationError) as exc:
        service.commitment_create(
            village=world.village_a1,
            term_start=2024,
            term_end=2031,
            number=1,
            title="",
            actor=world.users["cadre"],
        )
    assert set(errors(exc)) >= {"term_end", "title"}
    with pytest.raises(ValidationError) as exc:
        service.commitment_create(
            village=world.village_a1,
            term_start=2024,
            term_end=2026,
            number=1,
            title="重复",
            actor=world.users["cadre"],
        )
    assert "已" in errors(exc)["number"][0]
    for who in ("supervisor", "grid_worker", "party_member", "office_b", "client"):
        with pytest.raises(PermissionDenied):
            service.commitment_create(
                village=world.village_a1,
                term_start=2024,
                term_end=2026,
                number=5,
                title="x",
                actor=world.users[who],
            )
        with pytest.raises(PermissionDenied):
            service.progress_append(
                commitment=commitment, date=d(3, 1), percent=5, note="x", actor=world.users[who]
            )
    with pytest.raises(PermissionDenied):  # another village's cadre
        service.commitment_create(
            village=world.village_a2,
            term_start=2024,
            term_end=2026,
            number=1,
            title="x",
            actor=world.users["cadre"],
        )
    assert Commitment.objects.count() == 1


def test_the_term_page_and_the_phone_progress_form(world, commitment):
    cadre = browser(world.users["cadre"])
    page = cadre.get(f"/organisation/commitments/item/{commitment.pk}/").content.decode()
    assert "progress-form" in page and "mark-form" not in page and 'capture="environment"' in page
    ok = cadre.post(
        f"/organisation/commitments/item/{commitment.pk}/",
        {"form": "progress", "date": "2026-03-09", "percent": "35", "note": "路基完成", "photo": photo()},
    )
    assert ok.status_code == 302
    step = Progress.objects.get()
    term = cadre.get(f"/organisation/commitments/{world.village_a1.pk}/2024/").content.decode()
    assert 'data-percent="35"' in term and f"/organisation/commitments/evidence/{step.pk}/" in term
    assert cadre.get(f"/organisation/commitments/evidence/{step.pk}/").status_code == 200
    office = browser(world.users["office"]).get(f"/organisation/commitments/item/{commitment.pk}/")
    assert "mark-form" in office.content.decode()
    for who in ("office_b", "grid_worker", "party_member"):
        client = browser(world.users[who])
        assert client.get(f"/organisation/commitments/item/{commitment.pk}/").status_code == 404, who
        assert client.get(f"/organisation/commitments/evidence/{step.pk}/").status_code == 404, who
        assert client.get(f"/organisation/commitments/{world.village_a1.pk}/2024/").status_code == 404, who
    supervisor = browser(world.users["supervisor"])
    page = supervisor.get(f"/organisation/commitments/item/{commitment.pk}/").content.decode()
    assert "progress-form" not in page
    assert (
        supervisor.post(f"/organisation/commitments/item/{commitment.pk}/", {"form": "progress"}).status_code
        == 403
    )
    bad = cadre.post(
        f"/organisation/commitments/item/{commitment.pk}/",
        {"form": "progress", "date": "2026-03-09", "percent": "20", "note": "x"},
    )
    assert bad.status_code == 200 and Progress.objects.count() == 1
    assert "不" in bad.content.decode()


def test_the_public_page_shows_commitments_and_published_results_only(world, commitment, review):
    cadre, office = world.users["cadre"], world.users["office"]
    step = service.progress_append(
        commitment=commitment, date=d(3, 1), percent=45, note="完成路基", photo=photo(), actor=cadre
    )
    page = browser().get("/organisation/public/VA1/commitments/").content.decode()
    assert "硬化村组道路3公里" in page and 'data-percent="45"' in page and "完成路基" in page
    assert f'data-review="{review.pk}"' not in page  # not published
    img = browser().get(f"/organisation/public/VA1/commitments/photo/{step.pk}/")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    assert browser().get(f"/organisation/public/VA2/commitments/photo/{step.pk}/").status_code == 404
    service.review_assess(
        review=review,
        members_satisfied=30,
        members_fair=5,
        members_unsatisfied=5,
        reps_satisfied=20,
        reps_fair=0,
        reps_unsatisfied=0,
        grade=ReviewGrade.GOOD,
        score="88",
        comment="评语",
        actor=office,
    )
    service.review_publish(review=review, actor=office)
    page = browser().get("/organisation/public/VA1/commitments/").content.decode()
    assert f'data-review="{review.pk}"' in page and "91.7%" in page and "良好" in page
    assert world.member_a1.resident.name not in page and "评语" not in page
    assert browser().get("/organisation/public/nosuch/commitments/").status_code == 404


# ---------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------


def test_a_review_is_written_assessed_and_published_once(world, review):
    cadre, office = world.users["cadre"], world.users["office"]
    service.review_report(review=review, report="改写的述职报告", reported_on=d(1, 20), actor=cadre)
    with pytest.raises(PermissionDenied):
        service.review_assess(review=review, members_satisfied=3, grade="good", actor=cadre)
    with pytest.raises(PermissionDenied):
        service.review_publish(review=review, actor=cadre)
    with pytest.raises(ValidationError) as exc:
        service.review_publish(review=review, actor=office)
    assert set(errors(exc)) == {"members_satisfied", "grade"}
    with pytest.raises(ValidationError) as exc:
        service.review_assess(
            review=review, members_satisfied=-1, reps_fair="x", grade="top", score="200", actor=office
        )
    assert set(errors(exc)) == {"members_satisfied", "reps_fair", "grade", "score"}
    review.refresh_from_db()
    assert review.members_satisfied == 0 and review.grade == ""
    service.review_assess(
        review=review,
        members_satisfied=10,
        reps_satisfied=5,
        reps_unsatisfied=5,
        grade="excellent",
        actor=office,
    )
    published = service.review_publish(review=review, actor=office)
    assert published.published_at is not None and published.satisfaction == 75.0
    for call in (
        lambda: service.review_assess(review=review, members_satisfied=1, grade="poor", actor=office),
        lambda: service.review_report(review=review, report="x", reported_on=d(1, 20), actor=cadre),
        lambda: service.review_publish(review=review, actor=office),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert "不再更改" in str(exc.value)


def test_review_input_rules(world, review):
    cadre = world.users["cadre"]
    with pytest.raises(ValidationError) as exc:
        service.review_create(
            village=world.village_a1, year=2025, report="x", reported_on=d(1, 2), actor=cadre
        )
    assert "year" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        service.review_create(
            village=world.village_a1, year=2027, report="", reported_on=d(3, 11), actor=cadre
        )
    assert set(errors(exc)) == {"year", "report", "reported_on"}
    with pytest.raises(ValidationError) as exc:
        service.review_create(
            village=world.village_a1, year=2023, report="x", reported_on=d(1, 2), actor=cadre
        )
    assert "reported_on" in errors(exc)
    with pytest.raises(PermissionDenied):
        service.review_create(
            village=world.village_a2, year=2024, report="x", reported_on=d(1, 2), actor=cadre
        )
    assert Review.objects.count() == 1


def test_the_review_pages(world, review):
    office, cadre = browser(world.users["office"]), browser(world.users["cadre"])
    url = f"/organisation/reviews/{review.pk}/"
    page = cadre.get(url).content.decode()
    assert "report-form" in page and "assess-form" not in page
    page = office.get(url).content.decode()
    assert "assess-form" in page and "publish-form" in page
    refused = office.post(url, {"form": "publish"}, follow=True).content.decode()
    assert "发布" in refused or "publish" in refused
    assert Review.objects.get().published_at is None
    ok = office.post(
        url,
        {
            "form": "assess",
            "members_satisfied": 8,
            "members_fair": 1,
            "members_unsatisfied": 1,
            "reps_satisfied": 0,
            "reps_fair": 0,
            "reps_unsatisfied": 0,
            "grade": "good",
            "score": "85.5",
            "comment": "较好",
        },
    )
    assert ok.status_code == 302
    assert office.post(url, {"form": "publish"}).status_code == 302
    review.refresh_from_db()
    assert review.published_at is not None and review.satisfaction == 90.0
    page = office.get(url).content.decode()
    assert "assess-form" not in page and "report-form" not in page
    assert cadre.post(url, {"form": "report", "report": "x", "reported_on": "2026-01-02"}).status_code == 403
    for who in ("office_b", "grid_worker", "party_member", "nobody"):
        assert browser(world.users[who]).get(url).status_code == 404, who
    new = cadre.post(
        "/organisation/reviews/new/",
        {"village": world.village_a1.pk, "year": 2024, "reported_on": "2025-01-10", "report": "2024年述职"},
    )
    assert new.status_code == 302 and Review.objects.count() == 2
    assert browser(world.users["supervisor"]).get("/organisation/reviews/new/").status_code == 403


def test_the_lists_take_a_constant_number_of_queries(world, count_queries):
    office = world.users["office"]
    client = browser(office)

    def add(n):
        village = f.VillageFactory(town=world.town_a)
        grid = f.GridFactory(village=village)
        branch = f.PartyBranchFactory(village=village)
        member = f.PartyMemberFactory(
            resident=f.ResidentFactory(household=f.HouseholdFactory(grid=grid)), branch=branch
        )
        file = service.file_create(village=village, secretary=member, cycle_start=2024, actor=office)
        service.entry_append(file=file, kind=EntryKind.MENTOR_TALK, date=d(3, 1), title="谈", actor=office)
        service.commitment_create(
            village=village, term_start=2024, term_end=2026, number=1, title="x", actor=office
        )
        service.review_create(village=village, year=2025, report="x", reported_on=d(1, 5), actor=office)

    add(1)
    counts = {}
    for n in (1, 4):
        if n == 4:
            for _ in range(3):
                add(_)
        for url in ("/organisation/files/", "/organisation/commitments/", "/organisation/reviews/"):
            with count_queries() as q:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(len(q))
    for url, (few, many) in counts.items():
        assert few == many, url


# ---------------------------------------------------------------------------------------
# The year-end assessment's two figures (scoring)
# ---------------------------------------------------------------------------------------


def test_the_assessment_takes_commitments_kept_and_review_satisfaction(world, commitment, review):
    from scoring import assessment

    office, cadre = world.users["office"], world.users["cadre"]
    kept = service.commitment_create(
        village=world.village_a1, term_start=2024, term_end=2026, number=2, title="建广场", actor=office
    )
    service.commitment_mark(commitment=kept, kept=True, date=d(2, 1), note="已建成", actor=office)
    service.commitment_create(  # an older term: not counted
        village=world.village_a1, term_start=2020, term_end=2022, number=1, title="旧", actor=office
    )
    other = service.commitment_create(
        village=world.village_a2, term_start=2025, term_end=2027, number=1, title="甲二", actor=office
    )
    service.review_assess(
        review=review, members_satisfied=9, members_unsatisfied=1, grade="good", actor=office
    )
    unpublished = service.review_create(
        village=world.village_a2, year=2025, report="x", reported_on=d(1, 5), actor=office
    )
    service.review_assess(review=unpublished, members_satisfied=1, grade="good", actor=office)
    cadre2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    out = assessment.compute(
        town_id=world.town_a.pk,
        year=2025,
        cadres=[(cadre.pk, world.village_a1.pk), (cadre2.pk, world.village_a2.pk)],
    )
    mine = out[(cadre.pk, world.village_a1.pk)]
    assert mine["commitments"] == {
        "term": [2024, 2026],
        "total": 2,
        "kept": 1,
        "ids": [commitment.pk, kept.pk],
        "kept_ids": [kept.pk],
    }
    assert mine["review"] == {"review": None, "satisfaction": None, "grade": ""}  # not published yet
    service.review_publish(review=review, actor=office)
    out = assessment.compute(
        town_id=world.town_a.pk,
        year=2025,
        cadres=[(cadre.pk, world.village_a1.pk), (cadre2.pk, world.village_a2.pk)],
    )
    assert out[(cadre.pk, world.village_a1.pk)]["review"] == {
        "review": review.pk,
        "satisfaction": 90.0,
        "grade": "good",
    }
    theirs = out[(cadre2.pk, world.village_a2.pk)]
    assert theirs["commitments"]["ids"] == [other.pk] and theirs["review"]["review"] is None
    # the sheet and the evidence pages
    assessment.generate(town=world.town_a, year=2025, actor=office)
    from scoring.models import Assessment

    a = Assessment.objects.get(cadre=cadre, year=2025)
    client = browser(office)
    sheet = client.get(f"/scoring/assessments/{a.pk}/").content.decode()
    assert 'data-figure="commitments"' in sheet and "90.0%" in sheet
    ev = client.get(f"/scoring/assessments/{a.pk}/evidence/commitments/").content.decode()
    assert (
        f"/organisation/commitments/item/{kept.pk}/" in ev
        and f"/organisation/commitments/item/{commitment.pk}/" in ev
    )
    ev = client.get(f"/scoring/assessments/{a.pk}/evidence/review/").content.decode()
    assert f"/organisation/reviews/{review.pk}/" in ev
    assert assessment.headline(a.figures)["commitments"] == "1/2"
    assert Membership.objects.filter(user=cadre).exists()


def test_the_office_changes_the_pioneer_flag_and_the_mentor_on_the_page(world, file):
    client = browser(world.users["office"])
    ok = client.post(f"/organisation/files/{file.pk}/", {"form": "details", "mentor": "李镇长", "user": ""})
    assert ok.status_code == 302
    file.refresh_from_db()
    assert file.mentor == "李镇长" and file.selected is False and file.user is None
    assert FileEntry.objects.count() == 0
    assert (
        browser(world.users["supervisor"])
        .post(f"/organisation/files/{file.pk}/", {"form": "details", "mentor": "x"})
        .status_code
        == 403
    )
    trail = AuditEntry.objects.filter(object_id=str(file.pk), action=AuditAction.UPDATE).get()
    assert trail.changes["mentor"] == ["张镇长", "李镇长"]
