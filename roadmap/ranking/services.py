"""Evaluation by officials and the consolidation: verbs that change state (flush, never commit).

Every decision is written to the audit log (:func:`roadmap.audit.log.record`):
criteria weights, assignments, scores, eligibility verdicts and stored consolidation runs.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from contextlib import contextmanager

from blinker import signal
from flask_babel import gettext as _
from sqlalchemy import delete, select

from roadmap.extensions import db
from roadmap.audit.log import record
from roadmap.ranking import outcomes, scoring
from roadmap.ranking.inputs import author_genders, gather_inputs
from roadmap.ranking.models import (DEFAULT_CRITERIA, VERDICTS, ConsolidationRun,
                                    EligibilityDecision, Evaluation, EvaluationCriterion,
                                    EvaluatorAssignment)
from roadmap.ranking.policies import (can_evaluate, can_manage_evaluation, can_run_consolidation,
                                      is_evaluator)

CRITERIA_TITLES = {
    "impact": {"ar": "الأثر", "fr": "Impact", "en": "Impact"},
    "territorial_need": {"ar": "الحاجة الترابية", "fr": "Besoin territorial",
                         "en": "Territorial need"},
    "feasibility": {"ar": "قابلية الإنجاز", "fr": "Faisabilité", "en": "Feasibility"},
    "cost_efficiency": {"ar": "النجاعة مقابل الكلفة", "fr": "Efficience du coût",
                        "en": "Cost-efficiency"},
    "sdg_gender": {"ar": "أهداف التنمية المستدامة والنوع الاجتماعي", "fr": "ODD et genre",
                   "en": "SDGs and gender"},
}


class EvaluationError(Exception):
    """A refused evaluation action; ``errors`` maps a field name (or "") to a message."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None,
                 status: int = 422):
        super().__init__(message)
        self.errors = dict(errors or {"": message})
        self.status = status


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise EvaluationError(_("You are not allowed to do this."), status=403)


# --- criteria ------------------------------------------------------------------------------------

def ensure_criteria(consultation) -> list[EvaluationCriterion]:
    """The consultation's criteria by position, creating the default ones on first use."""
    criteria = criteria_of(consultation)
    if criteria:
        return criteria
    for position, (code, weight) in enumerate(DEFAULT_CRITERIA, start=1):
        db.session.add(EvaluationCriterion(
            consultation_id=consultation.id, code=code, weight=weight, position=position,
            title_i18n=dict(CRITERIA_TITLES.get(code, {"en": code})), description_i18n={}))
    db.session.flush()
    return criteria_of(consultation)


def criteria_of(consultation) -> list[EvaluationCriterion]:
    """The consultation's criteria, by position (may be empty)."""
    query = (select(EvaluationCriterion)
             .where(EvaluationCriterion.consultation_id == consultation.id)
             .order_by(EvaluationCriterion.position, EvaluationCriterion.id))
    return list(db.session.scalars(query))


def criteria_weights(consultation) -> dict[str, int]:
    """The published weights, criterion code -> weight (the defaults before any is stored)."""
    return {c.code: c.weight for c in criteria_of(consultation)} or dict(DEFAULT_CRITERIA)


def set_criteria_weights(consultation, by, weights: Mapping[str, int]) -> list[EvaluationCriterion]:
    """Publish new weights (whole numbers 0-100 that add up to 100)."""
    _refuse_unless(can_manage_evaluation(by, consultation))
    criteria = ensure_criteria(consultation)
    errors = {c.code: _("Give a whole number from 0 to 100.") for c in criteria
              if not isinstance(weights.get(c.code), int) or not 0 <= weights[c.code] <= 100}
    if errors:
        raise EvaluationError(_("Some weights need correcting."), errors)
    if sum(weights[c.code] for c in criteria) != 100:
        raise EvaluationError(_("The weights must add up to 100."))
    before = {c.code: c.weight for c in criteria}
    for criterion in criteria:
        criterion.weight = weights[criterion.code]
    db.session.flush()
    record(by, "evaluation.criteria", consultation, before=before,
           after={c.code: c.weight for c in criteria}, consultation=consultation)
    return criteria


# --- assignments ---------------------------------------------------------------------------------

def assign_evaluator(proposal, evaluator, by) -> EvaluatorAssignment:
    """Assign ``proposal`` to ``evaluator`` (a moderator); assigning twice changes nothing."""
    _refuse_unless(can_manage_evaluation(by, proposal.consultation))
    if not is_evaluator(evaluator):
        raise EvaluationError(_("Only moderators can evaluate proposals."),
                              {"evaluator": _("Only moderators can evaluate proposals.")})
    found = db.session.scalar(select(EvaluatorAssignment).where(
        EvaluatorAssignment.proposal_id == proposal.id,
        EvaluatorAssignment.evaluator_id == evaluator.id))
    if found is not None:
        return found
    assignment = EvaluatorAssignment(proposal_id=proposal.id, evaluator_id=evaluator.id,
                                     assigned_by_id=by.id)
    db.session.add(assignment)
    db.session.flush()
    record(by, "evaluation.assign", proposal, after={"evaluator_id": evaluator.id},
           consultation=proposal.consultation_id)
    return assignment


def unassign_evaluator(proposal, evaluator, by) -> None:
    """Take ``proposal`` away from ``evaluator``; their scores stay."""
    _refuse_unless(can_manage_evaluation(by, proposal.consultation))
    result = db.session.execute(delete(EvaluatorAssignment).where(
        EvaluatorAssignment.proposal_id == proposal.id,
        EvaluatorAssignment.evaluator_id == evaluator.id))
    if result.rowcount:
        record(by, "evaluation.unassign", proposal, before={"evaluator_id": evaluator.id},
               consultation=proposal.consultation_id)


