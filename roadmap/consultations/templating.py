"""Template helpers of the consultations domain: phases, their names, the organiser policies."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from roadmap.consultations.models import PHASES, REQUIREMENT_ACTIONS
from roadmap.consultations.phases import current_phase, summary, timeline
from roadmap.consultations.policies import TEMPLATE_POLICIES

PHASE_LABELS = {
    "diagnosis": _l("Diagnosis"),
    "proposals": _l("Proposals"),
    "voting": _l("Voting"),
    "evaluation": _l("Evaluation"),
    "roadmap": _l("Roadmap published"),
    "implementation": _l("Implementation"),
    None: _l("Between phases"),
}


# What each requirement level means to a reader of the consultation's page.
REQUIREMENT_LABELS = {
    "confirmed": _l("anyone with a confirmed email address"),
    "verified": _l("verified participants"),
    "resident": _l("verified residents of the commune"),
}
ACTION_LABELS = {"propose": _l("Proposals"), "support": _l("Supports"),
                 "comment": _l("Comments")}


def participation_requirements(consultation) -> list[tuple[str, str, str]]:
    """``[(action, action label, requirement label)]`` of ``consultation``, in the order
    propose, support, comment, for its page."""
    return [(action, str(ACTION_LABELS[action]),
             str(REQUIREMENT_LABELS[consultation.requirement(action)]))
            for action in REQUIREMENT_ACTIONS]


def requires_verification(consultation) -> bool:
    """True if some action of ``consultation`` needs more than a confirmed email."""
    return any(consultation.requirement(action) != "confirmed" for action in REQUIREMENT_ACTIONS)


def phase_label(kind: str | None) -> str:
    """The name of a phase in the reader's language."""
    return str(PHASE_LABELS.get(kind, PHASE_LABELS[None]))


def register(bp) -> None:
    """Make the phase helpers and the organiser policies available to every template.

    ``phase_summary(c)`` feeds the phase banner, ``phase_timeline(c)`` the timeline of the six
    phases, ``phase_kinds`` lists their kinds in order, ``participation_requirements(c)`` what
    taking part requires; ``can_configure(user, c)`` and
    ``can_manage_workshops(user, c)`` show the organisers' links.
    """

    @bp.app_context_processor
    def _phase_helpers():
        return {"current_phase": current_phase, "phase_label": phase_label,
                "phase_summary": summary, "phase_timeline": timeline, "phase_kinds": PHASES,
                "participation_requirements": participation_requirements,
                "requires_verification": requires_verification,
                **TEMPLATE_POLICIES}
