"""Supports, comments, likes, follows and notifications.

One support per user and proposal, one like per user and comment and one follow per user and
proposal are database constraints, so that concurrent requests cannot count a person twice.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

STANCES = ("for", "against", "neutral")
NOTIFICATION_KINDS = ("comment", "status", "roadmap")


class Vote(db.Model):
    """A user's support for a proposal."""

    __tablename__ = "vote"
    # One support per account, and one per verified identity: a person who deletes a verified
    # account and verifies a new one with the same identity cannot support a proposal twice
    # (NULLs, the supports of unverified accounts, are distinct in both databases).
    __table_args__ = (UniqueConstraint("user_id", "proposal_id"),
                      UniqueConstraint("proposal_id", "identity_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                             index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # The keyed hash of the supporter's verified identity when they supported (or verified).
    identity_hash: Mapped[str | None] = mapped_column(String(64))
    # The help-desk official who entered this support for a resident who was present.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A comment on a proposal, or a reply to one (one level of replies)."""

    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint("stance IN ('for', 'against', 'neutral')", name="stance"),
        CheckConstraint("likes_count >= 0", name="likes_count"),
        Index("ix_comment_thread", "proposal_id", "parent_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                             index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                                  index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[str] = mapped_column(String(10), default="neutral")
    # The author was an official (moderator, organiser or admin) when posting: shown as a badge.
    is_official: Mapped[bool] = mapped_column(Boolean, default=False)
    likes_count: Mapped[int] = mapped_column(Integer, default=0)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_cause: Mapped[str | None] = mapped_column(String(20))  # see moderation.HIDDEN_CAUSES
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")
    proposal = relationship("Proposal")
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    # Its voice note (one at most), declared by name as the proposal's.
    voice_notes = relationship(
        "Attachment", viewonly=True, order_by="Attachment.id",
        primaryjoin="and_(Comment.id == foreign(Attachment.comment_id), "
                    "Attachment.kind == 'voice')")


class CommentLike(db.Model):
    """A user's like of a comment."""

    __tablename__ = "comment_like"
    __table_args__ = (UniqueConstraint("user_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(db.Model):
    """A user follows a proposal: they are notified of its comments and changes."""

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("user_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"),
                                             index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """An in-app notification; ``emailed_at`` is set once it went out in a digest."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("kind IN ('comment', 'status', 'roadmap')", name="kind"),
        Index("ix_notification_inbox", "user_id", "read_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    # What the message says, as data (e.g. the new status), rendered in the reader's language.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal = relationship("Proposal")
