"""Table-driven tests of the pure consolidation (roadmap.ranking.scoring)."""
import json
import random

import pytest

from roadmap.ranking.scoring import (
    METHOD_VERSION, CommuneInput, Parameters, ProposalInput, canonical_json, consolidate,
    equal_shares, greedy_by_votes, inputs_hash, lottery_ticket, official_score, sainte_lague,
    wilson_lower_bound)

T0 = "2026-03-01T10:00:00+00:00"


def proposal(pid, commune="A", axis="water", supporters=(), submitted_at=T0, **kwargs):
    """A proposal input with sensible defaults."""
    return ProposalInput(id=pid, commune=commune, axis=axis, submitted_at=submitted_at,
                         supporters=frozenset(supporters), **kwargs)


# --- Wilson ----------------------------------------------------------------------------------

@pytest.mark.parametrize("successes, trials, expected", [
    (0, 0, 0.0),
    (0, 10, 0.0),
    # p = 1, n = 1: (1 + z²/2 - z·z/2) / (1 + z²) = 1 / (1 + 3.841459) = 0.206549
    (1, 1, 0.206549311791802741),
    (5, 10, 0.236593089011479371),
    (50, 100, 0.403831529635492971),
    (9, 10, 0.595849970475227831),
])
def test_wilson_lower_bound_matches_hand_values(successes, trials, expected):
    assert wilson_lower_bound(successes, trials) == pytest.approx(expected, abs=1e-6)


def test_wilson_small_samples_do_not_win():
    assert wilson_lower_bound(2, 2) < wilson_lower_bound(40, 60)
    assert wilson_lower_bound(1, 1) < wilson_lower_bound(5, 10)


def test_wilson_rejects_more_successes_than_trials():
    with pytest.raises(ValueError):
        wilson_lower_bound(3, 2)


# --- Sainte-Laguë ----------------------------------------------------------------------------

@pytest.mark.parametrize("weights, seats, minimum, caps, expected", [
    # textbook: 53 / 24 / 23 with 7 seats (quotients 53, 24, 23, 17.7, 10.6, 8, 7.7)
    ({"A": 53, "B": 24, "C": 23}, 7, None, None, {"A": 3, "B": 2, "C": 2}),
    ({"A": 53, "B": 24, "C": 23}, 0, None, None, {"A": 0, "B": 0, "C": 0}),
    # plain: C gets nothing; with the minimum rule it gets one and A one less
    ({"A": 60, "B": 30, "C": 10}, 3, None, None, {"A": 2, "B": 1, "C": 0}),
    ({"A": 60, "B": 30, "C": 10}, 3, {"A": 1, "B": 1, "C": 1}, None, {"A": 1, "B": 1, "C": 1}),
    ({"A": 60, "B": 30, "C": 10}, 5, {"A": 1, "B": 1, "C": 1}, None, {"A": 3, "B": 1, "C": 1}),
    # A is capped at 1: its spare seats go to the others
    ({"A": 60, "B": 30, "C": 10}, 5, None, {"A": 1}, {"A": 1, "B": 3, "C": 1}),
    # everybody capped: fewer seats than asked are allocated
    ({"A": 5, "B": 5}, 6, None, {"A": 1, "B": 2}, {"A": 1, "B": 2}),
    # zero weight gets seats only once positive weights are capped
    ({"A": 0, "B": 1}, 2, None, {"B": 1}, {"A": 1, "B": 1}),
    # equal quotients: the smaller key
    ({"B": 1, "A": 1}, 1, None, None, {"A": 1, "B": 0}),
])
def test_sainte_lague(weights, seats, minimum, caps, expected):
    assert sainte_lague(weights, seats, minimum, caps) == expected


def test_sainte_lague_rejects_minimums_above_the_seats():
    with pytest.raises(ValueError):
        sainte_lague({"A": 1, "B": 1}, 1, {"A": 1, "B": 1})


# --- Equal Shares ----------------------------------------------------------------------------

# Budget 400, 4 voters (100 each). Voters 1-3 approve A (200) and B (200); voter 4 approves
# C (100). Round 1: A and B cost each supporter 66.67 (rho = 1/3), C costs voter 4 100
# (rho = 1): A (smaller id). Voters 1-3 keep 33.33 each (100 < 200: B unaffordable); C is
# bought with voter 4's 100. Greedy by votes buys A and B (3 votes each) and C no longer fits.
HAND_COSTS = {1: 200, 2: 200, 3: 100}
HAND_APPROVALS = {1: frozenset({1, 2, 3}), 2: frozenset({1, 2, 3}), 3: frozenset({4})}


