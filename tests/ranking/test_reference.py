"""The fast consolidation against straightforward implementations, on random small data.

:mod:`roadmap.ranking.scoring` and :mod:`roadmap.ranking.inputs` are written for 20,000
proposals and a million supports (one sort per ordering, only the moved proposals recomputed
for the rank ranges, supports read as one aggregate per proposal...). Here the same figures
are computed the plain way (every key compared, every weighting recomputed, every row loaded
as an object) and must come out identical.
"""
from __future__ import annotations

import hashlib
import json
import random
import statistics
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.ranking.inputs import gather_inputs
from roadmap.ranking.scoring import (COMPLETION_STEPS, EPSILON, METHOD_VERSION, WEIGHT_STEP,
                                     CommuneInput, Parameters, ProposalInput, consolidate,
                                     equal_shares, greedy_by_votes, lottery_ticket, priority_of)

CODES = ["c1", "c2", "c3"]
AXES = ["water", "employment"]
CRITERIA = ["impact", "feasibility", "sdg_gender"]
MOMENTS = ["2026-03-01T10:00:00+00:00", "2026-03-01T11:00:00+01:00",  # the same instant
           "2026-03-02T09:30:00Z", "2026-03-02T09:30:00"]


@st.composite
def instances(draw):
    """Small consultations with many ties: equal supports, equal instants, shared scores."""
    communes = [CommuneInput(code, draw(st.integers(0, 5_000)), draw(st.integers(0, 12)),
                             {axis: draw(st.sampled_from([0.0, 0.25, 1.0])) for axis in AXES})
                for code in CODES]
    proposals = []
    for pid in draw(st.sets(st.integers(1, 200), min_size=1, max_size=25)):
        scores = draw(st.dictionaries(st.sampled_from(CRITERIA),
                                      st.dictionaries(st.integers(1, 4), st.integers(1, 5),
                                                      min_size=1, max_size=3), max_size=3))
        proposals.append(ProposalInput(
            id=pid, commune=draw(st.sampled_from(CODES)), axis=draw(st.sampled_from(AXES)),
            submitted_at=draw(st.sampled_from(MOMENTS)),
            supporters=frozenset(draw(st.sets(st.integers(1, 8), max_size=4))),
            workshop_hands=draw(st.none() | st.integers(0, 5)), scores=scores,
            cost=draw(st.none() | st.integers(0, 300)), eligible=draw(st.booleans()),
            ineligible_reason=draw(st.none() | st.sampled_from(["Hors compétence", "خارج"]))))
    weights = {code: draw(st.sampled_from([0, 5, 10, 40])) for code in CRITERIA}
    params = Parameters(support_weight=draw(st.sampled_from([0.0, 0.5, 1.0])),
                        criteria_weights=weights, slots_per_axis=draw(st.integers(0, 4)),
                        budget=draw(st.none() | st.integers(0, 600)), seed="reference")
    return communes, proposals, params


# --- the plain way ---------------------------------------------------------------------------

def _r(value):
    return None if value is None else round(float(value), 6) + 0.0


def plain_official(scores, weights) -> dict:
    """Each criterion's median and spread, and the weighted score (the documented method)."""
    criteria = {}
    for code in sorted(weights):
        values = sorted(scores.get(code, {}).values())
        if not values:
            criteria[code] = {"median": None, "score": None, "min": None, "max": None,
                              "spread": None, "evaluators": 0, "weight": weights[code],
                              "flagged": False}
            continue
        median = statistics.median(values)
        criteria[code] = {"median": _r(median), "score": _r((median - 1) * 25),
                          "min": values[0], "max": values[-1],
                          "spread": values[-1] - values[0], "evaluators": len(values),
                          "weight": weights[code], "flagged": values[-1] - values[0] > 2}
    scored = [c for c in criteria.values() if c["score"] is not None]
    total = sum(c["weight"] for c in scored)
    if not scored:
        score = None
    elif total == 0:
        score = sum(c["score"] for c in scored) / len(scored)
    else:
        score = sum(c["score"] * c["weight"] for c in scored) / total
    flagged = sorted(code for code, c in criteria.items() if c["flagged"])
    return {"criteria": criteria, "score": _r(score), "evaluated": bool(scored),
            "flagged": bool(flagged), "flagged_criteria": flagged}


