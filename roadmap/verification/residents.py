"""Residents' lists: an extract a commune provides (CNIE number, date of birth, commune code),
kept as keyed hashes only, and the verification of a resident who types their CNIE number and
date of birth.

Reading and checking a file write nothing (:func:`read_resident_rows`, :func:`check_rows`);
:func:`store_list` writes a new list or replaces one, in one transaction, with an audit entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select

from roadmap.audit.log import record
from roadmap.core.models import utcnow
from roadmap.core.spreadsheets import UnreadableTable, header_names, read_table
from roadmap.extensions import db
from roadmap.territory.models import Commune
from roadmap.verification.identity import (InvalidIdentity, cnie_check_hash, cnie_hash,
                                           normalise_cnie, parse_birth_date)
from roadmap.verification.models import ResidentEntry, ResidentList, Verification
from roadmap.verification.services import VerificationError, verify_account

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
COLUMNS = ("cnie", "birth_date", "commune")
ALIASES = {"cin": "cnie", "cine": "cnie", "cnie_number": "cnie", "numero_cnie": "cnie",
           "n_cnie": "cnie", "id_number": "cnie", "date_of_birth": "birth_date",
           "date_naissance": "birth_date", "date_de_naissance": "birth_date", "born_on": "birth_date",
           "birthdate": "birth_date", "dob": "birth_date", "commune_code": "commune",
           "code_commune": "commune", "code": "commune"}


class ResidentListError(ValueError):
    """The whole file is refused (unreadable, empty, a column missing); says why."""


@dataclass
class CheckedRow:
    """One row of a list: its line, the cleaned values, and its problems (none: it is kept)."""

    line: int
    cnie: str | None = None
    born_on: date | None = None
    commune: Commune | None = None
    problems: list = field(default_factory=list)


def read_resident_rows(filename: str, data: bytes) -> list[dict]:
    """The rows of an uploaded list, as dicts of :data:`COLUMNS` with their ``line``.

    Raises :class:`ResidentListError` for an empty, unreadable or too large file, or one
    that lacks one of the three columns. Writes nothing.
    """
    try:
        table = read_table(filename, data, max_bytes=MAX_BYTES)
    except UnreadableTable as error:
        raise ResidentListError(str(error)) from None
    header = header_names(table[0], ALIASES)
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ResidentListError(_l(
            "The first row must name the columns cnie, birth_date and commune; missing: "
            "%(missing)s.", missing=", ".join(missing)))
    if len(table) - 1 > MAX_ROWS:
        raise ResidentListError(_l("Too many rows: %(max)d at most.", max=MAX_ROWS))
    positions = {name: header.index(name) for name in COLUMNS}
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(str(cell).strip() for cell in cells):
            continue  # a blank line (spreadsheets leave some at the end)
        row = {name: (cells[index] if index < len(cells) else "")
               for name, index in positions.items()}
        row["line"] = line
        rows.append(row)
    return rows


def _communes_by_code() -> dict[str, Commune]:
    communes = {}
    for commune in db.session.scalars(select(Commune)):
        communes[commune.code.upper()] = commune
        if commune.hcp_code:
            communes.setdefault(commune.hcp_code.upper(), commune)
    return communes


def check_rows(rows: list[dict]) -> list[CheckedRow]:
    """Each row cleaned, with its problems: a malformed CNIE, a date of birth that cannot be
    read, does not exist or is in the future, an unknown commune, a CNIE twice in the file.
    Writes nothing."""
    communes = _communes_by_code()
    checked, seen = [], {}
    for row in rows:
        result = CheckedRow(line=row["line"])
        try:
            result.cnie = normalise_cnie(row.get("cnie"))
        except InvalidIdentity as error:
            result.problems.append(str(error))
        try:
            result.born_on = parse_birth_date(row.get("birth_date"))
        except InvalidIdentity as error:
            result.problems.append(str(error))
        code = str(row.get("commune") or "").strip().upper()
        result.commune = communes.get(code)
        if result.commune is None:
            result.problems.append(str(_l("Unknown commune code: %(code)s.", code=code or "—")))
        if result.cnie:
            if result.cnie in seen:
                result.problems.append(str(_l("This CNIE number is already on line %(line)d.",
                                              line=seen[result.cnie])))
            else:
                seen[result.cnie] = result.line
        checked.append(result)
    return checked


def problems_of(checked: list[CheckedRow]) -> list[CheckedRow]:
    """The rows that have problems (a list is stored only when there are none)."""
    return [row for row in checked if row.problems]


def store_list(checked: list[CheckedRow], *, label: str, filename: str | None, by,
               replacing: ResidentList | None = None) -> ResidentList:
    """Write a list whose rows have no problems (hashes only), or replace ``replacing``'s
    entries with them; audit-logged (``residents_list.upload`` / ``.replace``). Flushes.

    Raises :class:`ResidentListError` if a row has a problem: nothing is written.
    """
    if problems_of(checked):
        raise ResidentListError(_l("The list has problems: correct them and upload it again."))
    if not checked:
        raise ResidentListError(_l("The file is empty."))
    now = utcnow()
    if replacing is None:
        resident_list = ResidentList(label=label, file_name=filename, created_by_id=by.id,
                                     created_at=now)
        db.session.add(resident_list)
        db.session.flush()
    else:
        resident_list = replacing
        db.session.execute(delete(ResidentEntry).where(ResidentEntry.list_id == replacing.id))
        resident_list.label = label or replacing.label
        resident_list.file_name = filename
        resident_list.replaced_at = now
    db.session.execute(insert(ResidentEntry), [
        {"list_id": resident_list.id, "identity_hash": cnie_hash(row.cnie),
         "check_hash": cnie_check_hash(row.cnie, row.born_on), "commune_id": row.commune.id}
        for row in checked])
    resident_list.entries_count = len(checked)
    db.session.flush()
    record(by, "residents_list.replace" if replacing else "residents_list.upload", resident_list,
           after={"label": resident_list.label, "entries": len(checked),
                  "file_name": filename})
    return resident_list


def list_counts(resident_list: ResidentList) -> tuple[int, int]:
    """(entries, used): how many residents the list holds, and how many verified an account."""
    used = db.session.scalar(
        select(func.count()).select_from(ResidentEntry).where(
            ResidentEntry.list_id == resident_list.id,
            ResidentEntry.identity_hash.in_(select(Verification.identity_hash).where(
                Verification.ended_at.is_(None)))))
    return resident_list.entries_count, used or 0


def find_resident(cnie_raw, birth_raw) -> ResidentEntry | None:
    """The entry of the newest list that has this CNIE number with this date of birth, or
    None. Raises :class:`InvalidIdentity` for a malformed number or date."""
    cnie = normalise_cnie(cnie_raw)
    born_on = parse_birth_date(birth_raw)
    return db.session.scalar(
        select(ResidentEntry).where(ResidentEntry.check_hash == cnie_check_hash(cnie, born_on))
        .order_by(ResidentEntry.list_id.desc()).limit(1))


NOT_ON_LIST = _l("No resident with this CNIE number and date of birth is on the residents' "
                 "lists. Check both, or ask your commune office.")


def verify_with_resident_list(user, cnie_raw, birth_raw, *, entered_by=None) -> Verification:
    """Verify ``user`` as the resident with this CNIE number and date of birth; the list's
    commune becomes their verified commune. Raises :class:`InvalidIdentity` (malformed) or
    :class:`VerificationError` (not on a list, or the entry verified another account)."""
    entry = find_resident(cnie_raw, birth_raw)
    if entry is None:
        raise VerificationError(NOT_ON_LIST, "not_on_list")
    return verify_account(user, method="residents_list", identity_hash=entry.identity_hash,
                          commune_id=entry.commune_id, source_id=entry.id,
                          entered_by=entered_by)


def all_lists() -> list[ResidentList]:
    """Every residents' list, newest first."""
    return list(db.session.scalars(select(ResidentList).order_by(ResidentList.created_at.desc(),
                                                                 ResidentList.id.desc())))
