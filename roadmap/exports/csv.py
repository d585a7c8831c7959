"""CSV files of the export tables: UTF-8 with a BOM (so Excel reads Arabic right); the
tables' cells that a spreadsheet would run as a formula are neutralised already
(:func:`roadmap.exports.tables.neutralised`, OWASP CSV injection).

Rows are written as they are read from the database: a table is never held whole in memory.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import time
import zipfile
from typing import Callable

from roadmap.exports.tables import Table

# zlib's level 2: a third of the time of the default level 6 on a large table, for an
# archive about a fifth larger.
COMPRESSLEVEL = 2


def write_csv(table: Table, stream, batch: int = 1_000) -> None:
    """Write one table as CSV (UTF-8 with BOM, CRLF line ends, empty cells for ``None``) to
    the binary ``stream``, ``batch`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    stream.write(codecs.BOM_UTF8)
    rows = iter(table.rows)
    while True:
        writer.writerows(itertools.islice(rows, batch))
        text = buffer.getvalue()
        if not text:
            return
        stream.write(text.encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()


def table_csv(table: Table) -> bytes:
    """One table as CSV bytes (UTF-8 with BOM, CRLF line ends)."""
    buffer = io.BytesIO()
    write_csv(table, buffer)
    return buffer.getvalue()


def archive_member(name: str) -> zipfile.ZipInfo:
    """A ZIP member written now, deflated at :data:`COMPRESSLEVEL` (what ``writestr`` does for
    a name; ``ZipFile.open(name, "w")`` would date it 1980)."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESSLEVEL  # no public attribute before Python 3.13
    info.external_attr = 0o600 << 16
    return info


def tables_zip(tables: list[Table], progress: Callable[[float], None] | None = None,
               files=()) -> bytes:
    """Every table as ``<name>.csv`` in one ZIP archive, each written as it is read, then
    ``files`` (``(name in the archive, path)`` pairs, stored as they are: the thumbnails of
    the open data, WebP already compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, table in enumerate(tables, start=1):
            with archive.open(archive_member(f"{table.name}.csv"), "w") as member:
                write_csv(table, member)
            if progress:
                progress(number / len(tables))
        for name, path in files:
            archive.write(path, name, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
