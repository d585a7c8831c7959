"""What participation does when the proposals domain signals something.

Connected when this module is imported (by :mod:`roadmap.participation.views`). The proposals
domain sends its signals inside its own transaction; the receivers flush, never commit.
"""
from __future__ import annotations

from roadmap.participation.services import auto_follow, notify_followers
from roadmap.proposals.signals import proposal_status_changed, proposal_submitted


@proposal_submitted.connect
def follow_own_proposal(sender, proposal=None, **_extra) -> None:
    """The author of a new proposal follows it."""
    if proposal is not None and proposal.author is not None:
        auto_follow(proposal, proposal.author)


@proposal_status_changed.connect
def notify_status_change(sender, proposal=None, old_status=None, new_status=None, by=None,
                         **_extra) -> None:
    """Followers (but the person who changed it) learn the proposal's new status."""
    if proposal is None or new_status == old_status:
        return
    notify_followers(proposal, "status", {"old_status": old_status, "new_status": new_status},
                     actor=by)
