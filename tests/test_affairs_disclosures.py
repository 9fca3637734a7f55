"""阳光三务 disclosures: the town's cadence and its periods, finance items and their
computed totals, the supervision committee's sign-off, publishing (never edited again),
corrections linked with a reason, the board's photo, the town's late list (exact, in a
constant number of queries), scoping (pages, the public page, the API), bad input
(Chinese field errors, nothing saved) and the audit trail."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from affairs import disclosures as ds
from affairs.choices import Cadence, DisclosureKind
from affairs.models import AffairsSettings, Disclosure
from governance.choices import Role
from governance.models import AuditEntry

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START, END = ds.last_ended(Cadence.QUARTERLY, TODAY)
ITEMS = [
    {"item": "土地发包收入", "income": "86000", "spending": ""},
    {"item": "道路维修", "income": "0", "spending": "18500.5"},
    {"item": "", "income": "", "spending": ""},
]


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile("board.jpg", out.getvalue(), content_type="image/jpeg")


def draft(world, kind=DisclosureKind.FINANCE, village=None, actor=None, **extra):
    values = dict(title="第三季度财务公开", body="本季度收支如下。")
    if kind == DisclosureKind.FINANCE:
        values.update(items=ITEMS, signed_off_by="王建国", signed_off_on=TODAY)
    values.update(extra)
    return ds.disclosure_create(
        village=village or world.village_a1,
        kind=kind,
        period_start=extra.pop("period_start", START),
        period_end=extra.pop("period_end", END),
        actor=actor or world.users["cadre"],
        **{k: v for k, v in values.items() if k not in ("period_start", "period_end")},
    )


def published(world, **kw):
    d = draft(world, **kw)
    return ds.disclosure_publish(disclosure=d, actor=world.users["cadre"])


def errors(exc) -> dict:
    return exc.value.message_dict


# ---------------------------------------------------------------------------------------
# Periods and the town's cadence
# ---------------------------------------------------------------------------------------


def test_periods_are_whole_months_and_quarters():
    assert ds.period_of(Cadence.QUARTERLY, datetime.date(2026, 8, 15)) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
    )
    assert ds.period_of(Cadence.MONTHLY, datetime.date(2026, 2, 15)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert ds.last_ended(Cadence.QUARTERLY, datetime.date(2027, 1, 5)) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert ds.last_ended(Cadence.MONTHLY, datetime.date(2026, 3, 1)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )


def test_a_town_without_settings_discloses_quarterly_within_ten_days(world):
    settings = ds.settings_for(world.town_a.pk)
    assert settings.pk is None
    assert (settings.cadence, settings.due_days) == (Cadence.QUARTERLY, 10)


def test_a_period_not_of_the_towns_cadence_is_a_field_error_and_nothing_is_saved(world):
    month_end = ds.period_of(Cadence.MONTHLY, START)[1]
    with pytest.raises(ValidationError) as exc:
        draft(world, period_start=START, period_end=month_end)
    assert "季度" in errors(exc)["period_start"][0]
    assert not Disclosure.objects.exists()


def test_the_office_sets_monthly_and_then_a_month_is_the_period(world):
    ds.settings_set(town=world.town_a, cadence=Cadence.MONTHLY, due_days=5, actor=world.users["office"])
    start, end = ds.last_ended(Cadence.MONTHLY, TODAY)
    d = draft(world, period_start=start, period_end=end)
    assert (d.period_start, d.period_end) == (start, end)
    with pytest.raises(ValidationError) as exc:
        draft(world, kind=DisclosureKind.PARTY, period_start=START, period_end=END)
    assert "period_start" in errors(exc)


def test_only_the_town_office_sets_its_towns_settings(world):
    with pytest.raises(PermissionDenied):
        ds.settings_set(town=world.town_a, cadence=Cadence.MONTHLY, due_days=5, actor=world.users["cadre"])
    with pytest.raises(PermissionDenied):
        ds.settings_set(town=world.town_a, cadence=Cadence.MONTHLY, due_days=5, actor=world.users["office_b"])
    assert not AffairsSettings.objects.exists()
    with pytest.raises(ValidationError) as exc:
        ds.settings_set(town=world.town_a, cadence="weekly", due_days=99, actor=world.users["office"])
    assert {"cadence", "due_days"} <= set(errors(exc))


def test_the_office_sets_the_major_spending_threshold_and_it_is_audited(world, client):
    from governance.models import AuditEntry

    office = world.users["office"]
    for bad in (Decimal("-1"), Decimal("1.234"), Decimal("1e30")):
        with pytest.raises(ValidationError) as exc:
            ds.settings_set(
                town=world.town_a,
                cadence=Cadence.QUARTERLY,
                due_days=10,
                spending_threshold=bad,
                actor=office,
            )
        assert "spending_threshold" in errors(exc)
    row = ds.settings_set(
        town=world.town_a,
        cadence=Cadence.QUARTERLY,
        due_days=10,
        spending_threshold=Decimal("80000.50"),
        actor=office,
    )
    assert row.spending_threshold == Decimal("80000.50")
    assert AuditEntry.objects.filter(content_type__model="affairssettings", object_id=str(row.pk)).exists()
    client.force_login(office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = client.post(
        reverse("affairs:disclosures"), {"cadence": "quarterly", "due_days": "10", "spending_threshold": "-5"}
    )
    assert response.status_code == 200 and 'name="spending_threshold"' in response.content.decode()
    row.refresh_from_db()
    assert row.spending_threshold == Decimal("80000.50")
    response = client.post(
        reverse("affairs:disclosures"),
        {"cadence": "quarterly", "due_days": "10", "spending_threshold": "60000"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.spending_threshold == Decimal("60000")


def test_a_period_to_come_is_refused(world):
    start, end = ds.period_of(Cadence.QUARTERLY, END + datetime.timedelta(days=100))
    with pytest.raises(ValidationError) as exc:
        draft(world, kind=DisclosureKind.PARTY, period_start=start, period_end=end)
    assert errors(exc)["period_start"] == ["这一期还没有开始。"]


def test_one_disclosure_per_village_kind_and_period(world):
    draft(world)
    with pytest.raises(ValidationError) as exc:
        draft(world)
    assert "period_start" in errors(exc)
    assert Disclosure.objects.count() == 1
    draft(world, kind=DisclosureKind.PARTY)  # another kind is fine


# ---------------------------------------------------------------------------------------
# Finance items and the sign-off
# ---------------------------------------------------------------------------------------


def test_finance_items_are_stored_with_two_decimals_and_totals_are_computed(world):
    d = draft(world)
    assert d.items == [
        {"item": "土地发包收入", "income": "86000.00", "spending": "0.00"},
        {"item": "道路维修", "income": "0.00", "spending": "18500.50"},
    ]
    t = ds.totals(d.items)
    assert (t.income, t.spending, t.balance) == (
        Decimal("86000.00"),
        Decimal("18500.50"),
        Decimal("67499.50"),
    )


@pytest.mark.parametrize(
    "row, words",
    [
        ({"item": "道路", "income": "-5", "spending": ""}, "负"),
        ({"item": "道路", "income": "1.234", "spending": ""}, "两位小数"),
        ({"item": "道路", "income": "五百", "spending": ""}, "金额"),
        ({"item": "道路", "income": "1e30", "spending": ""}, "过大"),
        ({"item": "道路", "income": "", "spending": "1E+30"}, "过大"),
        ({"item": "", "income": "5", "spending": ""}, "名称"),
        ({"item": "道路", "income": "0", "spending": "0"}, "收入或支出"),
    ],
)
def test_bad_items_are_a_chinese_field_error_and_nothing_is_saved(world, row, words):
    with pytest.raises(ValidationError) as exc:
        draft(world, items=[ITEMS[0], row])
    message = errors(exc)["items"][0]
    assert "第2行" in message and words in message
    assert not Disclosure.objects.exists()


def test_party_affairs_have_no_items(world):
    with pytest.raises(ValidationError) as exc:
        draft(world, kind=DisclosureKind.PARTY, items=ITEMS)
    assert "items" in errors(exc)


def test_a_sign_off_is_a_name_and_a_date_not_in_the_future(world):
    with pytest.raises(ValidationError) as exc:
        draft(world, signed_off_by="王建国", signed_off_on=None)
    assert "signed_off_on" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        draft(world, signed_off_by="王建国", signed_off_on=TODAY + datetime.timedelta(days=1))
    assert "signed_off_on" in errors(exc)
    assert not Disclosure.objects.exists()


def test_finances_are_published_only_with_items_and_the_supervision_committees_sign_off(world):
    d = draft(world, items=[], signed_off_by="", signed_off_on=None)
    with pytest.raises(ValidationError) as exc:
        ds.disclosure_publish(disclosure=d, actor=world.users["cadre"])
    assert {"items", "signed_off_by"} <= set(errors(exc))
    assert "村务监督委员会" in errors(exc)["signed_off_by"][0]
    d.refresh_from_db()
    assert d.published_at is None
    ds.disclosure_update(
        disclosure=d,
        data={"items": ITEMS, "signed_off_by": "王建国", "signed_off_on": END},
        actor=world.users["cadre"],
    )
    d = ds.disclosure_publish(disclosure=d, actor=world.users["cadre"])
    assert d.published_at is not None and d.published_by == world.users["cadre"]


def test_party_affairs_are_published_without_sign_off(world):
    d = published(world, kind=DisclosureKind.PARTY)
    assert d.published_at is not None


# ---------------------------------------------------------------------------------------
# Published: never edited; corrections
# ---------------------------------------------------------------------------------------


def test_a_published_disclosure_is_never_edited(world):
    d = published(world)
    with pytest.raises(ValidationError) as exc:
        ds.disclosure_update(disclosure=d, data={"title": "改过"}, actor=world.users["cadre"])
    assert "更正" in errors(exc)["__all__"][0]
    with pytest.raises(ValidationError):
        ds.disclosure_publish(disclosure=d, actor=world.users["cadre"])
    with pytest.raises(ValidationError):
        ds.disclosure_discard(disclosure=d, actor=world.users["cadre"])
    d.refresh_from_db()
    assert d.title == "第三季度财务公开" and d.deleted_at is None


def test_a_correction_is_a_new_linked_disclosure_with_a_reason_published_the_same_way(world):
    original = published(world)
    with pytest.raises(ValidationError) as exc:
        ds.disclosure_correct(disclosure=original, reason=" ", actor=world.users["cadre"])
    assert "correction_reason" in errors(exc)
    correction = ds.disclosure_correct(
        disclosure=original, reason="办公费重复列支", actor=world.users["cadre"]
    )
    assert correction.corrects == original and correction.published_at is None
    assert correction.items == original.items
    assert correction.signed_off_by == ""  # the committee signs the corrected finances again
    with pytest.raises(ValidationError) as exc:
        ds.disclosure_correct(disclosure=original, reason="again", actor=world.users["cadre"])
    assert "已有更正" in errors(exc)["__all__"][0]
    with pytest.raises(ValidationError) as exc:
        ds.disclosure_publish(disclosure=correction, actor=world.users["cadre"])
    assert "signed_off_by" in errors(exc)
    ds.disclosure_update(
        disclosure=correction,
        data={"items": ITEMS[1:], "signed_off_by": "王建国", "signed_off_on": TODAY},
        actor=world.users["cadre"],
    )
    ds.disclosure_publish(disclosure=correction, actor=world.users["cadre"])
    assert ds.published_correction(original) == correction
    original.refresh_from_db()
    assert original.items[0]["item"] == "土地发包收入"  # untouched


def test_a_draft_is_not_corrected_and_a_discarded_correction_frees_the_original(world):
    d = draft(world)
    with pytest.raises(ValidationError):
        ds.disclosure_correct(disclosure=d, reason="x", actor=world.users["cadre"])
    ds.disclosure_publish(disclosure=d, actor=world.users["cadre"])
    first = ds.disclosure_correct(disclosure=d, reason="x", actor=world.users["cadre"])
    ds.disclosure_discard(disclosure=first, actor=world.users["cadre"])
    second = ds.disclosure_correct(disclosure=d, reason="y", actor=world.users["cadre"])
    assert second.corrects == d


# ---------------------------------------------------------------------------------------
# The board's photo
# ---------------------------------------------------------------------------------------


def test_the_board_is_confirmed_with_a_photo_of_a_published_disclosure(world):
    d = draft(world)
    with pytest.raises(ValidationError) as exc:
        ds.board_confirm(disclosure=d, upload=jpeg(), actor=world.users["cadre"])
    assert "photo" in errors(exc)
    d = ds.disclosure_publish(disclosure=d, actor=world.users["cadre"])
    fake = SimpleUploadedFile("board.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        ds.board_confirm(disclosure=d, upload=fake, actor=world.users["cadre"])
    assert "photo" in errors(exc)
    d.refresh_from_db()
    assert not d.board_photo and d.board_confirmed_at is None
    d = ds.board_confirm(disclosure=d, upload=jpeg(), actor=world.users["cadre"])
    assert d.board_photo.name.endswith(".jpg") and d.board_confirmed_at is not None
    with pytest.raises(PermissionDenied):
        ds.board_confirm(disclosure=d, upload=jpeg(), actor=world.users["office"])


# ---------------------------------------------------------------------------------------
# Scoping of the writes, the audit trail
# ---------------------------------------------------------------------------------------


def test_only_the_villages_cadres_write_its_disclosures(world):
    for who in ("office", "supervisor", "client", "grid_worker"):
        with pytest.raises(PermissionDenied):
            draft(world, actor=world.users[who])
    with pytest.raises(PermissionDenied):
        draft(world, village=world.village_a2)
    assert not Disclosure.objects.exists()


def test_every_write_is_audited(world):
    d = draft(world)
    ds.disclosure_update(disclosure=d, data={"title": "新标题"}, actor=world.users["cadre"])
    ds.disclosure_publish(disclosure=d, actor=world.users["cadre"])
    ds.board_confirm(disclosure=d, upload=jpeg(), actor=world.users["cadre"])
    ds.disclosure_correct(disclosure=d, reason="x", actor=world.users["cadre"])
    rows = AuditEntry.objects.filter(content_type__model="disclosure")
    assert rows.count() == 5
    assert set(rows.values_list("actor", flat=True)) == {world.users["cadre"].pk}


# ---------------------------------------------------------------------------------------
# The town's late list
# ---------------------------------------------------------------------------------------


def _at(day: datetime.date, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour)).replace(tzinfo=timezone.get_current_timezone())


def test_the_late_list_is_exact(world, count_queries):
    cadre_a2 = f.member(Role.VILLAGE_CADRE, village=world.village_a2)
    due = END + datetime.timedelta(days=10)
    # A1: all three by the due day
    for kind in DisclosureKind.values:
        d = draft(world, kind=kind)
        ds.disclosure_publish(disclosure=d, actor=world.users["cadre"], now=_at(due))
    # A2: party affairs after the due day, nothing else
    d = draft(world, kind=DisclosureKind.PARTY, village=world.village_a2, actor=cadre_a2)
    ds.disclosure_publish(disclosure=d, actor=cadre_a2, now=_at(due + datetime.timedelta(days=1)))
    draft(world, kind=DisclosureKind.VILLAGE, village=world.village_a2, actor=cadre_a2)  # a draft only

    later = due + datetime.timedelta(days=1)
    villages = ds.overview_villages(world.users["office"])  # the user's scope, resolved once
    with count_queries() as q:  # the villages, their towns' settings, the publications
        rows = ds.town_overview(villages, later)
    assert len(q.captured_queries) == 3, q.listing()
    by = {row.village.code: {c.kind: c.status for c in row.cells} for row in rows}
    assert by == {
        "VA1": {"party": "published", "village": "published", "finance": "published"},
        "VA2": {"party": "published_late", "village": "late", "finance": "late"},
    }
    assert [row.village.code for row in rows if row.late] == ["VA2"]
    # on the due day itself nobody is late yet
    assert not any(row.late for row in ds.town_overview(ds.overview_villages(world.users["office"]), due))
    # the other town's office sees its own village only
    assert [
        r.village.code for r in ds.town_overview(ds.overview_villages(world.users["office_b"]), later)
    ] == ["VB1"]


def test_the_late_list_takes_three_queries_for_many_villages(world, count_queries):
    for i in range(15):
        f.VillageFactory(town=world.town_a, name=f"村{i}", code=f"VX{i:02d}")
    villages = ds.overview_villages(world.users["office"])
    with count_queries() as q:
        rows = ds.town_overview(villages, END + datetime.timedelta(days=30))
    assert len(rows) == 17 and all(row.late for row in rows)
    assert len(q.captured_queries) == 3, q.listing()


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------


def _post_new(client, world, **extra):
    data = {
        "village": world.village_a1.pk,
        "kind": "finance",
        "period": f"{START:%Y-%m-%d}",
        "title": "财务公开",
        "body": "本季度收支",
        "signed_off_by": "王建国",
        "signed_off_on": f"{END:%Y-%m-%d}",
        "item_name": ["土地发包收入", "道路维修", ""],
        "item_income": ["86000", "", ""],
        "item_spending": ["", "18500.50", ""],
    }
    data.update(extra)
    return client.post(reverse("affairs:disclosure-new"), data)


def test_a_cadre_drafts_publishes_and_confirms_the_board_in_the_browser(client, world):
    client.force_login(world.users["cadre"])
    page = client.get(reverse("affairs:disclosures"))
    assert page.status_code == 200 and "disclosure-new" in page.content.decode()
    assert client.get(reverse("affairs:disclosure-new")).status_code == 200
    response = _post_new(client, world)
    d = Disclosure.objects.get()
    assert response.status_code == 302 and response.url == reverse("affairs:disclosure", args=[d.pk])
    page = client.get(response.url).content.decode()
    assert "104500.50" not in page and "86000.00" in page and "67499.50" in page
    client.post(response.url, {"action": "publish"})
    d.refresh_from_db()
    assert d.published_at is not None
    edit = client.get(reverse("affairs:disclosure-edit", args=[d.pk]))
    assert edit.status_code == 302  # published: back to its page
    client.post(response.url, {"action": "board", "photo": jpeg()})
    d.refresh_from_db()
    assert d.board_confirmed_at is not None
    photo = client.get(reverse("affairs:disclosure-board-photo", args=[d.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_bad_amounts_on_the_page_are_shown_beside_the_items_and_nothing_is_saved(client, world):
    client.force_login(world.users["cadre"])
    response = _post_new(client, world, item_income=["-86000", "", ""])
    assert response.status_code == 200
    assert "不能为负" in response.content.decode()
    assert not Disclosure.objects.exists()


def test_the_page_offers_the_towns_periods_only(client, world):
    client.force_login(world.users["cadre"])
    response = _post_new(client, world, period=f"{START + datetime.timedelta(days=31):%Y-%m-%d}")
    assert response.status_code == 200 and not Disclosure.objects.exists()


def test_a_correction_in_the_browser_links_both_ways(client, world):
    original = published(world)
    client.force_login(world.users["cadre"])
    url = reverse("affairs:disclosure", args=[original.pk])
    response = client.post(url, {"action": "correct", "correction_reason": ""})
    assert response.status_code == 200 and not Disclosure.objects.filter(corrects=original).exists()
    response = client.post(url, {"action": "correct", "correction_reason": "办公费重复"})
    correction = Disclosure.objects.get(corrects=original)
    assert response.url == reverse("affairs:disclosure-edit", args=[correction.pk])
    ds.disclosure_update(
        disclosure=correction,
        data={"signed_off_by": "王建国", "signed_off_on": TODAY},
        actor=world.users["cadre"],
    )
    client.post(reverse("affairs:disclosure", args=[correction.pk]), {"action": "publish"})
    page = client.get(url).content.decode()
    assert "更正于" in page and reverse("affairs:disclosure", args=[correction.pk]) in page
    public = client.get(reverse("affairs:disclosures-public", args=["VA1"])).content.decode()
    assert "更正于" in public and "办公费重复" in public


def test_the_office_sees_the_late_villages_and_writes_nothing(client, world):
    published(world, kind=DisclosureKind.PARTY)
    client.force_login(world.users["office"])
    page = client.get(reverse("affairs:disclosures")).content.decode()
    assert 'id="town-overview"' in page and 'data-village="VA2"' in page
    assert 'id="disclosure-new"' not in page
    d = Disclosure.objects.get()
    assert client.post(reverse("affairs:disclosure", args=[d.pk]), {"action": "publish"}).status_code == 403
    assert client.get(reverse("affairs:disclosure-new")).status_code == 403
    response = client.post(reverse("affairs:disclosures"), {"cadence": "monthly", "due_days": "5"})
    assert response.status_code == 302
    assert ds.settings_for(world.town_a.pk).cadence == Cadence.MONTHLY


def test_another_villages_disclosure_is_not_found(client, world):
    d = draft(world)
    for who in ("office_b", "grid_worker", "department", "party_member"):
        client.force_login(world.users[who])
        assert client.get(reverse("affairs:disclosure", args=[d.pk])).status_code in (403, 404), who
    client.force_login(f.member(Role.VILLAGE_CADRE, village=world.village_a2))
    assert client.get(reverse("affairs:disclosure", args=[d.pk])).status_code == 404
    assert client.get(reverse("affairs:disclosure-edit", args=[d.pk])).status_code == 404


def test_the_public_page_and_the_notice_show_published_disclosures_only(client, world):
    d = draft(world, kind=DisclosureKind.PARTY, title="草稿的党务")
    shown = published(world, title="财务公开第三季度")
    page = client.get(reverse("affairs:disclosures-public", args=["VA1"])).content.decode()
    assert "财务公开第三季度" in page and "草稿的党务" not in page and "86000.00" in page
    assert client.get(reverse("affairs:disclosure-print", args=["VA1", d.pk])).status_code == 404
    notice = client.get(reverse("affairs:disclosure-print", args=["VA1", shown.pk]))
    assert notice.status_code == 200 and "王建国" in notice.content.decode()
    assert client.get(reverse("affairs:disclosure-print", args=["VA2", shown.pk])).status_code == 404
    assert client.get(reverse("affairs:disclosures-public", args=["NOPE"])).status_code == 404


def test_the_public_pages_are_rate_limited(client, world, settings):
    from django.core.cache import cache

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "public": "2/min"},
    }
    cache.clear()
    url = reverse("affairs:disclosures-public", args=["VA1"])
    codes = [client.get(url).status_code for _ in range(4)]
    assert 429 in codes


def test_home_tiles(client, world):
    client.force_login(world.users["cadre"])
    page = client.get("/").content.decode()
    assert 'data-tile="disclosures-due"' in page
    client.force_login(world.users["office"])
    page = client.get("/").content.decode()
    assert 'data-tile="disclosures-late"' in page
