"""Who may support, comment, like and follow: ``can_<verb>(user, subject)`` and the reasons why not.

Each ``<verb>_refusal(user, subject)`` gives a :class:`Refusal` (a code for programs and a
message in the reader's language) or ``None``; ``why_not_<verb>`` gives the message only and
``can_<verb>`` a bool. Views and templates use them; the services call the same refusals again
inside their transaction and raise :class:`~roadmap.participation.services.Refused`.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _
from flask_babel import lazy_ngettext as ngettext

from roadmap.consultations.phases import is_open
from roadmap.consultations.policies import lifecycle_refusal
from roadmap.core.models import utcnow
from roadmap.core.refusals import Refusal
from roadmap.participation.queries import votes_used
from roadmap.verification.policies import requirement_refusal

OFFICIAL_ROLES = ("moderator", "organiser")  # admins hold every role
DEFAULT_COMMENT_EDIT_MINUTES = 15


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _proposal_refusal(proposal) -> Refusal | None:
    """Refuse participation in a proposal that is withdrawn, hidden or not published, or in
    a consultation that is archived (read-only) or still a draft."""
    closed = lifecycle_refusal(proposal.consultation)
    if closed:
        return Refusal(proposal.consultation.status, closed)
    return _state_refusal(proposal)


def _state_refusal(proposal) -> Refusal | None:
    """Refuse following a proposal that is withdrawn, hidden, merged or not published."""
    if proposal.status == "withdrawn" or proposal.withdrawn_at is not None:
        return Refusal("withdrawn", _("This proposal was withdrawn by its author."))
    if proposal.hidden_at is not None:
        return Refusal("hidden", _("This proposal was hidden by a moderator."))
    if getattr(proposal, "merged_into_id", None) is not None:
        return Refusal("merged", _("This proposal was merged into another one: support or "
                                   "discuss that one instead."))
    if proposal.status != "published":
        return Refusal("not_public", _("This proposal is not published."))
    return None


def _blocked_refusal(user) -> Refusal | None:
    """Refuse every contribution of a user blocked by the moderators."""
    if getattr(user, "blocked_at", None) is not None:
        return Refusal("blocked", _("Your account was blocked by the moderators: you can no "
                                    "longer post."))
    return None


def _limit_refusal(user, proposal, fresh: bool) -> Refusal | None:
    limit = proposal.consultation.vote_limit
    if limit is None:
        return None
    used = votes_used(user.id, proposal.consultation_id, fresh=fresh)
    if used < limit:
        return None
    return Refusal("limit", ngettext(
        "You have already given your %(num)d support in this consultation: withdraw it to "
        "support another proposal.",
        "You have already given all your %(num)d supports in this consultation: withdraw one "
        "to support another proposal.", limit))


def _home_commune_refusal(user, proposal) -> Refusal | None:
    if not proposal.consultation.votes_home_commune_only:
        return None
    # The verified commune wherever a verification vouches for one, else the declared one.
    if user.residence_commune_id is None:
        return Refusal("home_commune", _(
            "Only residents can support the proposals of their commune: set your home commune "
            "in your profile."))
    if user.residence_commune_id != proposal.commune_id:
        return Refusal("home_commune", _(
            "Only residents of %(commune)s can support this proposal.",
            commune=proposal.commune.name))
    return None


# --- supports ------------------------------------------------------------------------------------

def vote_refusal(user, proposal, *, fresh: bool = False) -> Refusal | None:
    """Why ``user`` may not support ``proposal`` now (not counting an existing support).

    The proposal and the phase are checked before the login, so that visitors learn when
    supporting is closed rather than being asked to log in for nothing.
    """
    refusal = _proposal_refusal(proposal)
    if refusal:
        return refusal
    if not is_open(proposal.consultation, "vote"):
        return Refusal("phase", _("Supporting proposals is not open in the current phase."))
    if not _signed_in(user):
        return Refusal("login", _("Log in to support proposals."))
    return (_blocked_refusal(user)
            or requirement_refusal(user, proposal.consultation, "support", proposal.commune)
            or _home_commune_refusal(user, proposal) or _limit_refusal(user, proposal, fresh))


def why_not_vote(user, proposal) -> str | None:
    """The reason, in the reader's language, why ``user`` may not support ``proposal``."""
    refusal = vote_refusal(user, proposal)
    return refusal.message if refusal else None


def can_vote(user, proposal) -> bool:
    """True if ``user`` may support ``proposal`` now (an author may support their own)."""
    return vote_refusal(user, proposal) is None


def unvote_refusal(user, proposal) -> Refusal | None:
    """Why ``user`` may not withdraw a support of ``proposal`` now."""
    refusal = _proposal_refusal(proposal)
    if refusal:
        return refusal
    if not is_open(proposal.consultation, "vote"):
        return Refusal("phase", _("Supports can only be withdrawn while voting is open."))
    if not _signed_in(user):
        return Refusal("login", _("Log in to support proposals."))
    return None


def can_unvote(user, proposal) -> bool:
    """True if ``user`` may withdraw their support of ``proposal`` (voting open)."""
    return unvote_refusal(user, proposal) is None


# --- comments ----------------------------------------------------------------------------------

