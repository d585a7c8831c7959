"""Consultation overview and proposal pages."""
from flask import Blueprint, abort, render_template

from roadmap.consultations.queries import consultation_by_slug
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.proposals.queries import consultation_figures, latest_proposals

bp = Blueprint("proposals", __name__)


@bp.get("/c/<slug>")
def consultation(slug: str):
    """A consultation: its axes, figures and latest proposals."""
    item = consultation_by_slug(slug) or abort(404)
    return render_template("proposals/consultation.html", consultation=item,
                           figures=consultation_figures(item.id),
                           proposals=latest_proposals(item.id))


@bp.get("/c/<slug>/proposals/<int:proposal_id>")
def show(slug: str, proposal_id: int):
    """One proposal with its comments."""
    item = consultation_by_slug(slug) or abort(404)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.consultation_id != item.id or proposal.status != "published":
        abort(404)
    return render_template("proposals/show.html", consultation=item, proposal=proposal)
