"""Bulk import and export of households and residents, in the CSV and Excel files town
offices already keep: one row per person, grouped into households by household number.

Why not django-import-export: its resources map one row to one model, while these files
carry a household and a person on each row, with encrypted personal data, scoping per
row and Chinese headers; the validation and all-or-nothing rule below are short.

* A dry run checks every row and reports each bad one with its row number and reason.
* A real run is all-or-nothing: one bad row and nothing is written.
* Both run the very same code inside a transaction; the dry run always rolls back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import audit, crypto
from governance.choices import AuditAction
from governance.scoping import CHANGE, can, can_see_personal, restrict
from governance.sheets import csv_bytes, is_formula_like, xlsx
from governance.text import has_control_characters

from .choices import HOUSEHOLD_FLAGS, Gender, Residency
from .models import Grid, Household, Resident
from .validators import validate_id_number, validate_phone

# (field, Chinese header, English header). The export writes the Chinese headers; the
# import accepts either, in any order.
COLUMNS = [
    ("grid_code", "网格编码", "grid code"),
    ("household_number", "户号", "household number"),
    ("head_name", "户主", "head of household"),
    ("address", "地址", "address"),
    ("name", "姓名", "name"),
    ("gender", "性别", "gender"),
    ("id_number", "身份证号", "id number"),
    ("phone", "电话", "phone"),
    ("relation", "与户主关系", "relation"),
    ("residency", "人口类型", "residency"),
    ("is_low_income", "低收入户", "low income"),
    ("is_dispute", "矛盾纠纷户", "dispute"),
    ("is_petitioner", "上访户", "petitioner"),
    ("is_building_applicant", "建房申请户", "building applicant"),
    ("is_hotline_caller", "12345来电户", "12345 caller"),
    ("is_elderly_alone", "居家养老", "elderly alone"),
    ("is_rented_to_migrants", "出租房", "rented to migrants"),
]
HEADER_TO_FIELD = {}
for _field, _zh, _en in COLUMNS:
    HEADER_TO_FIELD[_zh] = HEADER_TO_FIELD[_en] = HEADER_TO_FIELD[_field] = _field
REQUIRED_HEADERS = ("grid_code", "household_number", "name")
MAX_ROWS = 100_000

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", ""}
_RESIDENCY = {
    "常住": Residency.REGISTERED,
    "户籍": Residency.REGISTERED,
    "外来": Residency.MIGRANT,
    "外来人口": Residency.MIGRANT,
    "流动": Residency.MIGRANT,
}
_GENDER = {"男": Gender.MALE, "女": Gender.FEMALE}


class TransferError(ValueError):
    """The file as a whole cannot be read (format, headers, size)."""


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["written"] = self.ok and not self.dry_run
        return data


class FlagField(forms.Field):
    def to_python(self, value):
        text = str(value if value is not None else "").strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValidationError(gettext_lazy("Use 是 or 否."))


class ChoiceWordField(forms.Field):
    def __init__(self, words: dict, choices, **kwargs):
        self.words, self.values = words, {c for c, _label in choices}
        super().__init__(**kwargs)

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return ""
        if text in self.words:
            return self.words[text]
        if text.lower() in self.values:
            return text.lower()
        raise ValidationError(gettext_lazy("Not one of: %(words)s") % {"words": "/".join(self.words)})


def reject_control_characters(value) -> None:
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(gettext_lazy("Remove the control character (such as NUL) from this cell."))


class RowForm(forms.Form):
    """One row of the file, cleaned: the same field messages as the API and admin."""

    grid_code = forms.CharField(max_length=32)
    household_number = forms.CharField(max_length=32)
    head_name = forms.CharField(max_length=32, required=False)
    address = forms.CharField(max_length=200, required=False)
    name = forms.CharField(max_length=32)
    gender = ChoiceWordField(_GENDER, Gender.choices, required=False)
    id_number = forms.CharField(max_length=18, required=False, validators=[validate_id_number])
    phone = forms.CharField(max_length=32, required=False, validators=[validate_phone])
    relation = forms.CharField(max_length=16, required=False)
    residency = ChoiceWordField(_RESIDENCY, Residency.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in HOUSEHOLD_FLAGS:
            self.fields[name] = FlagField(required=False)
        for form_field in self.fields.values():
            form_field.validators.append(reject_control_characters)

    def clean_id_number(self):
        return crypto.normalise(self.cleaned_data["id_number"])

    def clean_phone(self):
        return crypto.normalise(self.cleaned_data["phone"])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns 户号 "12" into 12.0
    text = str(value)
    if text.startswith("'") and is_formula_like(text[1:]):
        text = text[1:]  # the export's escape of a formula-like cell
    return text.strip()


def _csv_table(text: str):
    """The CSV's rows as lists of cells; a row the csv module cannot read (a cell over its
    128 KiB limit, broken quoting) is a file error naming the row, not a 500."""
    reader = csv.reader(io.StringIO(text))
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise TransferError(
                    _("Row %(row)d: a cell is longer than %(limit)d characters; no column takes that much.")
                    % {"row": number, "limit": csv.field_size_limit()}
                ) from exc
            raise TransferError(_("Row %(row)d cannot be read as CSV.") % {"row": number}) from exc
        yield [_cell(v) for v in row]


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """Rows as (row number in the file, {field: text}); the header is row 1."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TransferError(_("This is not a readable Excel (.xlsx) file.")) from exc
        table = ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise TransferError(_("The CSV file is neither UTF-8 nor GBK text."))
        table = _csv_table(text)
    else:
        raise TransferError(_("Upload a .csv or .xlsx file."))
    header = next(table, None)
    if not header:
        raise TransferError(_("The file is empty."))
    fields = [HEADER_TO_FIELD.get(h.strip().lower() if h.isascii() else h.strip()) for h in header]
    missing = [zh for f, zh, _en in COLUMNS if f in REQUIRED_HEADERS and f not in fields]
    if missing:
        raise TransferError(_("Missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    rows = []
    for number, values in enumerate(table, start=2):
        if not any(values):
            continue
        if len(rows) >= MAX_ROWS:
            raise TransferError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
        rows.append((number, {f: v for f, v in zip(fields, values, strict=False) if f}))
    return rows


def import_residents(*, data: bytes, filename: str, actor, dry_run: bool) -> ImportResult:
    """Check (dry run) or load (real run, all or nothing) a households-and-residents file."""
    if not can(actor, CHANGE, Resident):
        raise PermissionDenied(_("You may not change residents."))
    rows = read_rows(data, filename)
    result = ImportResult(dry_run=dry_run, rows=len(rows))
    with transaction.atomic():
        _import(rows, actor, result)
        if dry_run or result.errors:
            transaction.set_rollback(True)
    if result.errors:
        result.households_created = result.households_updated = 0
        result.residents_created = result.residents_updated = 0
    return result


def _import(rows, actor, result: ImportResult) -> None:
    grids = {
        g.code: g
        for g in restrict(Grid.objects.select_related("village"), actor).filter(
            code__in={r.get("grid_code", "") for _n, r in rows}
        )
    }
    households: dict[tuple[int, str], Household] = {}
    seen_ids: dict[str, int] = {}
    touched_households: dict[int, Household] = {}
    created, updated = [], []
    for number, raw in rows:
        form = RowForm(raw)
        if not form.is_valid():
            for name, errors in form.errors.items():
                for message in errors:
                    result.errors.append(RowError(number, name, message))
            continue
        row = form.cleaned_data
        grid = grids.get(row["grid_code"])
        if grid is None:
            result.errors.append(
                RowError(number, "grid_code", _("No grid with this code in your area: %s") % row["grid_code"])
            )
            continue
        if row["id_number"]:
            if row["id_number"] in seen_ids:
                result.errors.append(
                    RowError(number, "id_number", _("Same ID number as row %d.") % seen_ids[row["id_number"]])
                )
                continue
            seen_ids[row["id_number"]] = number
        try:
            household = _household_for(row, grid, households, actor, result)
            touched_households[household.pk] = household
            resident, is_new = _resident_for(row, household, actor)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    result.errors.append(RowError(number, "" if name == "__all__" else name, message))
            continue
        except PermissionDenied as exc:
            result.errors.append(RowError(number, "id_number", str(exc)))
            continue
        (created if is_new else updated).append(resident)
    if result.errors:
        return
    result.residents_created, result.residents_updated = len(created), len(updated)
    audit.record_many(
        action=AuditAction.IMPORT, instances=[*touched_households.values(), *created, *updated], actor=actor
    )
    # The same check as every write: all of it must still be in the actor's scope.
    ids = [h.pk for h in touched_households.values()]
    if restrict(Household.objects.filter(pk__in=ids), actor, CHANGE).count() != len(ids):
        raise PermissionDenied(_("This would place records outside your area."))


def _household_for(row, grid, households, actor, result) -> Household:
    key = (grid.village_id, row["household_number"])
    household = households.get(key)
    flags = {name: row[name] for name in HOUSEHOLD_FLAGS}
    if household is None:
        household = Household.objects.filter(
            village_id=grid.village_id, number=row["household_number"], deleted_at__isnull=True
        ).first()
        if household is None:
            household = Household(grid=grid, number=row["household_number"])
            result.households_created += 1
        else:
            if not restrict(Household.objects.filter(pk=household.pk), actor, CHANGE).exists():
                raise PermissionDenied(_("This household is outside your area."))
            result.households_updated += 1
        household.grid = grid
        household.head_name = row["head_name"] or household.head_name or row["name"]
        household.address = row["address"] or household.address
        for name, value in flags.items():
            setattr(household, name, value)
        household.full_clean()
        household.save()
        households[key] = household
    else:
        # Later rows of the same household may only add flags, never contradict the first.
        changed = [name for name, value in flags.items() if value and not getattr(household, name)]
        for name in changed:
            setattr(household, name, True)
        if changed:
            household.save(update_fields=[*changed, "updated_at"])
    return household


def _resident_for(row, household, actor) -> tuple[Resident, bool]:
    resident = None
    if row["id_number"]:
        resident = Resident.objects.filter(
            id_number_digest=crypto.digest(row["id_number"]), deleted_at__isnull=True
        ).first()
        if (
            resident is not None
            and not restrict(Resident.objects.filter(pk=resident.pk), actor, CHANGE).exists()
        ):
            raise PermissionDenied(_("A resident with this ID number is registered outside your area."))
    is_new = resident is None
    if is_new:
        resident = Resident(household=household)
    resident.household = household
    resident.name = row["name"]
    resident.gender = row["gender"] or resident.gender
    resident.relation = row["relation"] or resident.relation
    resident.residency = row["residency"] or resident.residency or Residency.REGISTERED
    if row["id_number"]:
        resident.id_number = row["id_number"]
    if row["phone"]:
        resident.phone = row["phone"]
    resident.full_clean()
    resident.save()
    if not is_new:
        resident.sync_descendants()  # moved to a household of another village: its member record follows
    return resident, is_new


def export_rows(queryset, user) -> tuple[list[str], list[list[str]], list[Resident]]:
    """Header and rows for an export, masked unless the user may see personal data."""
    header = [zh for _f, zh, _en in COLUMNS]
    rows, unmasked = [], []
    for r in queryset.select_related("household__grid").order_by("village_id", "household__number", "id"):
        h = r.household
        show = can_see_personal(user, r.town_id)
        if show and (r.id_number or r.phone):
            unmasked.append(r)
        id_number = r.id_number if show else crypto.mask(r.id_number)
        phone = r.phone if show else crypto.mask(r.phone)
        residency = "常住" if r.residency == Residency.REGISTERED else "外来"
        gender = {"male": "男", "female": "女"}.get(r.gender, "")
        flags = ["是" if getattr(h, name) else "否" for name in HOUSEHOLD_FLAGS]
        rows.append(
            [
                h.grid.code,
                h.number,
                h.head_name,
                h.address,
                r.name,
                gender,
                id_number,
                phone,
                r.relation,
                residency,
                *flags,
            ]
        )
    return header, rows, unmasked


def export_residents(*, queryset, user, fmt: str) -> bytes:
    header, rows, unmasked = export_rows(queryset, user)
    audit.record_personal_views(actor=user, instances=unmasked, fields=Resident.PERSONAL_FIELDS)
    if fmt == "xlsx":
        return xlsx("居民", header, rows)
    return csv_bytes(header, rows)
