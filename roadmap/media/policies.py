"""Who sees an attachment's files: whoever sees what it is attached to, while it is shown.

A staged attachment is its uploader's alone; a hidden one (reported, hidden by a moderator, or
its uploader blocked) and one still processing are seen only by its uploader and the
moderators (and organisers), who must judge it.
"""
from __future__ import annotations


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_uploader(user, attachment) -> bool:
    return _signed_in(user) and attachment.uploaded_by_id == user.id


def is_moderator(user) -> bool:
    return _signed_in(user) and user.has_role("moderator", "organiser")


# What an attachment is attached to decides who sees it. The domains above this one register
# how (``register_subject``): media sits below proposals and participation and imports neither.
_SUBJECTS: dict[str, "SubjectRules"] = {}


class SubjectRules:
    """How one kind of subject shares its visibility and editing with its attachments."""

    def __init__(self, visible, editable=None):
        self.visible = visible  # (user, subject_id) -> bool: sees it (its text, when hidden)
        self.editable = editable  # (user, subject_id) -> bool: may still change its files


def register_subject(column: str, visible, editable=None) -> None:
    """Tell who sees (and may change) the attachments of subjects in ``column``."""
    _SUBJECTS[column] = SubjectRules(visible, editable)


def _subject(attachment):
    for column, rules in _SUBJECTS.items():
        subject_id = getattr(attachment, column)
        if subject_id is not None:
            return rules, subject_id
    return None, None


def subject_visible(user, attachment) -> bool:
    """Whether ``user`` may see what ``attachment`` is attached to (its text, when hidden)."""
    if attachment.is_staged:
        return is_uploader(user, attachment)  # staged: only its uploader
    rules, subject_id = _subject(attachment)
    if rules is None:  # workshops' records and progress updates are public
        return True
    return bool(rules.visible(user, subject_id))


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
    rules, subject_id = _subject(attachment)
    return bool(rules is not None and rules.editable and rules.editable(user, subject_id))


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
