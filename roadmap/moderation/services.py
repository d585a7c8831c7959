"""What moderators (and reporting users) do: report, approve, hide, restore, reject, dismiss,
block and unblock, merge duplicates and undo a merge.

Every function takes the subject first and the acting user explicitly, checks the policy again,
flushes (never commits) and writes an audit entry for each decision. A refusal raises
:class:`ModerationError` (or :class:`NotAllowed`) and changes nothing.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from roadmap.accounts.models import User
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.media.models import Attachment
from roadmap.moderation import policies
from roadmap.audit.log import record
from roadmap.moderation.models import REPORT_REASONS, ProposalMerge, Report
from roadmap.moderation.queries import _subject_column, open_reporters_count
from roadmap.participation.models import Comment, Notification, Vote
from roadmap.participation.queries import forget_votes_used
from roadmap.proposals.models import Proposal
from roadmap.proposals.signals import proposal_status_changed, sender

DEFAULT_REPORT_THRESHOLD = 3


class ModerationError(Exception):
    """A moderation action was refused; ``message`` says why in the reader's language (a
    string, or the policy's :class:`~roadmap.core.refusals.Refusal` with its link)."""

    status = 409

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


class NotAllowed(ModerationError):
    """The acting user may not do this (HTTP 403)."""

    status = 403


class InvalidInput(ModerationError):
    """A reason is missing or a choice is unknown (HTTP 422)."""

    status = 422


def kind_of(subject) -> str:
    """``proposal``, ``comment`` or ``attachment``."""
    if isinstance(subject, Attachment):
        return "attachment"
    return "proposal" if isinstance(subject, Proposal) else "comment"


def consultation_of(subject):
    """The consultation a proposal, a comment or an attachment belongs to."""
    if isinstance(subject, Attachment):
        from roadmap.moderation.attachments import consultation_of as attachment_consultation
        return attachment_consultation(subject)
    return subject.consultation if isinstance(subject, Proposal) else subject.proposal.consultation


def _state(subject) -> dict:
    """The moderation fields of ``subject``, for the audit log."""
    state = {"hidden": subject.hidden_at is not None, "hidden_cause": subject.hidden_cause,
             "hidden_reason": subject.hidden_reason}
    if isinstance(subject, Proposal):
        state |= {"status": subject.status, "rejection_reason": subject.rejection_reason,
                  "merged_into_id": subject.merged_into_id}
    return state


def _require_moderator(by) -> None:
    if not policies.can_moderate(by):
        raise NotAllowed(_("Only moderators can do this."), "forbidden")


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason: it is shown to the public and to the author."),
                           "reason")
    return reason


def _set_hidden(subject, cause: str | None, reason: str | None = None) -> None:
    subject.hidden_at = utcnow() if cause else None
    subject.hidden_cause = cause
    subject.hidden_reason = reason if cause else None


def _decide(subject, by, action: str, change, reason: str | None = None):
    """Apply ``change(subject)``, flush and record the decision with before and after."""
    before = _state(subject)
    change(subject)
    db.session.flush()
    consultation = consultation_of(subject)
    record(by, f"{kind_of(subject)}.{action}", subject, reason=reason, before=before,
           after=_state(subject), consultation=consultation.id if consultation else None)
    return subject


