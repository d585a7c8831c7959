"""Reading attachments for the pages: the cards' thumbnails (a subject's own attachments:
:func:`roadmap.media.services.attachments_of`)."""
from __future__ import annotations

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.media.models import Attachment


def _shown():
    return (Attachment.hidden_at.is_(None), Attachment.state == "ready")


def card_photos(proposals) -> dict[int, Attachment]:
    """The first shown photo of each of ``proposals``, by proposal id: one query for a page."""
    ids = [p.id for p in proposals]
    if not ids:
        return {}
    rows = db.session.scalars(select(Attachment).where(
        Attachment.proposal_id.in_(ids), Attachment.kind == "photo", *_shown())
        .order_by(Attachment.proposal_id, Attachment.position.desc(), Attachment.id.desc()))
    return {row.proposal_id: row for row in rows}  # the last one written per id is the first
