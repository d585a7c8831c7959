"""Which phase a consultation is in, and which actions each phase opens.

Phases are whole days, inclusive, in Morocco's time zone (Africa/Casablanca): a phase that ends
on the 30th is open until midnight in Marrakech. Pure functions: no request, no database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from roadmap.consultations.models import PHASES

TIME_ZONE = ZoneInfo("Africa/Casablanca")
ONE_DAY = timedelta(days=1)

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
    """True if ``action`` is open in the consultation's current phase (never once the
    consultation is archived: it is read-only)."""
    if getattr(consultation, "status", None) == "archived":
        return False
    return current_phase(consultation, on) in open_phases(consultation, action)


def phase_index(kind: str | None) -> int:
    """The position of a phase kind in :data:`PHASES` (-1 for none)."""
    return PHASES.index(kind) if kind in PHASES else -1


# --- Added for the phase banner, the timeline and the settings page ---------------------------

@dataclass(frozen=True)
class TimelineStep:
    """One of the six phases as the timeline shows it.

    ``state`` is ``past``, ``current``, ``future`` or ``skipped`` (the organiser left it out).
    """

    kind: str
    starts_on: date | None
    ends_on: date | None
    state: str


@dataclass(frozen=True)
class PhaseSummary:
    """What the phase banner says: the current phase, the next one, and what is open until when.

    ``started`` is False before the first phase begins.
    ``open_until`` maps each open action (propose, vote, comment) to the last day it stays open.
    """

    kind: str | None
    ends_on: date | None
    next_kind: str | None
    next_starts_on: date | None
    started: bool = False
    open_until: dict[str, date] = field(default_factory=dict)

    @property
    def is_over(self) -> bool:
        """True once every planned phase has ended."""
        return self.kind is None and self.next_kind is None


def phase_row(consultation, kind: str):
    """The :class:`ConsultationPhase` of ``kind`` in this consultation, or ``None`` if left out."""
    return next((phase for phase in consultation.phases if phase.kind == kind), None)


def ordered_phases(consultation) -> list:
    """The consultation's planned phases in the order of :data:`PHASES`."""
    return sorted(consultation.phases, key=lambda phase: phase_index(phase.kind))


def next_phase(consultation, on: date | None = None):
    """The first planned phase that starts after ``on`` (default: today), or ``None``."""
    on = on or today()
    later = [phase for phase in consultation.phases if phase.starts_on > on]
    return min(later, key=lambda phase: phase.starts_on, default=None)


def open_until(consultation, action: str, on: date | None = None) -> date | None:
    """The last day ``action`` stays open without a break, or ``None`` if it is closed on ``on``.

    An action open in several phases that follow each other day after day (comments from
    proposals through evaluation) stays open until the end of the last of them.
    """
    on = on or today()
    if not is_open(consultation, action, on):
        return None
    allowed = open_phases(consultation, action)
    rows = sorted(consultation.phases, key=lambda phase: phase.starts_on)
    end = None
    for phase in rows:
        if phase.ends_on < on:
            continue
        if end is not None and (phase.kind not in allowed or phase.starts_on > end + ONE_DAY):
            break
        if end is None and not phase.starts_on <= on:
            break
        end = phase.ends_on
    return end


def summary(consultation, on: date | None = None) -> PhaseSummary:
    """The current phase, its end, the next phase and the open actions, for the banner."""
    on = on or today()
    kind = current_phase(consultation, on)
    row = phase_row(consultation, kind) if kind else None
    upcoming = next_phase(consultation, on)
    opened = {action: open_until(consultation, action, on) for action in ACTION_PHASES}
    return PhaseSummary(kind=kind, ends_on=row.ends_on if row else None,
                        next_kind=upcoming.kind if upcoming else None,
                        next_starts_on=upcoming.starts_on if upcoming else None,
                        started=any(phase.starts_on <= on for phase in consultation.phases),
                        open_until={action: end for action, end in opened.items() if end})


def timeline(consultation, on: date | None = None) -> list[TimelineStep]:
    """The six phases in order, with their dates and whether each is past, current or to come."""
    on = on or today()
    steps = []
    for kind in PHASES:
        row = phase_row(consultation, kind)
        if row is None:
            steps.append(TimelineStep(kind, None, None, "skipped"))
            continue
        state = "past" if row.ends_on < on else "future" if row.starts_on > on else "current"
        steps.append(TimelineStep(kind, row.starts_on, row.ends_on, state))
    return steps
