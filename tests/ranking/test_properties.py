"""Properties of the consolidation, checked with hypothesis on small random instances."""
from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from roadmap.ranking.need import need_details
from roadmap.ranking.scoring import (CommuneInput, Parameters, ProposalInput, canonical_json,
                                     consolidate, equal_shares, sainte_lague,
                                     wilson_lower_bound)

SETTINGS = settings(max_examples=150, deadline=None)
HEAVY = settings(max_examples=100, deadline=None)
CODES = ["c1", "c2", "c3", "c4"]
AXES = ["water", "employment"]


@st.composite
def instances(draw):
    """Communes, proposals and parameters of a small random consultation."""
    communes = [CommuneInput(code, draw(st.integers(0, 50_000)), draw(st.integers(0, 40)),
                             {axis: draw(st.floats(0, 1)) for axis in AXES})
                for code in CODES]
    proposals = []
    for pid in range(1, draw(st.integers(1, 12)) + 1):
        scores = draw(st.dictionaries(st.sampled_from(["impact", "feasibility"]),
                                      st.dictionaries(st.integers(1, 3), st.integers(1, 5),
                                                      max_size=3), max_size=2))
        proposals.append(ProposalInput(
            id=pid, commune=draw(st.sampled_from(CODES)), axis=draw(st.sampled_from(AXES)),
            submitted_at=f"2026-03-0{draw(st.integers(1, 3))}T00:00:00+00:00",
            supporters=frozenset(draw(st.sets(st.integers(1, 30), max_size=15))),
            workshop_hands=draw(st.none() | st.integers(0, 20)), scores=scores,
            cost=draw(st.none() | st.integers(0, 500)), eligible=draw(st.booleans())))
    params = Parameters(support_weight=draw(st.sampled_from([0.0, 0.3, 0.5, 1.0])),
                        criteria_weights={"impact": 60, "feasibility": 40},
                        slots_per_axis=draw(st.integers(0, 6)),
                        budget=draw(st.none() | st.integers(0, 1500)))
    return communes, proposals, params


@HEAVY
@given(instances())
def test_selection_is_eligible_and_within_the_slots(instance):
    communes, proposals, params = instance
    result = consolidate(communes, proposals, params)
    for axis, out in result["axes"].items():
        assert sum(out["allocation"].values()) <= params.slots_per_axis
        for pid in out["selected"]:
            entry = result["proposals"][str(pid)]
            assert entry["eligible"] and entry["selected"] and entry["axis"] == axis
        if params.budget is None:
            assert len(out["selected"]) == sum(out["allocation"].values())
    if params.budget is not None:
        assert result["budget"]["spent"] <= params.budget
        assert result["budget"]["greedy_spent"] <= params.budget


@HEAVY
@given(instances())
def test_every_commune_with_an_eligible_proposal_gets_a_slot_when_slots_allow(instance):
    communes, proposals, params = instance
    result = consolidate(communes, proposals, params)
    for axis, out in result["axes"].items():
        with_proposal = {p.commune for p in proposals if p.eligible and p.axis == axis}
        assert set(out["allocation"]) == with_proposal
        if params.slots_per_axis >= len(with_proposal):
            assert all(out["allocation"][code] >= 1 for code in with_proposal)
        else:
            assert sum(out["allocation"].values()) == params.slots_per_axis


@HEAVY
@given(instances(), st.data())
def test_one_more_supporter_never_lowers_the_priority(instance, data):
    communes, proposals, params = instance
    target = data.draw(st.sampled_from(proposals))
    newcomer = max(target.supporters, default=0) + 1
    more = [replace(p, supporters=p.supporters | {newcomer}) if p.id == target.id else p
            for p in proposals]
    before = consolidate(communes, proposals, params)["proposals"][str(target.id)]
    after = consolidate(communes, more, params)["proposals"][str(target.id)]
    assert after["priority"] >= before["priority"]
    assert after["support"]["score"] >= before["support"]["score"]


@HEAVY
@given(instances(), st.randoms(use_true_random=False))
def test_output_is_independent_of_input_order(instance, rng):
    communes, proposals, params = instance
    expected = canonical_json(consolidate(communes, proposals, params))
    communes, proposals = list(communes), list(proposals)
    rng.shuffle(communes)
    rng.shuffle(proposals)
    assert canonical_json(consolidate(communes, proposals, params)) == expected


@SETTINGS
@given(st.dictionaries(st.sampled_from("ABCDE"), st.integers(0, 1000), min_size=1),
       st.integers(0, 20), st.data())
def test_sainte_lague_never_exceeds_the_seats_and_honours_minimums(weights, seats, data):
    minimum = {key: 1 for key in weights} if seats >= len(weights) else None
    caps = data.draw(st.none() | st.fixed_dictionaries(
        {key: st.integers(0, 5) for key in weights}))
    result = sainte_lague(weights, seats, minimum, caps)
    assert sum(result.values()) <= seats
    for key, held in result.items():
        if caps is not None:
            assert held <= caps[key]
        if minimum:
            assert held >= min(1, caps[key] if caps else 1)
    if caps is None:
        assert sum(result.values()) == seats


@SETTINGS
@given(st.integers(0, 200), st.integers(0, 200))
@example(0, 69)  # the formula alone gave 3e-18 for 0 out of 69
def test_wilson_is_a_bound_below_the_rate(successes, extra):
    trials = successes + extra
    bound = wilson_lower_bound(successes, trials)
    assert 0.0 <= bound <= (successes / trials if trials else 0.0)
    if trials:
        assert wilson_lower_bound(min(successes + 1, trials), trials) >= bound


@SETTINGS
@given(st.dictionaries(st.integers(1, 6), st.integers(0, 300), min_size=1),
       st.dictionaries(st.integers(1, 6), st.frozensets(st.integers(1, 8), max_size=8)),
       st.integers(0, 1000))
def test_equal_shares_stays_within_the_budget(costs, approvals, budget):
    result = equal_shares(costs, approvals, budget)
    assert result["spent"] <= budget
    assert len(set(result["selected"])) == len(result["selected"])
    assert set(result["entered_through"]) == set(result["selected"])


@SETTINGS
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]),
                       st.fixed_dictionaries({
                           "unemployment_rate": st.floats(0, 100),
                           "running_water": st.none() | st.floats(0, 100),
                           "public_sewer": st.floats(0, 100)}), min_size=1))
def test_need_components_are_normalised(indicators):
    details = need_details(indicators)
    for axes in details.values():
        for detail in axes.values():
            assert 0.0 <= detail["index"] <= 1.0
            assert all(0.0 <= part["need"] <= 1.0 for part in detail["components"].values())
    rates = {code: values["unemployment_rate"] for code, values in indicators.items()}
    if len(set(rates.values())) > 1:
        neediest = max(rates, key=rates.get)
        assert details[neediest]["employment"]["index"] == 1.0
