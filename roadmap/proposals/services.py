"""Verbs that change proposals: submit, edit, withdraw, enter a workshop's proposal.

Services take the subject first and the acting user explicitly, re-check the policies, flush
(never commit) and raise a :class:`ProposalError` whose message the view shows. They keep
``search_text`` (the folded title and body, see :mod:`roadmap.proposals.text`) up to date
and send the signals of :mod:`roadmap.proposals.signals`.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from roadmap.consultations.models import StrategicAxis
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.proposals import policies
from roadmap.proposals.models import SDG_GOALS, Proposal
from roadmap.proposals.queries import commune_at
from roadmap.proposals.signals import proposal_status_changed, proposal_submitted, sender
from roadmap.proposals.text import fold
from roadmap.territory.models import Commune

TITLE_LENGTH = (10, 140)
BODY_LENGTH = (30, 5000)
BENEFICIARIES_LENGTH = 300
ORGANISATION_LENGTH = 200
MAX_COST_MAD = 10**13  # ten thousand billion dirhams: anything above is a typing mistake
# The fields a proposal's author gives (``submit_proposal`` and ``edit_proposal`` accept them).
FIELDS = ("title", "body", "commune_id", "axis_id", "latitude", "longitude",
          "estimated_cost_mad", "beneficiaries", "sdg_goals", "organisation")


class ProposalError(Exception):
    """An action on a proposal was refused; ``message`` says why (a string, or the policy's
    :class:`~roadmap.core.refusals.Refusal` with its link), ``status`` is the HTTP code."""

    status = 409

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ProposalError):
    """The user may not act on this proposal (not theirs, not signed in)."""

    status = 403


class ActionClosed(ProposalError):
    """The action is not open now (phase closed, proposal locked, withdrawn...)."""

    status = 409


class InvalidProposal(ProposalError):
    """A field is missing or wrong; ``field`` names it."""

    status = 422


class OutsidePrefecture(InvalidProposal):
    """The point given is not inside a commune of the consultation's prefecture."""


def outside_message() -> str:
    """The message for a point outside the prefecture, in the reader's language."""
    return _("This point is outside the prefecture. Pick a point inside one of its communes, "
             "or remove the point and choose the commune in the list.")


def submit_proposal(consultation, author, *, entered_by=None, by_voice: bool = False,
                    **fields) -> Proposal:
    """Make a proposal for ``author`` in ``consultation``; flushes and returns it.

    ``fields`` are those of :data:`FIELDS`. A point (latitude and longitude) decides the
    commune. The proposal waits for a moderator when the consultation is pre-moderated.
    ``entered_by``: the help-desk official who enters it for its author, who is present (the
    proposal is marked so). ``by_voice``: a voice note comes with it (the caller attaches it),
    so the body may be empty. Raises :class:`ProposalError` (nothing is written) when refused
    or invalid.
    """
    _refuse(policies.submission_refusal(author, consultation), author)
    values = checked_values(consultation, body_optional=by_voice, **fields)
    _check_commune_requirement(author, consultation, values["commune"])
    proposal = Proposal(consultation=consultation, author=author, origin="online",
                        author_stakeholder_type=author.stakeholder_type,
                        status="pending" if consultation.premoderation else "published",
                        entered_by_id=getattr(entered_by, "id", None), **values)
    db.session.add(proposal)
    db.session.flush()
    proposal_submitted.send(sender(), proposal=proposal)
    return proposal


def submit_workshop_proposal(workshop, organiser, *, show_of_hands: int | None = None,
                             **fields) -> Proposal:
    """Enter a proposal ``workshop`` produced, on behalf of its participants; flushes.

    The organiser entering it is recorded as author but the proposal is shown as the
    workshop's. ``show_of_hands`` (the hands raised for it there) is kept apart from online
    supports. Workshop proposals are published at once (an official enters them).
    """
    reason = policies.why_not_enter_workshop_proposals(organiser, workshop)
    if reason:
        allowed = getattr(organiser, "is_authenticated", False) and organiser.has_role("organiser")
        raise (ActionClosed if allowed else NotAllowed)(reason)
    fields["organisation"] = None
    values = checked_values(workshop.consultation, **fields)
    proposal = Proposal(consultation=workshop.consultation, author=organiser,
                        origin="workshop", workshop=workshop, author_stakeholder_type=None,
                        show_of_hands=_count(show_of_hands), status="published", **values)
    db.session.add(proposal)
    db.session.flush()
    proposal_submitted.send(sender(), proposal=proposal)
    return proposal


def edit_proposal(proposal, editor, **fields) -> Proposal:
    """Change a proposal's fields (those of :data:`FIELDS`, and ``show_of_hands`` for a
    workshop's) while :func:`~roadmap.proposals.policies.can_edit` allows; flushes."""
    _refuse(policies.why_not_edit(editor, proposal), editor, proposal)
    show_of_hands = fields.pop("show_of_hands", proposal.show_of_hands)
    if proposal.origin == "workshop":
        fields["organisation"] = None
        proposal.show_of_hands = _count(show_of_hands)
    db.session.expire(proposal, ["voice_notes"])
    values = checked_values(proposal.consultation, body_optional=bool(proposal.voice_notes),
                            **fields)
    if proposal.origin != "workshop" and values["commune"] != proposal.commune:
        _check_commune_requirement(editor, proposal.consultation, values["commune"])
    for name, value in values.items():
        setattr(proposal, name, value)
    proposal.search_text = search_text_of(proposal)  # the transcript too
    db.session.flush()
    return proposal


