"""CSV files of the export tables: UTF-8 with a BOM (so Excel reads Arabic right) and cells
that a spreadsheet would run as a formula neutralised (OWASP CSV injection)."""
from __future__ import annotations

import csv
import io
import zipfile

from roadmap.exports.tables import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(table: Table) -> bytes:
    """One table as CSV bytes (UTF-8 with BOM, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if value is None else neutralised(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def tables_zip(tables: list[Table]) -> bytes:
    """Every table as ``<name>.csv`` in one ZIP archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{table.name}.csv", table_csv(table))
    return buffer.getvalue()
