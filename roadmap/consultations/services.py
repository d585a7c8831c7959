"""What organisers do to a consultation: set its phases and rules, record its workshops.

Services take the subject first and the acting user, check the policy again, validate, change
the rows and flush; the view commits. They raise a :class:`ConsultationError` and change nothing
when refused.
"""
from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from roadmap.audit.log import record
from roadmap.accounts.models import STAKEHOLDER_TYPES
from roadmap.consultations.models import PHASES, Consultation, ConsultationPhase, Workshop
from roadmap.consultations.phases import phase_row
from roadmap.consultations.policies import can_configure, can_manage_workshops
from roadmap.extensions import db
from roadmap.territory.models import Commune

# The gender counts a workshop's attendance sheet records.
WORKSHOP_GENDERS = ("woman", "man", "not_recorded")
MAX_TEXT = 200


class ConsultationError(Exception):
    """A refused change; ``errors`` maps a field name to the reason (in the user's language).

    The reasons are lazy strings, translated when shown, so services also run outside requests.
    """

    def __init__(self, errors: dict):
        super().__init__(", ".join(errors) or "refused")
        self.errors = errors


class NotAllowed(ConsultationError):
    """The acting user may not do this."""

    def __init__(self):
        super().__init__({"": _l("You are not allowed to do this.")})


# --- Settings ----------------------------------------------------------------------------------

def phase_date_errors(dates: dict[str, tuple[date | None, date | None]]) -> dict:
    """Problems with the phases' dates, keyed ``<kind>_starts_on`` or ``<kind>_ends_on``.

    ``dates`` maps a phase kind to ``(starts_on, ends_on)``; both ``None`` leaves the phase out.
    Each phase needs both dates, may not end before it starts, and must start after the previous
    planned phase (in the order of :data:`PHASES`) ends.
    """
    errors: dict = {}
    previous = None
    for kind in PHASES:
        starts_on, ends_on = dates.get(kind, (None, None))
        if starts_on is None and ends_on is None:
            continue
        if starts_on is None or ends_on is None:
            missing = "starts_on" if starts_on is None else "ends_on"
            errors[f"{kind}_{missing}"] = _l(
                "Give both dates, or leave both empty to leave this phase out.")
            continue
        if ends_on < starts_on:
            errors[f"{kind}_ends_on"] = _l("A phase cannot end before it starts.")
            continue
        if previous is not None and starts_on <= previous[1]:
            errors[f"{kind}_starts_on"] = _l(
                "This phase must start after the previous phase, which ends on %(date)s.",
                date=LazyString(format_date, previous[1], "long"))
        previous = (starts_on, ends_on)
    return errors


def _rule_errors(vote_limit: int | None, report_threshold: int | None) -> dict:
    errors = {}
    if vote_limit is not None and vote_limit < 1:
        errors["vote_limit"] = _l("Enter 1 or more, or leave empty for no limit.")
    if report_threshold is None or report_threshold < 1:
        errors["report_threshold"] = _l("Enter 1 or more.")
    return errors


def _set_phases(consultation: Consultation, dates: dict) -> None:
    for kind in PHASES:
        starts_on, ends_on = dates.get(kind, (None, None))
        row = phase_row(consultation, kind)
        if starts_on is None:
            if row is not None:
                consultation.phases.remove(row)
        elif row is None:
            consultation.phases.append(
                ConsultationPhase(kind=kind, starts_on=starts_on, ends_on=ends_on))
        else:
            row.starts_on, row.ends_on = starts_on, ends_on


def configure_consultation(consultation: Consultation, by, *, phases: dict,
                           vote_limit: int | None, votes_home_commune_only: bool,
                           voting_during_proposals: bool, premoderation: bool = False,
                           report_threshold: int = 3) -> Consultation:
    """Set the phases' dates and the participation and moderation rules of ``consultation``.

    ``phases`` maps a phase kind to ``(starts_on, ends_on)``; a kind that is missing or has no
    dates is left out (its row is removed). ``vote_limit`` ``None`` means unlimited.
    """
    if not can_configure(by, consultation):
        raise NotAllowed()
    errors = phase_date_errors(phases) | _rule_errors(vote_limit, report_threshold)
    if errors:
        raise ConsultationError(errors)
    before = _rules(consultation)
    _set_phases(consultation, phases)
    consultation.vote_limit = vote_limit
    consultation.votes_home_commune_only = bool(votes_home_commune_only)
    consultation.voting_during_proposals = bool(voting_during_proposals)
    consultation.premoderation = bool(premoderation)
    consultation.report_threshold = report_threshold
    db.session.flush()
    db.session.expire(consultation, ["phases"])  # reload them in date order
    record(by, "consultation.configure", consultation, before=before, after=_rules(consultation))
    return consultation


def _rules(consultation: Consultation) -> dict:
    """The phases and rules of ``consultation``, for the audit log."""
    return {"phases": {p.kind: [p.starts_on.isoformat(), p.ends_on.isoformat()]
                       for p in consultation.phases},
            "vote_limit": consultation.vote_limit,
            "votes_home_commune_only": consultation.votes_home_commune_only,
            "voting_during_proposals": consultation.voting_during_proposals,
            "premoderation": consultation.premoderation,
            "report_threshold": consultation.report_threshold}


