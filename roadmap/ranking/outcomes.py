"""Outcomes by gender of a consolidation run: were women's proposals retained as often as men's?

Pure functions, no Flask, no database: :func:`gender_outcomes` takes a run's output and the
authors of its proposals and returns a JSON-ready dict, stored with the run
(``ConsolidationRun.gender_outcomes``) so that the explanation stays as it was when the run was
decided, whatever the authors declare later.

How it is counted (documented choices)
--------------------------------------
Whose proposal
    The author's gender is what the author declared on their account (woman, man, prefer not to
    say, or nothing) when the run was made. It is never guessed from a name. A proposal entered
    for a workshop (origin "workshop") has no single author: it is counted as "workshop". An
    author who chose "prefer not to say", who declared nothing, or whose account is gone is
    counted as "not declared". Workshop and not-declared proposals are shown, but left out of
    the women's shares and of the test.
Eligible and retained
    The eligible proposals are those the run ranked (eligible in its output); the retained ones
    are those it selected (on slots or on the budget). Per axis and for the whole run.
Women's shares
    Among the eligible proposals whose author declared woman or man, the share by women; the
    same among the retained ones (``None`` when there are none).
The test
    The question: is being retained independent of the author being a woman (rather than a
    man)? The 2 x 2 table is women / men by retained / not retained.

    *Fisher's exact test*: given the table's margins (how many proposals by women, how many
    retained), the number of women's proposals retained follows the hypergeometric law if
    retention does not depend on gender: ``P(x) = C(w, x) C(m, r - x) / C(w + m, r)``. This is
    exactly the permutation test that shuffles the "retained" labels among the proposals. The
    two-sided p-value is the sum of the probabilities of every table no more likely than the
    observed one (with a relative tolerance of 1e-7, so that tables equally likely by
    arithmetic are not lost to rounding).

    *Two-proportion z-test* (pooled): ``z = (pw - pm) / sqrt(p (1 - p) (1/w + 1/m))`` where
    ``pw`` and ``pm`` are the retention rates of women's and men's proposals and ``p`` the
    pooled rate; the two-sided p-value is ``erfc(|z| / sqrt 2)``. It is the usual large-sample
    approximation.

    The verdict reads the exact test when any expected cell count (row total x column total /
    grand total) is below 5, where the normal approximation is poor, and the z-test otherwise.
    Both p-values are published.
Verdict
    "too few to tell" when fewer than 5 eligible proposals are by women or fewer than 5 by men,
    or when none or all of the women's and men's proposals were retained (nothing to compare);
    otherwise "within what chance would give" when p >= 0.05, and "greater than chance would
    give" when p < 0.05, with its direction (women's proposals retained less, or more, often
    than men's).
Caveat on small numbers
    With a few dozen proposals per axis only a large gap can be told from chance: "within what
    chance would give" does not prove that there is no gap, only that the numbers cannot show
    one. And with many axes, one of them may cross 0.05 by chance alone (1 in 20 on average).
"""
from __future__ import annotations

import math
from collections.abc import Mapping

OUTCOMES_VERSION = "roadmap-gender-outcomes/1"
GROUPS = ("woman", "man", "not_declared", "workshop")
ALPHA = 0.05           # a p-value below this is "greater than chance would give"
MIN_GROUP = 5          # fewer eligible proposals by women (or by men) than this: too few to tell
MIN_EXPECTED = 5       # an expected cell count below this: the verdict reads the exact test
TOLERANCE = 1e-7       # relative: tables this close in probability count as equally likely
VERDICTS = ("too_few", "within_chance", "women_less", "women_more")


def author_group(origin: str | None, gender: str | None) -> str:
    """The group a proposal counts in: workshop, woman, man, or not declared."""
    if origin == "workshop":
        return "workshop"
    if gender in ("woman", "man"):
        return gender
    return "not_declared"


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(table) -> float:
    """Two-sided p-value of Fisher's exact test on the 2 x 2 table ``[[a, b], [c, d]]``.

    Rows are the groups (women, men), columns retained / not retained. The sum of the
    hypergeometric probabilities of the tables with the same margins that are no more likely
    than the observed one (relative tolerance :data:`TOLERANCE`); 1.0 when a margin is empty.
    """
    (a, b), (c, d) = table
    if min(a, b, c, d) < 0:
        raise ValueError("counts must not be negative")
    row, col, total = a + b, a + c, a + b + c + d
    low, high = max(0, col - (total - row)), min(row, col)
    if low == high:
        return 1.0
    denominator = _log_comb(total, col)

    def log_p(x: int) -> float:
        return _log_comb(row, x) + _log_comb(total - row, col - x) - denominator

    observed = log_p(a)
    threshold = observed + math.log1p(TOLERANCE)
    p = math.fsum(math.exp(lp) for lp in map(log_p, range(low, high + 1)) if lp <= threshold)
    return min(1.0, p)


