"""The quarterly bulletin (一季一通报): its figures exact on a constructed quarter (the
ranking as the mean of the monthly scores, the best and last villages' pooled
indicators, the inspections, the case statistics), versions kept, the town office's
writes audited, who reads what (a cadre: published only; another town: 404; the
public: published only, no personal data, throttled), the API, and the PDF: a PDF, small,
its text in Chinese, ink where the title is.

The world: town A's villages A1, A2 and A3 in the first quarter of 2025. Records are
written straight to the tables: how they come to be is the other apps' business (tested
there); here only what the bulletin reads of them matters.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pypdfium2
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cases.choices import Level, Move, Satisfaction, Source
from cases.models import Case, CaseKind, CasePeriod, Rating
from duty.choices import InspectionState
from duty.models import Inspection
from governance.choices import AuditAction
from governance.models import AuditEntry
from governance.workdays import SHANGHAI
from scoring import bulletin, bulletin_pdf
from scoring.choices import Indicator, PeriodKind
from scoring.models import Bulletin, Snapshot, SnapshotRow

from . import factories as f

pytestmark = pytest.mark.django_db

YEAR, QUARTER = 2025, 1
AFTER = datetime.date(2025, 4, 10)  # the quarter has ended
PHONE = "13812345678"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def d(month: int, day: int, year: int = YEAR) -> datetime.date:
    return datetime.date(year, month, day)


def snapshot(town, month: int, rows: dict, *, version=1, published=True) -> Snapshot:
    """A monthly snapshot with rows {village: (score, rank, {indicator: (value, events, rated)})}."""
    start = d(month, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    snap = Snapshot.objects.create(
        town=town,
        kind=PeriodKind.MONTH,
        start=start,
        end=end,
        version=version,
        published_at=at(end + datetime.timedelta(days=2)) if published else None,
    )
    for village, (score, rank, cells) in rows.items():
        SnapshotRow.objects.create(
            snapshot=snap,
            village=village,
            score=None if score is None else Decimal(score),
            rank=rank,
            values={k: {"value": v, "events": n, "rated": r} for k, (v, n, r) in cells.items()},
        )
    return snap


def inspection(village, day, *, score, present=True, published=True, findings=""):
    return Inspection.objects.create(
        town=village.town,
        village=village,
        at=at(day),
        inspectors="镇纪委",
        present=present,
        score=score,
        findings=findings,
        state=InspectionState.PUBLISHED if published else InspectionState.DRAFT,
        published_at=at(day, 12) if published else None,
    )


def case(village, created: datetime.date, *, solved: datetime.date | None = None, met=True):
    kind = CaseKind.objects.filter(town__isnull=True).order_by("id").first()
    made = Case.objects.create(
        town=village.town,
        village=village,
        kind=kind,
        source=Source.WALK_IN,
        description="测试事项",
        state="solved" if solved else "registered",
    )
    Case.objects.filter(pk=made.pk).update(created_at=at(created, 9))
    period = None
    if solved:
        period = CasePeriod.objects.create(
            case=made,
            level=Level.VILLAGE,
            village=village,
            started_at=at(created, 9),
            deadline=at(solved, 12),
            ended_at=at(solved, 11 if met else 13),
            met=met,
            outcome=Move.SOLVE,
        )
    return made, period


TIMELY = Indicator.CASE_TIMELINESS


@pytest.fixture
def quarter(world):
    """Town A's first quarter of 2025 (see each figure's test for what it makes)."""
    a1, a2 = world.village_a1, world.village_a2
    a3 = f.VillageFactory(town=world.town_a, name="甲三村", code="VA3")  # no ranking rows: not rated
    town = world.town_a
    snapshot(town, 1, {a1: ("80", 1, {TIMELY: (0.5, 2, True)}), a2: ("60", 2, {TIMELY: (1.0, 1, False)})})
    # February: the published v2 is the one the villages were shown, not the draft v3 above it
    snapshot(town, 2, {a1: ("10", 2, {}), a2: ("20", 1, {})}, version=1)
    snapshot(
        town, 2, {a1: ("70", 2, {TIMELY: (1.0, 2, True)}), a2: ("90", 1, {TIMELY: (0.0, 3, True)})}, version=2
    )
    snapshot(town, 2, {a1: ("5", 2, {}), a2: ("99", 1, {})}, version=3, published=False)
    snapshot(town, 3, {a1: (None, None, {TIMELY: (None, 0, False)}), a2: ("66", 1, {TIMELY: (0.5, 4, True)})})
    snapshot(world.town_b, 1, {world.village_b1: ("100", 1, {})})  # another town's

    inspection(a1, d(1, 10), score=90)
    inspection(a1, d(2, 12), score=50, findings=f"值班电话{PHONE}无人接听，台账未更新")
    inspection(a2, d(3, 3), score=70, present=False, findings="值班干部脱岗")
    inspection(a2, d(3, 4), score=10, published=False)  # a draft is not a finding yet
    inspection(a1, d(4, 2), score=0, present=False)  # the next quarter
    inspection(world.village_b1, d(2, 2), score=0, present=False)  # another town

    one, p1 = case(a1, d(1, 5), solved=d(1, 6))
    two, p2 = case(a1, d(2, 5), solved=d(2, 10), met=False)
    case(a1, d(12, 20, 2024), solved=d(1, 8))  # reported last year, solved this quarter
    case(a2, d(3, 20))  # reported, not solved
    case(a1, d(4, 3))  # the next quarter
    case(world.village_b1, d(2, 1), solved=d(2, 2))  # another town
    Rating.objects.create(case=one, period=p1, satisfaction=Satisfaction.SATISFIED, at=at(d(1, 7)))
    Rating.objects.create(case=two, period=p2, satisfaction=Satisfaction.NOT_SATISFIED, at=at(d(2, 11)))
    return {"a1": a1, "a2": a2, "a3": a3}


def generate(world, user="office", **kwargs) -> Bulletin:
    return bulletin.bulletin_generate(
        town=world.town_a, year=YEAR, quarter=QUARTER, actor=world.users[user], today=AFTER, **kwargs
    )


# ---------------------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------------------


def test_the_ranking_is_the_mean_of_the_monthly_scores_over_the_months_rated(world, quarter):
    content = generate(world).content
    rows = {r["village"]: r for r in content["ranking"]["rows"]}
    assert [r["village"] for r in content["ranking"]["rows"]] == ["甲一村", "甲二村", "甲三村"]
    assert rows["甲一村"] | {"months": None} == {
        "village_id": quarter["a1"].pk,
        "village": "甲一村",
        "code": "VA1",
        "score": 75.0,  # (80 + 70) / 2: March not rated
        "rank": 1,
        "rated_months": 2,
        "months": None,
    }
    assert rows["甲一村"]["months"] == [
        {"score": 80.0, "rank": 1},
        {"score": 70.0, "rank": 2},  # v2, the published one, not the draft v3 nor v1
        {"score": None, "rank": None},
    ]
    assert (rows["甲二村"]["score"], rows["甲二村"]["rank"], rows["甲二村"]["rated_months"]) == (72.0, 2, 3)
    assert (rows["甲三村"]["score"], rows["甲三村"]["rank"], rows["甲三村"]["months"]) == (
        None,
        None,
        [None] * 3,
    )
    assert content["ranking"]["ranked"] == 2 and content["ranking"]["villages"] == 3
    assert [m["version"] for m in content["months"]] == [1, 2, 1]
    assert content["town"] == {"id": world.town_a.pk, "name": "甲镇", "code": "TA"}
    assert (content["start"], content["end"]) == ("2025-01-01", "2025-03-31")


def test_the_best_and_the_last_village_have_their_indicators_pooled_over_the_quarter(world, quarter):
    content = generate(world).content
    best, worst = content["best"], content["worst"]
    assert (best["village"], best["rank"], worst["village"], worst["rank"]) == ("甲一村", 1, "甲二村", 2)
    assert len(best["indicators"]) == len(Indicator.values)
    timely = {i["key"]: i for i in best["indicators"]}[TIMELY]
    # A1: (0.5 × 2 + 1.0 × 2) / 4; the town: (1 + 2 + 1 + 0 + 2) / 12
    assert timely | {"label": None} == {
        "key": TIMELY,
        "label": None,
        "value": 0.75,
        "events": 4,
        "rated": True,
        "town": 0.5,
    }
    assert str(timely["label"]) == "事项按期办结率"
    worst_timely = {i["key"]: i for i in worst["indicators"]}[TIMELY]
    assert (worst_timely["value"], worst_timely["events"], worst_timely["rated"]) == (0.375, 8, True)
    never = {i["key"]: i for i in best["indicators"]}[Indicator.SORTING_PASS]
    assert (never["value"], never["events"], never["rated"]) == (None, 0, False)


def test_villages_all_tied_first_have_a_best_and_no_last(world):
    snapshot(world.town_a, 1, {world.village_a1: ("50", 1, {}), world.village_a2: ("50", 1, {})})
    content = bulletin.gather(world.town_a, YEAR, QUARTER)
    assert [r["rank"] for r in content["ranking"]["rows"]] == [1, 1]
    assert content["best"]["village"] == "甲一村" and content["worst"] is None
    assert b"%PDF-" in bulletin_pdf.render(
        Bulletin(town=world.town_a, year=YEAR, quarter=QUARTER, content=content)
    )


def test_the_inspection_findings_count_the_quarters_published_inspections(world, quarter):
    insp = generate(world).content["inspections"]
    assert {k: insp[k] for k in ("count", "absent", "average_score", "villages_inspected", "more")} == {
        "count": 3,
        "absent": 1,
        "average_score": 70.0,
        "villages_inspected": 2,
        "more": 0,
    }
    assert insp["per_village"] == [
        {"village": "甲一村", "count": 2, "absent": 0, "average_score": 70.0},
        {"village": "甲二村", "count": 1, "absent": 1, "average_score": 70.0},
    ]
    assert [(n["date"], n["village"], n["score"], n["present"]) for n in insp["notable"]] == [
        ("2025-02-12", "甲一村", 50, True),
        ("2025-03-03", "甲二村", 70, False),
    ]
    # the findings as the public board shows text: the phone number masked
    assert PHONE not in insp["notable"][0]["findings"]
    assert insp["notable"][0]["findings"].startswith("值班电话138")


def test_the_case_statistics_are_the_statistics_pages(world, quarter):
    cases = generate(world).content["cases"]
    assert {
        k: cases[k] for k in ("reported", "solved", "solved_met", "in_time", "rated", "good", "satisfaction")
    } == {
        "reported": 3,  # two of A1's and A2's; last year's and April's are not the quarter's
        "solved": 3,  # last year's case solved in January counts
        "solved_met": 2,
        "in_time": 66.7,
        "rated": 2,
        "good": 1,
        "satisfaction": 50.0,
    }
    by_village = {r["village"]: r for r in cases["per_village"]}
    assert (by_village["甲一村"]["reported"], by_village["甲一村"]["solved"]) == (2, 3)
    assert (by_village["甲二村"]["reported"], by_village["甲二村"]["solved"]) == (1, 0)
    assert by_village["甲三村"]["in_time"] is None
    assert sum(cases["weeks"]["totals"]) == 3
    assert cases["satisfaction_split"]["total"] == 2
    assert [lvl["key"] for lvl in cases["levels"]][0] == Level.VILLAGE


def test_generating_reads_the_same_number_of_queries_however_many_villages(world, quarter, count_queries):
    with count_queries() as few:
        bulletin.gather(world.town_a, YEAR, QUARTER)
    for i in range(5):
        village = f.VillageFactory(town=world.town_a, name=f"新村{i}", code=f"VN{i}")
        inspection(village, d(1, 20), score=40, present=False, findings="脱岗")
        case(village, d(2, 1), solved=d(2, 2))
    with count_queries() as many:
        content = bulletin.gather(world.town_a, YEAR, QUARTER)
    assert len(many) == len(few), many.listing()
    assert len(few) <= 20, few.listing()
    assert content["inspections"]["count"] == 8


# ---------------------------------------------------------------------------------------
# Versions, publishing, the town office's writes
# ---------------------------------------------------------------------------------------


def test_generating_again_makes_a_new_version_and_both_are_kept(world, quarter):
    first = generate(world)
    inspection(world.village_a2, d(3, 30), score=20, present=False)  # found later
    second = generate(world)
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.content["inspections"]["count"] == 3  # frozen
    assert second.content["inspections"]["count"] == 4
    entries = AuditEntry.objects.filter(
        object_id__in=[str(first.pk), str(second.pk)], action=AuditAction.CREATE
    )
    assert entries.count() == 2 and {e.actor for e in entries} == {world.users["office"]}


def test_publishing_stamps_once_and_is_audited(world, quarter):
    made = generate(world)
    bulletin.bulletin_publish(bulletin=made, actor=world.users["office"])
    stamp = made.published_at
    assert stamp is not None
    bulletin.bulletin_publish(bulletin=made, actor=world.users["office"])
    made.refresh_from_db()
    assert made.published_at == stamp
    assert AuditEntry.objects.filter(object_id=str(made.pk), action=AuditAction.UPDATE).count() == 1


@pytest.mark.parametrize("user", ["supervisor", "cadre", "office_b"])
def test_only_the_town_office_generates_and_publishes(world, quarter, user):
    with pytest.raises(PermissionDenied):
        generate(world, user=user)
    made = generate(world)
    with pytest.raises(PermissionDenied):
        bulletin.bulletin_publish(bulletin=made, actor=world.users[user])


@pytest.mark.parametrize(
    ("year", "quarter", "field"),
    [
        (2025, 2, "quarter"),
        (2025, 5, "quarter"),
        (1990, 1, "year"),
        ("二〇二五", 1, "quarter"),
        (2026, 1, "year"),
    ],
)
def test_a_quarter_not_ended_or_not_a_quarter_is_refused_beside_its_field(world, year, quarter, field):
    with pytest.raises(ValidationError) as refused:
        bulletin.bulletin_generate(town=world.town_a, year=year, quarter=quarter, actor=None, today=AFTER)
    assert field in refused.value.message_dict
    assert not Bulletin.objects.exists()


# ---------------------------------------------------------------------------------------
# Who reads what: pages
# ---------------------------------------------------------------------------------------


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def two(world, quarter):
    """A published v1 and a draft v2."""
    published = generate(world)
    bulletin.bulletin_publish(bulletin=published, actor=world.users["office"])
    return published, generate(world)


def test_the_office_generates_and_publishes_from_its_pages(world, quarter):
    office = browser(world.users["office"])
    response = office.post("/scoring/bulletins/", {"town": world.town_a.pk, "period": "2025-1"})
    made = Bulletin.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/scoring/bulletins/{made.pk}/"
    page = office.get(f"/scoring/bulletins/{made.pk}/").content.decode()
    assert "甲镇2025年第1季度村级工作通报" in page and "甲一村" in page and 'id="bulletin-publish"' in page
    assert office.post(f"/scoring/bulletins/{made.pk}/publish/").status_code == 302
    made.refresh_from_db()
    assert made.published_at is not None


def test_a_bad_quarter_on_the_page_is_a_field_error_in_chinese(world):
    office = browser(world.users["office"])
    response = office.post("/scoring/bulletins/", {"town": world.town_a.pk, "period": "2099-1"})
    assert response.status_code == 200
    assert "period" in response.context["form"].errors and not Bulletin.objects.exists()
    response = office.post("/scoring/bulletins/", {"town": world.town_b.pk, "period": "2025-1"})
    assert "town" in response.context["form"].errors  # another town's is not a choice


def test_a_cadre_reads_the_published_bulletin_only(world, two):
    published, draft = two
    cadre = browser(world.users["cadre"])
    listing = cadre.get("/scoring/bulletins/").content.decode()
    assert f'data-bulletin="{published.pk}"' in listing and f'data-bulletin="{draft.pk}"' not in listing
    assert 'id="bulletin-generate"' not in listing
    assert cadre.get(f"/scoring/bulletins/{published.pk}/").status_code == 200
    assert cadre.get(f"/scoring/bulletins/{published.pk}/pdf/").status_code == 200
    assert cadre.get(f"/scoring/bulletins/{draft.pk}/").status_code == 404
    assert cadre.get(f"/scoring/bulletins/{draft.pk}/pdf/").status_code == 404
    assert cadre.post(f"/scoring/bulletins/{draft.pk}/publish/").status_code == 404
    assert cadre.post(f"/scoring/bulletins/{published.pk}/publish/").status_code == 403


def test_a_supervisor_reads_drafts_and_another_towns_office_reads_nothing(world, two):
    published, draft = two
    supervisor = browser(world.users["supervisor"])
    assert supervisor.get(f"/scoring/bulletins/{draft.pk}/").status_code == 200
    assert supervisor.post(f"/scoring/bulletins/{draft.pk}/publish/").status_code == 403
    other = browser(world.users["office_b"])
    for url in (f"/scoring/bulletins/{published.pk}/", f"/scoring/bulletins/{published.pk}/pdf/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/scoring/bulletins/{draft.pk}/publish/").status_code == 404
    for user in ("grid_worker", "party_member", "department"):
        assert browser(world.users[user]).get("/scoring/bulletins/").status_code == 403


def test_the_public_reads_published_bulletins_without_logging_in(world, two):
    published, draft = two
    public = browser()
    listing = public.get("/scoring/public/bulletins/TA/").content.decode()
    assert f"/scoring/public/bulletins/TA/{published.pk}/" in listing
    assert f"/TA/{draft.pk}/" not in listing
    page = public.get(f"/scoring/public/bulletins/TA/{published.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲一村" in text and 'id="bulletin-publish"' not in text
    # no personal data: the office's user, the masked number, the cadre on duty
    assert PHONE not in text and world.users["office"].username not in text
    assert (
        public.get(f"/scoring/public/bulletins/TA/{published.pk}/pdf/")["Content-Type"] == "application/pdf"
    )
    assert public.get(f"/scoring/public/bulletins/TA/{draft.pk}/").status_code == 404
    assert public.get(f"/scoring/public/bulletins/TA/{draft.pk}/pdf/").status_code == 404
    assert public.get(f"/scoring/public/bulletins/TB/{published.pk}/").status_code == 404
    assert public.get("/scoring/public/bulletins/nosuch/").status_code == 404


def test_the_public_pages_are_throttled_like_the_other_public_doors(world, two, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "2/minute"},
    }
    public = browser()
    codes = [public.get("/scoring/public/bulletins/TA/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_home_page_has_a_bulletin_tile(world, two):
    page = browser(world.users["cadre"]).get("/").content.decode()
    assert 'data-tile="bulletin"' in page and "2025 Q1" in page


# ---------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------


def test_the_api_lists_scoped_retrieves_with_content_generates_and_publishes(world, quarter, as_user):
    office = as_user(world.users["office"])
    made = office.post(
        "/api/v1/scoring/bulletins/generate/", {"town": world.town_a.pk, "year": 2025, "quarter": 1}
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["content"]["ranking"]["rows"][0]["village"] == "甲一村"
    cadre = as_user(world.users["cadre"])
    assert cadre.get("/api/v1/scoring/bulletins/").json()["count"] == 0
    assert cadre.get(f"/api/v1/scoring/bulletins/{pk}/").status_code == 404
    assert office.post(f"/api/v1/scoring/bulletins/{pk}/publish/").json()["published_at"] is not None
    listed = cadre.get("/api/v1/scoring/bulletins/").json()
    assert listed["count"] == 1 and "content" not in listed["results"][0]
    assert listed["results"][0]["pdf"].endswith(f"/scoring/bulletins/{pk}/pdf/")
    assert cadre.get(f"/api/v1/scoring/bulletins/{pk}/").json()["content"]["town"]["name"] == "甲镇"
    assert as_user(world.users["office_b"]).get(f"/api/v1/scoring/bulletins/{pk}/").status_code == 404
    assert (
        as_user(world.users["client"]).get("/api/v1/scoring/bulletins/?published=true").json()["count"] == 1
    )
    assert (
        cadre.post(
            "/api/v1/scoring/bulletins/generate/", {"town": world.town_a.pk, "year": 2025, "quarter": 1}
        ).status_code
        == 403
    )


def test_the_api_refuses_a_bad_quarter_beside_its_field(world, as_user):
    office = as_user(world.users["office"])
    response = office.post(
        "/api/v1/scoring/bulletins/generate/", {"town": world.town_a.pk, "year": 2099, "quarter": 1}
    )
    assert response.status_code == 400 and "year" in response.json()
    response = office.post(
        "/api/v1/scoring/bulletins/generate/", {"town": world.town_b.pk, "year": 2025, "quarter": 1}
    )
    assert response.status_code == 400 and "town" in response.json()
    assert not Bulletin.objects.exists()


# ---------------------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------------------


def test_the_pdf_is_a_small_pdf_with_the_chinese_text_and_ink_where_the_title_is(world, quarter):
    made = generate(world)
    data = bulletin_pdf.render(made)
    assert data.startswith(b"%PDF-")
    assert len(data) < 150_000, len(data)  # the font's subset, not its 16 MB
    assert b"/FontFile3" in data and b"/CIDFontType0C" in data  # the CFF outlines embedded
    document = pypdfium2.PdfDocument(data)
    try:
        text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        for words in ("甲镇2025年第1季度村级工作通报", "甲一村", "甲二村", "甲三村", "不参评", "暗访检查"):
            assert words in text, words
        image = document[0].render(scale=1).to_pil().convert("L")  # 595 × 842 at 72 dpi
    finally:
        document.close()
    width = image.width
    title = image.crop((int(width * 0.15), 40, int(width * 0.85), 80))  # the title's line
    dark = sum(title.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 500, dark
    margin = image.crop((0, 0, 40, 40))  # the page's corner is blank
    assert sum(margin.histogram()[:250]) == 0


def test_the_pdf_is_made_once_and_kept(world, quarter, monkeypatch):
    made = generate(world)
    calls = []
    real = bulletin_pdf.render
    monkeypatch.setattr(bulletin_pdf, "render", lambda b: calls.append(b.pk) or real(b))
    office = browser(world.users["office"])
    first = office.get(f"/scoring/bulletins/{made.pk}/pdf/")
    second = office.get(f"/scoring/bulletins/{made.pk}/pdf/")
    assert first.content == second.content and calls == [made.pk]
    assert 'filename="bulletin-TA-2025Q1-v1.pdf"' in first["Content-Disposition"]


# What each role reads of town A's published v1, its draft v2 and town B's published one.
READS = {
    "office": {"v1", "v2"},
    "supervisor": {"v1", "v2"},
    "client": {"v1", "v2"},
    "cadre": {"v1"},
    "office_b": {"b"},
}


@pytest.mark.parametrize("role", [*READS, "grid_worker", "department", "party_member", "nobody"])
def test_the_api_matrix_each_role_reads_exactly_its_bulletins(world, two, as_user, role):
    published, draft = two
    other = bulletin.bulletin_generate(town=world.town_b, year=YEAR, quarter=QUARTER, actor=None, today=AFTER)
    bulletin.bulletin_publish(bulletin=other, actor=None)
    names = {published.pk: "v1", draft.pk: "v2", other.pk: "b"}
    client = as_user(world.users[role])
    response = client.get("/api/v1/scoring/bulletins/")
    expected = READS.get(role)
    if expected is None:
        assert response.status_code == 403
    else:
        assert {names[r["id"]] for r in response.json()["results"]} == expected
    for pk, name in names.items():
        status = client.get(f"/api/v1/scoring/bulletins/{pk}/").status_code
        assert status == (200 if expected and name in expected else (403 if expected is None else 404))


def test_the_api_list_and_the_list_page_read_a_constant_number_of_queries(
    world, quarter, as_user, count_queries
):
    generate(world)
    client, page = as_user(world.users["office"]), browser(world.users["office"])
    with count_queries() as one:
        client.get("/api/v1/scoring/bulletins/")
    with count_queries() as one_page:
        page.get("/scoring/bulletins/")
    for _i in range(3):
        generate(world)
    with count_queries() as four:
        assert client.get("/api/v1/scoring/bulletins/").json()["count"] == 4
    with count_queries() as four_page:
        page.get("/scoring/bulletins/")
    assert len(four) == len(one), four.listing()
    assert len(four_page) == len(one_page), four_page.listing()


def test_the_public_page_and_pdf_hold_no_inspection_findings(world, two):
    published, _draft = two
    assert (
        "台账未更新"
        in browser(world.users["office"]).get(f"/scoring/bulletins/{published.pk}/").content.decode()
    )
    public = browser()
    text = public.get(f"/scoring/public/bulletins/TA/{published.pk}/").content.decode()
    assert "台账未更新" not in text and "值班干部脱岗" not in text
    data = public.get(f"/scoring/public/bulletins/TA/{published.pk}/pdf/").content
    document = pypdfium2.PdfDocument(data)
    try:
        pdf = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    assert "暗访检查" in pdf and "台账未更新" not in pdf and "值班干部脱岗" not in pdf
    assert "台账未更新" in str(Bulletin.objects.get(pk=published.pk).content)  # kept for the office
