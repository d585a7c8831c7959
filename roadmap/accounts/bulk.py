"""Invite many at once: read a CSV or XLSX list, check every row, send the valid ones.

Columns (first row, any order, case-insensitive): ``email`` (required), ``name``, ``role``,
``stakeholder_type``, ``organisation``, ``commune`` (a code or a French or Arabic name),
``language``. CSV may be separated by ``,`` or ``;`` and encoded in UTF-8, with or without the
BOM Excel writes. Reading and checking write nothing; :func:`send_rows` invites.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from roadmap.accounts import invitations
from roadmap.accounts.invitations import InvitationError
from roadmap.accounts.services import normalise_email, user_by_email
from roadmap.config import LANGUAGES
from roadmap.core.spreadsheets import UnreadableTable, cell_text, header_names, read_table

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024
COLUMNS = ("email", "name", "role", "stakeholder_type", "organisation", "commune", "language")
ALIASES = {"e-mail": "email", "mail": "email", "courriel": "email", "display_name": "name",
           "nom": "name", "organization": "organisation", "stakeholder": "stakeholder_type",
           "type": "stakeholder_type", "commune_code": "commune", "lang": "language",
           "langue": "language"}
ROLE_ALIASES = {"organizer": "organiser", "administrator": "admin", "help_desk": "helpdesk",
                "help-desk": "helpdesk"}


def read_rows(filename: str, data: bytes) -> list[dict]:
    """The rows of an uploaded list as dicts keyed by :data:`COLUMNS`, with their ``line``.

    Raises :class:`InvitationError` for an empty, unreadable or too large file, or one without
    an ``email`` column. Writes nothing.
    """
    try:
        table = read_table(filename, data, max_bytes=MAX_BYTES)
    except UnreadableTable as error:
        raise InvitationError(str(error)) from None
    header = header_names(table[0], ALIASES)
    if "email" not in header:
        raise InvitationError(_l("The first row must name the columns, with at least "
                                 "\"email\"."))
    if len(table) - 1 > MAX_ROWS:
        raise InvitationError(_l("Too many rows: %(max)d at most.", max=MAX_ROWS))
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {name: "" for name in COLUMNS}
        for name, cell in zip(header, cells):
            if name in values:
                values[name] = cell_text(cell)
        values["line"] = line
        rows.append(values)
    return rows


def check_rows(rows: list[dict], *, default_role: str = "moderator",
               default_stakeholder_type: str = "public_service") -> list[dict]:
    """Each row with its cleaned values and ``problems`` (messages; empty: it can be sent).

    Problems: bad email, duplicate within the file, a pending invitation, an account that
    already has the role, unknown role, stakeholder type, commune or language. Writes nothing.
    """
    checked, seen = [], set()
    for row in rows:
        problems = []
        result = dict(row)
        try:
            email = invitations.clean_email(row.get("email", ""))
        except InvitationError as error:
            email = normalise_email(row.get("email", ""))
            problems.append(error.args[0])
        else:
            if email in seen:
                problems.append(_l("Duplicate address in the file."))
            seen.add(email)
        role = (row.get("role") or default_role).strip().lower()
        role = ROLE_ALIASES.get(role, role)
        try:
            invitations.check_role(role)
        except InvitationError as error:
            problems.append(error.args[0])
        stakeholder = (row.get("stakeholder_type") or default_stakeholder_type).strip().lower()
        try:
            invitations.check_stakeholder_type(stakeholder)
        except InvitationError as error:
            problems.append(error.args[0])
        commune_id = None
        try:
            commune = invitations.find_commune(row.get("commune") or None)
            commune_id = commune.id if commune is not None else None
        except InvitationError as error:
            problems.append(error.args[0])
        language = (row.get("language") or "").strip().lower()
        if language and language not in LANGUAGES:
            problems.append(_l("Unknown language."))
        if not problems:
            if invitations.pending_invitation(email) is not None:
                problems.append(_l("Already invited: the invitation is pending."))
            else:
                user = user_by_email(email)
                if user is not None and user.role == role:
                    problems.append(_l("This account already has this role."))
        result.update(email=email, role=role, stakeholder_type=stakeholder,
                      commune_id=commune_id, language=language, problems=problems)
        checked.append(result)
    return checked


def sendable(checked: list[dict]) -> list[dict]:
    """The rows of :func:`check_rows` without problems, reduced to what :func:`send_rows` needs."""
    keys = ("line", "email", "name", "role", "stakeholder_type", "organisation", "commune_id",
            "language")
    return [{key: row[key] for key in keys} for row in checked if not row["problems"]]


def send_rows(rows: list[dict], by, progress=lambda fraction: None) -> dict:
    """Invite every row (each checked again: the list may have changed since the preview).

    Returns ``{"sent": n, "skipped": [{"line": ..., "email": ..., "reason": ...}]}``. Flushes.
    """
    sent, skipped = 0, []
    for index, row in enumerate(rows, start=1):
        try:
            invitations.invite(row["email"], row["role"], by,
                               stakeholder_type=row["stakeholder_type"],
                               organisation=row.get("organisation") or None,
                               commune=row.get("commune_id"),
                               display_name=row.get("name") or None,
                               language=row.get("language") or None)
        except InvitationError as error:
            skipped.append({"line": row.get("line"), "email": row["email"],
                            "reason": str(error.args[0])})
        else:
            sent += 1
        progress(index / len(rows))
    return {"sent": sent, "skipped": skipped}
