"""Template helpers of the consultations domain: the current phase and its name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from roadmap.consultations.phases import current_phase

PHASE_LABELS = {
    "diagnosis": _l("Diagnosis"),
    "proposals": _l("Proposals"),
    "voting": _l("Voting"),
    "evaluation": _l("Evaluation"),
    "roadmap": _l("Roadmap published"),
    "implementation": _l("Implementation"),
    None: _l("Between phases"),
}


def phase_label(kind: str | None) -> str:
    """The name of a phase in the reader's language."""
    return str(PHASE_LABELS.get(kind, PHASE_LABELS[None]))


def register(bp) -> None:
    """Make the phase helpers available to every template."""

    @bp.app_context_processor
    def _phase_helpers():
        return {"current_phase": current_phase, "phase_label": phase_label}
