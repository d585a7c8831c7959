"""Priority proposals for a commune. Points are stored as numeric latitude/longitude."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Float, ForeignKey, Index,
                        Integer, String, Text, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db


# pending: waits for a moderator (pre-moderation); published: public; withdrawn by its author;
# rejected by a moderator. Hiding is separate (``hidden_at``) so that restoring is exact.
STATUSES = ("pending", "published", "withdrawn", "rejected")
ORIGINS = ("online", "workshop")
SDG_GOALS = tuple(range(1, 18))


LISTED_ONLY = text("hidden_at IS NULL AND merged_into_id IS NULL")


class Proposal(db.Model):
    """A priority proposal made for a commune within a consultation.

    ``search_text`` holds the title and body folded for Arabic-aware matching (see
    :mod:`roadmap.proposals.text`); it is kept up to date by the services.
    """

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'published', 'withdrawn', 'rejected')",
                        name="status"),
        CheckConstraint("origin IN ('online', 'workshop')", name="origin"),
        CheckConstraint("estimated_cost_mad IS NULL OR estimated_cost_mad >= 0", name="cost"),
        CheckConstraint("supports_count >= 0 AND comments_count >= 0", name="counters"),
        Index("ix_proposal_list_supports", "consultation_id", "status", "supports_count", "id"),
        Index("ix_proposal_list_newest", "consultation_id", "status", "created_at", "id"),
        Index("ix_proposal_list_commune", "consultation_id", "commune_id", "status",
              "supports_count"),
        Index("ix_proposal_list_commune_newest", "consultation_id", "commune_id", "status",
              "created_at", "id"),
        Index("ix_proposal_point", "consultation_id", "latitude", "longitude"),
        Index("ix_proposal_changed", "consultation_id", "updated_at"),
        # Listed proposals only (what every list shows): the random order and the counts read
        # this index alone instead of the wide rows.
        Index("ix_proposal_listed", "consultation_id", "status", "id",
              sqlite_where=LISTED_ONLY, postgresql_where=LISTED_ONLY),
        Index("ix_proposal_listed_commune", "consultation_id", "commune_id", "status", "id",
              sqlite_where=LISTED_ONLY, postgresql_where=LISTED_ONLY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"), index=True)
    axis_id: Mapped[int | None] = mapped_column(ForeignKey("strategic_axis.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The help-desk official who entered this proposal for its author, who was present.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(140))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="published")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    estimated_cost_mad: Mapped[int | None] = mapped_column(BigInteger)
    beneficiaries: Mapped[str | None] = mapped_column(String(300))
    sdg_goals: Mapped[list] = mapped_column(JSON, default=list)
    organisation: Mapped[str | None] = mapped_column(String(200))
    # The author's stakeholder type when the proposal was made (kept if the account goes).
    author_stakeholder_type: Mapped[str | None] = mapped_column(String(30), index=True)
    origin: Mapped[str] = mapped_column(String(20), default="online")
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop.id", ondelete="SET NULL"), index=True)
    show_of_hands: Mapped[int | None] = mapped_column(Integer)  # at the workshop, not online
    search_text: Mapped[str] = mapped_column(Text, default="")
    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # reports (pending review), moderator, or blocked (its author was blocked).
    hidden_cause: Mapped[str | None] = mapped_column(String(20))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="SET NULL"), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    consultation = relationship("Consultation")
    commune = relationship("Commune")
    axis = relationship("StrategicAxis")
    author = relationship("User", foreign_keys=[author_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    workshop = relationship("Workshop")
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])
    # Declared by name, so that proposals does not import participation (which builds on it).
    comments = relationship("Comment", order_by="Comment.created_at", viewonly=True)
    # Its voice note (one at most), by name too: the media package builds on proposals.
    voice_notes = relationship(
        "Attachment", viewonly=True, order_by="Attachment.id",
        primaryjoin="and_(Proposal.id == foreign(Attachment.proposal_id), "
                    "Attachment.kind == 'voice')")

    @property
    def transcript(self) -> str | None:
        """The transcript of its voice note (not a hidden one), or None."""
        for note in self.voice_notes:
            if note.hidden_at is None and note.transcript:
                return note.transcript
        return None

    @property
    def text_for_reading(self) -> str:
        """What readers of its content (search, exports, consolidation) take: the body, and the
        transcript of its voice note when there is one (a proposal made by voice may have no
        body)."""
        return "\n\n".join(part for part in ((self.body or "").strip(), self.transcript or "")
                            if part)

    @property
    def is_public(self) -> bool:
        """Published and not hidden by a moderator."""
        return self.status == "published" and self.hidden_at is None