def test_equal_shares_hand_computed():
    plain = equal_shares(HAND_COSTS, HAND_APPROVALS, 400, completion=False)
    assert plain["selected"] == [1, 3]
    assert plain["spent"] == 300
    assert plain["entered_through"] == {1: "equal_shares", 3: "equal_shares"}


def test_greedy_by_votes_hand_computed():
    assert greedy_by_votes(HAND_COSTS, HAND_APPROVALS, 400) == [1, 2]


def test_equal_shares_completion_raises_the_budget_then_fills_greedily():
    # Budget 300 (75 each): A (200, voters 1-3) is bought; C (100, voter 4) is not
    # (75 < 100). Raising the virtual budget to 400 lets voter 4 afford C (300 <= 300 spent).
    costs = {1: 200, 2: 150, 3: 100}
    approvals = {1: frozenset({1, 2, 3}), 2: frozenset({3, 4}), 3: frozenset({4})}
    assert equal_shares(costs, approvals, 300, completion=False)["selected"] == [1]
    result = equal_shares(costs, approvals, 300)
    assert result["selected"] == [1, 3]
    assert result["entered_through"] == {1: "equal_shares", 3: "completion"}
    assert result["spent"] == 300


def test_equal_shares_greedy_completion_uses_the_leftover():
    # Nobody supports project 2, so Equal Shares never buys it; greedy completion does.
    costs = {1: 100, 2: 50}
    approvals = {1: frozenset({1}), 2: frozenset()}
    result = equal_shares(costs, approvals, 200)
    assert result["selected"] == [1, 2]
    assert result["entered_through"] == {1: "equal_shares", 2: "completion"}


def _pabutools_mes(costs, approvals, budget):
    pabutools = pytest.importorskip("pabutools")
    from pabutools.election import (ApprovalBallot, ApprovalProfile, Cost_Sat, Instance,
                                    Project)
    from pabutools.rules import method_of_equal_shares
    assert pabutools
    projects = {pid: Project(str(pid), cost) for pid, cost in costs.items()}
    voters = sorted({v for ids in approvals.values() for v in ids})
    ballots = [ApprovalBallot([projects[pid] for pid in sorted(costs) if v in approvals[pid]])
               for v in voters]
    chosen = method_of_equal_shares(Instance(projects.values(), budget_limit=budget),
                                    ApprovalProfile(ballots), sat_class=Cost_Sat)
    return sorted(int(project.name) for project in chosen)


@pytest.mark.parametrize("seed", range(40))
def test_equal_shares_agrees_with_pabutools(seed):
    rng = random.Random(seed)
    count = rng.randint(3, 7)
    costs = {pid: rng.choice(range(10, 400, 7)) + pid for pid in range(1, count + 1)}
    approvals = {pid: frozenset(v for v in range(1, 9) if rng.random() < 0.45)
                 for pid in costs}
    budget = rng.randint(200, 900)
    ours = equal_shares(costs, approvals, budget, completion=False)["selected"]
    assert sorted(ours) == _pabutools_mes(costs, approvals, budget)


def test_equal_shares_hand_instance_agrees_with_pabutools():
    assert _pabutools_mes(HAND_COSTS, HAND_APPROVALS, 400) == [1, 3]


# --- official score --------------------------------------------------------------------------

@pytest.mark.parametrize("scores, expected, flagged, evaluated", [
    # medians 4 (75) and 2 (25) weighted 30 / 20 -> (75·30 + 25·20) / 50 = 55
    ({"impact": {1: 3, 2: 4, 3: 5}, "feasibility": {1: 2, 2: 2}}, 55.0, [], True),
    # even count: median 2.5 -> 37.5; spread 3 > 2 flags
    ({"impact": {1: 1, 2: 4}}, 37.5, ["impact"], True),
    # spread exactly 2 does not flag
    ({"impact": {1: 3, 2: 5}}, 75.0, [], True),
    ({}, None, [], False),
    # a criterion that is not published is ignored
    ({"beauty": {1: 5}}, None, [], False),
])
def test_official_score(scores, expected, flagged, evaluated):
    result = official_score(proposal(1, scores=scores), {"impact": 30, "feasibility": 20})
    assert result["score"] == expected
    assert result["flagged_criteria"] == flagged
    assert result["flagged"] is bool(flagged)
    assert result["evaluated"] is evaluated


