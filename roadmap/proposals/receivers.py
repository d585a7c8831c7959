"""What proposals answers when the consultations domain asks something, and how it follows
what the media domain tells.

Connected when this module is imported (by :mod:`roadmap.proposals.views`).
"""
from __future__ import annotations

from sqlalchemy import func, select

from roadmap.consultations.signals import axis_uses
from roadmap.extensions import db
from roadmap.media.signals import transcript_changed
from roadmap.proposals.models import Proposal


@axis_uses.connect
def proposals_on_axis(sender, axis=None, **_extra) -> tuple[str, int]:
    """How many proposals (of any status) are filed under ``axis``."""
    if axis is None or axis.id is None:
        return "proposals", 0
    return "proposals", db.session.scalar(select(func.count(Proposal.id))
                                          .where(Proposal.axis_id == axis.id)) or 0


@transcript_changed.connect
def search_the_transcript(sender, attachment=None, **_extra) -> None:
    """A proposal's voice note has a new transcript: the list search and similarity read it."""
    from roadmap.proposals.services import refresh_search_text

    if attachment is not None and attachment.proposal_id is not None:
        refresh_search_text([attachment.proposal])
