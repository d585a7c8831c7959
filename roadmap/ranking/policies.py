"""Who may set criteria, assign, evaluate and run the consolidation: ``can_<verb>(user, subject)``.

Evaluators are moderators (and organisers and admins, who hold more rights). An assigned
evaluator may score a proposal while the consultation is in its **voting** or **evaluation**
phase: officials can start reading proposals while citizens still vote, and stop when the
roadmap is being drawn up. The proposal must be public (published and not hidden).
"""
from __future__ import annotations

from sqlalchemy import select

from roadmap.consultations.phases import current_phase
from roadmap.extensions import db

EVALUATION_PHASES = ("voting", "evaluation")


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _is_organiser(user) -> bool:
    return _signed_in(user) and user.has_role("organiser")


def is_evaluator(user) -> bool:
    """Moderators (and organisers, admins) can be assigned proposals to evaluate."""
    return _signed_in(user) and user.has_role("moderator", "organiser")


def can_manage_evaluation(user, consultation=None) -> bool:
    """Organisers and admins set the criteria, assign evaluators and decide eligibility."""
    return _is_organiser(user)


def can_run_consolidation(user, consultation=None) -> bool:
    """Organisers and admins run the consolidation and open the workbench."""
    return _is_organiser(user)


def is_assigned(user, proposal) -> bool:
    """``user`` was assigned ``proposal`` to evaluate."""
    from roadmap.ranking.models import EvaluatorAssignment

    if not _signed_in(user):
        return False
    return db.session.scalar(select(EvaluatorAssignment.id).where(
        EvaluatorAssignment.proposal_id == proposal.id,
        EvaluatorAssignment.evaluator_id == user.id)) is not None


def evaluation_open(consultation) -> bool:
    """Scores are accepted during the voting and evaluation phases."""
    return current_phase(consultation) in EVALUATION_PHASES


def can_evaluate(user, proposal) -> bool:
    """An assigned evaluator, on a public proposal, during voting or evaluation."""
    return (is_evaluator(user) and proposal.is_public and evaluation_open(proposal.consultation)
            and is_assigned(user, proposal))


TEMPLATE_POLICIES = {
    "can_manage_evaluation": can_manage_evaluation,
    "can_run_consolidation": can_run_consolidation,
    "can_evaluate": can_evaluate,
}