def withdraw_proposal(proposal, by) -> Proposal:
    """Withdraw a proposal (it stays readable, marked withdrawn); flushes and signals."""
    _refuse(policies.why_not_withdraw(by, proposal), by, proposal)
    old_status = proposal.status
    proposal.status = "withdrawn"
    proposal.withdrawn_at = utcnow()
    db.session.flush()
    proposal_status_changed.send(sender(), proposal=proposal, old_status=old_status,
                                 new_status="withdrawn", by=by)
    return proposal


def search_text_of(proposal, *, fresh: bool = True) -> str:
    """The folded title, body and voice note's transcript of ``proposal`` (``fresh``: its voice
    notes read again, as one may have just been attached or transcribed)."""
    if fresh and proposal.id is not None and proposal in db.session:
        db.session.expire(proposal, ["voice_notes"])
    return fold(f"{proposal.title}\n{proposal.text_for_reading}")


def refresh_search_text(proposals=None) -> int:
    """Recompute ``search_text`` of ``proposals`` (default: every proposal); flushes.

    For rows written without the services (imports, the demo loader, or after a change to
    :func:`roadmap.proposals.text.fold`). Returns how many changed.
    """
    fresh = proposals is not None
    if proposals is None:
        proposals = db.session.scalars(db.select(Proposal).options(
            selectinload(Proposal.voice_notes)))
    changed = 0
    for proposal in proposals:
        folded = search_text_of(proposal, fresh=fresh)
        if proposal.search_text != folded:
            proposal.search_text = folded
            changed += 1
    db.session.flush()
    return changed


def _check_commune_requirement(author, consultation, commune) -> None:
    """Check the consultation's requirement again with the commune chosen (a verified
    resident of another commune may not propose for this one): :class:`InvalidProposal` on
    the commune field."""
    reason = policies.why_not_submit(author, consultation, commune)
    if reason:
        raise InvalidProposal(reason, "commune_id")


def _refuse(reason, user, proposal=None) -> None:
    """Raise the error for a refusal: 403 when not the user's to act on, 409 otherwise."""
    if reason is None:
        return
    signed_in = getattr(user, "is_authenticated", False)
    if not signed_in or (proposal is not None and not policies.owns(user, proposal)):
        raise NotAllowed(reason)
    raise ActionClosed(reason)


# -- checking the fields -------------------------------------------------------------------

def checked_values(consultation, *, title, body, commune_id=None, axis_id=None, latitude=None,
                   longitude=None, estimated_cost_mad=None, beneficiaries=None, sdg_goals=(),
                   organisation=None, body_optional: bool = False) -> dict:
    """The model values of a proposal's fields, checked; raises :class:`InvalidProposal`.

    Title and body are trimmed, line endings normalised; ``search_text`` is their fold.
    ``body_optional``: the proposal has a voice note, so an empty body is accepted (a body
    that is given is checked as usual).
    """
    title = _text(title, "title", *TITLE_LENGTH)
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    body = "" if body_optional and not body.strip() else _text(body, "body", *BODY_LENGTH)
    commune, latitude, longitude = _place(consultation, commune_id, latitude, longitude)
    return {
        "title": title, "body": body, "commune": commune, "latitude": latitude,
        "longitude": longitude, "axis": _axis(consultation, axis_id),
        "estimated_cost_mad": _count(estimated_cost_mad, "estimated_cost_mad", MAX_COST_MAD),
        "beneficiaries": _optional(beneficiaries, BENEFICIARIES_LENGTH, "beneficiaries"),
        "sdg_goals": _goals(sdg_goals),
        "organisation": _optional(organisation, ORGANISATION_LENGTH, "organisation"),
        "search_text": fold(f"{title}\n{body}"),
    }


def _text(value, field: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise InvalidProposal(_("Write between %(min)d and %(max)d characters.", min=low,
                                max=high), field)
    return value


def _optional(value, high: int, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > high:
        raise InvalidProposal(_("Write at most %(max)d characters.", max=high), field)
    return value or None


def _place(consultation, commune_id, latitude, longitude):
    """``(commune, latitude, longitude)``: the point decides the commune when there is one."""
    if latitude is not None and longitude is not None:
        commune = commune_at(consultation, latitude, longitude)
        if commune is None:
            raise OutsidePrefecture(outside_message(), "latitude")
        return commune, float(latitude), float(longitude)
    commune = db.session.get(Commune, commune_id) if commune_id else None
    if commune is None or commune.prefecture_id != consultation.prefecture_id:
        raise InvalidProposal(_("Choose the commune."), "commune_id")
    return commune, None, None


def _axis(consultation, axis_id):
    axis = db.session.get(StrategicAxis, axis_id) if axis_id else None
    if axis is None or axis.consultation_id != consultation.id:
        raise InvalidProposal(_("Choose the strategic axis."), "axis_id")
    return axis


def _count(value, field: str = "show_of_hands", high: int = 10**7) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise InvalidProposal(_("Enter a whole number, 0 or more."), field)
    return value


def _goals(values) -> list[int]:
    goals = sorted({int(value) for value in values or ()})
    if any(goal not in SDG_GOALS for goal in goals):
        raise InvalidProposal(_("Choose goals between 1 and 17."), "sdg_goals")
    return goals
