"""Lists people upload: a CSV (``,`` or ``;``, UTF-8 with or without Excel's BOM) or an XLSX
sheet, read into rows of text cells. :class:`UnreadableTable` says why in the reader's language."""
from __future__ import annotations

import csv
import io
import zipfile

from flask_babel import lazy_gettext as _l


class UnreadableTable(ValueError):
    """The file is empty, too large or cannot be read; ``str(error)`` says which."""


def cell_text(value) -> str:
    """A cell as text: numbers without a trailing ``.0``, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _table_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableTable(_l("The file is not in UTF-8: save it as \"CSV UTF-8\" and try "
                                 "again.")) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _table_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UnreadableTable(_l("This spreadsheet cannot be read.")) from None
    try:
        sheet = workbook.worksheets[0]
        return [[cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(filename: str, data: bytes, *, max_bytes: int) -> list[list[str]]:
    """The non-empty rows of an uploaded CSV or XLSX file (the first names the columns).

    Raises :class:`UnreadableTable` for an empty, unreadable or too large file.
    """
    if not data:
        raise UnreadableTable(_l("The file is empty."))
    if len(data) > max_bytes:
        raise UnreadableTable(_l("The file is too large (%(mb)d MB at most).",
                                 mb=max(1, max_bytes // (1024 * 1024))))
    is_xlsx = (filename or "").lower().endswith(".xlsx") or data[:2] == b"PK"
    table = _table_from_xlsx(data) if is_xlsx else _table_from_csv(data)
    table = [row for row in table if any(cell_text(cell) for cell in row)]
    if not table:
        raise UnreadableTable(_l("The file is empty."))
    return table


def header_names(row: list[str], aliases: dict[str, str]) -> list[str]:
    """The first row's column names: lower case, spaces as ``_``, known aliases resolved."""
    names = [cell_text(cell).lower().replace(" ", "_").replace("-", "_") for cell in row]
    return [aliases.get(name, name) for name in names]
