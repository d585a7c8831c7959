"""Verifying an account against an identity; every method ends in :func:`verify_account`.

They flush, never commit. Concurrency: the active verification of an identity and of an
account are partial unique indexes; the insert runs in a SAVEPOINT, so that of two requests
racing with one list entry, code or phone number exactly one wins and the other gets
:class:`VerificationError` ("already used"), never an error page.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from roadmap.audit.log import record
from roadmap.core.database import begin_write
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.verification.models import Verification


class VerificationError(Exception):
    """A verification was refused; ``str(error)`` says why in the reader's language."""

    def __init__(self, message, code: str = "refused"):
        super().__init__(str(message))
        self.code = code


def active_verification(user) -> Verification | None:
    """The verification ``user`` holds now, or None."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(select(Verification).where(Verification.user_id == user.id,
                                                        Verification.ended_at.is_(None)))


def identity_hash_of(user) -> str | None:
    """The keyed hash of the identity ``user`` is verified with now (votes carry it), or None."""
    if user is None or getattr(user, "verified_at", None) is None:
        return None
    return db.session.scalar(select(Verification.identity_hash).where(
        Verification.user_id == user.id, Verification.ended_at.is_(None)))


def identity_in_use(identity_hash: str) -> Verification | None:
    """The active verification of ``identity_hash`` (another account holds it), or None."""
    return db.session.scalar(select(Verification).where(
        Verification.identity_hash == identity_hash, Verification.ended_at.is_(None)))


def verify_account(user, *, method: str, identity_hash: str, commune_id: int | None = None,
                   source_id: int | None = None, entered_by=None) -> Verification:
    """Verify ``user`` with ``identity_hash`` by ``method``; ``commune_id`` is the home commune
    the method vouches for. A verification the account held already ends ("replaced").

    The user's earlier supports take the identity's hash; a support of a proposal that the
    same identity already supported from another (deleted) account is removed, so that one
    person counts once. Raises :class:`VerificationError` if another account holds the
    identity. Records ``verification.verify`` in the audit log (``entered_by``: the help-desk
    official, who is then the actor). Flushes.
    """
    begin_write()
    holder = identity_in_use(identity_hash)
    if holder is not None and holder.user_id != user.id:
        raise VerificationError(_l("This identity already verified another account. If it is "
                                   "yours, sign in with it; otherwise ask your commune office."),
                                "identity_used")
    now = utcnow()
    current = active_verification(user)
    try:
        with db.session.begin_nested():
            if current is not None:
                current.ended_at = now
                current.ended_reason = "replaced"
                db.session.flush()
            verification = Verification(user_id=user.id, method=method,
                                        identity_hash=identity_hash, commune_id=commune_id,
                                        source_id=source_id, verified_at=now,
                                        entered_by_id=getattr(entered_by, "id", None))
            db.session.add(verification)
            db.session.flush()
    except IntegrityError:
        raise VerificationError(_l("This identity already verified another account. If it is "
                                   "yours, sign in with it; otherwise ask your commune office."),
                                "identity_used") from None
    user.verified_at = now
    user.verification_method = method
    user.verified_commune_id = commune_id
    removed = _stamp_supports(user, identity_hash)
    db.session.flush()
    record(entered_by or user, "verification.verify", user,
           after={"method": method, "commune_id": commune_id, "replaced": current is not None,
                  "help_desk": entered_by is not None, "duplicate_supports_removed": removed})
    return verification


def _stamp_supports(user, identity_hash: str) -> int:
    """Give ``user``'s supports the identity's hash; drop those the identity already gave from
    another account (and their count). Returns how many were dropped.

    Supports live above this layer (participation): their table is read by name.
    """
    vote = db.metadata.tables.get("vote")
    proposal = db.metadata.tables.get("proposal")
    if vote is None or proposal is None:
        return 0
    other = vote.alias("other")
    already = select(other.c.proposal_id).where(other.c.identity_hash == identity_hash,
                                                other.c.user_id != user.id)
    duplicates = db.session.execute(select(vote.c.id, vote.c.proposal_id).where(
        vote.c.user_id == user.id, vote.c.proposal_id.in_(already))).all()
    for vote_id, proposal_id in duplicates:
        db.session.execute(delete(vote).where(vote.c.id == vote_id))
        db.session.execute(update(proposal).where(proposal.c.id == proposal_id)
                           .values(supports_count=func.max(proposal.c.supports_count - 1, 0)
                                   if db.session.get_bind().dialect.name == "sqlite" else
                                   func.greatest(proposal.c.supports_count - 1, 0)))
    db.session.execute(update(vote).where(and_(vote.c.user_id == user.id,
                                               vote.c.identity_hash.is_distinct_from(
                                                   identity_hash)))
                       .values(identity_hash=identity_hash))
    return len(duplicates)


def end_verification(user, reason: str = "revoked", by=None) -> Verification | None:
    """End ``user``'s verification (``reason``: ``revoked`` or ``account_deleted``): the account
    is no longer verified and the identity may verify another account. Supports keep the
    identity's hash. Audit-logged. Flushes; returns the ended verification or None."""
    current = active_verification(user)
    user.verified_at = None
    user.verification_method = None
    user.verified_commune_id = None
    if current is None:
        return None
    current.ended_at = utcnow()
    current.ended_reason = reason
    db.session.flush()
    record(by or user, "verification.end", user, after={"reason": reason,
                                                        "method": current.method})
    return current
