"""The roadmap side of the gender and SDG monitoring, as the monitoring page, the PDF and the
workbook show it: bar-chart cells and export tables from
:func:`roadmap.roadmaps.queries.monitoring_of_roadmap` (which computes every figure), and the
consolidation's outcomes by gender (:mod:`roadmap.ranking.outcomes`) under the small-cell rule.
"""
from __future__ import annotations

from flask_babel import format_percent, gettext

from roadmap.core import sdg
from roadmap.core.i18n import localized
from roadmap.exports.queries import Cell, suppress
from roadmap.exports.tables import Table, exported
from roadmap.proposals.labels import sdg_name
from roadmap.ranking.outcomes import GROUPS
from roadmap.ranking.queries import explanation_run, gender_outcomes
from roadmap.roadmaps.forms import BENEFICIARY_LABELS, GENDER_MARKER_SHORT
from roadmap.roadmaps.queries import MARKER_ORDER, monitoring_of_roadmap, roadmap_of

NOT_ASSESSED = "not_assessed"


def _cell(key: str, label: str, share: float | None) -> dict:
    """A bar of ``share`` (0-1) in percent, labelled with the percentage."""
    value = round((share or 0) * 100, 1)
    return {"key": key, "label": label, "value": value, "suppressed": False,
            "shown": format_percent(share or 0, "#,##0.#%")}


def marker_label(marker) -> str:
    """The name of a gender marker (``None``: not assessed yet)."""
    return gettext("Not assessed yet") if marker is None else str(GENDER_MARKER_SHORT[marker])


def marker_charts(markers: dict) -> dict:
    """``{"markers": [cells], "goals": [cells]}``: the bar charts of the monitoring."""
    return {
        "markers": [_cell(str(row["marker"]) if row["marker"] is not None else NOT_ASSESSED,
                          marker_label(row["marker"]), row["share"])
                    for row in markers["markers"]],
        "goals": [_cell(str(row["goal"]), f"{row['goal']}. {sdg_name(row['goal'])}",
                        row["share"]) for row in markers["goals"]],
    }


def roadmap_monitoring(consultation) -> dict | None:
    """The published roadmap's monitoring figures, or ``None`` before publication."""
    roadmap = roadmap_of(consultation)
    version = roadmap.published if roadmap is not None else None
    return monitoring_of_roadmap(version) if version is not None else None


def monitoring_tables(consultation) -> list[Table]:
    """The workbook's monitoring sheets (none before publication): the budget by gender marker
    per axis and per commune, by SDG goal and target, the beneficiaries by sex and the
    indicators measured by sex. Labels in the current language; shares are fractions."""
    markers = roadmap_monitoring(consultation)
    if markers is None:
        return []
    budget_rows = [["roadmap", "", markers["items"], markers["cost"],
                    *[row["share"] for row in markers["markers"]]]]
    for scope, rows in (("axis", markers["axes"]), ("commune", markers["communes"])):
        for row in rows:
            budget_rows.append([scope, row["label"], round(row["items"], 3), row["cost"],
                                *[row["shares"][m] for m in MARKER_ORDER]])
    budget = Table("monitoring_gender_budget",
                   ["scope", "name", "items", "estimated_cost_mad", "share_marker_2",
                    "share_marker_1", "share_marker_0", "share_not_assessed"],
                   [_rounded(row) for row in budget_rows])
    sdgs = Table("monitoring_sdg_budget",
                 ["level", "code", "label", "items", "estimated_cost_mad", "share"],
                 [_rounded(row) for row in (
                     [["goal", str(r["goal"]), sdg.goal_label(r["goal"]), r["items"], r["cost"],
                       r["share"]] for r in markers["goals"]]
                     + [["target", r["code"], sdg.target_label(r["code"]), r["items"],
                         r["cost"], r["share"]] for r in markers["targets"]])])
    b = markers["beneficiaries"]
    beneficiaries = Table(
        "monitoring_beneficiaries",
        ["group", "label", "estimated_beneficiaries"],
        [[group, str(BENEFICIARY_LABELS[group]), value] for group, value in b["totals"].items()]
        + [_rounded(["women_and_girls_share", "", b["female_share"]])])
    indicators = Table(
        "monitoring_indicators_by_sex",
        ["item_id", "item", "indicator", "unit", "group", "baseline", "target", "current",
         "progress"],
        [_rounded([row["item"].data["id"], row["item"].title, row["name"], row["unit"] or "",
                   group, *[values.get(k) for k in ("baseline", "target", "current",
                                                    "progress")]])
         for row in markers["indicators"]
         for group, values in [("all", row["all"])] + sorted(row["sexes"].items())])
    return [budget, sdgs, beneficiaries, indicators]


def _rounded(row: list) -> list:
    """A sheet row with its fractions to 6 decimals (the same cell in XLSX and CSV)."""
    return [round(v, 6) if isinstance(v, float) else exported(v) for v in row]



# --- outcomes of the consolidation by gender ----------------------------------------------------

def _public_block(block: dict, exact: bool) -> dict:
    """One axis's outcomes as the public sees them: counts under the small-cell rule; shares
    and the p-value only when the test could tell (5 or more proposals by women and by men)."""
    shown = dict(block)
    for side in ("eligible", "retained"):
        cells = suppress([Cell(g, g, int(block[side].get(g) or 0)) for g in GROUPS],
                         exact)
        shown[f"{side}_shown"] = {cell.key: cell.shown for cell in cells}
    if not exact and block.get("verdict") == "too_few":
        shown.update(women_share_eligible=None, women_share_retained=None, p_value=None,
                     test=None)
    return shown


def outcomes_for_monitoring(consultation, *, exact: bool = False) -> dict | None:
    """``{"run", "outcomes"}``: the run's outcomes by gender (stored with the run, see
    :mod:`roadmap.ranking.outcomes`) with the small-cell rule applied for the public; ``None``
    before any run, ``outcomes`` None for a run made before they were computed."""
    run, _published = explanation_run(consultation)  # the run the explanations read
    if run is None:
        return None
    stored = gender_outcomes(run)
    if stored is None:
        return {"run": run, "outcomes": None}
    return {"run": run, "outcomes": {
        **stored, "overall": _public_block(stored["overall"], exact),
        "axes": {code: _public_block(block, exact) for code, block in stored["axes"].items()}}}


# --- the monitoring page's sections (see roadmap.exports.monitoring.SECTIONS) ----------------

def roadmap_section(consultation, *, exact: bool = False, language: str = "ar") -> dict:
    """``{"markers", "charts"}`` of the published roadmap (``markers`` None before)."""
    markers = roadmap_monitoring(consultation)
    return {"markers": markers, "charts": marker_charts(markers) if markers else None}


def outcomes_section(consultation, *, exact: bool = False, language: str = "ar") -> dict:
    """``{"gender_outcomes", "axis_titles"}``: the outcomes by gender of the run the roadmap
    comes from (small cells suppressed unless ``exact``) and the axes' titles by code."""
    return {"gender_outcomes": outcomes_for_monitoring(consultation, exact=exact),
            "axis_titles": {axis.code: localized(axis.title_i18n, language)
                            for axis in consultation.axes}}
