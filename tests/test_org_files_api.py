"""Secretaries' files, commitments and yearly reviews in the API: the scoping matrix
(DESIGN.md, "secretaries' files, commitments, reviews": the town office reads and writes
its town's, supervisors read, a secretary reads their own file, a village's cadres read
their village's commitments and reviews, REST clients none: DESIGN "—"), and the actions
(entries, progress with a photo, the office's mark, report, assess, publish) through the
same services, bad input as 400 field errors in Chinese, nothing written.

Labels: files, commitments and reviews by village (A1, A2, B1)."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from governance.workdays import SHANGHAI
from organisation import secretaries as service
from organisation.choices import CommitmentState
from organisation.models import Commitment, FileEntry, Progress, Review, SecretaryFile

from . import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/organisation/"
ROLES = [
    "office",
    "supervisor",
    "cadre",
    "grid_worker",
    "department",
    "party_member",
    "client",
    "office_b",
    "nobody",
]
NO = "403"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def d(world):
    """A file, a commitment and a review of each village (straight into the tables)."""
    villages = {"A1": world.village_a1, "A2": world.village_a2, "B1": world.village_b1}
    member_a2 = f.PartyMemberFactory(
        resident=f.ResidentFactory(household=world.household_a2, name="甲二党员"),
        branch=f.PartyBranchFactory(village=world.village_a2, name="甲二村党支部"),
    )
    members = {"A1": world.member_a1, "A2": member_a2, "B1": world.member_b1}
    out = {"secretary-files": {}, "commitments": {}, "reviews": {}}
    for label, village in villages.items():
        out["secretary-files"][label] = SecretaryFile.objects.create(
            village=village,
            town=village.town,
            secretary=members[label],
            cycle_start=2024,
            user=world.users["party_member"] if label == "A1" else None,
        )
        out["commitments"][label] = Commitment.objects.create(
            village=village, town=village.town, term_start=2024, term_end=2026, number=1, title=f"{label}承诺"
        )
        out["reviews"][label] = Review.objects.create(
            village=village,
            town=village.town,
            year=2025,
            report="述职",
            reported_on=datetime.date(2026, 1, 5),
        )
    return out


def rows(
    endpoint, *, office, supervisor, cadre, grid_worker, department, party_member, client, office_b, nobody
):
    return [
        (endpoint, "office", office),
        (endpoint, "supervisor", supervisor),
        (endpoint, "cadre", cadre),
        (endpoint, "grid_worker", grid_worker),
        (endpoint, "department", department),
        (endpoint, "party_member", party_member),
        (endpoint, "client", client),
        (endpoint, "office_b", office_b),
        (endpoint, "nobody", nobody),
    ]


TOWN_A = {"A1", "A2"}
MATRIX = [
    # Files: the office and supervisors of the town; a secretary their own (anyone may
    # hold an own file, so the list answers, empty, to everyone).
    *rows(
        "secretary-files",
        office=TOWN_A,
        supervisor=TOWN_A,
        cadre=set(),
        grid_worker=set(),
        department=set(),
        party_member={"A1"},
        client=set(),
        office_b={"B1"},
        nobody=set(),
    ),
    *[
        row
        for endpoint in ("commitments", "reviews")
        for row in rows(
            endpoint,
            office=TOWN_A,
            supervisor=TOWN_A,
            cadre={"A1"},
            grid_worker=NO,
            department=NO,
            party_member=NO,
            client=NO,
            office_b={"B1"},
            nobody=NO,
        )
    ],
]
ENDPOINTS = sorted({endpoint for endpoint, _role, _expected in MATRIX})


def test_the_matrix_covers_every_endpoint_and_role():
    assert len(MATRIX) == len({(e, r) for e, r, _x in MATRIX}) == len(ENDPOINTS) * len(ROLES)


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in MATRIX]
)
def test_list_and_detail_show_exactly_the_roles_scope(world, d, endpoint, role, expected):
    client = api(world.users[role])
    named = d[endpoint]
    by_id = {obj.pk: label for label, obj in named.items()}
    base = f"{API}{endpoint}/"
    response = client.get(f"{base}?page_size=500")
    if expected is NO:
        assert response.status_code == 403, response.content[:300]
        for obj in [*named.values(), None]:
            pk = obj.pk if obj is not None else 999_999
            assert client.get(f"{base}{pk}/").status_code == 403
        return
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    listed = body["results"] if isinstance(body, dict) else body
    assert {by_id.get(row["id"], f"unnamed {row['id']}") for row in listed} == expected
    for label, obj in named.items():
        detail = client.get(f"{base}{obj.pk}/")
        if label in expected:
            assert detail.status_code == 200, (label, detail.status_code)
        else:
            assert detail.status_code == 404, (label, detail.status_code)


@pytest.mark.parametrize("endpoint", ["secretary-files", "commitments", "reviews"])
def test_anonymous_gets_nothing(d, endpoint):
    obj = next(iter(d[endpoint].values()))
    assert api().get(f"{API}{endpoint}/").status_code == 401
    assert api().get(f"{API}{endpoint}/{obj.pk}/").status_code == 401


def test_files_are_opened_and_entries_appended_by_the_office_only(world, d):
    office = api(world.users["office"])
    file = d["secretary-files"]["A1"]
    made = office.post(
        f"{API}secretary-files/",
        {
            "village": world.village_a1.pk,
            "secretary": world.member_a1.pk,
            "cycle_start": 2021,
            "mentor": "张",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["cycle_end"] == 2025 and made.json()["talk_late"] is True
    ok = office.post(
        f"{API}secretary-files/{file.pk}/entries/",
        {"kind": "mentor_talk", "date": "2026-03-01", "title": "谈心"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    got = office.get(f"{API}secretary-files/{file.pk}/").json()
    assert got["talk_days"] == 9 and got["talk_late"] is False and got["entries"][0]["title"] == "谈心"
    bad = office.post(
        f"{API}secretary-files/{file.pk}/entries/",
        {"kind": "exam", "date": "2023-03-01", "title": "考", "score": "55.5"},
        format="json",
    )
    assert bad.status_code == 400 and "date" in bad.json()
    for who, status in (("supervisor", 404), ("party_member", 404), ("office_b", 404)):
        r = api(world.users[who]).post(
            f"{API}secretary-files/{file.pk}/entries/",
            {"kind": "exam", "date": "2026-03-01", "title": "考"},
            format="json",
        )
        assert r.status_code == status, (who, r.status_code)
    assert FileEntry.objects.count() == 1


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 120, 0)).save(out, "JPEG")
    return SimpleUploadedFile("e.jpg", out.getvalue(), content_type="image/jpeg")


def test_commitment_progress_with_a_photo_and_the_offices_mark(world, d):
    c = d["commitments"]["A1"]
    cadre = api(world.users["cadre"])
    ok = cadre.post(
        f"{API}commitments/{c.pk}/progress/",
        {"date": "2026-03-01", "percent": 50, "note": "过半", "photo": _jpeg()},
        format="multipart",
    )
    assert ok.status_code == 201, ok.content
    step = ok.json()["steps"][0]
    assert step["percent"] == 50 and step["evidence"].endswith(
        f"/organisation/commitments/evidence/{step['id']}/"
    )
    down = cadre.post(
        f"{API}commitments/{c.pk}/progress/",
        {"date": "2026-03-02", "percent": 40, "note": "x"},
        format="json",
    )
    assert down.status_code == 400 and "50" in down.json()["percent"][0]
    assert (
        cadre.post(
            f"{API}commitments/{c.pk}/mark/", {"kept": True, "date": "2026-03-02", "note": "x"}, format="json"
        ).status_code
        == 403
    )
    assert (
        api(world.users["supervisor"])
        .post(
            f"{API}commitments/{c.pk}/progress/",
            {"date": "2026-03-02", "percent": 60, "note": "x"},
            format="json",
        )
        .status_code
        == 404
    )
    mark = api(world.users["office"]).post(
        f"{API}commitments/{c.pk}/mark/", {"kept": True, "date": "2026-03-02", "note": "兑现"}, format="json"
    )
    assert (
        mark.status_code == 201
        and mark.json()["state"] == CommitmentState.KEPT
        and mark.json()["progress"] == 100
    )
    assert Progress.objects.filter(commitment=c).count() == 2
    # a cadre records a commitment of their village, not of another
    new = cadre.post(
        f"{API}commitments/",
        {
            "village": world.village_a1.pk,
            "term_start": 2024,
            "term_end": 2026,
            "number": 2,
            "title": "新承诺",
        },
        format="json",
    )
    assert new.status_code == 201, new.content
    other = cadre.post(
        f"{API}commitments/",
        {"village": world.village_a2.pk, "term_start": 2024, "term_end": 2026, "number": 2, "title": "x"},
        format="json",
    )
    assert other.status_code in (400, 403)
    assert Commitment.objects.filter(title="x").count() == 0


def test_reviews_are_reported_assessed_and_published_once(world, d):
    review = d["reviews"]["A1"]
    cadre, office = api(world.users["cadre"]), api(world.users["office"])
    assert (
        cadre.post(
            f"{API}reviews/{review.pk}/report/",
            {"report": "新述职", "reported_on": "2026-01-08"},
            format="json",
        ).status_code
        == 200
    )
    assert (
        cadre.post(f"{API}reviews/{review.pk}/assess/", {"members_satisfied": 1}, format="json").status_code
        == 403
    )
    bad = office.post(
        f"{API}reviews/{review.pk}/assess/", {"members_satisfied": -1, "score": "101"}, format="json"
    )
    assert bad.status_code == 400 and {"members_satisfied", "score"} <= set(bad.json())
    refused = office.post(f"{API}reviews/{review.pk}/publish/")
    assert refused.status_code == 400 and "grade" in refused.json()
    ok = office.post(
        f"{API}reviews/{review.pk}/assess/",
        {"members_satisfied": 6, "members_fair": 2, "reps_unsatisfied": 2, "grade": "good", "score": "86.5"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["satisfaction"] == 80.0
    published = office.post(f"{API}reviews/{review.pk}/publish/")
    assert published.status_code == 200 and published.json()["published_at"]
    again = office.post(f"{API}reviews/{review.pk}/assess/", {"members_satisfied": 1}, format="json")
    assert again.status_code == 400
    listed = office.get(f"{API}reviews/?published=true").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [review.pk]
    dup = cadre.post(
        f"{API}reviews/",
        {"village": world.village_a1.pk, "year": 2025, "report": "x", "reported_on": "2026-01-05"},
        format="json",
    )
    assert dup.status_code == 400 and "year" in dup.json()
    future = cadre.post(
        f"{API}reviews/",
        {"village": world.village_a1.pk, "year": 2027, "report": "x", "reported_on": "2026-01-05"},
        format="json",
    )
    assert future.status_code == 400 and "year" in future.json()
    assert Review.objects.count() == 3


def test_bad_filters_are_field_errors(world, d):
    office = api(world.users["office"])
    for url in (
        f"{API}commitments/?village=1e30",
        f"{API}reviews/?year=99999999999",
        f"{API}secretary-files/?cycle_start=abc",
    ):
        assert office.get(url).status_code == 400, url
    assert service.FIRST_YEAR == 2000


def test_the_office_changes_a_files_flag_mentor_and_account(world, d):
    file = d["secretary-files"]["A1"]
    office = api(world.users["office"])
    ok = office.patch(
        f"{API}secretary-files/{file.pk}/", {"selected": True, "mentor": "新导师"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["selected"] is True and ok.json()["mentor"] == "新导师"
    file.refresh_from_db()
    assert file.user == world.users["party_member"] and file.cycle_start == 2024
    bad = office.patch(f"{API}secretary-files/{file.pk}/", {"user": world.users["office"].pk}, format="json")
    assert bad.status_code == 400
    assert (
        api(world.users["supervisor"])
        .patch(f"{API}secretary-files/{file.pk}/", {"mentor": "x"}, format="json")
        .status_code
        == 404
    )
    assert (
        api(world.users["party_member"])
        .patch(f"{API}secretary-files/{file.pk}/", {"mentor": "x"}, format="json")
        .status_code
        == 404
    )
    file.refresh_from_db()
    assert file.mentor == "新导师"
