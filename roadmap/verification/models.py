"""Verifications and what they are checked against; identities are stored as keyed hashes.

A *verification* ties an account to an identity: a residents' list entry (the hash of the
CNIE number), an in-person code (the hash of the code) or a phone number (the hash of its
E.164 form). One identity verifies at most one account at a time and one account holds at most
one verification at a time: partial unique indexes (``ended_at IS NULL``) that both databases
enforce, so that two concurrent requests cannot both win. When an account is deleted its
verification ends and the identity may verify a new account; its supports keep the identity
hash (``vote.identity_hash``), so the new account cannot support the same proposals again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.accounts.models import VERIFICATION_METHODS
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

ACTIVE = text("ended_at IS NULL")
END_REASONS = ("replaced", "account_deleted", "revoked")
SMS_PURPOSES = ("verify", "claim", "reset")


def _methods_check() -> str:
    return "method IN (" + ", ".join(repr(m) for m in VERIFICATION_METHODS) + ")"


class Verification(db.Model):
    """One account verified by one method against one identity (its keyed hash)."""

    __tablename__ = "verification"
    __table_args__ = (
        CheckConstraint(_methods_check(), name="method"),
        Index("uq_verification_identity_active", "identity_hash", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
        Index("uq_verification_user_active", "user_id", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    method: Mapped[str] = mapped_column(String(20))
    # HMAC-SHA256 (see roadmap.verification.identity.keyed_hash) of the identity: never the
    # CNIE number, the code or the phone number.
    identity_hash: Mapped[str] = mapped_column(String(64))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    # The list entry or the code that verified the account (no foreign key: lists are replaced).
    source_id: Mapped[int | None] = mapped_column(Integer)
    # The help-desk official who verified a resident who was present.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    user = relationship("User", foreign_keys=[user_id])
    commune = relationship("Commune")
    entered_by = relationship("User", foreign_keys=[entered_by_id])


class ResidentList(db.Model):
    """An extract of residents a commune provided (CNIE number, date of birth, commune code).

    Replacing a list swaps its entries in one transaction; verifications already made stay.
    """

    __tablename__ = "resident_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(255))
    entries_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")


class ResidentEntry(db.Model):
    """One resident of a list: the keyed hash of the CNIE number (the identity), the keyed hash
    of the number with the date of birth (what a resident types), and the commune."""

    __tablename__ = "resident_entry"
    __table_args__ = (UniqueConstraint("list_id", "identity_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("resident_list.id", ondelete="CASCADE"),
                                         index=True)
    identity_hash: Mapped[str] = mapped_column(String(64))
    check_hash: Mapped[str] = mapped_column(String(64), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"))

    commune = relationship("Commune")


class CodeBatch(db.Model):
    """A batch of single-use in-person codes, printed as slips for workshops and offices."""

    __tablename__ = "verification_code_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    label: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # The background job that printed the slips (its PDF is a job file).
    job_id: Mapped[str | None] = mapped_column(String(32))

    consultation = relationship("Consultation")
    commune = relationship("Commune")
    created_by = relationship("User", foreign_keys=[created_by_id])


class VerificationCode(db.Model):
    """One single-use code of a batch; only its keyed hash is stored."""

    __tablename__ = "verification_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("verification_code_batch.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    batch: Mapped[CodeBatch] = relationship()


class SmsChallenge(db.Model):
    """A code sent by SMS to verify a phone number (or claim a help-desk account with it).

    Expires after 10 minutes; a few wrong tries end it. Hashes only: the number and the code.
    """

    __tablename__ = "sms_challenge"
    __table_args__ = (
        CheckConstraint("purpose IN ('verify', 'claim', 'reset')", name="purpose"),
        Index("ix_sms_challenge_phone", "phone_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    purpose: Mapped[str] = mapped_column(String(10), default="verify")
    phone_hash: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it ended without success: "attempts" (too many wrong codes) or "replaced".
    failed_reason: Mapped[str | None] = mapped_column(Text)
