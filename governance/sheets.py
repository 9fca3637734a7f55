"""Spreadsheets the town offices download: Excel (and CSV) written safely, one way for
every export of the platform."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A cell starting with one of these is a formula to a spreadsheet: a name typed as
# ``=HYPERLINK("http://…","点此")`` would be a live link in the town office's Excel.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def xlsx(title: str, header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """One sheet, streamed (openpyxl's write-only mode); a formula-like text stays text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(header))

    def cell(value):
        if not is_formula_like(value):
            return value
        # A text cell (Excel's quote prefix): shown as typed, never evaluated.
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"
        text.quotePrefix = True
        return text

    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM (so Excel opens it as UTF-8); CSV has no cell types, so a leading
    apostrophe makes a formula-like cell text (the import takes it off)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([f"'{v}" if is_formula_like(v) else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
