"""The consolidation of proposals into a ranked roadmap: pure, deterministic, explainable.

No Flask, no database: :func:`consolidate` takes plain dataclasses and returns a JSON-ready dict;
:func:`canonical_json` makes it byte-identical for identical inputs (floats rounded to 6
decimals, keys sorted, everything iterated in sorted order, input order irrelevant).

How a proposal is scored (documented choices)
---------------------------------------------
Eligibility
    ``ProposalInput.eligible`` (decided by the caller: published, not hidden, not withdrawn, not
    declared ineligible or unfeasible, not merged away). Ineligible proposals are scored for
    the record but never selected and have no rank.
Public support (0-100)
    ``s`` distinct supporters among the ``n`` participants of the proposal's commune (``n`` is
    raised to ``s`` if the caller counted fewer). The rate ``s / n`` is ranked by its Wilson
    lower bound at 95 % (:func:`wilson_lower_bound`), so 2 supporters out of 2 do not beat 40
    out of 60, and a share of a small commune weighs as much as the same share of a large one.
    Online score = 100 x Wilson(s, n).
Workshop evidence
    A show of hands has no identities and the attendance is not recorded, so the hands ``h``
    are read against the commune's participants plus the hands: workshop score =
    100 x Wilson(h, n + h). It is combined with the online score as a weighted mean where
    online evidence weighs 1 and workshop evidence ``workshop_weight`` (default 0.5):
    ``support = (online + ww x workshop) / (1 + ww)``. Without a workshop count the support
    is the online score. Hands never count as Equal Shares voters (no identities).
Official score (0-100)
    Per criterion, the median of the evaluators' scores 1-5 mapped to 0-100
    (``(median - 1) x 25``), weighted by the published criteria weights; criteria nobody
    scored are left out and the weights of the others renormalised (all weights 0: plain
    mean). A criterion whose scores spread over more than 2 points (max - min > 2) flags
    the proposal ("evaluator_disagreement").
    Unevaluated proposals (no score on any weighted criterion): official score ``None``,
    flag "not_evaluated", and the priority falls back to the support score alone.
Priority (0-100)
    ``w x support + (1 - w) x official`` with ``w = support_weight`` (default 0.5).
Ties
    Equal priorities (to 6 decimals) are broken by earlier submission, then by a lottery:
    the lower ``sha256(f"{seed}:{proposal id}")`` wins (the seed is published).
Territorial balance (no budget)
    Each axis has ``slots_per_axis`` slots, shared among the communes that have an eligible
    proposal on the axis by Sainte-Laguë (:func:`sainte_lague`) on population x need (need
    of the axis in [0, 1]; if every weight is 0, population; if that is 0 too, equal weights),
    with a minimum of one slot per such commune and a cap at its number of eligible
    proposals (spare slots go back to the others). When there are fewer slots than such
    communes, the communes whose best proposal ranks highest get one slot each (and nobody
    more). Each commune fills its slots with its best proposals. ``entered_through`` is
    "minimum_slot" for a commune's first proposal when plain Sainte-Laguë (same caps, no
    minimum) would have given that commune nothing, else "commune_share".
Budget (``budget`` set)
    The selection is the Method of Equal Shares (:func:`equal_shares`) over every eligible
    proposal with a cost (proposals without a cost cannot be funded, ``budget.uncosted``),
    voters being the supporters of those proposals, each with an equal share of the budget, utilities proportional to cost (as on
    equalshares.net). Completion: the virtual budget is raised in steps of 1 % of the budget
    (up to twice the budget) while the outcome still fits the real budget; the last fitting
    outcome is kept, then what is left is filled greedily by votes; ``entered_through`` is
    "equal_shares" for what Equal Shares buys with the real budget, "completion" for what the
    raised budget or the greedy fill adds. Prices are floats compared with a relative
    tolerance of 1e-9 (ties then go to the priority order). Plain greedy-by-votes
    (:func:`greedy_by_votes`) is published beside it. The slot allocation is still computed
    and published for comparison; no slot limit applies to the budget selection.
Explanations
    ``displaced``: on each axis, the selected proposals that are not among the axis's top-k
    by priority (k = number selected) are paired, in rank order, with the top-k proposals
    that were left out: each one "displaced" that proposal (and the latter gets
    ``displaced_by``). ``rank_range``: each criterion weight moved by +10 and -10 points
    (clamped at 0), one at a time; the best and worst rank of the proposal in its axis's
    priority order (all eligible proposals of the axis, ``priority_rank``) over the baseline
    and those 2 x k weightings. With a budget, only proposals with a cost can be displaced.
Shares
    Each commune's share of the population (of the communes given) beside its share of the
    selected items and of their cost (``budget_share``, None when no selected item has a cost).
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction

METHOD_VERSION = "roadmap-consolidation/1"
DEFAULT_WEIGHTS: Mapping[str, int] = {"impact": 30, "territorial_need": 25, "feasibility": 20,
                                      "cost_efficiency": 15, "sdg_gender": 10}
Z_95 = 1.959964
DISAGREEMENT = 2          # a spread above this many points on a criterion flags the proposal
WEIGHT_STEP = 10          # the criteria weights move by this much for the rank range
COMPLETION_STEPS = 100    # virtual budget raised by 1 % of the budget, at most this many times
EPSILON = 1e-9            # relative tolerance of Equal Shares' float comparisons


@dataclass(frozen=True)
class CommuneInput:
    """A commune: population, distinct participants, need per axis in [0, 1]."""

    code: str
    population: int
    participants: int
    need: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposalInput:
    """A proposal as the consolidation sees it (the caller pools merged supporters)."""

    id: int
    commune: str
    axis: str
    submitted_at: str
    supporters: frozenset[int] = frozenset()
    workshop_hands: int | None = None
    scores: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    cost: int | None = None
    eligible: bool = True
    ineligible_reason: str | None = None


@dataclass(frozen=True)
class Parameters:
    """The published parameters of a run."""

    support_weight: float = 0.5
    criteria_weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    slots_per_axis: int = 5
    budget: int | None = None
    workshop_weight: float = 0.5
    seed: str = "roadmap"

    def __post_init__(self):
        if not 0 <= self.support_weight <= 1:
            raise ValueError("support_weight must be between 0 and 1")
        if self.slots_per_axis < 0 or self.workshop_weight < 0:
            raise ValueError("slots_per_axis and workshop_weight must not be negative")
        if any(weight < 0 for weight in self.criteria_weights.values()):
            raise ValueError("criteria weights must not be negative")
        if self.budget is not None and self.budget < 0:
            raise ValueError("budget must not be negative")

    def as_dict(self) -> dict:
        """The parameters as published (JSON-ready, sorted)."""
        return {"support_weight": _r(self.support_weight),
                "criteria_weights": {k: self.criteria_weights[k]
                                     for k in sorted(self.criteria_weights)},
                "slots_per_axis": self.slots_per_axis, "budget": self.budget,
                "workshop_weight": _r(self.workshop_weight), "seed": self.seed}


# --- small pure building blocks -------------------------------------------------------------

def _r(value: float | None) -> float | None:
    """Round to 6 decimals (and turn -0.0 into 0.0) so the canonical JSON is stable."""
    return None if value is None else round(float(value), 6) + 0.0


def wilson_lower_bound(successes: int, trials: int, z: float = Z_95) -> float:
    """The lower bound of the Wilson score interval of ``successes / trials`` (0.0 for 0 trials).

    ``(p + z²/2n - z * sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``.
    """
    if trials <= 0:
        return 0.0
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    if successes == 0:  # exactly 0 (the formula's rounding errors left e.g. 3e-18 for n = 69)
        return 0.0
    p, n, z2 = successes / trials, trials, z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


def lottery_ticket(seed: str, proposal_id: int) -> str:
    """The published lottery draw of a proposal: sha256 hex of ``f"{seed}:{id}"``."""
    return hashlib.sha256(f"{seed}:{proposal_id}".encode()).hexdigest()


def _instant(iso: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def sainte_lague(weights: Mapping[str, float], seats: int,
                 minimum: Mapping[str, int] | None = None,
                 caps: Mapping[str, int] | None = None) -> dict[str, int]:
    """Share ``seats`` among ``weights`` by Sainte-Laguë (divisors 1, 3, 5, ...).

    ``minimum`` seats are given first (clamped to the cap); further seats go one at a time to the
    highest quotient ``weight / (2 x seats held + 1)``, ties to the larger weight then the
    smaller key. A party at its ``cap`` gets no more (its spare seats go to the others), so
    fewer than ``seats`` are allocated only when every party is capped. Zero-weight parties
    get seats only once every positive-weight party is capped. Raises ValueError when the
    minimums exceed the seats.
    """
    caps = caps or {}
    held = {key: min((minimum or {}).get(key, 0), caps.get(key, seats)) for key in weights}
    if sum(held.values()) > seats:
        raise ValueError("the minimum seats exceed the seats")
    for _ in range(seats - sum(held.values())):
        open_keys = [key for key in weights if held[key] < caps.get(key, seats)]
        if not open_keys:
            break
        best = min(open_keys, key=lambda key: (-Fraction(weights[key]) / (2 * held[key] + 1),
                                               -Fraction(weights[key]), key))
        held[best] += 1
    return {key: held[key] for key in sorted(held)}


# --- Method of Equal Shares and greedy ------------------------------------------------------

def _order_index(ids: Sequence[int], order: Sequence[int] | None) -> dict[int, int]:
    """Position of each id in the tie-break order (default: increasing id)."""
    ranked = list(order) if order is not None else sorted(ids)
    rest = sorted(set(ids) - set(ranked))
    return {pid: position for position, pid in enumerate(ranked + rest)}


def _max_payment(budgets: list[float], cost: float) -> float | None:
    """The smallest t with sum(min(b, t)) = cost over the supporters' budgets (None: unaffordable).

    Floating point in a fixed order (budgets sorted), with a relative tolerance of
    :data:`EPSILON` on affordability: deterministic, and immune to 3 x (100 / 3) < 100.
    """
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


def _cheaper(rho: float, rank: int, best_rho: float, best_rank: int) -> bool:
    """Whether a price beats the best so far: prices within :data:`EPSILON` tie (rank decides)."""
    if abs(rho - best_rho) <= EPSILON * max(rho, best_rho):
        return rank < best_rank
    return rho < best_rho


def _mes_rounds(costs: Mapping[int, int], approvals: Mapping[int, frozenset[int]],
                per_voter: float, voters: Sequence[int],
                rank: Mapping[int, int]) -> list[int]:
    """Plain Equal Shares with cost utilities: ids in the order they were bought.

    A project's price per unit of utility is ``rho = t / cost`` where ``t`` is the most any
    supporter pays; the lowest ``rho`` is bought (prices within a relative :data:`EPSILON`
    are equal, and ``rank`` decides: with cost utilities, ``rho = 1 / supporters`` ties are
    common). Budgets only fall, so a
    price never drops: the last price computed is a lower bound (lazy evaluation) and an
    unaffordable project stays unaffordable.

    While none of a project's supporters has paid for anything, they all hold ``per_voter``:
    its payment then depends only on its number of supporters and its cost, and is computed
    once per such pair (the first round prices every project).
    """
    budget = dict.fromkeys(voters, per_voter)
    paid: set[int] = set()  # the voters who paid for a project (their budget may have fallen)
    untouched: dict[tuple[int, int], float | None] = {}
    bound: dict[int, float] = {pid: 0.0 for pid in costs}
    chosen: list[int] = []
    while bound:
        best = None
        for pid in sorted(bound, key=lambda pid: (bound[pid], rank[pid])):
            if best is not None and bound[pid] > best[0] * (1 + EPSILON):
                break
            cost = costs[pid]
            supporters = approvals.get(pid, ())
            if cost == 0:
                t = 0.0
            elif paid.isdisjoint(supporters):
                key = (len(supporters), cost)
                if key not in untouched:
                    untouched[key] = _max_payment([per_voter] * len(supporters), float(cost))
                t = untouched[key]
            else:
                t = _max_payment([budget[v] for v in supporters], float(cost))
            if t is None:
                del bound[pid]
                continue
            rho = t / cost if cost else 0.0
            bound[pid] = rho
            if best is None or _cheaper(rho, rank[pid], best[0], rank[best[1]]):
                best = (rho, pid, t)
        if best is None:
            return chosen
        _rho, pid, t = best
        supporters = approvals.get(pid, ())
        for voter in supporters:  # max(0, budget - min(budget, t)), without the calls
            held = budget[voter]
            budget[voter] = held - t if t < held else 0.0
        paid.update(supporters)
        del bound[pid]
        chosen.append(pid)
    return chosen


def greedy_by_votes(costs: Mapping[int, int], approvals: Mapping[int, frozenset[int]],
                    budget: int, *, order: Sequence[int] | None = None,
                    skip: Sequence[int] = (), spent: int = 0) -> list[int]:
    """Greedy selection by number of supporters (ties: ``order``), skipping what no longer fits.

    ``skip`` ids are already chosen and ``spent`` already used (for completing another rule).
    Returns the ids chosen in that order.
    """
    rank = _order_index(list(costs), order)
    chosen: list[int] = []
    for pid in sorted(costs, key=lambda pid: (-len(approvals.get(pid, ())), rank[pid])):
        if pid in skip:
            continue
        if spent + costs[pid] <= budget:
            chosen.append(pid)
            spent += costs[pid]
    return chosen


def equal_shares(costs: Mapping[int, int], approvals: Mapping[int, frozenset[int]],
                 budget: int, *, order: Sequence[int] | None = None,
                 completion: bool = True) -> dict:
    """The Method of Equal Shares (approval ballots, cost utilities).

    ``costs``: {project id: cost}; ``approvals``: {project id: supporter ids}; voters are all
    supporters, each given ``budget / voters``. ``order``: tie-break order of ids (earlier
    wins; default increasing id). With ``completion``, the virtual budget is raised by 1 % of
    the budget at a time (at most :data:`COMPLETION_STEPS` times) while the outcome fits the
    budget, then greedy-by-votes fills the rest. Returns ``{"selected": [ids in the order
    bought], "entered_through": {id: "equal_shares" | "completion"}, "spent": int,
    "virtual_budget": float}`` (the budget Equal Shares last ran with).
    """
    rank = _order_index(list(costs), order)
    voters = sorted({voter for pid in costs for voter in approvals.get(pid, ())})
    virtual = float(budget)
    base = _mes_rounds(costs, approvals, budget / len(voters), voters, rank) if voters else []
    entered = {pid: "equal_shares" for pid in base}
    chosen = list(base)
    buyable = {pid for pid in costs if approvals.get(pid) or costs[pid] == 0}
    if completion and voters and budget > 0 and not buyable <= set(base):
        for step in range(1, COMPLETION_STEPS + 1):
            trial_budget = budget * (100 + step) / 100
            trial = _mes_rounds(costs, approvals, trial_budget / len(voters), voters, rank)
            if sum(costs[pid] for pid in trial) > budget:
                break
            chosen, virtual = trial, trial_budget
            if buyable <= set(trial):
                break
        entered = {pid: "equal_shares" if pid in base else "completion" for pid in chosen}
    if completion:
        spent = sum(costs[pid] for pid in chosen)
        for pid in greedy_by_votes(costs, approvals, budget, order=order, skip=chosen,
                                   spent=spent):
            chosen.append(pid)
            entered[pid] = "completion"
    return {"selected": chosen, "entered_through": entered,
            "spent": sum(costs[pid] for pid in chosen), "virtual_budget": _r(virtual)}


# --- scores ----------------------------------------------------------------------------------

def support_evidence(proposal: ProposalInput, participants: int,
                     workshop_weight: float) -> tuple[dict, dict | None]:
    """The proposal's public support and workshop evidence (module docstring), JSON-ready."""
    supporters = len(proposal.supporters)
    trials = max(participants, supporters)
    wilson = wilson_lower_bound(supporters, trials)
    online = 100 * wilson
    workshop = None
    score = online
    if proposal.workshop_hands is not None:
        hands = proposal.workshop_hands
        hands_wilson = wilson_lower_bound(hands, participants + hands)
        workshop = {"hands": hands, "score": _r(100 * hands_wilson),
                    "trials": participants + hands, "weight": _r(workshop_weight),
                    "wilson_lower": _r(hands_wilson)}
        score = (online + workshop_weight * 100 * hands_wilson) / (1 + workshop_weight)
    support = {"online_score": _r(online), "participants": participants,
               "rate": _r(supporters / trials if trials else 0.0), "score": _r(score),
               "supporters": supporters, "trials": trials, "wilson_lower": _r(wilson)}
    return support, workshop


def _criterion(scores: Mapping[int, int], weight: int) -> dict:
    """One criterion's median (1-5), its 0-100 score, the spread and the weight."""
    if not scores:
        return {"evaluators": 0, "flagged": False, "max": None, "median": None, "min": None,
                "score": None, "spread": None, "weight": weight}
    values = sorted(scores.values())
    if any(not 1 <= value <= 5 for value in values):
        raise ValueError("evaluation scores run from 1 to 5")
    middle = len(values) // 2  # statistics.median, without its overhead
    median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    spread = values[-1] - values[0]
    return {"evaluators": len(values), "flagged": spread > DISAGREEMENT, "max": values[-1],
            "median": _r(median), "min": values[0], "score": _r((median - 1) * 25),
            "spread": spread, "weight": weight}


def official_score(proposal: ProposalInput, weights: Mapping[str, int]) -> dict:
    """The official score (0-100 or None) from the criteria medians and weights, JSON-ready."""
    return _official(proposal.scores, weights, sorted(weights))


def _official(scores: Mapping[str, Mapping[int, int]], weights: Mapping[str, int],
              codes: Sequence[str]) -> dict:
    """:func:`official_score` with the criteria codes already sorted (once per run)."""
    criteria = {code: _criterion(scores.get(code, {}), weights[code]) for code in codes}
    if not scores:  # nobody scored this proposal: what the general case gives, sooner
        return {"criteria": criteria, "evaluated": False, "flagged": False,
                "flagged_criteria": [], "score": None}
    scored = {code: c for code, c in criteria.items() if c["score"] is not None}
    total = sum(c["weight"] for c in scored.values())
    if not scored:
        score = None
    elif total == 0:
        score = sum(c["score"] for c in scored.values()) / len(scored)
    else:
        score = sum(c["score"] * c["weight"] for c in scored.values()) / total
    flagged = sorted(code for code, c in criteria.items() if c["flagged"])
    return {"criteria": criteria, "evaluated": bool(scored), "flagged": bool(flagged),
            "flagged_criteria": flagged, "score": _r(score)}


def _combine(scored: Sequence[tuple[str, float]], weights: Mapping[str, int]) -> float | None:
    """The official score from (criterion, 0-100 score) pairs under ``weights`` (6 decimals)."""
    if not scored:
        return None
    total = sum(weights[code] for code, _ in scored)
    if total == 0:
        return _r(sum(score for _, score in scored) / len(scored))
    return _r(sum(score * weights[code] for code, score in scored) / total)


def priority_of(support: float, official: float | None, support_weight: float) -> float:
    """``w x support + (1 - w) x official``; the support alone when not evaluated (6 decimals)."""
    if official is None:
        return _r(support)
    return _r(support_weight * support + (1 - support_weight) * official)


def _priorities(proposals: Sequence[ProposalInput], supports: Mapping[int, float],
                weights: Mapping[str, int], support_weight: float) -> dict[int, float]:
    """Every proposal's priority under the given criteria weights."""
    return {p.id: priority_of(supports[p.id], official_score(p, weights)["score"],
                              support_weight) for p in proposals}


# --- ordering --------------------------------------------------------------------------------

def _ranker(proposals: Sequence[ProposalInput], instants: Mapping[int, datetime],
            tickets: Mapping[int, str]):
    """An ordering function ``order(ids, priorities)``: priority desc, earlier submission,
    lottery ticket, id.

    The tie-break order (submission, ticket, id) is computed once; each ordering is then a
    stable sort on the priority alone (``reverse=True`` keeps equal priorities in tie-break
    order), which gives the same order as sorting on the whole key.
    """
    # Stable sorts from the least significant key: the order of (instant, ticket, id).
    tie = sorted(sorted(sorted(p.id for p in proposals), key=tickets.__getitem__),
                 key=instants.__getitem__)
    position = {pid: index for index, pid in enumerate(tie)}

    def order(ids: Iterable[int], priorities: Mapping[int, float]) -> list[int]:
        return sorted(sorted(ids, key=position.__getitem__), key=priorities.__getitem__,
                      reverse=True)
    return order


def _tie_breaks(axis_ids: Sequence[int], priorities: Mapping[int, float],
                instants: Mapping[int, datetime]) -> dict[int, str | None]:
    """How each proposal's place among equal priorities was decided (or None: no tie).

    Linear in the number of proposals: proposals are grouped by priority first.
    """
    groups: dict[float, list[int]] = {}
    for pid in axis_ids:
        groups.setdefault(priorities[pid], []).append(pid)
    result: dict[int, str | None] = {}
    for members in groups.values():
        if len(members) == 1:
            result[members[0]] = None
            continue
        moments = Counter(instants[pid] for pid in members)
        for pid in members:
            if moments[instants[pid]] > 1:
                result[pid] = "lottery"
            else:
                result[pid] = "earlier_submission"
    return {pid: result[pid] for pid in axis_ids}


# --- territorial balance ---------------------------------------------------------------------

def _weights(codes: Sequence[str], communes: Mapping[str, CommuneInput],
             axis: str) -> dict[str, float]:
    """Population x need of each commune on the axis, with the documented fallbacks."""
    def population(code):
        return communes[code].population if code in communes else 0
    weights = {code: population(code) * float(communes[code].need.get(axis, 0.0))
               if code in communes else 0.0 for code in codes}
    if not any(weights.values()):
        weights = {code: float(population(code)) for code in codes}
    if not any(weights.values()):
        weights = {code: 1.0 for code in codes}
    return {code: _r(weights[code]) for code in sorted(weights)}


def allocate_axis(by_commune: Mapping[str, Sequence[int]], communes: Mapping[str, CommuneInput],
                  axis: str, slots: int) -> tuple[dict[str, int], set[str], dict[str, float]]:
    """Slots per commune on one axis, the communes that got a slot by the minimum rule, weights.

    ``by_commune``: {commune: its eligible proposal ids of the axis, best first}, in the order
    of each commune's best proposal (best first).
    """
    codes = list(by_commune)
    weights = _weights(codes, communes, axis)
    caps = {code: len(ids) for code, ids in by_commune.items()}
    if slots < len(codes):
        allocation = {code: int(codes.index(code) < slots) for code in sorted(codes)}
        return allocation, {code for code, n in allocation.items() if n}, weights
    allocation = sainte_lague(weights, slots, {code: 1 for code in codes}, caps)
    plain = sainte_lague(weights, slots, None, caps)
    minimum = {code for code in codes if plain[code] == 0 and allocation[code] > 0}
    return allocation, minimum, weights


def _displacements(selected: Sequence[int], ordered: Sequence[int]) -> dict[int, int]:
    """{intruder: displaced}: selected ids outside the top-k paired with top-k ids left out."""
    top = ordered[:len(selected)]
    chosen, in_top = set(selected), set(top)
    intruders = [pid for pid in ordered if pid in chosen and pid not in in_top]
    left_out = [pid for pid in top if pid not in chosen]
    return dict(zip(intruders, left_out))


# --- the run ---------------------------------------------------------------------------------

def _score_entries(communes: Mapping[str, CommuneInput], proposals: Sequence[ProposalInput],
                   params: Parameters, tickets: Mapping[int, str]) -> dict[int, dict]:
    """Each proposal's explanation before selection: support, workshop, official, priority."""
    entries = {}
    codes = sorted(params.criteria_weights)
    for p in proposals:
        participants = communes[p.commune].participants if p.commune in communes else 0
        support, workshop = support_evidence(p, participants, params.workshop_weight)
        official = _official(p.scores, params.criteria_weights, codes)
        flags = (["evaluator_disagreement"] if official["flagged"] else []) + \
            ([] if official["evaluated"] else ["not_evaluated"])
        entries[p.id] = {  # keys in sorted order: the canonical JSON then sorts nothing
            "axis": p.axis, "axis_rank": None, "commune": p.commune, "cost": p.cost,
            "displaced": None, "displaced_by": None, "eligible": p.eligible,
            "entered_through": None, "flags": flags, "id": p.id,
            "ineligible_reason": p.ineligible_reason, "lottery": tickets[p.id],
            "official": official,
            "priority": priority_of(support["score"], official["score"], params.support_weight),
            "priority_rank": None, "rank_range": None, "selected": False,
            "submitted_at": p.submitted_at, "support": support, "tie_break": None,
            "workshop": workshop}
    return entries


def _axis_orders(eligible: Sequence[ProposalInput], priorities: Mapping[int, float],
                 order) -> dict[str, list[int]]:
    """{axis: its eligible proposal ids in priority order (ties broken)}."""
    axes: dict[str, list[int]] = {}
    for p in eligible:
        axes.setdefault(p.axis, []).append(p.id)
    return {axis: order(ids, priorities) for axis, ids in sorted(axes.items())}


def _slot_selection(orders: Mapping[str, list[int]], by_id: Mapping[int, ProposalInput],
                    communes: Mapping[str, CommuneInput], slots: int) -> tuple[dict, dict]:
    """The slot allocation per axis and {selected id: how it entered}."""
    axes, entered = {}, {}
    for axis, ids in orders.items():
        by_commune: dict[str, list[int]] = {}
        for pid in ids:
            by_commune.setdefault(by_id[pid].commune, []).append(pid)
        allocation, minimum, weights = allocate_axis(by_commune, communes, axis, slots)
        for code, count in allocation.items():
            for position, pid in enumerate(by_commune[code][:count]):
                first_by_minimum = position == 0 and code in minimum
                entered[pid] = "minimum_slot" if first_by_minimum else "commune_share"
        axes[axis] = {"slots": slots, "allocation": allocation, "weights": weights,
                      "minimum_slot": sorted(minimum)}
    return axes, entered


def _budget_selection(eligible: Sequence[ProposalInput], order: Sequence[int],
                      budget: int) -> tuple[dict, dict]:
    """Equal Shares with completion and plain greedy over the eligible costed proposals."""
    costs = {p.id: p.cost for p in eligible if p.cost is not None}
    approvals = {p.id: p.supporters for p in eligible if p.cost is not None}
    ranked = [pid for pid in order if pid in costs]
    mes = equal_shares(costs, approvals, budget, order=ranked)
    greedy = greedy_by_votes(costs, approvals, budget, order=ranked)
    voters = {voter for pid in costs for voter in approvals[pid]}
    summary = {"budget": budget, "equal_shares": mes["selected"], "greedy": greedy,
               "spent": mes["spent"], "greedy_spent": sum(costs[pid] for pid in greedy),
               "virtual_budget": mes["virtual_budget"], "voters": len(voters),
               "uncosted": sorted(p.id for p in eligible if p.cost is None)}
    return summary, mes["entered_through"]


def _rank_ranges(eligible: Sequence[ProposalInput], entries: Mapping[int, dict],
                 params: Parameters, order) -> dict[int, list[int]]:
    """[best, worst] axis priority rank of each eligible proposal over the weight moves.

    Moving one criterion's weight only moves the priority of the proposals scored on that
    criterion (the others keep their baseline priority, to the bit), so each weighting
    recomputes those proposals alone and re-ranks only the axes they are on; a weighting equal
    to the baseline (a weight of 0 moved down) changes nothing.
    """
    supports = {p.id: entries[p.id]["support"]["score"] for p in eligible}
    baseline = {p.id: entries[p.id]["priority"] for p in eligible}
    # The criteria's 0-100 scores do not depend on the weights: take them from the baseline
    # and only recombine them (the same arithmetic as official_score, in the same order).
    criteria: dict[int, list[tuple[str, float]]] = {}
    scored_on: dict[str, list[int]] = {}
    for p in eligible:
        scored = [(code, c["score"]) for code, c in entries[p.id]["official"]["criteria"]
                  .items() if c["score"] is not None]
        if scored:
            criteria[p.id] = scored
            for code, _score in scored:
                scored_on.setdefault(code, []).append(p.id)
    orders = _axis_orders(eligible, baseline, order)
    lows = {axis: list(range(1, len(ids) + 1)) for axis, ids in orders.items()}
    highs = {axis: list(ranks) for axis, ranks in lows.items()}
    weights = params.criteria_weights
    for code in sorted(weights):
        moving = scored_on.get(code, [])
        axes = sorted({entries[pid]["axis"] for pid in moving})
        for delta in (WEIGHT_STEP, -WEIGHT_STEP):
            moved = dict(weights)
            moved[code] = max(0, moved[code] + delta)
            if not moving or moved[code] == weights[code]:
                continue
            priorities = dict(baseline)
            for pid in moving:
                priorities[pid] = priority_of(supports[pid], _combine(criteria[pid], moved),
                                              params.support_weight)
            for axis in axes:
                ids = orders[axis]
                rank_of = dict(zip(order(ids, priorities), range(1, len(ids) + 1)))
                ranks = list(map(rank_of.__getitem__, ids))
                lows[axis] = list(map(min, lows[axis], ranks))
                highs[axis] = list(map(max, highs[axis], ranks))
    return {pid: [low, high] for axis, ids in orders.items()
            for pid, low, high in zip(ids, lows[axis], highs[axis])}


def _shares(communes: Mapping[str, CommuneInput], entries: Mapping[int, dict]) -> dict:
    """Each commune's share of population beside its share of selected items and of their cost."""
    selected = [e for e in entries.values() if e["selected"]]
    codes = sorted(set(communes) | {e["commune"] for e in selected})
    population = sum(c.population for c in communes.values())
    cost = sum(e["cost"] or 0 for e in selected)
    shares = {}
    for code in codes:
        mine = [e for e in selected if e["commune"] == code]
        mine_cost = sum(e["cost"] or 0 for e in mine)
        pop = communes[code].population if code in communes else 0
        shares[code] = {
            "population": pop, "items": len(mine), "cost": mine_cost,
            "population_share": _r(pop / population) if population else None,
            "items_share": _r(len(mine) / len(selected)) if selected else None,
            "budget_share": _r(mine_cost / cost) if cost else None}
    return shares


def _finish_axis(axis_out: dict, ids: Sequence[int], entered: Mapping[int, str],
                 entries: Mapping[int, dict], by_id: Mapping[int, ProposalInput],
                 instants: Mapping[int, datetime], budget_mode: bool) -> None:
    """Fill the axis's selection and its proposals' ranks, entries, displacements, ties.

    With a budget only proposals with a cost can be displaced (the others could not be funded).
    """
    priorities = {pid: entries[pid]["priority"] for pid in ids}
    selected = [pid for pid in ids if pid in entered]
    axis_out["selected"] = selected
    for rank, pid in enumerate(ids, start=1):
        entries[pid]["priority_rank"] = rank
    for rank, pid in enumerate(selected, start=1):
        entries[pid].update(selected=True, axis_rank=rank, entered_through=entered[pid])
    candidates = [pid for pid in ids if not budget_mode or by_id[pid].cost is not None]
    for intruder, displaced in _displacements(selected, candidates).items():
        entries[intruder]["displaced"] = displaced
        entries[displaced]["displaced_by"] = intruder
    for pid, how in _tie_breaks(ids, priorities, instants).items():
        entries[pid]["tie_break"] = how


def consolidate(communes: Sequence[CommuneInput], proposals: Sequence[ProposalInput],
                params: Parameters) -> dict:
    """Score, rank and select the proposals; the JSON-ready result with every explanation."""
    by_code = {c.code: c for c in sorted(communes, key=lambda c: c.code)}
    by_id = {p.id: p for p in sorted(proposals, key=lambda p: p.id)}
    if len(by_code) != len(communes) or len(by_id) != len(proposals):
        raise ValueError("duplicate commune codes or proposal ids")
    ordered = list(by_id.values())
    tickets = {p.id: lottery_ticket(params.seed, p.id) for p in ordered}
    instants = {p.id: _instant(p.submitted_at) for p in ordered}
    entries = _score_entries(by_code, ordered, params, tickets)
    eligible = [p for p in ordered if p.eligible]
    order = _ranker(ordered, instants, tickets)
    priorities = {p.id: entries[p.id]["priority"] for p in eligible}
    orders = _axis_orders(eligible, priorities, order)
    axes, entered = _slot_selection(orders, by_id, by_code, params.slots_per_axis)
    budget = None
    if params.budget is not None:
        everyone = order(priorities, priorities)
        budget, entered = _budget_selection(eligible, everyone, params.budget)
    for axis, ids in orders.items():
        _finish_axis(axes[axis], ids, entered, entries, by_id, instants, budget is not None)
    for pid, bounds in _rank_ranges(eligible, entries, params, order).items():
        entries[pid]["rank_range"] = bounds
    return {"method_version": METHOD_VERSION, "inputs_hash": inputs_hash(communes, proposals,
                                                                         params),
            "seed": params.seed, "parameters": params.as_dict(),
            "mode": "budget" if budget is not None else "slots",
            "proposals": {str(pid): entries[pid] for pid in by_id},
            "axes": axes, "budget": budget, "shares": _shares(by_code, entries)}


# --- canonical form --------------------------------------------------------------------------

def canonical_json(result: dict) -> str:
    """The byte-stable JSON text of a result (or of any JSON-ready value)."""
    # A result is a tree (no value is reached twice): the circular-reference check is skipped.
    return json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, check_circular=False)


