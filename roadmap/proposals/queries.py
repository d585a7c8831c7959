"""Reads about proposals."""
from __future__ import annotations

from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.proposals.models import Proposal


def consultation_figures(consultation_id: int) -> dict[str, int]:
    """Headline counts of a consultation from the proposals' counters."""
    proposals, supports, comments = db.session.execute(
        select(func.count(Proposal.id), func.coalesce(func.sum(Proposal.supports_count), 0),
               func.coalesce(func.sum(Proposal.comments_count), 0))
        .where(Proposal.consultation_id == consultation_id, Proposal.status == "published")
    ).one()
    return {"proposals": proposals, "supports": supports, "comments": comments}


def latest_proposals(consultation_id: int, limit: int = 20) -> list[Proposal]:
    """The newest published proposals of a consultation."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation_id,
                               Proposal.status == "published")
        .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(limit)))
