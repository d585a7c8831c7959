"""The roadmap document as a PDF (WeasyPrint), in Arabic (right to left) or French.

Generated from the published roadmap (the latest version's snapshot): cover, summary figures,
the method and its weights (the consolidation run's parameters), the axes with their ranked
priority projects, the static maps (PNG from :mod:`roadmap.maps.static_maps`, embedded as data
URIs), participation statistics and the data credits. Fonts (Noto Naskh Arabic, Noto Sans)
are declared in ``static/css/print.css`` with ``local()`` names; HarfBuzz shapes the Arabic.
"""
from __future__ import annotations

import base64
from pathlib import Path
from typing import Callable

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.exports.queries import dashboard_figures
from roadmap.proposals.models import Proposal
from roadmap.ranking.models import ConsolidationRun, EvaluationCriterion


# The consolidation parameters shown in the method section, with their names.
PARAMETER_LABELS = {
    "support_weight": _l("Weight of citizens' support in the priority (the rest: evaluation)"),
    "workshop_weight": _l("Weight of workshop evidence"),
    "slots_per_axis": _l("Priority slots per axis"),
    "budget": _l("Budget (MAD)"),
    "seed": _l("Published lottery seed (ties)"),
}


def _png_uri(body: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(body).decode() if body else None


def _maps(consultation, language: str) -> list[dict]:
    """The static maps as data URIs (none if they cannot be drawn here)."""
    from roadmap.maps import static_maps

    maps = []
    for key, draw in (("roadmap", lambda: static_maps.roadmap_png(consultation, language)),
                      ("participation", lambda: static_maps.communes_png(
                          consultation, "participants_per_1000", language))):
        try:
            uri = _png_uri(draw())
        except Exception:  # noqa: BLE001 - a map that fails must not lose the document
            current_app.logger.exception("static map %s failed", key)
            uri = None
        if uri:
            maps.append({"key": key, "uri": uri})
    return maps


def _method(consultation, roadmap) -> dict:
    """The run's parameters and the criteria's published weights."""
    run = db.session.get(ConsolidationRun, roadmap.run_id) if roadmap.run_id else None
    criteria = list(db.session.scalars(select(EvaluationCriterion).where(
        EvaluationCriterion.consultation_id == consultation.id)
        .order_by(EvaluationCriterion.position)))
    parameters = dict(run.parameters or {}) if run else {}
    weights = parameters.get("criteria_weights") or {c.code: c.weight for c in criteria}
    titles = {c.code: c.title for c in criteria}
    shown = [(PARAMETER_LABELS[key], "—" if parameters.get(key) is None else parameters[key])
             for key in PARAMETER_LABELS if key in parameters]
    return {"run": run, "parameters": shown,
            "weights": [(titles.get(code, code), weight) for code, weight in weights.items()]}


def _proposals_by_id(axes) -> dict[int, Proposal]:
    ids = {pid for _axis, items in axes for item in items for pid in item.data["proposal_ids"]}
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))}


def roadmap_context(consultation, language: str) -> dict | None:
    """Everything the document shows, or ``None`` before the roadmap is published."""
    from roadmap.roadmaps.queries import public_axes, roadmap_of

    roadmap = roadmap_of(consultation)
    version = roadmap.published if roadmap is not None else None
    if version is None:
        return None
    axes = public_axes(version)
    items = [item for _axis, members in axes for item in members]
    from roadmap.exports.markers import marker_charts, outcomes_section
    from roadmap.exports.monitoring import MEASURE_LABELS, SEX_LABELS, participation_by_sex
    from roadmap.roadmaps.queries import monitoring_of_roadmap

    markers = monitoring_of_roadmap(version)
    return {"consultation": consultation, "version": version, "axes": axes,
            "markers": markers, "marker_charts": marker_charts(markers),
            "participation": participation_by_sex(consultation, language=language),
            "outcomes": outcomes_section(consultation, language=language),
            "measure_labels": MEASURE_LABELS, "sex_labels": SEX_LABELS,
            "proposals": _proposals_by_id(axes), "method": _method(consultation, roadmap),
            "figures": dashboard_figures(consultation, language=language),
            "summary": {"items": len(items),
                        "cost": sum(i.data.get("estimated_cost_mad") or 0 for i in items),
                        "communes": len({c["code"] for i in items for c in i.data["communes"]})},
            "lang": language, "dir": "rtl" if language == "ar" else "ltr"}


def print_css() -> Path:
    """The print stylesheet."""
    return Path(current_app.static_folder) / "css" / "print.css"


def roadmap_pdf(consultation, language: str,
                progress: Callable[[float], None] | None = None) -> bytes | None:
    """The roadmap document in ``language`` as PDF bytes, or ``None`` before publication."""
    from weasyprint import CSS, HTML

    with force_locale(language):
        context = roadmap_context(consultation, language)
        if context is None:
            return None
        if progress:
            progress(0.2)
        context["maps"] = _maps(consultation, language)
        if progress:
            progress(0.6)
        html = render_template("exports/roadmap_pdf.html", **context)
    document = HTML(string=html, base_url=current_app.static_folder)
    body = document.write_pdf(stylesheets=[CSS(filename=str(print_css()))])
    if progress:
        progress(1.0)
    return body
