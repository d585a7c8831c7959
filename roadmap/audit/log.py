"""The append-only, hash-chained audit log of moderation and administration decisions.

Each entry's ``entry_hash`` is the SHA-256 of the previous entry's hash followed by the
canonical JSON of the entry's content, so changing or deleting a row breaks the chain, which
:func:`verify_chain` detects (``flask check``). ``previous_hash`` is unique: two concurrent
writers cannot both extend the same entry; the loser retries on the new tip.
"""
from __future__ import annotations

import hashlib
import json
from datetime import timezone

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from roadmap.audit.models import AuditEntry
from roadmap.core.database import begin_write
from roadmap.core.models import utcnow
from roadmap.extensions import db


def _actor_label(actor) -> str:
    """Who acted, as the log keeps it: a display name, "deleted user", or "system"."""
    if actor is None:
        return "system"
    if getattr(actor, "deleted_at", None) is not None:
        return "deleted user"
    return getattr(actor, "display_name", None) or "system"

GENESIS = "0" * 64
RETRIES = 5


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when something tries to change or delete an audit entry through the ORM."""


def _plain(value):
    """``value`` as plain JSON data (dates and other objects become strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def content_of(entry: AuditEntry) -> dict:
    """The part of ``entry`` its hash covers."""
    return {
        "created_at": entry.created_at.astimezone(timezone.utc).isoformat(),
        "actor_id": entry.actor_id, "actor_label": entry.actor_label,
        "actor_role": entry.actor_role, "action": entry.action,
        "subject_type": entry.subject_type, "subject_id": entry.subject_id,
        "consultation_id": entry.consultation_id, "reason": entry.reason,
        "before": entry.before, "after": entry.after,
    }


def compute_hash(previous_hash: str, content: dict) -> str:
    """SHA-256 (hex) of ``previous_hash`` followed by the canonical JSON of ``content``."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


def _tip_hash() -> str:
    """The hash of the latest entry, or the genesis hash when the log is empty."""
    latest = db.session.scalar(select(AuditEntry.entry_hash)
                               .order_by(AuditEntry.id.desc()).limit(1))
    return latest or GENESIS


def _consultation_id(subject, consultation) -> int | None:
    if consultation is not None:
        return consultation if isinstance(consultation, int) else consultation.id
    if getattr(subject, "__tablename__", None) == "consultation":
        return subject.id
    return getattr(subject, "consultation_id", None)


def _new_entry(actor, action, subject, reason, before, after, consultation) -> AuditEntry:
    if subject is not None and getattr(subject, "id", None) is None:
        db.session.flush()
    return AuditEntry(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=(_actor_label(actor))[:120],
        actor_role=getattr(actor, "role", None), action=action,
        subject_type=getattr(subject, "__tablename__", type(subject).__name__.lower())
        if subject is not None else "none",
        subject_id=getattr(subject, "id", None),
        consultation_id=_consultation_id(subject, consultation),
        reason=reason or None, before=_plain(before), after=_plain(after))


def record(actor, action: str, subject, *, reason: str | None = None, before=None, after=None,
           consultation=None) -> AuditEntry:
    """Append one decision to the audit log and flush; returns the entry.

    ``actor`` is the acting user (None: the command line), ``action`` a dotted verb such as
    ``"proposal.hide"``, ``subject`` the model instance acted on (its table name and id are
    kept). ``before``/``after`` are JSON-able dicts of what changed. The consultation is taken
    from ``consultation`` (instance or id) or from the subject.
    """
    begin_write()
    last_error = None
    for _attempt in range(RETRIES):
        entry = _new_entry(actor, action, subject, reason, before, after, consultation)
        try:
            with db.session.begin_nested():
                entry.previous_hash = _tip_hash()
                entry.entry_hash = compute_hash(entry.previous_hash, content_of(entry))
                db.session.add(entry)
                db.session.flush()
            return entry
        except IntegrityError as error:  # another writer extended the same tip first
            last_error = error
    raise last_error


# Entries whose ``after`` lists, under CLEARED_REFERENCES, the ids that earlier entries held in
# ``actor_id``/``consultation_id`` before the rows they pointed to were deleted (the foreign keys
# are ON DELETE SET NULL). The verifier hashes those earlier entries with the ids they had.
CLEARING_ACTIONS = ("demo.remove",)
CLEARED_REFERENCES = "cleared_references"
_CLEARABLE = ("actor_id", "consultation_id")


def _cleared_references() -> dict[int, dict]:
    """``{entry id: {column: original id}}`` recorded by the entries of CLEARING_ACTIONS."""
    cleared: dict[int, dict] = {}
    rows = db.session.execute(select(AuditEntry.id, AuditEntry.after)
                              .where(AuditEntry.action.in_(CLEARING_ACTIONS))).all()
    for clearing_id, after in rows:
        for entry_id, columns in ((after or {}).get(CLEARED_REFERENCES) or {}).items():
            if int(entry_id) < clearing_id:  # only an earlier entry can have been cleared
                cleared.setdefault(int(entry_id), {}).update(
                    {k: v for k, v in columns.items() if k in _CLEARABLE})
    return cleared


def _content_as_hashed(entry: AuditEntry, cleared: dict[int, dict]) -> dict:
    """The content of ``entry`` with the ids a later entry says were cleared put back."""
    content = content_of(entry)
    for column, original in cleared.get(entry.id, {}).items():
        if content[column] is None:
            content[column] = original
    return content


def verify_chain() -> tuple[bool, int | None]:
    """Check every entry's hash and link, oldest first; returns ``(ok, first_bad_id)``."""
    previous = GENESIS
    cleared = _cleared_references()
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)
                              .execution_options(populate_existing=True)).scalars()
    for entry in rows:
        if entry.previous_hash != previous or \
                compute_hash(previous, _content_as_hashed(entry, cleared)) != entry.entry_hash:
            return False, entry.id
        previous = entry.entry_hash
    return True, None


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, _context, _instances) -> None:
    """Refuse to flush an update or a delete of an :class:`AuditEntry`."""
    for entry in session.deleted:
        if isinstance(entry, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries cannot be deleted")
    for entry in session.dirty:
        if isinstance(entry, AuditEntry) and session.is_modified(entry):
            raise AuditLogIsAppendOnly("audit entries cannot be changed")