def _instant(text):
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def plain_axis_ranks(proposals, priorities, seed) -> dict[int, int]:
    """Rank of each eligible proposal in its axis, sorting on the whole documented key."""
    ranks = {}
    for axis in AXES:
        ids = sorted((p for p in proposals if p.eligible and p.axis == axis),
                     key=lambda p: (-priorities[p.id], _instant(p.submitted_at),
                                    lottery_ticket(seed, p.id), p.id))
        ranks.update({p.id: rank for rank, p in enumerate(ids, start=1)})
    return ranks


def plain_weightings(weights) -> list[dict]:
    """The baseline weights and each weight moved up and down by the step (clamped at 0)."""
    found = [dict(weights)]
    for code in sorted(weights):
        for delta in (WEIGHT_STEP, -WEIGHT_STEP):
            found.append(dict(weights, **{code: max(0, weights[code] + delta)}))
    return found


def plain_inputs_hash(communes, proposals, params) -> str:
    """The inputs' hash from the documented canonical form, built key by key."""
    canonical = {
        "communes": [{"code": c.code, "population": c.population,
                      "participants": c.participants,
                      "need": {a: _r(c.need[a]) for a in sorted(c.need)}}
                     for c in sorted(communes, key=lambda c: c.code)],
        "proposals": [{"id": p.id, "commune": p.commune, "axis": p.axis,
                       "submitted_at": p.submitted_at, "supporters": sorted(p.supporters),
                       "workshop_hands": p.workshop_hands, "cost": p.cost,
                       "scores": {code: {str(e): p.scores[code][e] for e in sorted(p.scores[code])}
                                  for code in sorted(p.scores)},
                       "eligible": p.eligible, "ineligible_reason": p.ineligible_reason}
                      for p in sorted(proposals, key=lambda p: p.id)],
        "parameters": params.as_dict(), "method_version": METHOD_VERSION}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(instances())
def test_consolidation_matches_the_plain_computation(instance):
    communes, proposals, params = instance
    result = consolidate(communes, proposals, params)
    entries = result["proposals"]
    assert result["inputs_hash"] == plain_inputs_hash(communes, proposals, params)

    supports = {p.id: entries[str(p.id)]["support"]["score"] for p in proposals}
    for p in proposals:
        official = plain_official(p.scores, params.criteria_weights)
        assert entries[str(p.id)]["official"] == official
        assert entries[str(p.id)]["priority"] == priority_of(supports[p.id], official["score"],
                                                             params.support_weight)

    # Ranks: baseline, then the range over every weighting, each recomputed from scratch.
    priorities = {p.id: entries[str(p.id)]["priority"] for p in proposals}
    baseline = plain_axis_ranks(proposals, priorities, params.seed)
    ranges = {pid: [rank, rank] for pid, rank in baseline.items()}
    for weights in plain_weightings(params.criteria_weights):
        moved = {p.id: priority_of(supports[p.id], plain_official(p.scores, weights)["score"],
                                   params.support_weight) for p in proposals}
        for pid, rank in plain_axis_ranks(proposals, moved, params.seed).items():
            ranges[pid] = [min(ranges[pid][0], rank), max(ranges[pid][1], rank)]
    for p in proposals:
        entry = entries[str(p.id)]
        assert entry["priority_rank"] == baseline.get(p.id)
        assert entry["rank_range"] == ranges.get(p.id)
        assert entry["lottery"] == lottery_ticket(params.seed, p.id)

    # Ties: decided by the submission when the tied instants differ, else by the lottery.
    for p in proposals:
        if not p.eligible:
            assert entries[str(p.id)]["tie_break"] is None
            continue
        tied = [q for q in proposals if q.eligible and q.axis == p.axis and q.id != p.id
                and priorities[q.id] == priorities[p.id]]
        same_instant = [q for q in tied if _instant(q.submitted_at) == _instant(p.submitted_at)]
        expected = None if not tied else "lottery" if same_instant else "earlier_submission"
        assert entries[str(p.id)]["tie_break"] == expected

    # Displacements: selected proposals beyond the top-k paired in order with the top-k left out.
    for axis, out in result["axes"].items():
        order = sorted((pid for pid, rank in baseline.items()
                        if entries[str(pid)]["axis"] == axis), key=baseline.get)
        if params.budget is not None:
            order = [pid for pid in order if entries[str(pid)]["cost"] is not None]
        selected = out["selected"]
        top = order[:len(selected)]
        intruders = [pid for pid in order if pid in selected and pid not in top]
        left_out = [pid for pid in top if pid not in selected]
        pairs = dict(zip(intruders, left_out))
        for pid in order:
            assert entries[str(pid)]["displaced"] == pairs.get(pid)
            assert entries[str(pid)]["displaced_by"] == next(
                (a for a, b in pairs.items() if b == pid), None)


