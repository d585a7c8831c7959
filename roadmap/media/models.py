"""One attached file: a photo, a PDF document or a voice note, and the files made from it.

An attachment belongs to at most one subject (a proposal, a comment, a workshop's record or a
progress update). One with no subject is *staged*: uploaded with a form that was not accepted
yet (the similar proposals shown, a field to correct), kept for its uploader so that nothing they
sent is lost, and attached when the form is finally accepted (or removed after a day).

The files live in ``ROADMAP_UPLOAD_PATH`` under the attachment's random ``token``
(:mod:`roadmap.media.storage`); nothing in a path comes from the uploader.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

KINDS = ("photo", "document", "voice")
# ready: its files are served; processing: a voice note waits for the task queue; failed: the
# queue could not re-encode it (the uploader is told, the file is never served).
STATES = ("ready", "processing", "failed")
SUBJECTS = ("proposal_id", "comment_id", "workshop_id", "progress_update_id")


class Attachment(db.Model):
    """A file attached to a proposal, a comment, a workshop or a progress update."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("kind IN ('photo', 'document', 'voice')", name="kind"),
        CheckConstraint("state IN ('ready', 'processing', 'failed')", name="state"),
        CheckConstraint(
            "(CASE WHEN proposal_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN workshop_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN progress_update_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_subject"),
        CheckConstraint("size >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # random; names the files
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default="ready")
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    progress_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("progress_update.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # What the uploader called it, cleaned (shown beside a document; never part of a path).
    original_name: Mapped[str | None] = mapped_column(String(200))
    alt_text: Mapped[str | None] = mapped_column(String(300))  # photos: required
    language: Mapped[str | None] = mapped_column(String(8))  # of the alt text / transcript
    content_type: Mapped[str] = mapped_column(String(60))  # of the main file served
    extension: Mapped[str] = mapped_column(String(8))  # of the main file served
    size: Mapped[int] = mapped_column(Integer, default=0)  # bytes of the main file served
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)  # documents
    duration_seconds: Mapped[float | None] = mapped_column(Float)  # voice notes
    transcript: Mapped[str | None] = mapped_column(Text)  # voice notes
    transcribed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # Where a staged photo was taken (from its EXIF), offered to the author until the form is
    # accepted, then cleared: the stored files never carry a position.
    offered_latitude: Mapped[float | None] = mapped_column(Float)
    offered_longitude: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the gallery
    error: Mapped[str | None] = mapped_column(Text)  # why processing failed (English, for logs)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_cause: Mapped[str | None] = mapped_column(String(20))  # as proposals' hidden_cause
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    # What it is attached to, declared by name: media reads them without importing the domains
    # that build on it (participation attaches voice notes to its comments).
    proposal = relationship("Proposal", foreign_keys=[proposal_id], viewonly=True)
    comment = relationship("Comment", foreign_keys=[comment_id], viewonly=True)

    @property
    def is_staged(self) -> bool:
        """Uploaded with a form not accepted yet: belongs to nothing."""
        return all(getattr(self, name) is None for name in SUBJECTS)
