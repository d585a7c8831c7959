"""What an attachment is attached to, and the consultation it belongs to (for moderation,
the audit log and the links of the review queue)."""
from __future__ import annotations

from roadmap.extensions import db


def subject_of(attachment):
    """The proposal, comment, workshop or progress update ``attachment`` belongs to (``None``
    when staged or when the subject is gone)."""
    if attachment.proposal_id is not None:
        from roadmap.proposals.models import Proposal
        return db.session.get(Proposal, attachment.proposal_id)
    if attachment.comment_id is not None:
        from roadmap.participation.models import Comment
        return db.session.get(Comment, attachment.comment_id)
    if attachment.workshop_id is not None:
        from roadmap.consultations.models import Workshop
        return db.session.get(Workshop, attachment.workshop_id)
    if attachment.progress_update_id is not None:
        from roadmap.roadmaps.models import ProgressUpdate
        return db.session.get(ProgressUpdate, attachment.progress_update_id)
    return None


def proposal_of(attachment):
    """The proposal an attachment is shown on (its own, or its comment's), or ``None``."""
    subject = subject_of(attachment)
    if attachment.proposal_id is not None:
        return subject
    if attachment.comment_id is not None and subject is not None:
        return subject.proposal
    return None


def consultation_of(attachment):
    """The consultation of what ``attachment`` belongs to (``None`` when staged)."""
    subject = subject_of(attachment)
    if subject is None:
        return None
    if attachment.comment_id is not None:
        return subject.proposal.consultation
    if attachment.progress_update_id is not None:
        return subject.item.roadmap.consultation
    return subject.consultation


def page_url(attachment) -> str | None:
    """The public page that shows ``attachment`` (for the review queue), or ``None``."""
    from flask import url_for

    subject = subject_of(attachment)
    if subject is None:
        return None
    consultation = consultation_of(attachment)
    if attachment.workshop_id is not None:
        return url_for("consultations.workshop", slug=consultation.slug, workshop_id=subject.id)
    if attachment.progress_update_id is not None:
        return url_for("roadmaps.show", slug=consultation.slug)
    proposal = proposal_of(attachment)
    anchor = f"comment-{subject.id}" if attachment.comment_id is not None else None
    return url_for("proposals.show", slug=consultation.slug, proposal_id=proposal.id,
                   _anchor=anchor)
