"""Who may report, moderate, block, merge and read the audit log.

- Reporting: any signed-in, non-blocked user whose address is confirmed, once per item, not
  their own content, not content that is deleted, and not in an archived consultation
  (read-only) or a draft.
- Moderating (queue, decisions): moderators, organisers and admins.
- Blocking: moderators (and up), never an admin, never oneself.
- Merging: moderators (and up).
- Reading the audit log: organisers and admins.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from roadmap.consultations.policies import lifecycle_refusal
from roadmap.core.refusals import Refusal
from roadmap.verification.policies import confirmation_refusal

MODERATOR_ROLES = ("moderator", "organiser")  # admins hold every role


def signed_in(user) -> bool:
    """True for an authenticated user."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_blocked(user) -> bool:
    """True if ``user`` was blocked by a moderator (they can no longer post)."""
    return signed_in(user) and getattr(user, "blocked_at", None) is not None


def blocked_message() -> str:
    """What a blocked user is told when they try to post."""
    return _("Your account was blocked by the moderators: you can no longer post.")


def _consultation_of(subject):
    """The consultation of a proposal, of a comment's proposal, or of what an attachment
    belongs to."""
    from roadmap.media.models import Attachment

    if isinstance(subject, Attachment):
        from roadmap.moderation.attachments import consultation_of
        return consultation_of(subject)
    proposal = subject.proposal if hasattr(subject, "proposal_id") else subject
    return proposal.consultation


def author_id_of(subject) -> int | None:
    """Who wrote a proposal or a comment, or uploaded an attachment."""
    from roadmap.media.models import Attachment

    if isinstance(subject, Attachment):
        return subject.uploaded_by_id
    return subject.author_id


def report_refusal(user, subject, *, check_existing: bool = True) -> Refusal | None:
    """Why ``user`` cannot report ``subject`` (a proposal, a comment or an attachment), as a
    :class:`~roadmap.core.refusals.Refusal` (with a link to get what is missing), or ``None``.

    ``check_existing=False`` skips the query for an earlier report by ``user`` (for a link
    shown on every comment of a page; the report page itself checks).
    """
    from roadmap.moderation.queries import has_reported

    if not signed_in(user):
        return Refusal("login", _l("Log in to report content."))
    if is_blocked(user):
        return Refusal("blocked", blocked_message())
    author_id = author_id_of(subject)
    if author_id is not None and author_id == user.id:
        return Refusal("own", _l("You cannot report your own contribution."))
    if getattr(subject, "deleted_at", None) is not None:
        return Refusal("deleted", _l("This comment was deleted."))
    consultation = _consultation_of(subject)
    if consultation is None:  # a staged attachment: nobody else sees it
        return Refusal("deleted", _l("This file is not shown."))
    closed = lifecycle_refusal(consultation)
    if closed:
        return Refusal(consultation.status, closed)
    unconfirmed = confirmation_refusal(user, "report")
    if unconfirmed:
        return unconfirmed
    if check_existing and has_reported(user, subject):
        return Refusal("already", _l("You have already reported this."))
    return None


def why_not_report(user, subject, *, check_existing: bool = True) -> str | None:
    """Why ``user`` cannot report ``subject``, or ``None`` (the message of
    :func:`report_refusal`)."""
    refusal = report_refusal(user, subject, check_existing=check_existing)
    return refusal.message if refusal else None


def can_report(user, subject) -> bool:
    """True if ``user`` may report ``subject`` now."""
    return why_not_report(user, subject) is None


def shows_report_link(user, subject) -> bool:
    """True if a "Report" link is shown to ``user`` on ``subject`` (no query per item)."""
    return why_not_report(user, subject, check_existing=False) is None


def report_link_refusal(user, subject) -> Refusal | None:
    """The refusal a "Report" link leads to instead of the form: an account that could report
    once it confirmed its address still sees the link, and the report page tells it how."""
    refusal = report_refusal(user, subject, check_existing=False)
    return refusal if refusal is not None and refusal.code == "unconfirmed" else None


def can_moderate(user, consultation=None) -> bool:
    """True for moderators, organisers and admins (of any consultation)."""
    return signed_in(user) and user.has_role(*MODERATOR_ROLES)


def why_not_block(user, target) -> str | None:
    """Why ``user`` cannot block ``target``, or ``None``."""
    if not can_moderate(user):
        return _("Only moderators can block users.")
    if target.id == user.id:
        return _("You cannot block yourself.")
    if target.role == "admin":
        return _("Administrators cannot be blocked.")
    return None


def can_block(user, target) -> bool:
    """True if ``user`` may block (or unblock) ``target``."""
    return why_not_block(user, target) is None


def can_merge(user, proposal=None) -> bool:
    """True if ``user`` may merge duplicate proposals (moderators and up)."""
    return can_moderate(user)


def can_read_audit(user, consultation=None) -> bool:
    """True for organisers and admins."""
    return signed_in(user) and user.has_role("organiser")


def can_see_hidden(user, subject) -> bool:
    """True if ``user`` reads a hidden item's content: its author, or a moderator."""
    if not signed_in(user):
        return False
    return author_id_of(subject) == user.id or can_moderate(user)


def offered_decisions(item) -> list[tuple[str, str]]:
    """The decisions the review queue offers on ``item`` (a ``QueueItem``), in their order, as
    ``(action, label)`` pairs (actions of ``services.DECISIONS``; labels in the reader's
    language): approve and reject a pending proposal; keep an item that was reported or
    hidden by its reports; restore a hidden item or hide a visible one; dismiss open reports.
    """
    subject = item.subject
    decisions = []
    if item.kind == "proposal" and subject.status == "pending":
        decisions += [("approve", _("Approve")), ("reject", _("Reject"))]
    elif subject.hidden_cause == "reports" or item.reports:
        decisions.append(("approve", _("Keep it")))
    decisions.append(("restore", _("Restore")) if subject.hidden_at else ("hide", _("Hide")))
    if item.reports:
        decisions.append(("dismiss", _("Dismiss the reports")))
    return decisions


TEMPLATE_POLICIES = {
    "offered_decisions": offered_decisions,
    "can_report": can_report,
    "why_not_report": why_not_report,
    "report_link_refusal": report_link_refusal,
    "shows_report_link": shows_report_link,
    "can_moderate": can_moderate,
    "can_block": can_block,
    "can_merge": can_merge,
    "can_read_audit": can_read_audit,
    "can_see_hidden": can_see_hidden,
}