# --- scores --------------------------------------------------------------------------------------

def _check_scores(criteria, scores) -> dict[int, tuple[int, str]]:
    clean, errors = {}, {}
    for criterion in criteria:
        score, note = scores.get(criterion.code, (None, ""))
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            errors[criterion.code] = _("Give a score from 1 to 5.")
        else:
            clean[criterion.id] = (score, (note or "").strip())
    if errors:
        raise EvaluationError(_("Some scores need correcting."), errors)
    return clean


def save_evaluation(proposal, evaluator, scores: Mapping[str, tuple[int, str]]) -> list[Evaluation]:
    """Record ``evaluator``'s scores of ``proposal``: criterion code -> (score 1-5, note)."""
    _refuse_unless(can_evaluate(evaluator, proposal))
    criteria = ensure_criteria(proposal.consultation)
    clean = _check_scores(criteria, scores)
    existing = {e.criterion_id: e for e in db.session.scalars(select(Evaluation).where(
        Evaluation.proposal_id == proposal.id, Evaluation.evaluator_id == evaluator.id))}
    saved = []
    for criterion_id, (score, note) in clean.items():
        row = existing.get(criterion_id) or Evaluation(
            proposal_id=proposal.id, evaluator_id=evaluator.id, criterion_id=criterion_id)
        row.score, row.note = score, note or None
        db.session.add(row)
        saved.append(row)
    db.session.flush()
    record(evaluator, "evaluation.score", proposal, consultation=proposal.consultation_id,
           after={c.code: clean[c.id][0] for c in criteria})
    return saved


# --- eligibility ---------------------------------------------------------------------------------

def decide_eligibility(proposal, by, verdict: str, reason: str = "") -> EligibilityDecision:
    """Declare ``proposal`` eligible, ineligible or unfeasible; a public reason is required
    unless eligible."""
    _refuse_unless(can_manage_evaluation(by, proposal.consultation))
    reason = (reason or "").strip()
    if verdict not in VERDICTS:
        raise EvaluationError(_("Choose a verdict."), {"verdict": _("Choose a verdict.")})
    if verdict != "eligible" and not reason:
        message = _("Give the public reason of this decision.")
        raise EvaluationError(message, {"reason": message})
    decision = db.session.scalar(select(EligibilityDecision).where(
        EligibilityDecision.proposal_id == proposal.id))
    before = {"verdict": decision.verdict, "reason": decision.reason} if decision else None
    if decision is None:
        decision = EligibilityDecision(proposal_id=proposal.id)
        db.session.add(decision)
    decision.verdict, decision.reason, decision.decided_by_id = verdict, reason, by.id
    db.session.flush()
    record(by, "proposal.eligibility", proposal, reason=reason or None, before=before,
           after={"verdict": verdict, "reason": reason}, consultation=proposal.consultation_id)
    return decision


# --- consolidation -------------------------------------------------------------------------------

def parameters_for(consultation, **values) -> scoring.Parameters:
    """Parameters with the consultation's published weights unless ``criteria_weights`` given."""
    values = {k: v for k, v in values.items() if v is not None}
    values.setdefault("criteria_weights", criteria_weights(consultation))
    return scoring.Parameters(**values)


def run_consolidation(consultation, by, params: scoring.Parameters, *, dry_run: bool = False,
                      label: str | None = None,
                      progress: Callable[[str], None] | None = None):
    """Gather the inputs, consolidate, and store the run (unless ``dry_run``).

    The stored run carries its outcomes by gender (:mod:`roadmap.ranking.outcomes`), computed
    from its output and the authors' declared genders at this moment.

    Returns ``(run or None, result)``. ``progress`` is told each phase as it ends:
    ``"gather"``, ``"score"``, ``"store"``.
    """
    if by is not None:
        _refuse_unless(can_run_consolidation(by, consultation))
    with _collector_paused():
        return _consolidate_and_store(consultation, by, params, dry_run=dry_run, label=label,
                                      tell=progress or (lambda phase: None))


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for a while (reference counting still frees).

    A consolidation builds a few hundred thousand dicts and lists that all stay alive until
    the end; the collector would walk them again and again (a third of the scoring time at
    20,000 proposals) without finding garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _consolidate_and_store(consultation, by, params: scoring.Parameters, *, dry_run: bool,
                           label: str | None, tell: Callable[[str], None]):
    """The phases of :func:`run_consolidation`: gather, score, store."""
    communes, proposals = gather_inputs(consultation)
    tell("gather")
    result = scoring.consolidate(communes, proposals, params)
    tell("score")
    if dry_run:
        tell("store")
        return None, result
    signal("roadmap.before_consolidation").send(consultation)  # ops: snapshot first
    run = ConsolidationRun(
        consultation_id=consultation.id, created_by_id=getattr(by, "id", None),
        label=(label or "").strip()[:200] or None,
        method_version=result.get("method_version", scoring.METHOD_VERSION),
        parameters=result.get("parameters", {}), seed=str(params.seed),
        inputs_hash=result.get("inputs_hash") or scoring.inputs_hash(communes, proposals, params),
        output=scoring.canonical_json(result),
        gender_outcomes=outcomes.gender_outcomes(result, author_genders(consultation)))
    db.session.add(run)
    db.session.flush()
    record(by, "consolidation.run", run, consultation=consultation,
           after={"inputs_hash": run.inputs_hash, "method_version": run.method_version,
                  "seed": run.seed, "label": run.label})
    tell("store")
    return run, result
