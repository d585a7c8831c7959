"""Reads of the moderation domain: reports, the review queue, merges, the audit log, the
suspicious activity (bursts of new accounts and of their supports)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Interval, func, literal, select
from sqlalchemy.orm import selectinload

from roadmap.accounts.models import User
from roadmap.extensions import db
from roadmap.audit.models import AuditEntry
from roadmap.consultations.queries import public_consultation_ids
from roadmap.core.models import utcnow
from roadmap.media.models import Attachment
from roadmap.moderation.models import ProposalMerge, Report
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal

QUEUE_SORTS = ("newest", "reports")
QUEUE_LIMIT = 100
AUDIT_PER_PAGE = 50


def _subject_column(subject):
    """The Report column pointing at ``subject`` (a proposal, a comment or an attachment)."""
    if isinstance(subject, Attachment):
        return Report.attachment_id
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
    """One row of the review queue: a proposal, a comment or an attachment and its open
    reports."""

    kind: str
    subject: object
    reports: list = field(default_factory=list)

    @property
    def proposal(self):
        """The proposal concerned (the comment's proposal for a comment; for an attachment,
        the proposal it is shown on, ``None`` for a workshop's or a progress update's)."""
        if self.kind == "attachment":
            from roadmap.moderation.attachments import proposal_of
            return proposal_of(self.subject)
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


def _queue_attachments(consultation_id, commune_id, reason, drafts=True) -> list[Attachment]:
    """Reported attachments and those hidden by their reports, filtered in Python by the
    consultation (and commune) of what they belong to: at most :data:`QUEUE_LIMIT` rows."""
    from roadmap.moderation.attachments import consultation_of, proposal_of

    ids = _reported_ids(Report.attachment_id, reason)
    condition = Attachment.id.in_(ids) if ids else None
    if not reason:
        by_reports = Attachment.hidden_cause == "reports"
        condition = by_reports | condition if condition is not None else by_reports
    if condition is None:
        return []
    rows = db.session.scalars(select(Attachment).where(condition)
                              .order_by(Attachment.id.desc()).limit(QUEUE_LIMIT))
    public = None if drafts else set(db.session.scalars(public_consultation_ids()))
    kept = []
    for attachment in rows:
        consultation = consultation_of(attachment)
        if consultation is None or (public is not None and consultation.id not in public) \
                or (consultation_id and consultation.id != consultation_id):
            continue
        if commune_id:
            proposal = proposal_of(attachment)
            if proposal is None or proposal.commune_id != commune_id:
                continue
        kept.append(attachment)
    return kept


def _reports_by_subject(proposal_ids, comment_ids, attachment_ids=()) -> dict:
    found: dict = {}
    if not proposal_ids and not comment_ids and not attachment_ids:
        return found
    rows = db.session.scalars(select(Report).where(
        Report.dismissed_at.is_(None),
        Report.proposal_id.in_(proposal_ids) | Report.comment_id.in_(comment_ids)
        | Report.attachment_id.in_(list(attachment_ids)))
        .order_by(Report.created_at, Report.id))
    for report in rows:
        if report.proposal_id:
            key = ("proposal", report.proposal_id)
        elif report.comment_id:
            key = ("comment", report.comment_id)
        else:
            key = ("attachment", report.attachment_id)
        found.setdefault(key, []).append(report)
    return found


def review_queue(*, consultation_id=None, commune_id=None, reason=None,
                 sort: str = "newest", drafts: bool = True) -> list[QueueItem]:
    """Pending proposals and reported (or report-hidden) proposals, comments and
    attachments, with their open reports.

    ``drafts=False`` leaves out the items of consultations still in draft (for moderators,
    who do not see drafts).

    ``sort`` is ``newest`` (latest report or creation first) or ``reports`` (most reported
    first). ``reason`` keeps only items with an open report of that reason.
    """
    proposals = _queue_proposals(consultation_id, commune_id, reason, drafts)
    comments = _queue_comments(consultation_id, commune_id, reason, drafts)
    attachments = _queue_attachments(consultation_id, commune_id, reason, drafts)
    reports = _reports_by_subject([p.id for p in proposals], [c.id for c in comments],
                                  [a.id for a in attachments])
    items = [QueueItem("proposal", p, reports.get(("proposal", p.id), [])) for p in proposals]
    items += [QueueItem("comment", c, reports.get(("comment", c.id), [])) for c in comments]
    items += [QueueItem("attachment", a, reports.get(("attachment", a.id), []))
              for a in attachments]
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


# --- suspicious activity -------------------------------------------------------------------
# Two patterns a script that pushes proposals up the ranking leaves, for moderators to look at
# (never acted on automatically). Addresses are never stored: accounts keep the keyed hash of
# the address they signed up from (``user_account.signup_ip_hash``), shown by a short label.
#
# Bursts of new accounts from one address: at least ACCOUNT_BURST_MIN accounts (help-desk
# accounts left out: an office opens many) created from one address within ACCOUNT_BURST_WINDOW,
# in the last SUSPICIOUS_LOOKBACK, not all verified.
ACCOUNT_BURST_MIN = 5
ACCOUNT_BURST_WINDOW = timedelta(hours=1)
# Bursts of supports by new accounts: at least SUPPORT_BURST_MIN supports of one proposal
# within one clock hour (UTC) by accounts created less than NEW_ACCOUNT_AGE before supporting,
# in the last SUSPICIOUS_LOOKBACK.
SUPPORT_BURST_MIN = 5
NEW_ACCOUNT_AGE = timedelta(hours=24)
SUSPICIOUS_LOOKBACK = timedelta(days=14)
HASH_LABEL_LENGTH = 8  # characters of the address hash shown to tell bursts apart
SUSPICIOUS_LIMIT = 100  # bursts of each kind listed, latest first


@dataclass
class BurstAccount:
    """An account of a burst, as the suspicious-activity page lists it."""

    id: int
    name: str
    created_at: datetime
    confirmed: bool
    verified: bool
    blocked: bool
    supports: int = 0


@dataclass
class AccountBurst:
    """Accounts created from one address within :data:`ACCOUNT_BURST_WINDOW` of each other."""

    label: str  # the first characters of the address hash, never the address
    accounts: list[BurstAccount]

    @property
    def count(self) -> int:
        """How many accounts the burst holds."""
        return len(self.accounts)

    @property
    def first_at(self) -> datetime:
        """When the first account of the burst was created."""
        return self.accounts[0].created_at

    @property
    def last_at(self) -> datetime:
        """When the last account of the burst was created."""
        return self.accounts[-1].created_at

    @property
    def confirmed(self) -> int:
        """How many of its accounts confirmed their address (or are verified)."""
        return sum(1 for a in self.accounts if a.confirmed or a.verified)

    @property
    def verified(self) -> int:
        """How many of its accounts are verified."""
        return sum(1 for a in self.accounts if a.verified)

    @property
    def supports(self) -> int:
        """How many supports its accounts gave (all proposals)."""
        return sum(a.supports for a in self.accounts)


@dataclass
class SupportBurst:
    """Supports of one proposal, in one hour, by accounts less than a day old."""

    proposal: Proposal
    hour: datetime  # the start of the clock hour, UTC
    count: int
    accounts: list[BurstAccount] = field(default_factory=list)


def suspicious_thresholds() -> dict:
    """The thresholds of the suspicious-activity page, for its explanations."""
    return {"accounts": ACCOUNT_BURST_MIN,
            "window_minutes": int(ACCOUNT_BURST_WINDOW.total_seconds() // 60),
            "supports": SUPPORT_BURST_MIN,
            "age_hours": int(NEW_ACCOUNT_AGE.total_seconds() // 3600),
            "days": SUSPICIOUS_LOOKBACK.days}


def _account(row, supports: int = 0) -> BurstAccount:
    return BurstAccount(id=row.id, name=row.display_name if row.deleted_at is None else "",
                        created_at=_aware(row.created_at),
                        confirmed=row.email_confirmed_at is not None,
                        verified=row.verified_at is not None, blocked=row.blocked_at is not None,
                        supports=supports)


def _aware(moment):
    """A timestamp read through a Core query or a function, as an aware UTC datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _bursts_in(times: list[datetime], size: int, window: timedelta) -> list[tuple[int, int]]:
    """``[(first index, last index)]`` of the runs of sorted ``times`` in which some ``size``
    consecutive moments fit within ``window``; overlapping runs are joined."""
    runs: list[tuple[int, int]] = []
    for start in range(len(times) - size + 1):
        if times[start + size - 1] - times[start] > window:
            continue
        end = start + size - 1
        while end + 1 < len(times) and times[end + 1] - times[start] <= window:
            end += 1
        if runs and start <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    return runs