# --- Equal Shares, every price recomputed from the budgets ----------------------------------

def plain_payment(budgets, cost):
    """The smallest t with sum(min(b, t)) = cost (None: unaffordable), budgets sorted."""
    budgets = sorted(budgets)
    if not budgets or sum(budgets) < cost * (1 - EPSILON):
        return None
    paid, remaining = 0.0, len(budgets)
    for budget in budgets:
        t = (cost - paid) / remaining
        if t <= budget or remaining == 1:
            return t
        paid += budget
        remaining -= 1
    return None


def plain_rounds(costs, approvals, per_voter, voters, rank):
    """Equal Shares with cost utilities, each round pricing from the voters' current budgets."""
    budget = {voter: per_voter for voter in voters}
    bound = {pid: 0.0 for pid in costs}
    chosen = []
    while bound:
        best = None
        for pid in sorted(bound, key=lambda pid: (bound[pid], rank[pid])):
            if best is not None and bound[pid] > best[0] * (1 + EPSILON):
                break
            cost = costs[pid]
            t = 0.0 if cost == 0 else plain_payment(
                [budget[v] for v in approvals.get(pid, ())], float(cost))
            if t is None:
                del bound[pid]
                continue
            rho = t / cost if cost else 0.0
            bound[pid] = rho
            if best is None:
                best = (rho, pid, t)
            elif abs(rho - best[0]) <= EPSILON * max(rho, best[0]):
                best = (rho, pid, t) if rank[pid] < rank[best[1]] else best
            elif rho < best[0]:
                best = (rho, pid, t)
        if best is None:
            return chosen
        _rho, pid, t = best
        for voter in approvals.get(pid, ()):
            budget[voter] = max(0.0, budget[voter] - min(budget[voter], t))
        del bound[pid]
        chosen.append(pid)
    return chosen


def plain_equal_shares(costs, approvals, budget, order):
    """Equal Shares, completed by raising the virtual budget, then greedy (documented)."""
    ranked = list(order) + sorted(set(costs) - set(order))
    rank = {pid: position for position, pid in enumerate(ranked)}
    voters = sorted({voter for pid in costs for voter in approvals.get(pid, ())})
    virtual = float(budget)
    base = plain_rounds(costs, approvals, budget / len(voters), voters, rank) if voters else []
    entered = {pid: "equal_shares" for pid in base}
    chosen = list(base)
    buyable = {pid for pid in costs if approvals.get(pid) or costs[pid] == 0}
    if voters and budget > 0 and not buyable <= set(base):
        for step in range(1, COMPLETION_STEPS + 1):
            trial_budget = budget * (100 + step) / 100
            trial = plain_rounds(costs, approvals, trial_budget / len(voters), voters, rank)
            if sum(costs[pid] for pid in trial) > budget:
                break
            chosen, virtual = trial, trial_budget
            if buyable <= set(trial):
                break
        entered = {pid: "equal_shares" if pid in base else "completion" for pid in chosen}
    for pid in greedy_by_votes(costs, approvals, budget, order=order, skip=chosen,
                               spent=sum(costs[pid] for pid in chosen)):
        chosen.append(pid)
        entered[pid] = "completion"
    return {"selected": chosen, "entered_through": entered,
            "spent": sum(costs[pid] for pid in chosen), "virtual_budget": _r(virtual)}


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.integers(1, 30), st.sampled_from([0, 50, 100, 120, 300]),
                       min_size=1, max_size=14),
       st.lists(st.frozensets(st.integers(1, 12), max_size=9), min_size=14, max_size=14),
       st.integers(0, 700), st.randoms(use_true_random=False))
def test_equal_shares_matches_the_plain_computation(costs, ballots, budget, rng):
    approvals = {pid: ballots[n] for n, pid in enumerate(sorted(costs))}
    order = sorted(costs)
    rng.shuffle(order)
    assert equal_shares(costs, approvals, budget, order=order) == plain_equal_shares(
        costs, approvals, budget, order)


# --- gather_inputs against the objects -------------------------------------------------------

