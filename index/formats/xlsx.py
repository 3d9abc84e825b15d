"""XLSX reader (openpyxl: MIT, maintained, the reference reader for the format; it parses
through defusedxml when that is installed). Opened read-only (rows streamed, not held as
cell objects) with cached formula values (``data_only``: what the sheet shows).

Each non-empty sheet is a page (cited "sheet N"): a heading with the sheet's name, then its
used range as a table, the first non-empty row its header, empty rows and the empty columns
around the range left out. At most ``MAX_SHEET_ROWS`` rows of a sheet and
``limits.MAX_TABLE_CELLS`` cells are read; a sheet cut there says so in a paragraph under
its table. Charts and chart sheets are left out.
"""

from __future__ import annotations

import datetime
import io

from ..document_model import ParsedDocument
from .limits import MAX_TABLE_CELLS, BoundedWriter, check_zip, library, one_line, reading

MAX_SHEET_ROWS = 50_000


def read(data: bytes) -> ParsedDocument:
    check_zip(data)
    openpyxl = library("openpyxl", "openpyxl")
    with reading("XLSX"):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            writer = BoundedWriter()
            for sheet in book.worksheets:
                rows, complete = _used_range(sheet)
                if not rows:
                    continue
                writer.new_page()
                writer.heading(sheet.title, 1)
                writer.table(rows)
                if not complete:
                    writer.paragraph(f"(Only the first {len(rows) - 1:,} rows under this sheet's header were read.)")
            title = one_line(book.properties.title) or None
        finally:
            book.close()  # read-only workbooks keep the archive open until closed
    return writer.result(title=title, page_label="sheet")


def _used_range(sheet) -> tuple[list[list[str]], bool]:
    """A sheet's non-empty rows as text, its leading and trailing empty columns cut, and
    whether all of them were read (the row and cell caps)."""
    sheet.reset_dimensions()  # a declared size may be wrong or huge: read the rows there are
    rows: list[list[str]] = []
    width = 0
    for values in sheet.iter_rows(values_only=True):
        row = [_text(value) for value in values]
        while row and not row[-1]:
            row.pop()
        if not row:
            continue
        width = max(width, len(row))
        if len(rows) > MAX_SHEET_ROWS or (len(rows) + 1) * width > MAX_TABLE_CELLS:  # as the table is padded
            return _trim(rows), False
        rows.append(row)
    return _trim(rows), True


def _trim(rows: list[list[str]]) -> list[list[str]]:
    first = min((next(i for i, cell in enumerate(row) if cell) for row in rows), default=0)
    return [row[first:] for row in rows]


def _text(value) -> str:
    """A cell's value as the sheet would show it, near enough: whole numbers without ".0",
    dates without a midnight time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
