"""Synthetic evaluations for the demo consultation, then one stored consolidation run.

:func:`evaluate_demo` is called by :mod:`roadmap.demo` after the demo's proposals exist. The
evaluation tables have no ``is_demo`` column: the consultation itself is the demo one (its
``is_demo`` flag is the mark), and every note and reason says "(demo)". Running it again
changes nothing: evaluations are added only when the consultation has none, and a run is
stored only when there is none.
"""
from __future__ import annotations

import random

from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.ranking import services
from roadmap.ranking.models import (ConsolidationRun, EligibilityDecision, Evaluation,
                                    EvaluationCriterion, EvaluatorAssignment)

SEED = 2026
SHARE = 2  # one proposal in SHARE is evaluated


def _evaluators() -> list[User]:
    """The demo officials who evaluate: the moderator, the organiser and the admin."""
    query = (select(User).where(User.role.in_(("moderator", "organiser", "admin")),
                                User.is_demo.is_(True)).order_by(User.id))
    return list(db.session.scalars(query))


def _public_proposals(consultation) -> list[Proposal]:
    query = (select(Proposal).where(Proposal.consultation_id == consultation.id,
                                    Proposal.status == "published", Proposal.hidden_at.is_(None),
                                    Proposal.merged_into_id.is_(None))
             .order_by(Proposal.id))
    return list(db.session.scalars(query))


def _has_evaluations(consultation) -> bool:
    return bool(db.session.scalar(
        select(func.count(Evaluation.id))
        .join(EvaluationCriterion, EvaluationCriterion.id == Evaluation.criterion_id)
        .where(EvaluationCriterion.consultation_id == consultation.id)))


def _score(rng: random.Random, base: int) -> int:
    return max(1, min(5, base + rng.choice((-1, 0, 0, 1))))


def _evaluate(proposal, evaluators, criteria, rng) -> None:
    """Assign ``proposal`` to every evaluator and score it around a common base."""
    base = rng.randint(2, 4)
    for evaluator in evaluators:
        db.session.add(EvaluatorAssignment(proposal_id=proposal.id, evaluator_id=evaluator.id))
        for criterion in criteria:
            db.session.add(Evaluation(proposal_id=proposal.id, evaluator_id=evaluator.id,
                                      criterion_id=criterion.id, score=_score(rng, base),
                                      note="Synthetic score (demo)"))


def add_demo_evaluations(consultation) -> int:
    """Score one public proposal in :data:`SHARE`; return how many were evaluated."""
    if _has_evaluations(consultation):
        return 0
    criteria, evaluators = services.ensure_criteria(consultation), _evaluators()
    proposals = _public_proposals(consultation)[::SHARE]
    if not evaluators or not proposals:
        return 0
    rng = random.Random(SEED)
    for proposal in proposals:
        _evaluate(proposal, evaluators, criteria, rng)
    if len(proposals) > 2:  # one visible eligibility decision, with its public reason
        db.session.add(EligibilityDecision(
            proposal_id=proposals[-1].id, verdict="unfeasible", decided_by_id=evaluators[0].id,
            reason="The land needed belongs to another public body (demo)."))
    db.session.flush()
    return len(proposals)


def evaluate_demo(consultation) -> ConsolidationRun | None:
    """Add the demo evaluations and store one consolidation run (flushes; the caller commits)."""
    add_demo_evaluations(consultation)
    if db.session.scalar(select(ConsolidationRun.id)
                         .where(ConsolidationRun.consultation_id == consultation.id).limit(1)):
        return None
    run, _result = services.run_consolidation(
        consultation, None, services.parameters_for(consultation, seed=str(SEED)),
        label="Demo run (demo)")
    return run
