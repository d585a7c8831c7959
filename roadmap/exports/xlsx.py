"""The whole consultation as one XLSX workbook: one sheet per export table."""
from __future__ import annotations

import io

from roadmap.exports.csv import neutralised
from roadmap.exports.tables import Table

MAX_CELL = 32_767  # Excel's limit on the characters of a cell


def _value(value):
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", neutralised(value))[:MAX_CELL]
    return value


def workbook_bytes(tables: list[Table]) -> bytes:
    """The tables as an XLSX workbook (header row in bold and frozen), as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=table.name[:31])
        sheet.append(table.headers)
        for header in sheet[1]:
            header.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in table.rows:
            sheet.append([_value(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