def test_official_score_with_all_weights_zero_is_the_plain_mean():
    result = official_score(proposal(1, scores={"a": {1: 5}, "b": {1: 1}}), {"a": 0, "b": 0})
    assert result["score"] == 50.0


# --- consolidate -----------------------------------------------------------------------------

COMMUNES = [CommuneInput("A", 9000, 100, {"water": 0.5, "employment": 1.0}),
            CommuneInput("B", 1000, 10, {"water": 1.0, "employment": 0.0}),
            CommuneInput("C", 3000, 50, {"water": 0.0, "employment": 0.2})]


def test_priority_combines_support_and_official_score():
    p = proposal(1, supporters=range(50), scores={"impact": {1: 5}})
    result = consolidate(COMMUNES, [p], Parameters(criteria_weights={"impact": 1}))
    entry = result["proposals"]["1"]
    wilson = wilson_lower_bound(50, 100)
    assert entry["support"]["rate"] == 0.5
    assert entry["support"]["wilson_lower"] == pytest.approx(wilson, abs=1e-6)
    assert entry["official"]["score"] == 100.0
    assert entry["priority"] == pytest.approx(0.5 * 100 * wilson + 50, abs=1e-6)


def test_unevaluated_priority_falls_back_to_support():
    result = consolidate(COMMUNES, [proposal(1, supporters=range(50))], Parameters())
    entry = result["proposals"]["1"]
    assert entry["official"]["score"] is None
    assert entry["flags"] == ["not_evaluated"]
    assert entry["priority"] == entry["support"]["score"]


def test_workshop_hands_are_separately_weighted_evidence():
    p = proposal(1, supporters=range(10), workshop_hands=30)
    entry = consolidate(COMMUNES, [p], Parameters(workshop_weight=0.5))["proposals"]["1"]
    online = 100 * wilson_lower_bound(10, 100)
    workshop = 100 * wilson_lower_bound(30, 130)
    assert entry["workshop"]["trials"] == 130
    assert entry["workshop"]["score"] == pytest.approx(workshop, abs=1e-6)
    assert entry["support"]["score"] == pytest.approx((online + 0.5 * workshop) / 1.5, abs=1e-6)


def test_supporters_beyond_the_counted_participants_raise_the_trials():
    entry = consolidate(COMMUNES, [proposal(1, commune="B", supporters=range(15))],
                        Parameters())["proposals"]["1"]
    assert entry["support"]["trials"] == 15
    assert entry["support"]["rate"] == 1.0


def test_ineligible_proposals_are_scored_but_never_selected():
    ps = [proposal(1, supporters=range(90), eligible=False, ineligible_reason="Out of scope"),
          proposal(2, supporters=range(1))]
    result = consolidate(COMMUNES, ps, Parameters())
    assert result["proposals"]["1"]["selected"] is False
    assert result["proposals"]["1"]["ineligible_reason"] == "Out of scope"
    assert result["proposals"]["1"]["rank_range"] is None
    assert result["axes"]["water"]["selected"] == [2]


def _water_proposals():
    """A has 4 strong water proposals, B one weak, C two middling."""
    return ([proposal(i, "A", supporters=range(60 + i)) for i in range(1, 5)]
            + [proposal(5, "B", supporters=range(1))]
            + [proposal(6, "C", supporters=range(20)), proposal(7, "C", supporters=range(19))])


def test_slots_are_shared_by_population_times_need_with_a_minimum():
    result = consolidate(COMMUNES, _water_proposals(), Parameters(slots_per_axis=4))
    axis = result["axes"]["water"]
    # weights A 4500, B 1000, C 0: every commune with a proposal gets one slot, A the extra;
    # plain Sainte-Laguë (quotients 4500, 1500, 1000, 900) would give C nothing
    assert axis["allocation"] == {"A": 2, "B": 1, "C": 1}
    assert axis["selected"] == [4, 3, 6, 5]
    entries = result["proposals"]
    assert entries["4"]["entered_through"] == "commune_share"
    assert entries["5"]["entered_through"] == "commune_share"
    assert entries["6"]["entered_through"] == "minimum_slot"
    assert [entries[str(i)]["axis_rank"] for i in (4, 3, 6, 5)] == [1, 2, 3, 4]
    # the axis's top 4 by priority is 4, 3, 2, 1: 6 displaced 2 and 5 displaced 1
    assert entries["6"]["displaced"] == 2 and entries["2"]["displaced_by"] == 6
    assert entries["5"]["displaced"] == 1 and entries["1"]["displaced_by"] == 5
    assert entries["4"]["displaced"] is None