def account_bursts(now: datetime | None = None) -> list[AccountBurst]:
    """Bursts of new accounts from one address (see :data:`ACCOUNT_BURST_MIN`), latest first.

    One query: the accounts of the last :data:`SUSPICIOUS_LOOKBACK` from addresses that opened
    at least :data:`ACCOUNT_BURST_MIN` of them, with their supports counted by the database;
    the sliding window runs over them in Python.
    """
    since = (now or utcnow()) - SUSPICIOUS_LOOKBACK
    recent = (User.created_at >= since, User.signup_ip_hash.is_not(None),
              User.managed_by_id.is_(None))
    busy = (select(User.signup_ip_hash).where(*recent).group_by(User.signup_ip_hash)
            .having(func.count(User.id) >= ACCOUNT_BURST_MIN))
    supports = (select(Vote.user_id, func.count(Vote.id).label("supports"))
                .join(User, User.id == Vote.user_id)
                .where(*recent, User.signup_ip_hash.in_(busy))
                .group_by(Vote.user_id).subquery())
    rows = db.session.execute(
        select(User.id, User.signup_ip_hash, User.display_name, User.created_at,
               User.email_confirmed_at, User.verified_at, User.blocked_at, User.deleted_at,
               func.coalesce(supports.c.supports, 0).label("supports"))
        .outerjoin(supports, supports.c.user_id == User.id)
        .where(*recent, User.signup_ip_hash.in_(busy))
        .order_by(User.signup_ip_hash, User.created_at, User.id)).all()
    by_address: dict[str, list] = {}
    for row in rows:
        by_address.setdefault(row.signup_ip_hash, []).append(row)
    bursts = []
    for address, accounts in by_address.items():
        times = [_aware(row.created_at) for row in accounts]
        for first, last in _bursts_in(times, ACCOUNT_BURST_MIN, ACCOUNT_BURST_WINDOW):
            burst = AccountBurst(address[:HASH_LABEL_LENGTH],
                                 [_account(row, row.supports) for row in accounts[first:last + 1]])
            if burst.verified < burst.count:
                bursts.append(burst)
    bursts.sort(key=lambda b: b.last_at, reverse=True)
    return bursts[:SUSPICIOUS_LIMIT]


