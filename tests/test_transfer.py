"""Import and export of households and residents in CSV and Excel."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from guardian.shortcuts import assign_perm
from openpyxl import Workbook, load_workbook

from governance import crypto
from governance.models import AuditEntry
from grids.models import Household, Resident

from .factories import make_id_number

pytestmark = pytest.mark.django_db
URL = "/api/v1/residents/import/"
HEADER = [
    "网格编码",
    "户号",
    "户主",
    "地址",
    "姓名",
    "性别",
    "身份证号",
    "电话",
    "与户主关系",
    "人口类型",
    "低收入户",
]


def good_rows():
    return [
        [
            "GA1",
            "N-01",
            "钱一",
            "一组1号",
            "钱一",
            "男",
            make_id_number(501),
            "13811112222",
            "户主",
            "常住",
            "是",
        ],
        [
            "GA1",
            "N-01",
            "钱一",
            "一组1号",
            "孙二",
            "女",
            make_id_number(502, born="19850505"),
            "",
            "配偶",
            "常住",
            "否",
        ],
        ["GA12", "N-02", "周三", "二组2号", "周三", "", make_id_number(503), "", "户主", "外来", "否"],
    ]


def as_csv(rows, header=HEADER, encoding="utf-8-sig") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return SimpleUploadedFile("people.csv", out.getvalue().encode(encoding), content_type="text/csv")


def as_xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("people.xlsx", out.getvalue())


def snapshot():
    return Household.objects.count(), Resident.objects.count(), AuditEntry.objects.count()


def post(client, upload, dry_run):
    return client.post(URL, {"file": upload, "dry_run": dry_run}, format="multipart")


@pytest.mark.parametrize("make", [as_csv, as_xlsx])
def test_a_dry_run_checks_everything_and_writes_nothing(world, as_user, make):
    before = snapshot()
    response = post(as_user(world.users["office"]), make(good_rows()), True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] and not body["written"] and body["rows"] == 3
    assert snapshot() == before


def test_a_dry_run_reports_every_bad_row_with_its_number_and_reason(world, as_user):
    rows = good_rows() + [
        ["GA1", "N-03", "", "", "吴四", "", "330784198001010010", "", "", "", ""],  # checksum
        ["NOPE", "N-04", "", "", "郑五", "", "", "", "", "", ""],  # unknown grid
        ["GB1", "N-05", "", "", "王六", "", "", "", "", "", ""],  # outside the town
        ["GA1", "N-06", "", "", "", "", "", "", "", "", ""],  # no name
        ["GA1", "N-07", "", "", "冯七", "", "", "", "", "", "也许"],  # bad flag
        ["GA1", "N-08", "", "", "陈八", "", make_id_number(501), "", "", "", ""],  # same ID as row 2
        ["GA1", "N-09", "", "", "褚九", "", "", "12345", "", "", ""],  # bad phone
    ]
    before = snapshot()
    response = post(as_user(world.users["office"]), as_csv(rows), True)
    assert response.status_code == 400
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {
        (5, "id_number"),
        (6, "grid_code"),
        (7, "grid_code"),
        (8, "name"),
        (9, "is_low_income"),
        (10, "id_number"),
        (11, "phone"),
    }
    assert snapshot() == before


def test_a_real_run_with_one_bad_row_writes_nothing(world, as_user):
    rows = good_rows() + [["GA1", "N-03", "", "", "吴四", "", "330784198001010010", "", "", "", ""]]
    before = snapshot()
    response = post(as_user(world.users["office"]), as_xlsx(rows), False)
    assert response.status_code == 400 and not response.json()["written"]
    assert snapshot() == before


def test_a_real_run_imports_groups_households_encrypts_and_audits(world, as_user):
    response = post(as_user(world.users["office"]), as_csv(good_rows()), False)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["households_created"], body["residents_created"]) == (2, 3)
    household = Household.objects.get(village=world.village_a1, number="N-01")
    assert household.is_low_income and household.residents.count() == 2
    resident = Resident.objects.get(id_number_digest=crypto.digest(make_id_number(501)))
    assert resident.name == "钱一" and make_id_number(501) not in resident.id_number_cipher
    assert AuditEntry.objects.filter(action="import").count() == 5
    # the same file again updates, never duplicates
    again = post(as_user(world.users["office"]), as_csv(good_rows()), False).json()
    assert (again["households_created"], again["residents_created"], again["residents_updated"]) == (0, 0, 3)
    assert Resident.objects.filter(household__number__startswith="N-").count() == 3


def test_it_reads_a_gbk_csv_as_excel_in_china_saves_it(world, as_user):
    response = post(as_user(world.users["office"]), as_csv(good_rows(), encoding="gb18030"), True)
    assert response.status_code == 200 and response.json()["ok"]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("people.txt", b"hello"),
        SimpleUploadedFile("people.xlsx", b"not a workbook"),
        as_csv([["x"]], header=["地址"]),
        SimpleUploadedFile("people.csv", b""),
    ],
)
def test_an_unreadable_file_is_a_file_error(world, as_user, upload):
    response = post(as_user(world.users["office"]), upload, True)
    assert response.status_code == 400 and "file" in response.json()


def test_a_cadre_imports_only_into_their_village_and_a_supervisor_not_at_all(world, as_user):
    response = post(as_user(world.users["cadre"]), as_csv(good_rows()), True)
    assert response.status_code == 200
    outside = [["GA2", "N-09", "", "", "林十", "", "", "", "", "", ""]]
    response = post(as_user(world.users["cadre"]), as_csv(outside), True)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "grid_code"
    assert post(as_user(world.users["supervisor"]), as_csv(good_rows()), True).status_code == 403


def test_exports_are_scoped_and_masked_and_round_trip(world, as_user):
    cadre_csv = as_user(world.users["cadre"]).get("/api/v1/residents/export/?file_format=csv")
    assert cadre_csv.status_code == 200 and cadre_csv.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(cadre_csv.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["网格编码", "户号", "户主"]
    assert {r[4] for r in rows[1:]} == {"甲一居民", "甲一二居民"}
    assert all("*" in r[6] for r in rows[1:])  # masked: the cadre has no personal-data grant
    office = world.users["office"]
    assign_perm("grids.view_personal_data", office, world.town_a)
    xlsx = as_user(office).get("/api/v1/residents/export/?file_format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + 3 and all("*" not in (v[6] or "") for v in values[1:])
    # one trail row for the export, naming the three residents shown in full
    entry = AuditEntry.objects.get(action="view_personal", actor=office)
    assert len(entry.changes["ids"]) == 3
    # round trip: the office's export imports back as updates
    back = SimpleUploadedFile("back.xlsx", xlsx.content)
    result = post(as_user(office), back, False).json()
    assert result["ok"] and result["residents_created"] == 0 and result["residents_updated"] == 3
    assert as_user(office).get("/api/v1/residents/export/?file_format=pdf").status_code == 400