def test_fewer_slots_than_communes_go_to_the_best_proposals():
    result = consolidate(COMMUNES, _water_proposals(), Parameters(slots_per_axis=2))
    assert result["axes"]["water"]["allocation"] == {"A": 1, "B": 0, "C": 1}
    assert result["axes"]["water"]["selected"] == [4, 6]


def test_a_commune_with_few_proposals_gives_its_slots_back():
    ps = [proposal(1, "B", supporters=range(5))] + \
         [proposal(i, "A", supporters=range(i)) for i in range(2, 6)]
    communes = [CommuneInput("A", 10, 100, {"water": 0.1}),
                CommuneInput("B", 10000, 100, {"water": 1.0})]
    axis = consolidate(communes, ps, Parameters(slots_per_axis=4))["axes"]["water"]
    assert axis["allocation"] == {"A": 3, "B": 1}


def test_ties_broken_by_earlier_submission_then_lottery():
    ps = [proposal(1, submitted_at="2026-03-02T00:00:00Z"),
          proposal(2, submitted_at="2026-03-01T00:00:00Z"),
          proposal(3, submitted_at="2026-03-02T00:00:00+00:00"),
          proposal(4, supporters=range(5))]
    result = consolidate(COMMUNES, ps, Parameters(slots_per_axis=4, seed="s"))
    lottery_first = min((1, 3), key=lambda pid: lottery_ticket("s", pid))
    lottery_second = 4 - lottery_first
    assert result["axes"]["water"]["selected"] == [4, 2, lottery_first, lottery_second]
    entries = result["proposals"]
    assert entries["2"]["tie_break"] == "earlier_submission"
    assert entries["1"]["tie_break"] == entries["3"]["tie_break"] == "lottery"
    assert entries["4"]["tie_break"] is None


def test_lottery_ticket_is_sha256_of_seed_and_id():
    import hashlib
    assert lottery_ticket("roadmap", 7) == hashlib.sha256(b"roadmap:7").hexdigest()


def test_rank_range_moves_with_the_criteria_weights():
    weights = {"impact": 50, "feasibility": 50}
    ps = [proposal(1, scores={"impact": {1: 5}, "feasibility": {1: 1}}),
          proposal(2, scores={"impact": {1: 1}, "feasibility": {1: 5}}),
          proposal(3, scores={"impact": {1: 1}, "feasibility": {1: 1}})]
    entries = consolidate(COMMUNES, ps, Parameters(criteria_weights=weights))["proposals"]
    # at 50/50 the two tie (1 before 2 by lottery or not); any move of 10 splits them
    assert entries["1"]["rank_range"] == [1, 2]
    assert entries["2"]["rank_range"] == [1, 2]
    assert entries["3"]["rank_range"] == [3, 3]


def test_budget_mode_selects_by_equal_shares_and_publishes_greedy():
    ps = [proposal(1, "A", supporters={1, 2, 3}, cost=200),
          proposal(2, "A", supporters={1, 2, 3}, cost=200),
          proposal(3, "B", supporters={4}, cost=100),
          proposal(4, "B", supporters={4}, cost=None)]
    result = consolidate(COMMUNES, ps, Parameters(budget=400))
    assert result["mode"] == "budget"
    assert result["budget"]["equal_shares"] == [1, 3]
    assert result["budget"]["greedy"] == [1, 2]
    assert result["budget"]["spent"] == 300
    assert result["budget"]["uncosted"] == [4]
    assert sorted(result["axes"]["water"]["selected"]) == [1, 3]
    assert result["proposals"]["3"]["entered_through"] == "equal_shares"
    assert result["shares"]["B"]["budget_share"] == pytest.approx(1 / 3, abs=1e-6)


def test_shares_set_population_beside_items():
    result = consolidate(COMMUNES, _water_proposals(), Parameters(slots_per_axis=4))
    shares = result["shares"]
    assert shares["A"]["population_share"] == pytest.approx(9000 / 13000, abs=1e-6)
    assert shares["A"]["items_share"] == 0.5
    assert shares["B"]["items_share"] == 0.25
    assert shares["A"]["budget_share"] is None


def test_run_metadata():
    params = Parameters(seed="published")
    result = consolidate(COMMUNES, _water_proposals(), params)
    assert result["method_version"] == METHOD_VERSION
    assert result["seed"] == "published"
    assert result["inputs_hash"] == inputs_hash(COMMUNES, _water_proposals(), params)
    assert result["parameters"]["criteria_weights"]["impact"] == 30
    other = inputs_hash(COMMUNES, _water_proposals(), Parameters(seed="other"))
    assert other != result["inputs_hash"]