# --- Workshops ---------------------------------------------------------------------------------

def _count_errors(counts: dict, allowed: tuple[str, ...]) -> bool:
    """True if ``counts`` has an unknown key or a value that is not a whole number >= 0."""
    return any(key not in allowed or isinstance(value, bool) or not isinstance(value, int)
               or value < 0 for key, value in counts.items())


def attendance_errors(by_stakeholder: dict, by_gender: dict) -> dict:
    """Problems with a workshop's attendance counts, keyed ``attendance``."""
    if _count_errors(by_stakeholder, STAKEHOLDER_TYPES) or _count_errors(by_gender,
                                                                         WORKSHOP_GENDERS):
        return {"attendance": _l("Attendance counts are whole numbers, 0 or more.")}
    if by_stakeholder and by_gender:
        stakeholders, genders = sum(by_stakeholder.values()), sum(by_gender.values())
        if stakeholders != genders:
            return {"attendance": _l(
                "The attendance by gender adds up to %(genders)s but the attendance by "
                "stakeholder type adds up to %(stakeholders)s: the two totals must be equal.",
                genders=genders, stakeholders=stakeholders)}
    return {}


def _communes(consultation: Consultation, commune_ids) -> list[Commune]:
    ids = {int(i) for i in commune_ids or ()}
    if not ids:
        return []
    return list(db.session.scalars(select(Commune).where(
        Commune.id.in_(ids), Commune.prefecture_id == consultation.prefecture_id)))


def _workshop_errors(values: dict, communes: list) -> dict:
    errors = {}
    for name in ("title", "place"):
        if not (values[name] or "").strip() or len(values[name]) > MAX_TEXT:
            errors[name] = _l("Enter between 1 and %(max)s characters.", max=MAX_TEXT)
    if not isinstance(values["held_on"], date):
        errors["held_on"] = _l("Enter the date of the workshop.")
    wanted = {int(i) for i in values["commune_ids"] or ()}
    if not wanted or len(communes) != len(wanted):
        errors["communes"] = _l("Choose at least one commune of the prefecture.")
    return errors | attendance_errors(values["attendance_by_stakeholder"],
                                      values["attendance_by_gender"])


def _apply_workshop(workshop: Workshop, values: dict, communes: list) -> None:
    workshop.title = values["title"].strip()
    workshop.held_on = values["held_on"]
    workshop.place = values["place"].strip()
    workshop.minutes = (values.get("minutes") or "").strip()
    workshop.attendance_by_stakeholder = dict(values["attendance_by_stakeholder"])
    workshop.attendance_by_gender = dict(values["attendance_by_gender"])
    workshop.communes = communes


def _save_workshop(workshop: Workshop, consultation: Consultation, by, values: dict) -> Workshop:
    if not can_manage_workshops(by, consultation):
        raise NotAllowed()
    communes = _communes(consultation, values["commune_ids"])
    errors = _workshop_errors(values, communes)
    if errors:
        raise ConsultationError(errors)
    action = "workshop.update" if workshop.id else "workshop.record"
    _apply_workshop(workshop, values, communes)
    db.session.add(workshop)
    db.session.flush()
    record(by, action, workshop, consultation=consultation,
           after={"title": workshop.title, "held_on": workshop.held_on, "place": workshop.place,
                  "commune_ids": [c.id for c in communes]})
    return workshop


def record_workshop(consultation: Consultation, by, *, title: str, held_on: date, place: str,
                    commune_ids, attendance_by_stakeholder: dict | None = None,
                    attendance_by_gender: dict | None = None, minutes: str = "") -> Workshop:
    """Record an in-person workshop of ``consultation`` held by the prefecture.

    ``commune_ids`` are communes of the consultation's prefecture (at least one). Attendance
    maps stakeholder types (and ``woman``, ``man``, ``not_recorded``) to head counts; only the
    counts given are stored, and when both are given their totals must be equal.
    """
    # Not in the session until it is valid: the many-to-one alone does not add it.
    workshop = Workshop(consultation=consultation, created_by_id=getattr(by, "id", None))
    values = dict(title=title, held_on=held_on, place=place, commune_ids=commune_ids,
                  attendance_by_stakeholder=attendance_by_stakeholder or {},
                  attendance_by_gender=attendance_by_gender or {}, minutes=minutes)
    return _save_workshop(workshop, consultation, by, values)


def update_workshop(workshop: Workshop, by, *, title: str, held_on: date, place: str,
                    commune_ids, attendance_by_stakeholder: dict | None = None,
                    attendance_by_gender: dict | None = None, minutes: str = "") -> Workshop:
    """Change a workshop's details, communes, attendance and minutes (same rules as recording)."""
    values = dict(title=title, held_on=held_on, place=place, commune_ids=commune_ids,
                  attendance_by_stakeholder=attendance_by_stakeholder or {},
                  attendance_by_gender=attendance_by_gender or {}, minutes=minutes)
    return _save_workshop(workshop, workshop.consultation, by, values)
