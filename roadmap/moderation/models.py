"""Reports on content and merges of duplicate proposals (the audit log is in roadmap.audit)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

REPORT_REASONS = ("spam", "offensive", "personal_data", "off_topic", "duplicate", "other")
# Why a piece of content is hidden: reported by enough people (pending review), hidden by a
# moderator, or hidden because its author was blocked (unblocking restores only these).
HIDDEN_CAUSES = ("reports", "moderator", "blocked")


class Report(db.Model):
    """A user's report of a proposal, a comment or an attachment. One per user and item."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint("(CASE WHEN proposal_id IS NULL THEN 0 ELSE 1 END"
                        " + CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END"
                        " + CASE WHEN attachment_id IS NULL THEN 0 ELSE 1 END) = 1",
                        name="one_subject"),
        CheckConstraint("reason IN ('spam', 'offensive', 'personal_data', 'off_topic', "
                        "'duplicate', 'other')", name="reason"),
        UniqueConstraint("reporter_id", "proposal_id"),
        UniqueConstraint("reporter_id", "comment_id"),
        UniqueConstraint("reporter_id", "attachment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator dismissed the report (it no longer counts towards hiding).
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    proposal = relationship("Proposal")
    comment = relationship("Comment")
    attachment = relationship("Attachment")
    reporter = relationship("User", foreign_keys=[reporter_id])


class ProposalMerge(db.Model):
    """One proposal merged into another, with what is needed to undo it exactly.

    ``moved_votes`` lists, for each support the merged proposal had, ``user_id``,
    ``created_at`` (ISO), ``identity_hash`` and ``entered_by_id`` (to give it back as it was;
    never shown) and ``duplicate`` (true when the target already had that person's support,
    from the same account or the same verified identity, so nothing was added to it). Undoing deletes the supports the merge added to the
    target and gives the merged proposal back every support it had.

    The same list also holds one entry per attachment (photo, document, voice note) the merge
    carried to the target: ``attachment_id`` and the ``position`` it had in the merged
    proposal's gallery; entries with an ``attachment_id`` are not supports (read the list
    through ``services.vote_entries`` / ``services.attachment_entries``). Kept here so that
    no column was added for them.
    """

    __tablename__ = "proposal_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                           index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                           index=True)
    source_status: Mapped[str] = mapped_column(String(20))  # the merged one's status before
    moved_votes: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    merged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    target = relationship("Proposal", foreign_keys=[target_id])
    source = relationship("Proposal", foreign_keys=[source_id])
