"""gather_inputs, the evaluation services, eligibility and stored consolidation runs."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.audit.models import AuditEntry
from roadmap.ranking import services
from roadmap.ranking.inputs import gather_inputs, merge_roots
from roadmap.ranking.models import (ConsolidationRun, EligibilityDecision, Evaluation,
                                    EvaluationCriterion)
from roadmap.ranking.services import EvaluationError


def _audit(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def _ids(people) -> frozenset[int]:
    return frozenset(person.id for person in people)


# --- gather_inputs ---------------------------------------------------------------------------------

def test_gather_inputs_keeps_candidates_and_marks_declared_ineligible(scene):
    _, proposals = gather_inputs(scene.consultation)
    by_id = {p.id: p for p in proposals}
    p = scene.proposals
    assert set(by_id) == {p["kept"].id, p["south"].id, p["ineligible"].id, p["workshop"].id}
    assert not by_id[p["ineligible"].id].eligible
    assert by_id[p["ineligible"].id].ineligible_reason == "Outside the prefecture's competence."
    assert all(by_id[p[name].id].eligible for name in ("kept", "south", "workshop"))


def test_gather_inputs_pools_merged_supporters_once(scene):
    _, proposals = gather_inputs(scene.consultation)
    by_id = {p.id: p for p in proposals}
    u, p = scene.citizens, scene.proposals
    # kept: u0 u1 u2; merged into it: u1 (again) u3; merged into merged: u4.
    assert by_id[p["kept"].id].supporters == _ids(u[0:5])
    assert by_id[p["south"].id].supporters == _ids([u[5]])
    assert by_id[p["workshop"].id].supporters == frozenset()
    assert by_id[p["workshop"].id].workshop_hands == 40
    assert by_id[p["kept"].id].workshop_hands is None
    assert by_id[p["kept"].id].cost == 100_000
    assert by_id[p["south"].id].axis == scene.consultation.axes[1].code
    assert by_id[p["kept"].id].commune == "north"


def test_gather_inputs_counts_participants_per_commune(scene):
    communes, _ = gather_inputs(scene.consultation)
    by_code = {c.code: c for c in communes}
    u = scene.citizens
    # north public proposals: kept (u0; votes u0 u1 u2), merged (u1; votes u1 u3), ineligible
    # (u4; vote u2). The withdrawn one is not public.
    expected_north = _ids([u[0], u[1], u[2], u[3], u[4]])
    # south public: merged_twice (u5; vote u4), south (u2; vote u5; comment u3), workshop (entered
    # by the organiser: not counted). The hidden one (vote u0, comment u1) is not public.
    expected_south = _ids([u[5], u[4], u[2], u[3]])
    assert by_code["north"].participants == len(expected_north)
    assert by_code["south"].participants == len(expected_south)
    assert by_code["north"].population == 10_000


def test_gather_inputs_takes_a_few_queries(scene, app):
    from sqlalchemy import event

    statements = []
    engine_connection = db.session.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine_connection, "before_cursor_execute", listener)
    try:
        gather_inputs(scene.consultation)
    finally:
        event.remove(engine_connection, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 9


def test_merge_roots_follow_chains_and_survive_cycles():
    class Row:
        def __init__(self, id, merged_into_id):
            self.id, self.merged_into_id = id, merged_into_id

    roots = merge_roots([Row(1, None), Row(2, 1), Row(3, 2), Row(4, 5), Row(5, 4)])
    assert roots[1] == roots[2] == roots[3] == 1
    assert roots[4] in (4, 5)


# --- criteria and evaluations ------------------------------------------------------------------

def test_default_criteria_created_once_with_translated_titles(scene):
    first = services.ensure_criteria(scene.consultation)
    again = services.ensure_criteria(scene.consultation)
    assert [(c.code, c.weight) for c in first] == [
        ("impact", 30), ("territorial_need", 25), ("feasibility", 20), ("cost_efficiency", 15),
        ("sdg_gender", 10)]
    assert [c.id for c in again] == [c.id for c in first]
    assert set(first[0].title_i18n) == {"ar", "fr", "en"}


def test_weights_must_add_up_to_100(scene):
    services.ensure_criteria(scene.consultation)
    bad = {"impact": 50, "territorial_need": 25, "feasibility": 20, "cost_efficiency": 15,
           "sdg_gender": 10}
    with pytest.raises(EvaluationError):
        services.set_criteria_weights(scene.consultation, scene.organiser, bad)
    good = dict(bad, impact=30, feasibility=20)
    good["impact"], good["sdg_gender"] = 20, 20
    services.set_criteria_weights(scene.consultation, scene.organiser, good)
    assert services.criteria_weights(scene.consultation)["impact"] == 20
    assert _audit("evaluation.criteria") == 1


def test_only_organisers_set_weights(scene):
    with pytest.raises(EvaluationError) as error:
        services.set_criteria_weights(scene.consultation, scene.evaluator, {})
    assert error.value.status == 403


def _all(score: int, note: str = "") -> dict:
    return {code: (score, note) for code, _ in (("impact", 0), ("territorial_need", 0),
                                                 ("feasibility", 0), ("cost_efficiency", 0),
                                                 ("sdg_gender", 0))}


def test_scores_must_be_1_to_5_and_need_an_assignment(scene):
    proposal = scene.proposals["kept"]
    with pytest.raises(EvaluationError) as error:
        services.save_evaluation(proposal, scene.evaluator, _all(3))
    assert error.value.status == 403  # not assigned yet
    services.assign_evaluator(proposal, scene.evaluator, scene.organiser)
    for wrong in (0, 6, None):
        scores = _all(3) | {"impact": (wrong, "")}
        with pytest.raises(EvaluationError) as error:
            services.save_evaluation(proposal, scene.evaluator, scores)
        assert "impact" in error.value.errors
    assert db.session.scalar(select(func.count(Evaluation.id))) == 0
    services.save_evaluation(proposal, scene.evaluator, _all(4, "solid"))
    services.save_evaluation(proposal, scene.evaluator, _all(5, "better"))  # updates in place
    rows = db.session.scalars(select(Evaluation).where(Evaluation.proposal_id == proposal.id)).all()
    assert len(rows) == 5 and {r.score for r in rows} == {5} and rows[0].note == "better"
    assert _audit("evaluation.score") == 2 and _audit("evaluation.assign") == 1


def test_only_moderators_are_assigned(scene):
    with pytest.raises(EvaluationError):
        services.assign_evaluator(scene.proposals["kept"], scene.citizens[0], scene.organiser)


def test_evaluation_closed_outside_voting_and_evaluation(factory):
    from tests.ranking.conftest import build_scene

    scene = build_scene(factory, phase="proposals")
    proposal = scene.proposals["kept"]
    services.assign_evaluator(proposal, scene.evaluator, scene.organiser)
    with pytest.raises(EvaluationError):
        services.save_evaluation(proposal, scene.evaluator, _all(3))


def test_official_score_is_the_median_and_disagreement_is_flagged(scene):
    kept, south = scene.proposals["kept"], scene.proposals["south"]
    third = __import__("tests.conftest", fromlist=["Factory"]).Factory().user("moderator")
    for evaluator in (scene.evaluator, scene.second_evaluator, third):
        services.assign_evaluator(kept, evaluator, scene.organiser)
        services.assign_evaluator(south, evaluator, scene.organiser)
    services.save_evaluation(kept, scene.evaluator, _all(2))
    services.save_evaluation(kept, scene.second_evaluator, _all(3))
    services.save_evaluation(kept, third, _all(5))
    services.save_evaluation(south, scene.evaluator, _all(1))
    services.save_evaluation(south, scene.second_evaluator, _all(5))
    services.save_evaluation(south, third, _all(4))
    _, result = services.run_consolidation(
        scene.consultation, scene.organiser, services.parameters_for(scene.consultation),
        dry_run=True)
    kept_official = result["proposals"][str(kept.id)]["official"]
    south_official = result["proposals"][str(south.id)]["official"]
    assert kept_official["criteria"]["impact"]["median"] == 3
    assert kept_official["criteria"]["impact"]["spread"] == 3
    assert kept_official["flagged"] is True  # 2 to 5: more than 2 points apart
    assert south_official["criteria"]["impact"]["median"] == 4
    assert south_official["flagged"] is True
    services.save_evaluation(kept, third, _all(4))  # 2, 3, 4: within 2 points
    _, result = services.run_consolidation(
        scene.consultation, scene.organiser, services.parameters_for(scene.consultation),
        dry_run=True)
    assert result["proposals"][str(kept.id)]["official"]["flagged"] is False


# --- eligibility -------------------------------------------------------------------------------

def test_ineligible_needs_a_reason_and_is_audited(scene):
    proposal = scene.proposals["south"]
    for verdict in ("ineligible", "unfeasible"):
        with pytest.raises(EvaluationError) as error:
            services.decide_eligibility(proposal, scene.organiser, verdict, "   ")
        assert "reason" in error.value.errors
    with pytest.raises(EvaluationError):
        services.decide_eligibility(proposal, scene.organiser, "maybe", "x")
    assert db.session.scalar(select(EligibilityDecision).where(
        EligibilityDecision.proposal_id == proposal.id)) is None
    services.decide_eligibility(proposal, scene.organiser, "unfeasible", "No land available.")
    _, proposals = gather_inputs(scene.consultation)
    entry = next(p for p in proposals if p.id == proposal.id)
    assert not entry.eligible and entry.ineligible_reason == "No land available."
    services.decide_eligibility(proposal, scene.organiser, "eligible")
    _, proposals = gather_inputs(scene.consultation)
    assert next(p for p in proposals if p.id == proposal.id).eligible
    assert _audit("proposal.eligibility") == 2


def test_moderators_cannot_decide_eligibility(scene):
    with pytest.raises(EvaluationError):
        services.decide_eligibility(scene.proposals["south"], scene.evaluator, "ineligible", "x")


# --- consolidation runs ------------------------------------------------------------------------

def test_run_is_stored_with_canonical_output_and_audited(scene):
    params = services.parameters_for(scene.consultation, seed="s1", slots_per_axis=2)
    run, result = services.run_consolidation(scene.consultation, scene.organiser, params,
                                             label="First")
    assert run.id and run.label == "First" and run.seed == "s1"
    assert run.method_version == "roadmap-consolidation/1"
    assert run.inputs_hash == result["inputs_hash"] and len(run.inputs_hash) == 64
    assert json.loads(run.output) == result
    assert run.parameters["slots_per_axis"] == 2
    assert _audit("consolidation.run") == 1
    again, _ = services.run_consolidation(scene.consultation, scene.organiser, params)
    assert again.output == run.output and again.inputs_hash == run.inputs_hash
    kept = result["proposals"][str(scene.proposals["kept"].id)]
    assert kept["support"]["supporters"] == 5
    assert scene.proposals["hidden"].id not in {int(i) for i in result["proposals"]}


def test_dry_run_stores_nothing(scene):
    run, result = services.run_consolidation(
        scene.consultation, scene.organiser, services.parameters_for(scene.consultation),
        dry_run=True)
    assert run is None and result["axes"]
    assert db.session.scalar(select(func.count(ConsolidationRun.id))) == 0
    assert db.session.scalar(select(func.count(EvaluationCriterion.id))) == 0


def test_participants_cannot_run(scene):
    with pytest.raises(EvaluationError):
        services.run_consolidation(scene.consultation, scene.citizens[0],
                                   services.parameters_for(scene.consultation))


# --- the demo ----------------------------------------------------------------------------------

def test_evaluate_demo_scores_part_of_the_demo_and_runs_once(app):
    from roadmap.demo import load_demo
    from roadmap.ranking.demo import evaluate_demo

    consultation = load_demo(echo=lambda *_: None)  # the demo evaluates and consolidates
    run = db.session.scalar(select(ConsolidationRun))
    assert run is not None and run.label == "Demo run (demo)"
    evaluated = db.session.scalar(select(func.count(func.distinct(Evaluation.proposal_id))))
    assert evaluated > 0
    notes = set(db.session.scalars(select(Evaluation.note)))
    assert notes == {"Synthetic score (demo)"}
    output = json.loads(run.output)
    assert any(entry["official"]["evaluated"] for entry in output["proposals"].values())
    assert any(not entry["eligible"] for entry in output["proposals"].values())
    assert evaluate_demo(consultation) is None  # idempotent
    assert db.session.scalar(select(func.count(ConsolidationRun.id))) == 1
    assert db.session.scalar(select(func.count(func.distinct(Evaluation.proposal_id)))) == evaluated
