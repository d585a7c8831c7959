"""The whole consultation as one XLSX workbook: one sheet per export table.

The workbook is written row by row straight into its ZIP archive, as the rows are read from
the database: a table is never held whole in memory. The cells are those openpyxl writes
(``Workbook().save``): inline strings, numbers as ``%.16g``, booleans, error codes; no cell
for ``None``; the header row in bold and frozen. openpyxl's own writer, write-only mode
included, builds an object per cell and is far too slow for a million cells.
"""
from __future__ import annotations

import io
import re
import time
import zipfile
from decimal import Decimal
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

from roadmap.exports.csv import archive_member
from roadmap.exports.tables import FORMULA_STARTS, Table

MAX_CELL = 32_767  # Excel's limit on the characters of a cell
# Characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): removed from the text.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# Text that needs more than copying: an XML-illegal character or markup to escape; or (its
# first character) a formula or error code start.
CAREFUL = re.compile(r"[\000-\010\013\014\016-\037&<>]")
CAREFUL_STARTS = "".join(FORMULA_STARTS) + "#"
ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
FLUSH_ROWS = 500

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '{sheets}</Types>')
SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="application/'
              'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
ROOT_RELS = (
    HEAD + f'<Relationships xmlns="{PACKAGE}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{PACKAGE}/metadata/core-properties" '
    'Target="docProps/core.xml"/></Relationships>')
CORE = (
    HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
    'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>roadmap</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
    '</cp:coreProperties>')
WORKBOOK = (HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            '<sheets>{sheets}</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
WORKBOOK_RELS = (HEAD + f'<Relationships xmlns="{PACKAGE}">{{sheets}}'
                 f'<Relationship Id="rId{{styles}}" Type="{RELATIONSHIPS}/styles" '
                 'Target="styles.xml"/></Relationships>')
STYLES = (  # two cell formats: 0 plain, 1 bold (the header row)
    HEAD + f'<styleSheet xmlns="{MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font><font><b val="1"/><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>')
SHEET_START = (HEAD + f'<worksheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0">'
               '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
               '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
               '</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>')
SHEET_END = ('</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" '
             'header="0.5" footer="0.5"/></worksheet>')


def column_letter(index: int) -> str:
    """The letters of the 0-based column ``index``: A, B, ... Z, AA..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    """A string as openpyxl stores it: neutralised, without XML-illegal characters, cut to
    Excel's limit."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if ILLEGAL_CHARACTERS.search(value):
        value = ILLEGAL_CHARACTERS.sub("", value)
    return value[:MAX_CELL]


def _cell(reference: str, value, style: str = "") -> str:
    """The ``<c>`` element of one value ("" for ``None``, which has no cell)."""
    kind = value.__class__
    if kind is str:
        value = _text(value)
        if not value:
            return f'<c r="{reference}"{style} t="inlineStr"/>'
        if value in ERROR_CODES:
            return f'<c r="{reference}"{style} t="e"><v>{value}</v></c>'
        space = ' xml:space="preserve"' if value != value.strip() and value.strip() else ""
        return (f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>{escape(value)}</t>'
                f'</is></c>')
    if kind is bool:
        return f'<c r="{reference}"{style} t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float or isinstance(value, (int, float, Decimal)):
        if value != value or value in (float("inf"), float("-inf")):
            return f'<c r="{reference}"{style} t="n"/>'
        return f'<c r="{reference}"{style} t="n"><v>{"%.16g" % value}</v></c>'
    if value is None:
        return ""
    return _cell(reference, str(value), style)


def _write_sheet(stream, table: Table) -> None:
    letters = [column_letter(index) for index in range(len(table.headers))]
    header = "".join(_cell(f"{letter}1", name, ' s="1"')
                     for letter, name in zip(letters, table.headers))
    parts = [SHEET_START, f'<row r="1">{header}</row>']
    number = 1
    for row in table.rows:
        number += 1
        suffix = str(number)
        cells = []
        add = cells.append
        for letter, value in zip(letters, row):
            if value is None:
                continue
            kind = value.__class__
            if kind is str:
                if value and value[0] not in CAREFUL_STARTS and not value[0].isspace() \
                        and not value[-1].isspace() and not CAREFUL.search(value) \
                        and len(value) <= MAX_CELL:
                    # the common case: text with nothing to neutralise, remove, escape or
                    # keep (whitespace at either end is kept with xml:space="preserve")
                    add(f'<c r="{letter}{suffix}" t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    add(_cell(letter + suffix, value))
            elif kind is int:
                add(f'<c r="{letter}{suffix}" t="n"><v>{"%.16g" % value}</v></c>')
            elif kind is bool:
                add(f'<c r="{letter}{suffix}" t="b"><v>{1 if value else 0}</v></c>')
            else:
                add(_cell(letter + suffix, value))
        parts.append(f'<row r="{suffix}">{"".join(cells)}</row>')
        if len(parts) >= FLUSH_ROWS:
            stream.write("".join(parts).encode("utf-8"))
            parts.clear()
    parts.append(SHEET_END)
    stream.write("".join(parts).encode("utf-8"))


def write_workbook(tables: list[Table], output,
                   progress: Callable[[float], None] | None = None) -> None:
    """Write the tables as an XLSX workbook (header row in bold and frozen) to the binary
    file ``output``, calling ``progress(fraction)`` after each sheet."""
    titles = [table.name[:31] for table in tables]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    count = len(tables)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(archive_member("[Content_Types].xml"), CONTENT_TYPES.format(sheets="".join(
            SHEET_TYPE.format(number=number) for number in range(1, count + 1))))
        archive.writestr(archive_member("_rels/.rels"), ROOT_RELS)
        archive.writestr(archive_member("docProps/core.xml"), CORE.format(now=now))
        archive.writestr(archive_member("xl/workbook.xml"), WORKBOOK.format(sheets="".join(
            f'<sheet name={quoteattr(title)} sheetId="{number}" r:id="rId{number}"/>'
            for number, title in enumerate(titles, start=1))))
        archive.writestr(archive_member("xl/_rels/workbook.xml.rels"), WORKBOOK_RELS.format(
            sheets="".join(f'<Relationship Id="rId{number}" Type="{RELATIONSHIPS}/worksheet" '
                           f'Target="worksheets/sheet{number}.xml"/>'
                           for number in range(1, count + 1)), styles=count + 1))
        archive.writestr(archive_member("xl/styles.xml"), STYLES)
        for number, table in enumerate(tables, start=1):
            with archive.open(archive_member(f"xl/worksheets/sheet{number}.xml"), "w") as stream:
                _write_sheet(stream, table)
            if progress:
                progress(number / count)


def workbook_bytes(tables: list[Table],
                   progress: Callable[[float], None] | None = None) -> bytes:
    """The tables as an XLSX workbook (header row in bold and frozen), as bytes."""
    buffer = io.BytesIO()
    write_workbook(tables, buffer, progress)
    return buffer.getvalue()