def canonical_inputs(communes: Sequence[CommuneInput], proposals: Sequence[ProposalInput],
                     params: Parameters) -> dict:
    """The inputs of a run as a JSON-ready dict, sorted (what :func:`inputs_hash` hashes)."""
    return {
        "communes": [{"code": c.code, "population": c.population,
                      "participants": c.participants,
                      "need": {axis: _r(c.need[axis]) for axis in sorted(c.need)}}
                     for c in sorted(communes, key=lambda c: c.code)],
        "proposals": [{"axis": p.axis, "commune": p.commune, "cost": p.cost,
                       "eligible": p.eligible, "id": p.id,
                       "ineligible_reason": p.ineligible_reason,
                       "scores": {code: {str(e): score for e, score in by.items()}
                                  for code, by in p.scores.items()},
                       "submitted_at": p.submitted_at, "supporters": sorted(p.supporters),
                       "workshop_hands": p.workshop_hands}
                      for p in sorted(proposals, key=lambda p: p.id)],
        "parameters": params.as_dict(), "method_version": METHOD_VERSION}


def inputs_hash(communes: Sequence[CommuneInput], proposals: Sequence[ProposalInput],
                params: Parameters) -> str:
    """sha256 hex of the canonical JSON of the inputs."""
    text = canonical_json(canonical_inputs(communes, proposals, params))
    return hashlib.sha256(text.encode()).hexdigest()
