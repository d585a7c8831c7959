"""Reading attachments for the pages: what the public sees of a subject, cards' thumbnails."""
from __future__ import annotations

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.media.models import Attachment


def _shown():
    return (Attachment.hidden_at.is_(None), Attachment.state == "ready")


def visible_of(subject_column: str, subject_id: int) -> list[Attachment]:
    """The attachments of one subject the public sees (ready, not hidden), in gallery order."""
    return db.session.scalars(select(Attachment).where(
        getattr(Attachment, subject_column) == subject_id, *_shown())
        .order_by(Attachment.position, Attachment.id)).all()


def card_photos(proposals) -> dict[int, Attachment]:
    """The first shown photo of each of ``proposals``, by proposal id: one query for a page."""
    ids = [p.id for p in proposals]
    if not ids:
        return {}
    rows = db.session.scalars(select(Attachment).where(
        Attachment.proposal_id.in_(ids), Attachment.kind == "photo", *_shown())
        .order_by(Attachment.proposal_id, Attachment.position.desc(), Attachment.id.desc()))
    return {row.proposal_id: row for row in rows}  # the last one written per id is the first