@pytest.mark.parametrize("params", [
    dict(support_weight=1.5), dict(slots_per_axis=-1), dict(criteria_weights={"a": -1}),
    dict(budget=-5), dict(workshop_weight=-0.1)])
def test_parameters_are_validated(params):
    with pytest.raises(ValueError):
        Parameters(**params)


# --- determinism -----------------------------------------------------------------------------

def _mixed_inputs():
    ps = _water_proposals() + [
        proposal(8, "C", "employment", supporters=range(3), workshop_hands=12,
                 scores={"impact": {7: 4, 8: 1}, "feasibility": {7: 3}}, cost=500),
        proposal(9, "A", "employment", supporters=range(3),
                 scores={"impact": {7: 4, 8: 2}}, cost=700),
        proposal(10, "B", "employment", eligible=False, ineligible_reason="Duplicate")]
    return COMMUNES, ps


@pytest.mark.parametrize("budget", [None, 1000])
def test_reruns_are_byte_identical(budget):
    communes, ps = _mixed_inputs()
    params = Parameters(budget=budget, slots_per_axis=3)
    first = canonical_json(consolidate(communes, ps, params))
    second = canonical_json(consolidate(communes, ps, params))
    assert first == second
    assert json.loads(first)["proposals"]["8"]["workshop"]["hands"] == 12


@pytest.mark.parametrize("shuffle_seed", range(5))
@pytest.mark.parametrize("budget", [None, 1000])
def test_input_order_does_not_matter(shuffle_seed, budget):
    communes, ps = _mixed_inputs()
    params = Parameters(budget=budget, slots_per_axis=3)
    expected = canonical_json(consolidate(communes, ps, params))
    rng = random.Random(shuffle_seed)
    communes, ps = list(communes), list(ps)
    rng.shuffle(communes)
    rng.shuffle(ps)
    assert canonical_json(consolidate(communes, ps, params)) == expected


def test_canonical_json_is_sorted_and_compact():
    assert canonical_json({"b": 1, "a": [1.5, "é"]}) == '{"a":[1.5,"é"],"b":1}'


def test_scores_outside_1_to_5_are_refused():
    with pytest.raises(ValueError):
        official_score(proposal(1, scores={"impact": {1: 6}}), {"impact": 1})


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError):
        consolidate(COMMUNES, [proposal(1), proposal(1)], Parameters())


def test_a_proposal_of_an_unknown_commune_has_no_participants():
    entry = consolidate(COMMUNES, [proposal(1, "Z", supporters={1})],
                        Parameters())["proposals"]["1"]
    assert entry["support"]["participants"] == 0 and entry["support"]["rate"] == 1.0
    assert entry["selected"] is True


def test_with_a_budget_uncosted_proposals_are_not_displaced():
    ps = [proposal(1, "A", supporters=range(90)),                 # best, but no cost
          proposal(2, "A", supporters=range(50), cost=100),
          proposal(3, "B", supporters=range(5), cost=100)]
    result = consolidate(COMMUNES, ps, Parameters(budget=100))
    entries = result["proposals"]
    assert result["axes"]["water"]["selected"] == [2]
    assert entries["1"]["displaced_by"] is None and entries["2"]["displaced"] is None


def test_scoring_is_pure_standard_library():
    import ast
    import pathlib
    import sys

    import roadmap.ranking.scoring as scoring
    tree = ast.parse(pathlib.Path(scoring.__file__).read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert modules - {"__future__"} <= set(sys.stdlib_module_names)


RUN_IN_CHILD = """
import sys
sys.path.insert(0, {tests!r})
from ranking.test_scoring import _mixed_inputs
from roadmap.ranking.scoring import Parameters, canonical_json, consolidate
communes, proposals = _mixed_inputs()
sys.stdout.write(canonical_json(consolidate(communes, proposals, Parameters(budget=1000))))
"""


def test_output_is_byte_identical_across_processes_and_hash_seeds():
    import os
    import pathlib
    import subprocess
    import sys

    tests = str(pathlib.Path(__file__).resolve().parents[1])
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        child = subprocess.run([sys.executable, "-c", RUN_IN_CHILD.format(tests=tests)],
                               env=env, capture_output=True, check=True)
        outputs.add(child.stdout)
    communes, ps = _mixed_inputs()
    here = canonical_json(consolidate(communes, ps, Parameters(budget=1000))).encode()
    assert outputs == {here}