def comment_refusal(user, proposal) -> Refusal | None:
    """Why ``user`` may not comment on ``proposal`` now (proposal, then phase, then login)."""
    refusal = _proposal_refusal(proposal)
    if refusal:
        return refusal
    if not is_open(proposal.consultation, "comment"):
        return Refusal("phase", _("Comments are closed in the current phase."))
    if not _signed_in(user):
        return Refusal("login", _("Log in to comment."))
    return _blocked_refusal(user) or requirement_refusal(user, proposal.consultation, "comment",
                                                         proposal.commune)


def why_not_comment(user, proposal) -> str | None:
    """The reason why ``user`` may not comment on ``proposal``, or None."""
    refusal = comment_refusal(user, proposal)
    return refusal.message if refusal else None


def can_comment(user, proposal) -> bool:
    """True if ``user`` may comment on ``proposal`` now."""
    return comment_refusal(user, proposal) is None


def comment_edit_window() -> timedelta:
    """How long after posting an author may edit a comment (``COMMENT_EDIT_MINUTES``)."""
    minutes = current_app.config.get("COMMENT_EDIT_MINUTES", DEFAULT_COMMENT_EDIT_MINUTES)
    return timedelta(minutes=int(minutes))


def _own_comment_refusal(user, comment) -> Refusal | None:
    if not _signed_in(user):
        return Refusal("login", _("Log in to comment."))
    if comment.author_id != user.id:
        return Refusal("not_author", _("Only the author of a comment can change it."))
    if comment.deleted_at is not None:
        return Refusal("deleted", _("This comment was deleted."))
    return None


def edit_comment_refusal(user, comment) -> Refusal | None:
    """Why ``user`` may not edit ``comment``: only its author, within the edit window."""
    refusal = _own_comment_refusal(user, comment)
    if refusal:
        return refusal
    if comment.hidden_at is not None:
        return Refusal("hidden", _("This comment was hidden by a moderator."))
    if utcnow() - comment.created_at > comment_edit_window():
        return Refusal("too_late", ngettext(
            "A comment can only be edited in the %(num)d minute after it was posted.",
            "A comment can only be edited in the %(num)d minutes after it was posted.",
            int(comment_edit_window().total_seconds() // 60)))
    return comment_refusal(user, comment.proposal)


def can_edit_comment(user, comment) -> bool:
    """True if ``user`` may edit ``comment`` now."""
    return edit_comment_refusal(user, comment) is None


def delete_comment_refusal(user, comment) -> Refusal | None:
    """Why ``user`` may not delete ``comment``: only its author, once, at any time."""
    return _own_comment_refusal(user, comment)


def can_delete_comment(user, comment) -> bool:
    """True if ``user`` may delete ``comment``."""
    return delete_comment_refusal(user, comment) is None


def like_refusal(user, comment) -> Refusal | None:
    """Why ``user`` may not like (or unlike) ``comment`` now."""
    if not _signed_in(user):
        return Refusal("login", _("Log in to like comments."))
    if comment.author_id == user.id:
        return Refusal("own", _("You cannot like your own comment."))
    if comment.deleted_at is not None or comment.hidden_at is not None:
        return Refusal("gone", _("This comment is no longer shown."))
    return comment_refusal(user, comment.proposal)


def can_like_comment(user, comment) -> bool:
    """True if ``user`` may like or unlike ``comment``."""
    return like_refusal(user, comment) is None


def is_official(user) -> bool:
    """True if comments of ``user`` carry the "Official" badge (moderators, organisers, admins)."""
    return _signed_in(user) and user.has_role(*OFFICIAL_ROLES)


# --- follows -----------------------------------------------------------------------------------

def follow_refusal(user, proposal) -> Refusal | None:
    """Why ``user`` may not follow ``proposal`` (unfollowing is always allowed)."""
    if not _signed_in(user):
        return Refusal("login", _("Log in to follow proposals."))
    return _state_refusal(proposal)  # following an archived proposal's fate stays allowed


def can_follow(user, proposal) -> bool:
    """True if ``user`` may follow ``proposal``."""
    return follow_refusal(user, proposal) is None


TEMPLATE_POLICIES = {
    "vote_refusal": vote_refusal,
    "comment_refusal": comment_refusal,
    "can_vote": can_vote,
    "why_not_vote": why_not_vote,
    "can_unvote": can_unvote,
    "can_comment": can_comment,
    "why_not_comment": why_not_comment,
    "can_edit_comment": can_edit_comment,
    "can_delete_comment": can_delete_comment,
    "can_like_comment": can_like_comment,
    "can_follow": can_follow,
}


# -- attachments -------------------------------------------------------------------------------

def _comment_attachments_visible(user, comment_id: int) -> bool:
    """A comment's voice note: seen by whoever sees the comment (hidden: its author and the
    moderators), on a proposal they see."""
    from roadmap.extensions import db
    from roadmap.participation.models import Comment
    from roadmap.proposals.policies import can_view

    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        return False
    signed_in = getattr(user, "is_authenticated", False)
    if comment.hidden_at is not None and not (
            signed_in and (comment.author_id == user.id
                           or user.has_role("moderator", "organiser"))):
        return False
    return can_view(user, comment.proposal)


def _register_attachments() -> None:
    from roadmap.media.policies import register_subject

    register_subject("comment_id", _comment_attachments_visible)


_register_attachments()
