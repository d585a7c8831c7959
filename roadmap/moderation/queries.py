"""Reads of the moderation domain: reports, the review queue, merges, the audit log."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.extensions import db
from roadmap.audit.models import AuditEntry
from roadmap.consultations.queries import public_consultation_ids
from roadmap.moderation.models import ProposalMerge, Report
from roadmap.participation.models import Comment
from roadmap.proposals.models import Proposal

QUEUE_SORTS = ("newest", "reports")
QUEUE_LIMIT = 100
AUDIT_PER_PAGE = 50


def _subject_column(subject):
    """The Report column pointing at ``subject`` (a proposal or a comment)."""
    return Report.proposal_id if isinstance(subject, Proposal) else Report.comment_id


def has_reported(user, subject) -> bool:
    """True if ``user`` already reported ``subject``."""
    return db.session.scalar(select(Report.id).where(
        _subject_column(subject) == subject.id, Report.reporter_id == user.id)) is not None


def open_reporters_count(subject) -> int:
    """How many distinct people reported ``subject`` in reports not dismissed."""
    return db.session.scalar(select(func.count(func.distinct(Report.reporter_id))).where(
        _subject_column(subject) == subject.id, Report.dismissed_at.is_(None))) or 0


def open_reports(subject) -> list[Report]:
    """The reports of ``subject`` not dismissed yet, oldest first."""
    return list(db.session.scalars(select(Report).where(
        _subject_column(subject) == subject.id, Report.dismissed_at.is_(None))
        .order_by(Report.created_at, Report.id)))


@dataclass
class QueueItem:
    """One row of the review queue: a proposal or a comment and its open reports."""

    kind: str
    subject: object
    reports: list = field(default_factory=list)

    @property
    def proposal(self):
        """The proposal concerned (the comment's proposal for a comment)."""
        return self.subject if self.kind == "proposal" else self.subject.proposal

    @property
    def latest(self) -> datetime:
        """When the item last needed attention (its latest report, or its creation)."""
        return max([r.created_at for r in self.reports] + [self.subject.created_at])


def queue_item(kind: str, subject) -> QueueItem:
    """The queue row of one item (used to re-render a row after a decision)."""
    return QueueItem(kind, subject, open_reports(subject))


def _reported_ids(column, reason: str | None) -> set[int]:
    query = select(column).where(column.is_not(None), Report.dismissed_at.is_(None))
    if reason:
        query = query.where(Report.reason == reason)
    return set(db.session.scalars(query.distinct()))


def _queue_proposals(consultation_id, commune_id, reason, drafts=True) -> list[Proposal]:
    ids = _reported_ids(Report.proposal_id, reason)
    condition = Proposal.id.in_(ids) if ids else None
    if not reason:
        pending = (Proposal.status == "pending") & Proposal.hidden_at.is_(None)
        by_reports = Proposal.hidden_cause == "reports"
        condition = pending | by_reports | condition if condition is not None else \
            pending | by_reports
    if condition is None:
        return []
    query = select(Proposal).where(condition)
    if not drafts:
        query = query.where(Proposal.consultation_id.in_(public_consultation_ids()))
    if consultation_id:
        query = query.where(Proposal.consultation_id == consultation_id)
    if commune_id:
        query = query.where(Proposal.commune_id == commune_id)
    return list(db.session.scalars(query.limit(QUEUE_LIMIT)))


def _queue_comments(consultation_id, commune_id, reason, drafts=True) -> list[Comment]:
    ids = _reported_ids(Report.comment_id, reason)
    condition = Comment.id.in_(ids) if ids else None
    if not reason:
        by_reports = Comment.hidden_cause == "reports"
        condition = by_reports | condition if condition is not None else by_reports
    query = select(Comment).join(Proposal, Comment.proposal_id == Proposal.id).where(condition)
    if not drafts:
        query = query.where(Proposal.consultation_id.in_(public_consultation_ids()))
    if consultation_id:
        query = query.where(Proposal.consultation_id == consultation_id)
    if commune_id:
        query = query.where(Proposal.commune_id == commune_id)
    return list(db.session.scalars(query.limit(QUEUE_LIMIT)))


def _reports_by_subject(proposal_ids, comment_ids) -> dict:
    found: dict = {}
    if not proposal_ids and not comment_ids:
        return found
    rows = db.session.scalars(select(Report).where(
        Report.dismissed_at.is_(None),
        Report.proposal_id.in_(proposal_ids) | Report.comment_id.in_(comment_ids))
        .order_by(Report.created_at, Report.id))
    for report in rows:
        key = ("proposal", report.proposal_id) if report.proposal_id else \
            ("comment", report.comment_id)
        found.setdefault(key, []).append(report)
    return found


def review_queue(*, consultation_id=None, commune_id=None, reason=None,
                 sort: str = "newest", drafts: bool = True) -> list[QueueItem]:
    """Pending proposals and reported (or report-hidden) items, with their open reports.

    ``drafts=False`` leaves out the items of consultations still in draft (for moderators,
    who do not see drafts).

    ``sort`` is ``newest`` (latest report or creation first) or ``reports`` (most reported
    first). ``reason`` keeps only items with an open report of that reason.
    """
    proposals = _queue_proposals(consultation_id, commune_id, reason, drafts)
    comments = _queue_comments(consultation_id, commune_id, reason, drafts)
    reports = _reports_by_subject([p.id for p in proposals], [c.id for c in comments])
    items = [QueueItem("proposal", p, reports.get(("proposal", p.id), [])) for p in proposals]
    items += [QueueItem("comment", c, reports.get(("comment", c.id), [])) for c in comments]
    if sort == "reports":
        items.sort(key=lambda i: (len(i.reports), i.latest), reverse=True)
    else:
        items.sort(key=lambda i: i.latest, reverse=True)
    return items


# --- merges --------------------------------------------------------------------------------

def active_merge_of(proposal) -> ProposalMerge | None:
    """The merge (not undone) that merged ``proposal`` into another, if any."""
    return db.session.scalar(select(ProposalMerge).where(
        ProposalMerge.source_id == proposal.id, ProposalMerge.undone_at.is_(None))
        .order_by(ProposalMerge.id.desc()).limit(1))


def merges_into(proposal) -> list[ProposalMerge]:
    """The merges (not undone) of other proposals into ``proposal``, oldest first."""
    return list(db.session.scalars(select(ProposalMerge).where(
        ProposalMerge.target_id == proposal.id, ProposalMerge.undone_at.is_(None))
        .order_by(ProposalMerge.id)))


def co_authors(proposal) -> list[str]:
    """Display names of the authors of the proposals merged into ``proposal``."""
    names = []
    for merge in merges_into(proposal):
        author = merge.source.author
        if author is not None and author.id != proposal.author_id and \
                author.public_name not in names:
            names.append(author.public_name)
    return names


def merge_candidates(proposal) -> list[Proposal]:
    """Other proposals of the same consultation and commune that can take part in a merge."""
    return list(db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == proposal.consultation_id, Proposal.id != proposal.id,
        Proposal.merged_into_id.is_(None), Proposal.status.in_(("published", "pending")))
        .order_by(Proposal.commune_id != proposal.commune_id, Proposal.created_at.desc())
        .limit(200)))


