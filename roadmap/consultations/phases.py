"""Which phase a consultation is in, and which actions each phase opens.

Phases are whole days, inclusive, in Morocco's time zone (Africa/Casablanca): a phase that ends
on the 30th is open until midnight in Marrakech. Pure functions: no request, no database.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from roadmap.consultations.models import PHASES

TIME_ZONE = ZoneInfo("Africa/Casablanca")

# Each action and the phases in which it is open. Voting also opens during the proposals phase
# when the organiser says so (``Consultation.voting_during_proposals``).
ACTION_PHASES = {
    "propose": ("proposals",),
    "vote": ("voting",),
    "comment": ("proposals", "voting", "evaluation"),
}


def today() -> date:
    """Today's date in Morocco."""
    return datetime.now(TIME_ZONE).date()


def current_phase(consultation, on: date | None = None) -> str | None:
    """The kind of the phase that contains ``on`` (default: today), or ``None`` between phases."""
    on = on or today()
    for phase in consultation.phases:
        if phase.starts_on <= on <= phase.ends_on:
            return phase.kind
    return None


def open_phases(consultation, action: str) -> tuple[str, ...]:
    """The phases in which ``action`` (propose, vote, comment) is open for this consultation."""
    phases = ACTION_PHASES[action]
    if action == "vote" and consultation.voting_during_proposals:
        phases = ("proposals",) + phases
    return phases


def is_open(consultation, action: str, on: date | None = None) -> bool:
    """True if ``action`` is open in the consultation's current phase."""
    return current_phase(consultation, on) in open_phases(consultation, action)


def phase_index(kind: str | None) -> int:
    """The position of a phase kind in :data:`PHASES` (-1 for none)."""
    return PHASES.index(kind) if kind in PHASES else -1
