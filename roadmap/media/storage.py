"""Where attachments' files live: ``ROADMAP_UPLOAD_PATH`` (default ``instance/uploads``).

Every file is named ``<token>-<variant>.<extension>`` in the ``media`` folder: the token is
random (:func:`new_token`), the variant one of ours (``screen``, ``thumb``, ``file``, ``audio``,
``upload``), so no part of a path comes from what was uploaded. Writes go through a temporary
file renamed into place, so another app server sharing the folder never reads half a file.
Deleting waits for the transaction that removed the rows to commit (:func:`delete_after_commit`).
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from roadmap.extensions import db

TOKEN = re.compile(r"[0-9a-f]{32}")
VARIANT = re.compile(r"[a-z]{2,12}")
_DOOMED = "roadmap.media.doomed"  # session.info key: tokens whose files go once committed


def upload_root() -> Path:
    """The folder set by ``ROADMAP_UPLOAD_PATH`` (progress photos of older versions included)."""
    return Path(current_app.config.get("ROADMAP_UPLOAD_PATH")
                or Path(current_app.instance_path) / "uploads")


def media_folder() -> Path:
    return upload_root() / "media"


def new_token() -> str:
    return secrets.token_hex(16)


def path_for(token: str, variant: str, extension: str) -> Path:
    """The file of ``token``'s ``variant``; refuses anything that is not one of our names."""
    if not TOKEN.fullmatch(token) or not VARIANT.fullmatch(variant) \
            or not re.fullmatch(r"[a-z0-9]{2,5}", extension):
        raise ValueError("not an attachment's file name")
    return media_folder() / f"{token}-{variant}.{extension}"


def write(token: str, variant: str, extension: str, data: bytes) -> Path:
    """Write one file atomically (a temporary name, then a rename)."""
    path = path_for(token, variant, extension)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path


def files_of(token: str) -> list[Path]:
    """Every file of ``token``."""
    if not TOKEN.fullmatch(token):
        return []
    return sorted(media_folder().glob(f"{token}-*"))


def delete_files(token: str) -> int:
    """Delete every file of ``token`` now; returns how many."""
    count = 0
    for path in files_of(token):
        path.unlink(missing_ok=True)
        count += 1
    return count


def delete_after_commit(tokens) -> None:
    """Delete the files of ``tokens`` once the current transaction commits (never before:
    a rolled-back deletion keeps its files).

    SQLAlchemy also reports the release of a SAVEPOINT (``begin_nested``, which the audit log
    uses) as a commit: the tokens are kept per transaction, handed to the enclosing one when a
    savepoint is released, dropped when their transaction is rolled back, and their files
    deleted only when the outermost transaction commits.
    """
    session = db.session()
    _doomed(session).setdefault(_current(session), set()).update(tokens)


def _doomed(session) -> dict:
    return session.info.setdefault(_DOOMED, {})


def _current(session):
    """The innermost transaction in progress (``None`` before the session began one)."""
    return session.get_nested_transaction() or session.get_transaction()


@event.listens_for(Session, "after_commit")
def _delete_committed(session) -> None:
    doomed = session.info.get(_DOOMED)
    if not doomed:
        return
    transaction = _current(session)
    if transaction is not None and transaction.nested:  # a savepoint released: not yet
        doomed.setdefault(transaction.parent, set()).update(doomed.pop(transaction, ()))
        return
    tokens = set().union(*doomed.values())
    doomed.clear()
    for token in tokens:
        try:
            delete_files(token)
        except RuntimeError:  # no application context: nothing to resolve the folder with
            pass


@event.listens_for(Session, "after_transaction_end")
def _keep_rolled_back(session, transaction) -> None:
    """A transaction that ends with its tokens still listed was rolled back: keep the files."""
    doomed = session.info.get(_DOOMED)
    if doomed:
        doomed.pop(transaction, None)
        if transaction.parent is None:
            doomed.pop(None, None)
