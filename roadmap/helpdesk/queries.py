"""What the help desk reads: the consultations an official can act in, the proposals shown to
a resident (their commune first), what a consultation requires of them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from roadmap.accounts.models import User
from roadmap.consultations.models import REQUIREMENT_ACTIONS, Consultation
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.verification.policies import requirement_refusal

PER_PAGE = 20


def desk_consultations() -> list[Consultation]:
    """The published consultations (not drafts, not archived), newest first."""
    return list(db.session.scalars(select(Consultation).where(
        Consultation.status == "published")
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())))


def desk_consultation(consultation_id) -> Consultation | None:
    """The published consultation of this id, or None."""
    consultation = db.session.get(Consultation, consultation_id) if consultation_id else None
    return consultation if consultation is not None and consultation.status == "published" \
        else None


def desk_resident(user_id) -> User | None:
    """The active account of this id, or None."""
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.active and user.deleted_at is None else None


@dataclass
class ProposalPage:
    """One page of the proposals shown at the help desk."""

    items: list
    total: int
    page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // PER_PAGE))


def desk_proposals(consultation, resident, *, commune_id=None, page: int = 1) -> ProposalPage:
    """The consultation's published proposals (optionally of one commune): the resident's
    commune first, then the most supported."""
    conditions = (Proposal.consultation_id == consultation.id, Proposal.status == "published",
                  Proposal.hidden_at.is_(None), Proposal.merged_into_id.is_(None))
    if commune_id:
        conditions += (Proposal.commune_id == commune_id,)
    total = db.session.scalar(select(func.count()).select_from(Proposal).where(*conditions))
    home = resident.residence_commune_id
    first = case((Proposal.commune_id == home, 0), else_=1) if home else None
    order = ([first] if first is not None else []) + [Proposal.supports_count.desc(),
                                                      Proposal.id.desc()]
    page = max(1, page or 1)
    items = list(db.session.scalars(
        select(Proposal).options(joinedload(Proposal.commune)).where(*conditions)
        .order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return ProposalPage(items, total, page)


@dataclass
class Requirement:
    """What ``consultation`` requires for one action, and what the resident lacks (or None)."""

    action: str
    level: str
    refusal: object


def requirements(consultation, resident) -> list[Requirement]:
    """Per action (propose, support, comment): the level required and the resident's refusal
    (for a verified-resident rule: of their own commune)."""
    commune = resident.verified_commune
    return [Requirement(action, consultation.requirement(action),
                        requirement_refusal(resident, consultation, action, commune))
            for action in REQUIREMENT_ACTIONS]
