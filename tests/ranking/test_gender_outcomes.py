"""Outcomes by gender: the tests on known tables, the verdicts, and a run through the real stack."""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from roadmap.extensions import db
from roadmap.ranking import outcomes, queries, services
from roadmap.ranking.models import ConsolidationRun, EligibilityDecision
from tests.conftest import login


def permutation_p(table) -> Fraction:
    """The exact permutation test, by brute force: every way of choosing which proposals are
    retained (as many as in ``table``), the two-sided p-value on the count of women's retained
    ones (outcomes no more likely than the observed one), as an exact fraction."""
    (a, b), (c, d) = table
    women, total, kept = a + b, a + b + c + d, a + c
    counts: dict[int, int] = {}
    for chosen in itertools.combinations(range(total), kept):
        x = sum(1 for i in chosen if i < women)
        counts[x] = counts.get(x, 0) + 1
    ways = sum(counts.values())
    return Fraction(sum(n for n in counts.values() if n <= counts[a]), ways)


# --- Fisher's exact test on known tables ---------------------------------------------------

def test_fisher_on_tables_whose_p_value_is_known():
    assert outcomes.fisher_exact([[3, 1], [1, 3]]) == pytest.approx(17 / 35, rel=1e-12)
    assert outcomes.fisher_exact([[10, 0], [0, 10]]) == pytest.approx(2 / math.comb(20, 10),
                                                                      rel=1e-9)
    # Fisher's tea tasting: 3 of 4 cups right; one-sided 17/70, two-sided 34/70.
    assert outcomes.fisher_exact([[3, 1], [1, 3]]) == pytest.approx(34 / 70, rel=1e-12)
    assert outcomes.fisher_exact([[0, 5], [5, 0]]) == pytest.approx(2 / 252, rel=1e-9)
    assert outcomes.fisher_exact([[2, 2], [2, 2]]) == pytest.approx(1.0)


@pytest.mark.parametrize("table", [[[3, 1], [1, 3]], [[8, 2], [1, 5]], [[2, 6], [7, 0]],
                                   [[1, 9], [4, 4]], [[0, 3], [6, 2]], [[5, 5], [5, 6]]])
def test_fisher_is_the_permutation_test(table):
    assert outcomes.fisher_exact(table) == pytest.approx(float(permutation_p(table)), rel=1e-9)


def test_fisher_is_symmetric():
    table = [[8, 2], [1, 5]]
    (a, b), (c, d) = table
    expected = outcomes.fisher_exact(table)
    for other in ([[c, d], [a, b]], [[b, a], [d, c]], [[a, c], [b, d]], [[d, c], [b, a]]):
        assert outcomes.fisher_exact(other) == pytest.approx(expected, rel=1e-12)


def test_fisher_with_an_empty_margin_is_one():
    assert outcomes.fisher_exact([[0, 4], [0, 6]]) == 1.0
    assert outcomes.fisher_exact([[0, 0], [3, 2]]) == 1.0
    with pytest.raises(ValueError):
        outcomes.fisher_exact([[-1, 2], [3, 4]])


def test_fisher_scipy_cross_check_if_installed():
    stats = pytest.importorskip("scipy.stats")
    for table in ([[12, 30], [25, 18]], [[3, 40], [11, 30]], [[50, 50], [40, 60]]):
        expected = stats.fisher_exact(table, alternative="two-sided")[1]
        assert outcomes.fisher_exact(table) == pytest.approx(expected, rel=1e-7)


# --- the two-proportion z-test ---------------------------------------------------------------