# --- audit log -----------------------------------------------------------------------------

@dataclass
class AuditPage:
    """One page of the audit log."""

    items: list[AuditEntry]
    total: int
    page: int
    per_page: int = AUDIT_PER_PAGE

    @property
    def pages(self) -> int:
        """The number of pages."""
        return max(1, -(-self.total // self.per_page))


def audit_entries(*, consultation_id=None, action: str | None = None, actor: str | None = None,
                  page: int = 1) -> AuditPage:
    """Audit entries, newest first, filtered by consultation, action (prefix) and actor label."""
    query = select(AuditEntry)
    if consultation_id:
        query = query.where(AuditEntry.consultation_id == consultation_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(func.lower(AuditEntry.actor_label).contains(actor.lower(),
                                                                        autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, page)
    items = list(db.session.scalars(query.order_by(AuditEntry.id.desc())
                                    .offset((page - 1) * AUDIT_PER_PAGE).limit(AUDIT_PER_PAGE)))
    return AuditPage(items, total, page)


def audit_actions() -> list[str]:
    """The distinct actions recorded, for the filter."""
    return list(db.session.scalars(select(AuditEntry.action).distinct()
                                   .order_by(AuditEntry.action)))


def user_display_name(user_id: int | None) -> str | None:
    """A user's display name (the only personal field moderators see)."""
    if user_id is None:
        return None
    return db.session.scalar(select(User.display_name).where(User.id == user_id))
