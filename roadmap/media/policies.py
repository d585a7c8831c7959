"""Who sees an attachment's files: whoever sees what it is attached to, while it is shown.

A staged attachment is its uploader's alone; a hidden one (reported, hidden by a moderator, or
its uploader blocked) and one still processing are seen only by its uploader and the
moderators (and organisers), who must judge it.
"""
from __future__ import annotations

from roadmap.extensions import db


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_uploader(user, attachment) -> bool:
    return _signed_in(user) and attachment.uploaded_by_id == user.id


def is_moderator(user) -> bool:
    return _signed_in(user) and user.has_role("moderator", "organiser")


def subject_visible(user, attachment) -> bool:
    """Whether ``user`` may see what ``attachment`` is attached to (its text, when hidden)."""
    from roadmap.proposals.models import Proposal
    from roadmap.proposals.policies import can_read_hidden, can_view

    if attachment.proposal_id is not None:
        proposal = db.session.get(Proposal, attachment.proposal_id)
        if proposal is None or not can_view(user, proposal):
            return False
        return proposal.hidden_at is None or can_read_hidden(user, proposal)
    if attachment.comment_id is not None:
        from roadmap.participation.models import Comment

        comment = db.session.get(Comment, attachment.comment_id)
        if comment is None or comment.deleted_at is not None:
            return False
        if comment.hidden_at is not None and not (is_moderator(user)
                                                  or comment.author_id == getattr(user, "id", 0)):
            return False
        proposal = db.session.get(Proposal, comment.proposal_id)
        return proposal is not None and can_view(user, proposal)
    if attachment.workshop_id is not None or attachment.progress_update_id is not None:
        return True  # workshops' records and progress updates are public
    return is_uploader(user, attachment)  # staged: only its uploader


def can_view_attachment(user, attachment) -> bool:
    """True if ``user`` may be sent ``attachment``'s files."""
    if not subject_visible(user, attachment):
        return False
    if attachment.hidden_at is not None or attachment.state != "ready":
        return is_uploader(user, attachment) or is_moderator(user)
    return True


def can_remove_attachment(user, attachment) -> bool:
    """Its uploader while they may still change what it is attached to (staged: always)."""
    if not is_uploader(user, attachment):
        return False
    if attachment.is_staged:
        return True
    if attachment.proposal_id is not None:
        from roadmap.proposals.models import Proposal
        from roadmap.proposals.policies import can_edit

        proposal = db.session.get(Proposal, attachment.proposal_id)
        return proposal is not None and can_edit(user, proposal)
    return False


def subject_author_id(attachment) -> int | None:
    """The author of what ``attachment`` is attached to (a proposal or a comment), or None."""
    subject = attachment.proposal or attachment.comment
    return subject.author_id if subject is not None else None


def can_transcribe(user, attachment) -> bool:
    """Who may write a voice note's transcript: a moderator or an organiser, or the author of
    the proposal or comment it belongs to (not while blocked), as long as they see it."""
    if attachment is None or attachment.kind != "voice" or attachment.is_staged:
        return False
    if attachment.proposal_id is None and attachment.comment_id is None:
        return False
    if not _signed_in(user) or not subject_visible(user, attachment):
        return False
    if is_moderator(user):
        return True
    return (getattr(user, "blocked_at", None) is None
            and subject_author_id(attachment) == user.id)