def _hour_of(column):
    """The start of the clock hour of ``column``, computed by the database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H:00:00", column)
    return func.date_trunc("hour", column)


def _young_when_voting():
    """Supports given by an account less than :data:`NEW_ACCOUNT_AGE` old (SQL condition)."""
    if db.session.get_bind().dialect.name == "sqlite":
        hours = int(NEW_ACCOUNT_AGE.total_seconds() // 3600)
        return Vote.created_at < func.datetime(User.created_at, f"+{hours} hours")
    return Vote.created_at < User.created_at + literal(NEW_ACCOUNT_AGE, Interval())


def support_bursts(now: datetime | None = None, drafts: bool = True) -> list[SupportBurst]:
    """Bursts of supports by new accounts on one proposal (see :data:`SUPPORT_BURST_MIN`),
    latest first. The database groups the supports per proposal and hour; a second query
    reads the accounts of the bursts listed. ``drafts=False`` leaves out the proposals of
    consultations still in draft."""
    since = (now or utcnow()) - SUSPICIOUS_LOOKBACK
    hour = _hour_of(Vote.created_at).label("hour")
    young = (Vote.created_at >= since, User.created_at >= since - NEW_ACCOUNT_AGE,
             _young_when_voting())
    query = (select(Vote.proposal_id, hour, func.count(Vote.id).label("supports"))
             .join(User, User.id == Vote.user_id).where(*young)
             .group_by(Vote.proposal_id, hour)
             .having(func.count(Vote.id) >= SUPPORT_BURST_MIN))
    if not drafts:
        query = query.join(Proposal, Proposal.id == Vote.proposal_id).where(
            Proposal.consultation_id.in_(public_consultation_ids()))
    groups = sorted(((row.proposal_id, _aware(row.hour), row.supports)
                     for row in db.session.execute(query)),
                    key=lambda group: (group[1], group[0]), reverse=True)[:SUSPICIOUS_LIMIT]
    if not groups:
        return []
    proposal_ids = {proposal_id for proposal_id, _hour, _count in groups}
    proposals = {p.id: p for p in db.session.scalars(
        select(Proposal).where(Proposal.id.in_(proposal_ids))
        .options(selectinload(Proposal.consultation)))}
    bursts = {(proposal_id, moment): SupportBurst(proposals[proposal_id], moment, count)
              for proposal_id, moment, count in groups}
    voters = db.session.execute(
        select(Vote.proposal_id, hour, User.id, User.display_name, User.created_at,
               User.email_confirmed_at, User.verified_at, User.blocked_at, User.deleted_at)
        .join(User, User.id == Vote.user_id)
        .where(*young, Vote.proposal_id.in_(proposal_ids))
        .order_by(Vote.created_at, Vote.id))
    for row in voters:
        burst = bursts.get((row.proposal_id, _aware(row.hour)))
        if burst is not None:
            burst.accounts.append(_account(row))
    return list(bursts.values())


# --- voice notes waiting for a transcript ------------------------------------------------------

TRANSCRIPTS_LIMIT = 100


@dataclass
class WaitingVoiceNote:
    """A voice note with no transcript yet, and what it belongs to (``comment`` or None)."""

    note: object
    proposal: Proposal
    comment: Comment | None = None


def voice_notes_to_transcribe(drafts: bool = True,
                              limit: int = TRANSCRIPTS_LIMIT) -> list[WaitingVoiceNote]:
    """The heard voice notes of proposals and comments that have no transcript, oldest first
    (at most ``limit``): not hidden, nor on hidden, withdrawn or deleted content.
    ``drafts=False`` leaves out those of consultations still in draft."""
    from roadmap.media.models import Attachment

    waiting = (Attachment.kind == "voice", Attachment.state == "ready",
               Attachment.transcript.is_(None), Attachment.hidden_at.is_(None))
    listed = (Proposal.hidden_at.is_(None), Proposal.status.in_(("pending", "published")))
    public = (Proposal.consultation_id.in_(public_consultation_ids()),) if not drafts else ()
    on_proposals = db.session.execute(
        select(Attachment, Proposal).join(Proposal, Proposal.id == Attachment.proposal_id)
        .where(*waiting, *listed, *public).order_by(Attachment.created_at, Attachment.id)
        .limit(limit)).all()
    on_comments = db.session.execute(
        select(Attachment, Comment, Proposal).join(Comment, Comment.id == Attachment.comment_id)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(*waiting, *listed, *public, Comment.hidden_at.is_(None),
               Comment.deleted_at.is_(None))
        .order_by(Attachment.created_at, Attachment.id).limit(limit)).all()
    items = [WaitingVoiceNote(note, proposal) for note, proposal in on_proposals] + \
        [WaitingVoiceNote(note, proposal, comment) for note, comment, proposal in on_comments]
    items.sort(key=lambda item: (item.note.created_at, item.note.id))
    return items[:limit]
