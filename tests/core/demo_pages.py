"""The demo's main pages by name, for the bandwidth and accessibility tests."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from roadmap.consultations.models import Consultation, Workshop
from roadmap.demo import SLUG
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.roadmaps.models import Roadmap, RoadmapItem


def _heaviest_proposal(consultation) -> Proposal:
    """A published proposal with a location and the most comments (the heaviest page)."""
    return db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation.id,
                               Proposal.status == "published", Proposal.hidden_at.is_(None),
                               Proposal.latitude.is_not(None))
        .order_by(Proposal.comments_count.desc(), Proposal.id)).first()


def _busiest_commune(consultation) -> str:
    return db.session.execute(
        select(Proposal.commune_id, func.count(Proposal.id))
        .where(Proposal.consultation_id == consultation.id).group_by(Proposal.commune_id)
        .order_by(func.count(Proposal.id).desc())).first()[0]


def public_pages() -> dict[str, str]:
    """``{name: path}`` of the public pages of the demo (call inside a request context)."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    slug = consultation.slug
    proposal = _heaviest_proposal(consultation)
    from roadmap.territory.models import Commune
    commune = db.session.get(Commune, _busiest_commune(consultation))
    workshop = db.session.scalar(select(Workshop).where(Workshop.consultation_id == consultation.id))
    item = db.session.scalar(select(RoadmapItem).join(Roadmap)
                             .where(Roadmap.consultation_id == consultation.id)
                             .order_by(RoadmapItem.rank))
    pages = {
        "home": url_for("consultations.home"),
        "consultation": url_for("proposals.consultation", slug=slug),
        "proposal list": url_for("proposals.index", slug=slug),
        "proposal": url_for("proposals.show", slug=slug, proposal_id=proposal.id),
        "commune page": url_for("proposals.commune", slug=slug, code=commune.code),
        "communes": url_for("territory.communes"),
        "workshops": url_for("consultations.workshops", slug=slug),
        "roadmap": url_for("roadmaps.show", slug=slug),
        "need": url_for("ranking.need", slug=slug),
        "explanation": url_for("ranking.explanation", slug=slug, proposal_id=proposal.id),
        "login": url_for("accounts.login"),
        "register": url_for("accounts.register"),
    }
    if workshop is not None:
        pages["workshop"] = url_for("consultations.workshop", slug=slug, workshop_id=workshop.id)
    if item is not None:
        pages["roadmap item"] = url_for("roadmaps.item", slug=slug, item_id=item.id)
    return pages
