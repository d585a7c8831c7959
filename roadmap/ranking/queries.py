"""Reads for evaluation and consolidation pages: runs, their outputs, assignments, spreads."""
from __future__ import annotations

import json
from collections import defaultdict

from flask import abort
from sqlalchemy import column, select, table
from sqlalchemy.orm import selectinload

from roadmap.accounts.models import User
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.ranking.models import (ConsolidationRun, EligibilityDecision, Evaluation,
                                    EvaluationCriterion, EvaluatorAssignment)

# The roadmap table lives in a higher layer: read its run_id without importing its model.
_roadmap = table("roadmap", column("consultation_id"), column("run_id"))
DISAGREEMENT = 2  # evaluators disagree when their scores on a criterion differ by more than this


def runs_of(consultation) -> list[ConsolidationRun]:
    """The consultation's stored runs, newest first."""
    query = (select(ConsolidationRun).where(ConsolidationRun.consultation_id == consultation.id)
             .order_by(ConsolidationRun.created_at.desc(), ConsolidationRun.id.desc()))
    return list(db.session.scalars(query))


def run_or_404(consultation, run_id) -> ConsolidationRun:
    """The run ``run_id`` of ``consultation``; 404 otherwise."""
    run = db.session.get(ConsolidationRun, run_id) if run_id else None
    if run is None or run.consultation_id != consultation.id:
        abort(404)
    return run


def published_run_id(consultation) -> int | None:
    """The run the consultation's roadmap was drawn from (``roadmap.run_id``), if any."""
    return db.session.scalar(select(_roadmap.c.run_id)
                             .where(_roadmap.c.consultation_id == consultation.id))


def explanation_run(consultation) -> tuple[ConsolidationRun | None, bool]:
    """The run explanations read: the roadmap's run (True), else the latest run (False)."""
    run_id = published_run_id(consultation)
    if run_id is not None:
        run = db.session.get(ConsolidationRun, run_id)
        if run is not None:
            return run, True
    runs = runs_of(consultation)
    return (runs[0] if runs else None), False


def output_of(run: ConsolidationRun) -> dict:
    """The run's canonical output, parsed."""
    return json.loads(run.output)


def gender_outcomes(run: ConsolidationRun | None) -> dict | None:
    """The outcomes by gender stored with ``run`` (None for runs made before they were).

    The dict of :func:`roadmap.ranking.outcomes.gender_outcomes`: exact counts, for officials;
    a public page applies the small-cell rule to them.
    """
    return None if run is None else run.gender_outcomes


def titles_of(ids) -> dict[int, str]:
    """Proposal id -> title, in one query."""
    ids = {int(i) for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Proposal.id, Proposal.title)
                                   .where(Proposal.id.in_(ids))).all())


def compare_outputs(a: dict, b: dict) -> list[dict]:
    """Per axis: the selected proposals of each run and what changed from ``a`` to ``b``."""
    rows = []
    for axis in sorted(set(a.get("axes", {})) | set(b.get("axes", {}))):
        left = list(a.get("axes", {}).get(axis, {}).get("selected", []))
        right = list(b.get("axes", {}).get(axis, {}).get("selected", []))
        moved = {pid: (left.index(pid) + 1, right.index(pid) + 1)
                 for pid in right if pid in left and left.index(pid) != right.index(pid)}
        rows.append({"axis": axis, "a": left, "b": right,
                     "entered": [pid for pid in right if pid not in left],
                     "left": [pid for pid in left if pid not in right], "moved": moved})
    return rows


def assignments_of(user) -> list[EvaluatorAssignment]:
    """The proposals assigned to ``user``, with their consultation, oldest first."""
    query = (select(EvaluatorAssignment).where(EvaluatorAssignment.evaluator_id == user.id)
             .options(selectinload(EvaluatorAssignment.proposal).selectinload(Proposal.consultation))
             .order_by(EvaluatorAssignment.created_at, EvaluatorAssignment.id))
    return list(db.session.scalars(query))


def evaluated_ids(user) -> set[int]:
    """Ids of the proposals ``user`` has scored."""
    return set(db.session.scalars(select(Evaluation.proposal_id)
                                  .where(Evaluation.evaluator_id == user.id).distinct()))


def evaluators() -> list[User]:
    """Accounts that can evaluate (moderators, organisers, admins), by name."""
    query = (select(User).where(User.role.in_(("moderator", "organiser", "admin")))
             .order_by(User.display_name, User.id))
    return [user for user in db.session.scalars(query) if user.is_active]


def evaluable_proposals(consultation) -> list[Proposal]:
    """The consultation's public proposals (published, visible, not merged away), by id."""
    query = (select(Proposal).where(Proposal.consultation_id == consultation.id,
                                    Proposal.status == "published", Proposal.hidden_at.is_(None),
                                    Proposal.merged_into_id.is_(None))
             .options(selectinload(Proposal.commune), selectinload(Proposal.axis))
             .order_by(Proposal.id))
    return list(db.session.scalars(query))


def assigned_evaluators(consultation) -> dict[int, list[int]]:
    """proposal id -> ids of its evaluators (one query)."""
    query = (select(EvaluatorAssignment.proposal_id, EvaluatorAssignment.evaluator_id)
             .join(Proposal, Proposal.id == EvaluatorAssignment.proposal_id)
             .where(Proposal.consultation_id == consultation.id))
    found: dict[int, list[int]] = defaultdict(list)
    for proposal_id, evaluator_id in db.session.execute(query):
        found[proposal_id].append(evaluator_id)
    return found


def spreads(consultation) -> dict[int, int]:
    """proposal id -> the largest gap between evaluators' scores on one criterion."""
    query = (select(Evaluation.proposal_id, Evaluation.criterion_id, Evaluation.score)
             .join(EvaluationCriterion, EvaluationCriterion.id == Evaluation.criterion_id)
             .where(EvaluationCriterion.consultation_id == consultation.id))
    scores: dict[tuple[int, int], list[int]] = defaultdict(list)
    for proposal_id, criterion_id, score in db.session.execute(query):
        scores[(proposal_id, criterion_id)].append(score)
    result: dict[int, int] = {}
    for (proposal_id, _criterion), values in scores.items():
        result[proposal_id] = max(result.get(proposal_id, 0), max(values) - min(values))
    return result


def my_scores(proposal, evaluator) -> dict[int, Evaluation]:
    """criterion id -> ``evaluator``'s evaluation of ``proposal``."""
    query = select(Evaluation).where(Evaluation.proposal_id == proposal.id,
                                     Evaluation.evaluator_id == evaluator.id)
    return {e.criterion_id: e for e in db.session.scalars(query)}


def decision_of(proposal) -> EligibilityDecision | None:
    """The eligibility decision on ``proposal``, if any."""
    return db.session.scalar(select(EligibilityDecision)
                             .where(EligibilityDecision.proposal_id == proposal.id))


def decisions_of(consultation) -> dict[int, EligibilityDecision]:
    """proposal id -> its eligibility decision (one query)."""
    query = (select(EligibilityDecision)
             .join(Proposal, Proposal.id == EligibilityDecision.proposal_id)
             .where(Proposal.consultation_id == consultation.id))
    return {d.proposal_id: d for d in db.session.scalars(query)}