def test_z_test_checked_by_hand():
    # 30 of 50 against 20 of 50: pooled 0.5, se = sqrt(0.25 x (1/50 + 1/50)) = 0.1, z = 2.
    z, p = outcomes.two_proportion_z([[30, 20], [20, 30]])
    assert z == pytest.approx(2.0)
    assert p == pytest.approx(math.erfc(2 / math.sqrt(2)))
    assert p == pytest.approx(0.0455003, abs=1e-7)
    z, p = outcomes.two_proportion_z([[20, 30], [30, 20]])
    assert z == pytest.approx(-2.0) and p == pytest.approx(0.0455003, abs=1e-7)
    assert outcomes.two_proportion_z([[0, 5], [0, 7]]) == (None, None)
    assert outcomes.two_proportion_z([[0, 0], [3, 7]]) == (None, None)


# --- shares, the test used and the verdicts --------------------------------------------------

def test_the_exact_test_is_used_when_an_expected_count_is_below_5():
    small = outcomes.compare({"woman": 6, "man": 6}, {"woman": 0, "man": 6})
    assert small["table"] == [[0, 6], [6, 0]]
    assert small["test"] == "fisher"
    assert small["p_value"] == pytest.approx(2 / math.comb(12, 6), rel=1e-5)
    large = outcomes.compare({"woman": 50, "man": 50}, {"woman": 30, "man": 20})
    assert large["test"] == "z"
    assert large["p_value"] == pytest.approx(0.0455003, rel=1e-5)
    assert large["z"] == pytest.approx(2.0)
    assert large["fisher_p"] == pytest.approx(outcomes.fisher_exact([[30, 20], [20, 30]]),
                                              rel=1e-5)


def test_shares_and_rates():
    block = outcomes.compare({"woman": 8, "man": 12, "workshop": 3}, {"woman": 2, "man": 6})
    assert block["women_share_eligible"] == pytest.approx(0.4)
    assert block["women_share_retained"] == pytest.approx(0.25)
    assert block["retention_rate"] == {"woman": 0.25, "man": 0.5}
    assert outcomes.compare({"woman": 3, "man": 0}, {})["women_share_retained"] is None


def test_verdict_thresholds():
    # Just under and just over 0.05, on the z-test (expected counts >= 5).
    assert outcomes.compare({"woman": 50, "man": 50},
                            {"woman": 20, "man": 30})["verdict"] == "women_less"
    assert outcomes.compare({"woman": 50, "man": 50},
                            {"woman": 30, "man": 20})["verdict"] == "women_more"
    within = outcomes.compare({"woman": 50, "man": 50}, {"woman": 22, "man": 29})
    assert within["p_value"] > 0.05 and within["verdict"] == "within_chance"
    # Around the threshold: alpha just below p is within chance, just above it is not.
    p = within["p_value"]
    assert outcomes.compare({"woman": 50, "man": 50}, {"woman": 22, "man": 29},
                            alpha=p * 0.99)["verdict"] == "within_chance"
    assert outcomes.compare({"woman": 50, "man": 50}, {"woman": 22, "man": 29},
                            alpha=p * 1.01)["verdict"] == "women_less"


def test_too_few_to_tell():
    # Four women only: too few, even with a striking table (the p-value is still given).
    few = outcomes.compare({"woman": 4, "man": 20}, {"woman": 0, "man": 12})
    assert few["verdict"] == "too_few" and few["p_value"] is not None
    assert outcomes.compare({"woman": 5, "man": 4}, {"woman": 0, "man": 4})["verdict"] == "too_few"
    # Nothing retained, or everything: nothing to compare, no test.
    for retained in ({}, {"woman": 10, "man": 10}):
        block = outcomes.compare({"woman": 10, "man": 10}, retained)
        assert block["verdict"] == "too_few" and block["test"] is None
        assert block["p_value"] is None
    # Five of each is enough.
    assert outcomes.compare({"woman": 5, "man": 5},
                            {"woman": 0, "man": 5})["verdict"] == "women_less"
    with pytest.raises(ValueError):
        outcomes.compare({"woman": 2, "man": 5}, {"woman": 3})


