"""The audit log's table: one row per decision, append-only and hash-chained."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db


class AuditEntry(db.Model):
    """One moderation or administration decision. Append-only and hash-chained.

    ``entry_hash`` is the SHA-256 of the previous entry's hash and this entry's content, so
    that a changed or deleted row breaks the chain (``flask check`` verifies it). The
    application never updates or deletes these rows.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_filter", "consultation_id", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(120))  # kept if the account is deleted
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(64), unique=True)  # no fork in the chain
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
