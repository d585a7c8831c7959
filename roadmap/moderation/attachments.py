"""What an attachment is attached to and the consultation it belongs to: what moderation needs
to judge, log and link an attachment like a proposal or a comment.

Moderation sits below the roadmaps in the layers (``tests/core/test_layers.py``): a progress
update's consultation is read through the tables by name, not through the roadmaps' models.
"""
from __future__ import annotations

from sqlalchemy import select

from roadmap.consultations.models import Consultation, Workshop
from roadmap.extensions import db
from roadmap.participation.models import Comment
from roadmap.proposals.models import Proposal


def subject_of(attachment):
    """The proposal, comment or workshop ``attachment`` belongs to (``None`` when staged, for
    a progress update, or when the subject is gone)."""
    if attachment.proposal_id is not None:
        return db.session.get(Proposal, attachment.proposal_id)
    if attachment.comment_id is not None:
        return db.session.get(Comment, attachment.comment_id)
    if attachment.workshop_id is not None:
        return db.session.get(Workshop, attachment.workshop_id)
    return None


def proposal_of(attachment):
    """The proposal an attachment is shown on (its own, or its comment's), or ``None``."""
    subject = subject_of(attachment)
    if attachment.proposal_id is not None:
        return subject
    if attachment.comment_id is not None and subject is not None:
        return subject.proposal
    return None


def _progress_update_consultation(progress_update_id: int):
    """The consultation of a progress update, read once per request (a timeline asks for each
    of its photos' report links)."""
    from flask import g, has_app_context

    cache = g.setdefault("_progress_update_consultations", {}) if has_app_context() else {}
    if progress_update_id not in cache:
        cache[progress_update_id] = _read_progress_update_consultation_id(progress_update_id)
    consultation_id = cache[progress_update_id]
    return db.session.get(Consultation, consultation_id) if consultation_id else None


def _read_progress_update_consultation_id(progress_update_id: int) -> int | None:
    tables = db.metadata.tables
    update, item, roadmap = (tables[name] for name in ("progress_update", "roadmap_item",
                                                         "roadmap"))
    return db.session.scalar(
        select(roadmap.c.consultation_id).select_from(update)
        .join(item, item.c.id == update.c.item_id).join(roadmap, roadmap.c.id == item.c.roadmap_id)
        .where(update.c.id == progress_update_id))


def consultation_of(attachment):
    """The consultation of what ``attachment`` belongs to (``None`` when staged)."""
    if attachment.progress_update_id is not None:
        return _progress_update_consultation(attachment.progress_update_id)
    subject = subject_of(attachment)
    if subject is None:
        return None
    if attachment.comment_id is not None:
        return subject.proposal.consultation
    return subject.consultation


def page_url(attachment) -> str | None:
    """The public page that shows ``attachment`` (for the review queue), or ``None``."""
    from flask import url_for

    consultation = consultation_of(attachment)
    if consultation is None:
        return None
    if attachment.progress_update_id is not None:
        return url_for("roadmaps.show", slug=consultation.slug)
    if attachment.workshop_id is not None:
        return url_for("consultations.workshop", slug=consultation.slug,
                       workshop_id=attachment.workshop_id)
    proposal = proposal_of(attachment)
    anchor = f"comment-{attachment.comment_id}" if attachment.comment_id is not None else None
    return url_for("proposals.show", slug=consultation.slug, proposal_id=proposal.id,
                   _anchor=anchor)