def test_author_groups():
    assert outcomes.author_group("online", "woman") == "woman"
    assert outcomes.author_group("online", "man") == "man"
    assert outcomes.author_group("online", "prefer_not_to_say") == "not_declared"
    assert outcomes.author_group("online", None) == "not_declared"
    assert outcomes.author_group("workshop", "woman") == "workshop"


def test_gender_outcomes_of_an_output():
    def entry(axis, eligible=True, selected=False):
        return {"axis": axis, "eligible": eligible, "selected": selected}

    output = {"proposals": {"1": entry("water", selected=True), "2": entry("water"),
                            "3": entry("water", selected=True), "4": entry("jobs"),
                            "5": entry("water", eligible=False), "6": entry("water"),
                            "7": entry("jobs", selected=True)}}
    authors = {1: ("online", "woman"), 2: ("online", "woman"), 3: ("online", "man"),
               4: ("online", "prefer_not_to_say"), 5: ("online", "woman"),
               6: ("workshop", None)}  # 7: unknown author
    found = outcomes.gender_outcomes(output, authors)
    water = found["axes"]["water"]
    assert water["eligible"] == {"woman": 2, "man": 1, "not_declared": 0, "workshop": 1,
                                 "total": 4}
    assert water["retained"] == {"woman": 1, "man": 1, "not_declared": 0, "workshop": 0,
                                 "total": 2}
    assert found["axes"]["jobs"]["eligible"]["not_declared"] == 2
    assert found["axes"]["jobs"]["retained"]["not_declared"] == 1
    assert found["overall"]["eligible"]["total"] == 6
    assert found["overall"]["verdict"] == "too_few"
    assert list(found["axes"]) == ["jobs", "water"]
    assert found["version"] == outcomes.OUTCOMES_VERSION


# --- through the real stack ------------------------------------------------------------------

@pytest.fixture
def gendered(factory):
    """Six proposals by women without support and six by men with support on the first axis;
    on the second, two by women and one by a man; and a few that are counted apart."""
    from roadmap.participation.models import Vote

    consultation = factory.consultation("evaluation")
    commune = factory.commune("gendered", population=20_000)
    organiser = factory.user("organiser")
    women = [factory.user(gender="woman") for _ in range(8)]
    men = [factory.user(gender="man") for _ in range(7)]
    quiet = factory.user(gender="prefer_not_to_say")
    undeclared = factory.user()
    voters = [factory.user() for _ in range(3)]
    first, second = consultation.axes[0], consultation.axes[1]
    proposals = {"women": [factory.proposal(consultation, commune, w) for w in women[:6]],
                 "men": [factory.proposal(consultation, commune, m) for m in men[:6]]}
    proposals["second"] = [factory.proposal(consultation, commune, person)
                           for person in (women[6], women[7], men[6])]
    for proposal in proposals["second"]:
        proposal.axis = second
    proposals["apart"] = [factory.proposal(consultation, commune, quiet),
                          factory.proposal(consultation, commune, undeclared),
                          factory.proposal(consultation, commune, organiser, origin="workshop")]
    ineligible = factory.proposal(consultation, commune, women[0])
    db.session.add(EligibilityDecision(proposal_id=ineligible.id, verdict="ineligible",
                                       reason="Already funded."))
    for proposal in proposals["men"]:
        for voter in voters:
            db.session.add(Vote(proposal_id=proposal.id, user_id=voter.id))
    db.session.flush()
    assert all(p.axis_id == first.id for p in proposals["women"] + proposals["men"])
    return consultation, organiser, women, proposals


def _run(consultation, organiser, **values):
    run, _ = services.run_consolidation(consultation, organiser,
                                        services.parameters_for(consultation, **values))
    return run


