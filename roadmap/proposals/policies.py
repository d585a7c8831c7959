"""Who may do what with proposals: ``can_<verb>(user, subject)`` and ``why_not_<verb>``.

``why_not_<verb>`` gives the reason in the reader's language, or ``None`` when allowed;
``can_<verb>`` is its boolean. Views, templates (through :data:`TEMPLATE_POLICIES`, with
``_proposal`` names so that they do not collide with other domains) and services use them.

- Nothing is proposed, edited or withdrawn in an archived consultation (read-only) or in a
  draft (organisers may enter a workshop's proposals in a draft, not in an archived one).
- Submitting: any signed-in user, while the proposals phase is open.
- Editing: the author (for a workshop proposal: an organiser), while the proposal is pending
  or published, has no support and no comment yet, and the proposals phase is open (for a
  workshop proposal: while workshop proposals may be entered).
- Withdrawing: the author (workshop proposal: an organiser), while it is pending or published,
  until the evaluation phase ends.
- Entering a workshop's proposals: organisers (and admins), during the diagnosis, proposals
  and voting phases, so that workshops held before or while proposals are collected count.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from roadmap.consultations.phases import current_phase, is_open, today
from roadmap.consultations.policies import lifecycle_refusal
from roadmap.core.refusals import Refusal
from roadmap.verification.policies import requirement_refusal

# Phases in which organisers may enter the proposals a workshop produced.
WORKSHOP_ENTRY_PHASES = ("diagnosis", "proposals", "voting")
EDITABLE_STATUSES = ("pending", "published")


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _is_organiser(user) -> bool:
    return _signed_in(user) and user.has_role("organiser")


def owns(user, proposal) -> bool:
    """True if ``user`` speaks for ``proposal``: its author, or an organiser for a workshop's."""
    if not _signed_in(user):
        return False
    if proposal.origin == "workshop":
        return _is_organiser(user)
    return proposal.author_id is not None and proposal.author_id == user.id


def submit_refusal(user, consultation, commune=None):
    """What ``user`` lacks to propose in ``consultation`` (for ``commune``, if chosen): a
    :class:`~roadmap.core.refusals.Refusal` with a link to get it, or None. Only the
    requirement: :func:`why_not_submit` checks the phase and the account first."""
    return requirement_refusal(user, consultation, "propose", commune)


def submission_refusal(user, consultation, commune=None) -> Refusal | None:
    """Why ``user`` cannot make a proposal in ``consultation`` now, as a
    :class:`~roadmap.core.refusals.Refusal` (with a link to get what is missing), or ``None``.

    ``commune``: the commune chosen for it (a verified-resident requirement checks it).
    """
    closed = lifecycle_refusal(consultation)
    if closed:
        return Refusal(consultation.status, closed)
    if not _signed_in(user):
        return Refusal("login", _l("Log in to make a proposal."))
    if getattr(user, "blocked_at", None) is not None:
        return Refusal("blocked", _l("Your account was blocked by the moderators: you can no "
                                     "longer post."))
    if not is_open(consultation, "propose"):
        return Refusal("phase", _l("Proposals can only be made during the proposals phase."))
    return submit_refusal(user, consultation, commune)


def why_not_submit(user, consultation, commune=None) -> str | None:
    """Why ``user`` cannot make a proposal in ``consultation`` now, or ``None`` (the message of
    :func:`submission_refusal`)."""
    refusal = submission_refusal(user, consultation, commune)
    return refusal.message if refusal else None


def can_submit(user, consultation) -> bool:
    """True if ``user`` may make a proposal in ``consultation`` now."""
    return why_not_submit(user, consultation) is None


def why_not_edit(user, proposal) -> str | None:
    """Why ``user`` cannot edit ``proposal`` now, or ``None``."""
    if not _signed_in(user):
        return _("Log in to edit your proposal.")
    if not owns(user, proposal):
        return _("Only its author can edit this proposal.")
    closed = lifecycle_refusal(proposal.consultation)
    if closed:
        return str(closed)
    if proposal.status not in EDITABLE_STATUSES or proposal.hidden_at is not None:
        return _("This proposal can no longer be edited.")
    if proposal.supports_count or proposal.comments_count:
        return _("This proposal can no longer be edited: it has received supports or comments.")
    if proposal.origin == "workshop":
        if not workshop_entry_open(proposal.consultation):
            return _("Workshop proposals can only be entered or edited during the diagnosis, "
                     "proposals and voting phases.")
    elif not is_open(proposal.consultation, "propose"):
        return _("Proposals can only be edited during the proposals phase.")
    return None


