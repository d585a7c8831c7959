"""In-person codes: batches of single-use codes that organisers print as slips and hand out
at workshops and commune offices. Only the codes' keyed hashes are stored: the plain codes
exist once, when the batch is made, to be printed.

A code is twelve digits (Arabic-Indic digits, spaces and dashes accepted when typed); with
the verification pages' rate limit, guessing one is hopeless. Using one is a conditional
``UPDATE ... WHERE used_at IS NULL``: of two accounts racing with one code exactly one wins.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timezone

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from roadmap.audit.log import record
from roadmap.core.database import begin_write
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.verification.identity import code_hash, normalise_code
from roadmap.verification.jobs import forget_slips
from roadmap.verification.models import CodeBatch, Verification, VerificationCode
from roadmap.verification.services import VerificationError, verify_account

CODE_DIGITS = 12
MAX_BATCH = 2000


def new_code() -> str:
    """A random code of :data:`CODE_DIGITS` digits."""
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def end_of_day(day: date) -> datetime:
    """The expiry of a batch "valid until ``day``": the last second of that day (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)


def format_code(code: str) -> str:
    """``123456789012`` -> ``1234 5678 9012``, as printed on the slips."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def create_batch(consultation, count: int, *, commune=None, expires_at: datetime | None = None,
                 label: str | None = None, by=None) -> tuple[CodeBatch, list[str]]:
    """Make ``count`` codes for ``consultation`` (bound to ``commune`` if given: they verify
    residents of it). Returns the batch and the plain codes, to print now: they are not kept.
    Audit-logged (``verification_codes.create``). Flushes."""
    if not 1 <= count <= MAX_BATCH:
        raise VerificationError(_l("A batch holds from 1 to %(max)d codes.", max=MAX_BATCH),
                                "batch_size")
    if expires_at is not None and expires_at <= utcnow():
        raise VerificationError(_l("The expiry must be in the future."), "batch_expiry")
    batch = CodeBatch(consultation_id=consultation.id, commune_id=getattr(commune, "id", None),
                      label=(label or "").strip() or None, size=count, expires_at=expires_at,
                      created_by_id=getattr(by, "id", None))
    db.session.add(batch)
    db.session.flush()
    codes = set()
    while len(codes) < count:
        codes.add(new_code())
    codes = sorted(codes, key=lambda _code: secrets.randbits(32))
    db.session.execute(VerificationCode.__table__.insert(),
                       [{"batch_id": batch.id, "code_hash": code_hash(code)} for code in codes])
    record(by, "verification_codes.create", batch, consultation=consultation,
           after={"size": count, "commune_id": batch.commune_id,
                  "expires_at": expires_at.isoformat() if expires_at else None})
    return batch, codes


def revoke_batch(batch: CodeBatch, by=None) -> CodeBatch:
    """Withdraw the unused codes of ``batch`` (verifications already made stay) and delete
    their printed slips. Flushes."""
    if batch.revoked_at is None:
        batch.revoked_at = utcnow()
        batch.revoked_by_id = getattr(by, "id", None)
        forget_slips(batch)
        db.session.flush()
        record(by, "verification_codes.revoke", batch, consultation=batch.consultation_id,
               after={"used": batch_counts(batch)[1]})
    return batch


def batch_counts(batch: CodeBatch) -> tuple[int, int]:
    """(codes, used) of ``batch``."""
    used = db.session.scalar(select(func.count()).select_from(VerificationCode).where(
        VerificationCode.batch_id == batch.id, VerificationCode.used_at.is_not(None)))
    return batch.size, used or 0


def batches_of(consultation) -> list[CodeBatch]:
    """The code batches of ``consultation``, newest first."""
    return list(db.session.scalars(select(CodeBatch).where(
        CodeBatch.consultation_id == consultation.id).order_by(CodeBatch.id.desc())))


def verify_with_code(user, code_raw, *, entered_by=None) -> Verification:
    """Verify ``user`` with an in-person code; a batch bound to a commune vouches for it.

    Raises :class:`~roadmap.verification.identity.InvalidIdentity` (not digits) or
    :class:`VerificationError`: unknown, withdrawn, expired or already used code. The code is
    used and the account verified in the caller's transaction. Flushes.
    """
    code = normalise_code(code_raw)
    begin_write()
    row = db.session.scalar(select(VerificationCode).where(
        VerificationCode.code_hash == code_hash(code)))
    if row is None:
        raise VerificationError(_l("This code is not valid. Check it on your slip."),
                                "code_unknown")
    batch = row.batch
    if batch.revoked_at is not None:
        raise VerificationError(_l("This code was withdrawn by the organisers: ask for a new "
                                   "one at your commune office."), "code_revoked")
    if batch.expires_at is not None and batch.expires_at <= utcnow():
        raise VerificationError(_l("This code expired on %(date)s: ask for a new one at your "
                                   "commune office.", date=format_date(batch.expires_at)),
                                "code_expired")
    if row.used_at is not None:
        raise VerificationError(_l("This code was already used."), "code_used")
    claimed = db.session.execute(
        update(VerificationCode).where(VerificationCode.id == row.id,
                                       VerificationCode.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise VerificationError(_l("This code was already used."), "code_used")
    db.session.expire(row)
    return verify_account(user, method="code", identity_hash=row.code_hash,
                          commune_id=batch.commune_id, source_id=row.id, entered_by=entered_by)