def _random_scene(factory, seed: int):
    """Two communes, proposals in every state (merge chains too), supports and comments."""
    from roadmap.core.models import utcnow
    from roadmap.participation.models import Comment, Vote

    rng = random.Random(seed)
    consultation = factory.consultation("evaluation")
    communes = [factory.commune(population=1_000 * (n + 1)) for n in range(2)]
    people = [factory.user() for _ in range(9)]
    # Some people only write proposals, some only support, some only comment.
    authors, supporters, commenters = people[0:3], people[2:6], people[5:9]
    proposals = []
    for number in range(14):  # the first four are candidates, the others may merge into them
        state = "published" if number < 4 else rng.choice(
            ["published"] * 4 + ["pending", "withdrawn", "rejected", "hidden"])
        workshop = rng.random() < 0.25
        fields = {"status": "published" if state == "hidden" else state,
                  "origin": "workshop" if workshop else "online",
                  "show_of_hands": rng.randint(0, 30) if workshop else None,
                  "estimated_cost_mad": rng.choice([None, 1_000, 50_000])}
        if state == "withdrawn":
            fields["withdrawn_at"] = utcnow()
        if state == "hidden":
            fields.update(hidden_at=utcnow(), hidden_reason="spam", hidden_cause="moderator")
        if number >= 4 and rng.random() < 0.6:
            fields["merged_into_id"] = rng.choice(proposals).id
        proposal = factory.proposal(consultation, rng.choice(communes),
                                    rng.choice(authors + [None]), **fields)
        proposal.axis = rng.choice(list(consultation.axes) + ([None] if number >= 4 else []))
        proposals.append(proposal)
    for proposal in proposals:
        for person in rng.sample(supporters, rng.randint(0, len(supporters))):
            db.session.add(Vote(proposal_id=proposal.id, user_id=person.id))
        for _ in range(rng.randint(0, 3)):
            author = rng.choice(commenters + [None])
            db.session.add(Comment(proposal_id=proposal.id,
                                   author_id=author.id if author else None, body="A comment."))
    db.session.flush()
    return consultation


def _plain_inputs(consultation):
    """Supporters per candidate and participants per commune, from the loaded objects."""
    from roadmap.participation.models import Comment, Vote
    from roadmap.proposals.models import Proposal

    proposals = list(db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == consultation.id)))
    by_id = {p.id: p for p in proposals}

    def root(proposal):
        seen = {proposal.id}
        while proposal.merged_into_id in by_id and proposal.merged_into_id not in seen:
            proposal = by_id[proposal.merged_into_id]
            seen.add(proposal.id)
        return proposal.id

    votes = [v for v in db.session.scalars(select(Vote)) if v.proposal_id in by_id]
    comments = [c for c in db.session.scalars(select(Comment)) if c.proposal_id in by_id]
    candidates = {p.id for p in proposals if p.status == "published" and p.hidden_at is None
                  and p.withdrawn_at is None and p.merged_into_id is None
                  and p.axis_id is not None}
    supporters = {pid: {v.user_id for v in votes if root(by_id[v.proposal_id]) == pid}
                  for pid in candidates}
    hands = {pid: [p.show_of_hands for p in proposals if p.origin == "workshop"
                   and p.show_of_hands is not None and root(p) == pid] for pid in candidates}
    public = {p.id for p in proposals if p.status == "published" and p.hidden_at is None}
    participants: dict[str, set] = {}
    for p in proposals:
        if p.id in public:
            people = participants.setdefault(p.commune.code, set())
            if p.origin == "online" and p.author_id is not None:
                people.add(p.author_id)
    for pid, user_id in [(v.proposal_id, v.user_id) for v in votes] + [
            (c.proposal_id, c.author_id) for c in comments if c.author_id is not None]:
        if pid in public:
            participants[by_id[pid].commune.code].add(user_id)
    return supporters, hands, participants


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gather_inputs_matches_the_loaded_objects(factory, seed):
    consultation = _random_scene(factory, seed)
    supporters, hands, participants = _plain_inputs(consultation)
    communes, proposals = gather_inputs(consultation)
    assert {p.id: set(p.supporters) for p in proposals} == supporters
    assert {p.id: p.workshop_hands for p in proposals} == {
        pid: sum(found) if found else None for pid, found in hands.items()}
    assert {c.code: c.participants for c in communes} == {
        c.code: len(participants.get(c.code, ())) for c in communes}