def test_a_run_stores_its_outcomes_by_gender(gendered):
    consultation, organiser, _women, _proposals = gendered
    run = _run(consultation, organiser, slots_per_axis=6)
    first, second = (axis.code for axis in consultation.axes[:2])
    found = queries.gender_outcomes(run)
    axis = found["axes"][first]
    assert axis["eligible"] == {"woman": 6, "man": 6, "not_declared": 2, "workshop": 1,
                                "total": 15}
    assert axis["retained"] == {"woman": 0, "man": 6, "not_declared": 0, "workshop": 0,
                                "total": 6}
    assert axis["table"] == [[0, 6], [6, 0]]
    assert axis["women_share_eligible"] == 0.5 and axis["women_share_retained"] == 0.0
    assert axis["test"] == "fisher"
    assert axis["p_value"] == pytest.approx(2 / math.comb(12, 6), rel=1e-5)  # 0.0021645
    assert axis["verdict"] == "women_less"
    assert found["axes"][second]["verdict"] == "too_few"  # 2 women, 1 man, all retained
    overall = found["overall"]
    assert overall["table"] == [[2, 6], [7, 0]]
    assert overall["fisher_p"] == pytest.approx(float(permutation_p([[2, 6], [7, 0]])),
                                                rel=1e-5)
    assert overall["test"] == "fisher" and overall["verdict"] == "women_less"


def test_the_stored_outcomes_stay_as_they_were_decided(gendered):
    consultation, organiser, women, _proposals = gendered
    run = _run(consultation, organiser, slots_per_axis=6)
    output, stored = run.output, dict(run.gender_outcomes)
    for woman in women:
        woman.gender = "man"
    db.session.flush()
    db.session.expire_all()
    again = db.session.get(ConsolidationRun, run.id)
    assert again.gender_outcomes == stored
    assert again.output == output  # the canonical output is untouched
    assert "gender_outcomes" not in output and "woman" not in output
    later = _run(consultation, organiser, slots_per_axis=6)
    assert later.output == output and later.inputs_hash == again.inputs_hash
    assert later.gender_outcomes["overall"]["verdict"] == "too_few"  # no woman left


def test_a_dry_run_stores_nothing(gendered):
    consultation, organiser, _women, _proposals = gendered
    run, result = services.run_consolidation(
        consultation, organiser, services.parameters_for(consultation), dry_run=True)
    assert run is None and "gender_outcomes" not in result


def test_the_run_page_shows_the_outcomes(gendered, client):
    consultation, organiser, _women, _proposals = gendered
    run = _run(consultation, organiser, slots_per_axis=6)
    login(client, organiser)
    response = client.get(f"/c/{consultation.slug}/consolidation/runs/{run.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    first = consultation.axes[0].code
    assert "Outcomes by gender" in page
    assert f'id="gender-outcomes-{first}" data-verdict="women_less"' in page
    assert 'id="gender-outcomes-overall"' in page
    assert '<td class="p-value">0.002</td>' in page and "Fisher's exact test" in page
    assert "retained less often than men's, by more than chance would give" in page
    assert 'id="gender-outcomes-caveat"' in page
    for language in ("ar", "fr"):  # numbers and percentages written for the locale
        other = client.get(f"/c/{consultation.slug}/consolidation/runs/{run.id}?lang={language}")
        assert other.status_code == 200 and 'id="gender-outcomes-overall"' in other.get_data(
            as_text=True)


def test_the_run_page_of_an_older_run(gendered, client):
    consultation, organiser, _women, _proposals = gendered
    run = _run(consultation, organiser)
    run.gender_outcomes = None  # as a run made before the migration
    db.session.flush()
    login(client, organiser)
    page = client.get(f"/c/{consultation.slug}/consolidation/runs/{run.id}").get_data(
        as_text=True)
    assert 'id="gender-outcomes-none"' in page and "not computed for this run" in page
    assert queries.gender_outcomes(run) is None and queries.gender_outcomes(None) is None


def test_the_run_page_is_for_organisers_only(gendered, client):
    consultation, organiser, women, _proposals = gendered
    run = _run(consultation, organiser)
    login(client, women[0])
    assert client.get(f"/c/{consultation.slug}/consolidation/runs/{run.id}").status_code == 403