def can_edit(user, proposal) -> bool:
    """True if ``user`` may edit ``proposal`` now."""
    return why_not_edit(user, proposal) is None


def evaluation_over(consultation) -> bool:
    """True once the last day of the consultation's evaluation phase has passed."""
    ends = [phase.ends_on for phase in consultation.phases if phase.kind == "evaluation"]
    return bool(ends) and today() > max(ends)


def why_not_withdraw(user, proposal) -> str | None:
    """Why ``user`` cannot withdraw ``proposal`` now, or ``None``."""
    if not _signed_in(user):
        return _("Log in to withdraw your proposal.")
    if not owns(user, proposal):
        return _("Only its author can withdraw this proposal.")
    closed = lifecycle_refusal(proposal.consultation)
    if closed:
        return str(closed)
    if proposal.status == "withdrawn":
        return _("This proposal is already withdrawn.")
    if proposal.status not in EDITABLE_STATUSES:
        return _("This proposal can no longer be withdrawn.")
    if evaluation_over(proposal.consultation):
        return _("The evaluation is over: proposals can no longer be withdrawn.")
    return None


def can_withdraw(user, proposal) -> bool:
    """True if ``user`` may withdraw ``proposal`` now."""
    return why_not_withdraw(user, proposal) is None


def can_view(user, proposal) -> bool:
    """Published and withdrawn proposals are public (a hidden one shows the moderators'
    notice instead of its text: see :func:`can_read_hidden`); pending and rejected ones only
    to their author and moderators (and admins)."""
    if proposal.status in ("published", "withdrawn"):
        return True
    if not _signed_in(user):
        return False
    return proposal.author_id == user.id or user.has_role("moderator")


def can_read_hidden(user, proposal) -> bool:
    """True if ``user`` reads the text of a hidden proposal: its author or a moderator."""
    if not _signed_in(user):
        return False
    return proposal.author_id == user.id or user.has_role("moderator", "organiser")


def workshop_entry_open(consultation) -> bool:
    """True while workshop proposals may be entered (diagnosis, proposals or voting phase)."""
    return current_phase(consultation) in WORKSHOP_ENTRY_PHASES


def why_not_enter_workshop_proposals(user, workshop) -> str | None:
    """Why ``user`` cannot enter proposals on behalf of ``workshop`` now, or ``None``."""
    if not _is_organiser(user):
        return _("Only organisers enter the proposals of a workshop.")
    if workshop.consultation.is_archived:
        return str(lifecycle_refusal(workshop.consultation))
    if not workshop_entry_open(workshop.consultation):
        return _("Workshop proposals can only be entered or edited during the diagnosis, "
                 "proposals and voting phases.")
    return None


def can_enter_workshop_proposals(user, workshop) -> bool:
    """True if ``user`` may enter the proposals ``workshop`` produced, now."""
    return why_not_enter_workshop_proposals(user, workshop) is None


TEMPLATE_POLICIES = {
    "can_submit_proposal": can_submit,
    "why_not_submit_proposal": why_not_submit,
    "submit_proposal_refusal": submit_refusal,
    "proposal_submission_refusal": submission_refusal,
    "can_edit_proposal": can_edit,
    "why_not_edit_proposal": why_not_edit,
    "can_withdraw_proposal": can_withdraw,
    "can_view_proposal": can_view,
    "can_read_hidden_proposal": can_read_hidden,
    "can_enter_workshop_proposals": can_enter_workshop_proposals,
}


# -- attachments -------------------------------------------------------------------------------

def _attachments_visible(user, proposal_id: int) -> bool:
    """A proposal's photos, documents and voice notes: seen by whoever reads its text."""
    from roadmap.extensions import db
    from roadmap.proposals.models import Proposal

    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can_view(user, proposal):
        return False
    return proposal.hidden_at is None or can_read_hidden(user, proposal)


def _attachments_editable(user, proposal_id: int) -> bool:
    from roadmap.extensions import db
    from roadmap.proposals.models import Proposal

    proposal = db.session.get(Proposal, proposal_id)
    return proposal is not None and can_edit(user, proposal)


def _register_attachments() -> None:
    from roadmap.media.policies import register_subject

    register_subject("proposal_id", _attachments_visible, _attachments_editable)


_register_attachments()