def two_proportion_z(table) -> tuple[float | None, float | None]:
    """Pooled two-proportion z statistic and its two-sided p-value, for ``[[a, b], [c, d]]``.

    Compares ``a / (a + b)`` with ``c / (c + d)``; ``(None, None)`` when a row is empty or the
    pooled rate is 0 or 1 (no variation to test).
    """
    (a, b), (c, d) = table
    n1, n2 = a + b, c + d
    if n1 == 0 or n2 == 0:
        return None, None
    pooled = (a + c) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None, None
    z = (a / n1 - c / n2) / math.sqrt(variance)
    return z, math.erfc(abs(z) / math.sqrt(2))


def expected_counts(table) -> list[list[float]]:
    """Row total x column total / grand total for each cell (zeros for an empty table)."""
    (a, b), (c, d) = table
    total = a + b + c + d
    rows, cols = (a + b, c + d), (a + c, b + d)
    return [[rows[i] * cols[j] / total if total else 0.0 for j in range(2)] for i in range(2)]


def _r(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.6g}") + 0.0


def _share(part: int, whole: int) -> float | None:
    return _r(part / whole) if whole else None


def compare(eligible: Mapping[str, int], retained: Mapping[str, int], *,
            alpha: float = ALPHA, min_group: int = MIN_GROUP) -> dict:
    """Shares, both tests and the verdict, from eligible and retained counts by group."""
    women, men = eligible.get("woman", 0), eligible.get("man", 0)
    kept_women, kept_men = retained.get("woman", 0), retained.get("man", 0)
    if not (0 <= kept_women <= women and 0 <= kept_men <= men):
        raise ValueError("retained counts must be between 0 and the eligible ones")
    table = [[kept_women, women - kept_women], [kept_men, men - kept_men]]
    declared, kept = women + men, kept_women + kept_men
    testable = women > 0 and men > 0 and 0 < kept < declared
    fisher = fisher_exact(table) if testable else None
    z, z_p = two_proportion_z(table) if testable else (None, None)
    small = testable and min(min(row) for row in expected_counts(table)) < MIN_EXPECTED
    test = None if not testable else ("fisher" if small or z_p is None else "z")
    p_value = fisher if test == "fisher" else z_p
    rate_women, rate_men = _share(kept_women, women), _share(kept_men, men)
    if not testable or women < min_group or men < min_group:
        verdict = "too_few"
    elif p_value >= alpha:
        verdict = "within_chance"
    else:
        verdict = "women_less" if kept_women * men < kept_men * women else "women_more"
    return {"table": table, "women_share_eligible": _share(women, declared),
            "women_share_retained": _share(kept_women, kept),
            "retention_rate": {"woman": rate_women, "man": rate_men},
            "fisher_p": _r(fisher), "z": _r(z), "z_p": _r(z_p), "test": test,
            "p_value": _r(p_value), "verdict": verdict}


def _counts() -> dict[str, int]:
    return {group: 0 for group in GROUPS}


def _block(eligible: dict[str, int], retained: dict[str, int], **options) -> dict:
    eligible["total"] = sum(eligible[g] for g in GROUPS)
    retained["total"] = sum(retained[g] for g in GROUPS)
    return {"eligible": eligible, "retained": retained, **compare(eligible, retained, **options)}


def gender_outcomes(output: Mapping, authors: Mapping[int, tuple[str | None, str | None]], *,
                    alpha: float = ALPHA, min_group: int = MIN_GROUP) -> dict:
    """The outcomes by gender of a run's ``output`` (the dict :func:`scoring.consolidate` made).

    ``authors``: proposal id -> (origin, the author's declared gender or None); a proposal
    missing from it counts as "not declared". Returns::

        {"version", "alpha", "min_group", "min_expected",
         "overall": block, "axes": {axis code: block}}

    where a block is ``{"eligible": {group: n, "total": n}, "retained": {...},
    "women_share_eligible", "women_share_retained", "retention_rate": {"woman", "man"},
    "table": [[women retained, women not], [men retained, men not]], "fisher_p", "z", "z_p",
    "test": "fisher" | "z" | None, "p_value", "verdict"}`` (groups: :data:`GROUPS`; verdicts:
    :data:`VERDICTS`).
    """
    options = {"alpha": alpha, "min_group": min_group}
    overall_eligible, overall_retained = _counts(), _counts()
    axes: dict[str, tuple[dict, dict]] = {}
    for key in sorted(output.get("proposals", {}), key=int):
        entry = output["proposals"][key]
        if not entry.get("eligible"):
            continue
        group = author_group(*authors.get(int(key), (None, None)))
        eligible, retained = axes.setdefault(entry["axis"], (_counts(), _counts()))
        eligible[group] += 1
        overall_eligible[group] += 1
        if entry.get("selected"):
            retained[group] += 1
            overall_retained[group] += 1
    return {"version": OUTCOMES_VERSION, "alpha": alpha, "min_group": min_group,
            "min_expected": MIN_EXPECTED,
            "overall": _block(overall_eligible, overall_retained, **options),
            "axes": {axis: _block(*counts, **options) for axis, counts in sorted(axes.items())}}