def _close_reports(subject, by) -> int:
    """Mark the open reports of ``subject`` as handled; returns how many."""
    column = _subject_column(subject)
    result = db.session.execute(
        update(Report).where(column == subject.id, Report.dismissed_at.is_(None))
        .values(dismissed_at=utcnow(), dismissed_by_id=getattr(by, "id", None))
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


# --- reporting ---------------------------------------------------------------------------------

def report(subject, reporter, reason: str, note: str | None = None) -> Report:
    """``reporter`` reports a proposal, a comment or an attachment; hides it once enough people
    reported it.

    At ``consultation.report_threshold`` distinct reporters (reports not dismissed), a visible
    item is hidden pending review (``hidden_cause`` "reports"), recorded in the audit log.
    """
    refusal = policies.report_refusal(reporter, subject)
    if refusal:
        raise NotAllowed(refusal, "forbidden")
    if reason not in REPORT_REASONS:
        raise InvalidInput(_("Choose a reason."), "reason")
    row = Report(reporter_id=reporter.id, reason=reason, note=(note or "").strip() or None,
                 **{f"{kind_of(subject)}_id": subject.id})
    db.session.add(row)
    db.session.flush()
    _hide_if_threshold(subject)
    return row


def _hide_if_threshold(subject) -> None:
    threshold = consultation_of(subject).report_threshold or DEFAULT_REPORT_THRESHOLD
    if subject.hidden_at is None and open_reporters_count(subject) >= threshold:
        _decide(subject, None, "auto_hide", lambda s: _set_hidden(s, "reports"),
                reason=_("Reported by %(num)d people", num=threshold))


# --- decisions on content -------------------------------------------------------------------

def approve(subject, by, reason: str | None = None):
    """Publish a pending proposal and/or keep a reported item: its reports are closed and a
    report-caused hiding is lifted."""
    _require_moderator(by)
    if isinstance(subject, Proposal) and subject.status not in ("pending", "published"):
        raise ModerationError(_("Only pending or published proposals can be approved."), "state")
    old_status = getattr(subject, "status", None)

    def change(item):
        if item.hidden_cause == "reports":
            _set_hidden(item, None)
        if isinstance(item, Proposal):
            item.status = "published"
        _close_reports(item, by)

    _decide(subject, by, "approve", change, reason)
    _status_changed(subject, old_status, by)
    return subject


def hide(subject, by, reason: str | None):
    """Hide an item with a reason shown to the public and to its author."""
    _require_moderator(by)
    reason = _require_reason(reason)

    def change(item):
        _set_hidden(item, "moderator", reason)
        _close_reports(item, by)

    return _decide(subject, by, "hide", change, reason)


def restore(subject, by, reason: str | None = None):
    """Show a hidden item again, whatever hid it."""
    _require_moderator(by)
    if subject.hidden_at is None:
        raise ModerationError(_("This is not hidden."), "state")

    def change(item):
        _set_hidden(item, None)
        _close_reports(item, by)

    return _decide(subject, by, "restore", change, reason)


def reject(proposal, by, reason: str | None):
    """Reject a pending proposal with a reason (status ``rejected``)."""
    _require_moderator(by)
    reason = _require_reason(reason)
    if not isinstance(proposal, Proposal) or proposal.status != "pending":
        raise ModerationError(_("Only a proposal awaiting moderation can be rejected."), "state")

    def change(item):
        item.status, item.rejection_reason = "rejected", reason
        _close_reports(item, by)

    _decide(proposal, by, "reject", change, reason)
    _status_changed(proposal, "pending", by)
    return proposal


def dismiss_reports(subject, by, reason: str | None = None):
    """Dismiss the open reports of an item; an item hidden by reports is shown again."""
    _require_moderator(by)

    def change(item):
        if item.hidden_cause == "reports":
            _set_hidden(item, None)
        _close_reports(item, by)

    return _decide(subject, by, "dismiss", change, reason)


def _status_changed(subject, old_status, by) -> None:
    if isinstance(subject, Proposal) and subject.status != old_status:
        proposal_status_changed.send(sender(), proposal=subject, old_status=old_status,
                                     new_status=subject.status, by=by)


DECISIONS = {"approve": approve, "hide": hide, "restore": restore, "reject": reject,
             "dismiss": dismiss_reports}


def decide(subject, by, action: str, reason: str | None = None):
    """Apply the decision named ``action`` (a key of :data:`DECISIONS`)."""
    if action not in DECISIONS:
        raise InvalidInput(_("Unknown decision."), "action")
    return DECISIONS[action](subject, by, reason)


# --- blocking ------------------------------------------------------------------------------

# What blocking hides, with the column naming its author: proposals, comments, attachments.
AUTHORED = ((Proposal, "proposal", "author_id"), (Comment, "comment", "author_id"),
            (Attachment, "attachment", "uploaded_by_id"))


def _authored(model, user_id: int, column: str = "author_id"):
    return select(model).where(getattr(model, column) == user_id)


def block_user(target: User, by, reason: str | None) -> User:
    """Block ``target``: they can no longer post, and their visible content is hidden with the
    cause "blocked" (content already hidden keeps its cause, so unblocking leaves it hidden)."""
    refusal = policies.why_not_block(by, target)
    if refusal:
        raise NotAllowed(refusal, "forbidden")
    reason = _require_reason(reason)
    if target.blocked_at is not None:
        raise ModerationError(_("This user is already blocked."), "state")
    hidden = {kind: [] for _model, kind, _column in AUTHORED}
    for model, kind, column in AUTHORED:
        for item in db.session.scalars(_authored(model, target.id, column)
                                       .where(model.hidden_at.is_(None))):
            _set_hidden(item, "blocked")
            hidden[kind].append(item.id)
    target.blocked_at, target.blocked_reason = utcnow(), reason
    db.session.flush()
    record(by, "user.block", target, reason=reason, before={"blocked": False},
           after={"blocked": True, "hidden": hidden})
    return target


def unblock_user(target: User, by, reason: str | None = None) -> User:
    """Unblock ``target`` and show again exactly the content blocking hid."""
    refusal = policies.why_not_block(by, target)
    if refusal:
        raise NotAllowed(refusal, "forbidden")
    if target.blocked_at is None:
        raise ModerationError(_("This user is not blocked."), "state")
    shown = {kind: [] for _model, kind, _column in AUTHORED}
    for model, kind, column in AUTHORED:
        for item in db.session.scalars(_authored(model, target.id, column)
                                       .where(model.hidden_cause == "blocked")):
            _set_hidden(item, None)
            shown[kind].append(item.id)
    before = {"blocked": True, "blocked_reason": target.blocked_reason}
    target.blocked_at, target.blocked_reason = None, None
    db.session.flush()
    record(by, "user.unblock", target, reason=reason, before=before,
           after={"blocked": False, "shown": shown})
    return target


# --- merging duplicates ------------------------------------------------------------------------

def _recount(proposal: Proposal) -> None:
    proposal.supports_count = db.session.scalar(
        select(func.count(Vote.id)).where(Vote.proposal_id == proposal.id))


def _check_merge(target: Proposal, source: Proposal) -> None:
    if source.id == target.id:
        raise InvalidInput(_("A proposal cannot be merged into itself."), "same")
    if source.consultation_id != target.consultation_id:
        raise InvalidInput(_("Only proposals of the same consultation can be merged."),
                           "consultation")
    if source.merged_into_id is not None:
        raise ModerationError(_("This proposal is already merged."), "merged")
    if target.merged_into_id is not None:
        raise ModerationError(_("The target proposal is itself merged into another."), "merged")


def _move_votes(source: Proposal, target: Proposal) -> list[dict]:
    """Move the source's supports to the target; a person supporting both counts once, be it
    from the same account or from two accounts verified with the same identity (a deleted
    one and its successor): the source's support is then dropped."""
    on_target = db.session.execute(select(Vote.user_id, Vote.identity_hash)
                                   .where(Vote.proposal_id == target.id)).all()
    users = {user_id for user_id, _identity in on_target}
    identities = {identity for _user_id, identity in on_target if identity is not None}
    moved = []
    for vote in db.session.scalars(select(Vote).where(Vote.proposal_id == source.id)
                                   .order_by(Vote.id)).all():
        duplicate = vote.user_id in users or (vote.identity_hash is not None
                                              and vote.identity_hash in identities)
        moved.append({"vote_id": vote.id, "user_id": vote.user_id, "is_demo": vote.is_demo,
                      "created_at": vote.created_at.isoformat(), "duplicate": duplicate,
                      "identity_hash": vote.identity_hash,
                      "entered_by_id": vote.entered_by_id})
        if duplicate:
            db.session.delete(vote)
        else:
            vote.proposal_id = target.id
        forget_votes_used(vote.user_id, source.consultation_id)
    return moved


def _move_attachments(source: Proposal, target: Proposal) -> list[dict]:
    """Carry the source's attachments to the target, after the target's own (the limits of
    one proposal do not apply to a merge); returns what to undo: ``attachment_id`` and the
    ``position`` it had."""
    last = db.session.scalar(select(func.max(Attachment.position))
                             .where(Attachment.proposal_id == target.id))
    position = -1 if last is None else last
    moved = []
    for attachment in db.session.scalars(select(Attachment).where(
            Attachment.proposal_id == source.id).order_by(Attachment.position, Attachment.id)):
        moved.append({"attachment_id": attachment.id, "position": attachment.position})
        position += 1
        attachment.proposal_id, attachment.position = target.id, position
    return moved


def vote_entries(merge_row: ProposalMerge) -> list[dict]:
    """The supports a merge moved (see :class:`ProposalMerge`)."""
    return [entry for entry in merge_row.moved_votes or [] if "attachment_id" not in entry]


def attachment_entries(merge_row: ProposalMerge) -> list[dict]:
    """The attachments a merge carried to the target (see :class:`ProposalMerge`)."""
    return [entry for entry in merge_row.moved_votes or [] if "attachment_id" in entry]


def _notify_author(source: Proposal, target: Proposal) -> None:
    if source.author_id is not None and source.author_id != target.author_id:
        db.session.add(Notification(user_id=source.author_id, kind="status",
                                    proposal_id=source.id,
                                    payload={"merged_into": target.id,
                                             "merged_into_title": target.title}))


def merge(target: Proposal, sources: list[Proposal], by, reason: str | None = None
          ) -> list[ProposalMerge]:
    """Merge each of ``sources`` into ``target``: supports carried over (never twice for one
    person), attachments carried over, the merged ones link to the target and leave the
    lists, their authors are told."""
    if not policies.can_merge(by, target):
        raise NotAllowed(_("Only moderators can merge proposals."), "forbidden")
    if not sources:
        raise InvalidInput(_("Choose at least one proposal to merge."), "sources")
    for source in sources:
        _check_merge(target, source)
    merges = []
    for source in sources:
        before = _state(source) | {"supports_count": source.supports_count}
        row = ProposalMerge(consultation_id=target.consultation_id, target_id=target.id,
                            source_id=source.id, source_status=source.status,
                            moved_votes=_move_votes(source, target)
                            + _move_attachments(source, target), reason=reason,
                            merged_by_id=getattr(by, "id", None))
        db.session.add(row)
        db.session.flush()
        source.merged_into_id = target.id
        _recount(source)
        _notify_author(source, target)
        db.session.flush()
        record(by, "proposal.merge", source, reason=reason, before=before,
               after=_state(source) | {"supports_count": source.supports_count,
                                       "merge_id": row.id, "target_id": target.id,
                                       "moved_votes": len(vote_entries(row)),
                                       "moved_attachments": len(attachment_entries(row))})
        merges.append(row)
    _recount(target)
    db.session.flush()
    return merges


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _restore_vote(entry: dict, merge_row: ProposalMerge) -> None:
    """Give the merged proposal back one support exactly as it was."""
    if not entry["duplicate"]:
        vote = db.session.get(Vote, entry["vote_id"])
        if vote is not None and vote.proposal_id == merge_row.target_id and \
                vote.user_id == entry["user_id"]:
            vote.proposal_id = merge_row.source_id
            return
        db.session.execute(delete(Vote).where(Vote.proposal_id == merge_row.target_id,
                                              Vote.user_id == entry["user_id"]))
    db.session.add(Vote(proposal_id=merge_row.source_id, user_id=entry["user_id"],
                        is_demo=entry.get("is_demo", False),
                        identity_hash=entry.get("identity_hash"),
                        entered_by_id=entry.get("entered_by_id"),
                        created_at=_parse_time(entry["created_at"])))


def undo_merge(merge_row: ProposalMerge, by, reason: str | None = None) -> ProposalMerge:
    """Undo a merge: every support, attachment and link goes back exactly as before, counters
    recounted (an attachment deleted since, or removed from the target, stays so)."""
    if not policies.can_merge(by):
        raise NotAllowed(_("Only moderators can merge proposals."), "forbidden")
    if merge_row.undone_at is not None:
        raise ModerationError(_("This merge was already undone."), "undone")
    source, target = merge_row.source, merge_row.target
    before = _state(source) | {"supports_count": source.supports_count}
    for entry in vote_entries(merge_row):
        _restore_vote(entry, merge_row)
        forget_votes_used(entry["user_id"], source.consultation_id)
    for entry in attachment_entries(merge_row):
        attachment = db.session.get(Attachment, entry["attachment_id"])
        if attachment is not None and attachment.proposal_id == merge_row.target_id:
            attachment.proposal_id, attachment.position = merge_row.source_id, entry["position"]
    source.merged_into_id = None
    source.status = merge_row.source_status
    merge_row.undone_at, merge_row.undone_by_id = utcnow(), getattr(by, "id", None)
    db.session.flush()
    _recount(source)
    _recount(target)
    db.session.flush()
    record(by, "proposal.unmerge", source, reason=reason, before=before,
           after=_state(source) | {"supports_count": source.supports_count,
                                   "merge_id": merge_row.id, "target_id": target.id})
    return merge_row
