"""Reads about participation: who supports what, comment threads, notifications, counters.

Every read here is a fixed number of statements, whatever the number of rows shown: a list of
proposals asks once which of them the reader supports, a page of comments loads its replies,
authors and the reader's likes in one statement each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from flask import g, has_app_context
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from roadmap.extensions import db
from roadmap.participation.models import Comment, CommentLike, Follow, Notification, Vote
from roadmap.proposals.models import Proposal

COMMENT_SORTS = ("oldest", "newest", "liked")
COMMENTS_PER_PAGE = 20
NOTIFICATIONS_PER_PAGE = 50


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


# --- supports ------------------------------------------------------------------------------------

def supported_ids(user, proposals) -> set[int]:
    """The ids among ``proposals`` (records or ids) that ``user`` supports, in one statement."""
    ids = [getattr(item, "id", item) for item in proposals or ()]
    if not _signed_in(user) or not ids:
        return set()
    return set(db.session.scalars(
        select(Vote.proposal_id).where(Vote.user_id == user.id, Vote.proposal_id.in_(ids))))


def has_supported(user, proposal) -> bool:
    """True if ``user`` supports ``proposal``."""
    if not _signed_in(user):
        return False
    return db.session.scalar(select(Vote.id).where(
        Vote.user_id == user.id, Vote.proposal_id == proposal.id)) is not None


def votes_used(user_id: int, consultation_id: int, *, fresh: bool = False) -> int:
    """How many supports the user gave in the consultation, counted against its vote limit.

    Supports of proposals that are still published count (hidden ones too: hiding can be
    undone); supports of withdrawn or rejected proposals are given back. The answer is kept
    for the request unless ``fresh`` (services always ask fresh, inside their lock).
    """
    key = (user_id, consultation_id)
    cache = g.setdefault("_votes_used", {}) if has_app_context() else {}
    if fresh or key not in cache:
        cache[key] = db.session.scalar(
            select(func.count(Vote.id)).join(Proposal, Proposal.id == Vote.proposal_id)
            .where(Vote.user_id == user_id, Proposal.consultation_id == consultation_id,
                   Proposal.status == "published")) or 0
    return cache[key]


def forget_votes_used(user_id: int, consultation_id: int) -> None:
    """Drop the request's remembered count of :func:`votes_used` (after a vote changed it)."""
    if has_app_context():
        g.setdefault("_votes_used", {}).pop((user_id, consultation_id), None)


# --- follows -----------------------------------------------------------------------------------

def is_following(user, proposal) -> bool:
    """True if ``user`` follows ``proposal``."""
    if not _signed_in(user):
        return False
    return db.session.scalar(select(Follow.id).where(
        Follow.user_id == user.id, Follow.proposal_id == proposal.id)) is not None


def follower_ids(proposal_id: int, *, exclude: int | None = None) -> list[int]:
    """The ids of the users following a proposal, without ``exclude``."""
    query = select(Follow.user_id).where(Follow.proposal_id == proposal_id)
    if exclude is not None:
        query = query.where(Follow.user_id != exclude)
    return list(db.session.scalars(query.order_by(Follow.user_id)))


# --- comments ----------------------------------------------------------------------------------

@dataclass
class Thread:
    """A top-level comment and its replies (oldest first)."""

    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class CommentPage:
    """One page of a proposal's comment threads, and which of their comments the reader likes."""

    threads: list[Thread]
    total: int
    page: int
    pages: int
    sort: str
    liked_ids: set[int]

    @property
    def has_previous(self) -> bool:
        """True if there is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True if there is a page after this one."""
        return self.page < self.pages


def _comment_order(sort: str):
    if sort == "newest":
        return (Comment.created_at.desc(), Comment.id.desc())
    if sort == "liked":
        return (Comment.likes_count.desc(), Comment.created_at, Comment.id)
    return (Comment.created_at, Comment.id)


def comment_page(proposal_id: int, *, sort: str = "oldest", page: int = 1, viewer=None,
                 per_page: int = COMMENTS_PER_PAGE) -> CommentPage:
    """A page of top-level comments in ``sort`` order with their replies, in four statements."""
    sort = sort if sort in COMMENT_SORTS else "oldest"
    top_level = and_(Comment.proposal_id == proposal_id, Comment.parent_id.is_(None))
    total = db.session.scalar(select(func.count(Comment.id)).where(top_level)) or 0
    pages = max(1, ceil(total / per_page))
    page = min(max(1, page), pages)
    heads = list(db.session.scalars(
        select(Comment).where(top_level)
        .options(joinedload(Comment.author))
        .order_by(*_comment_order(sort)).limit(per_page).offset((page - 1) * per_page)))
    threads = {head.id: Thread(head) for head in heads}
    if threads:
        for reply in db.session.scalars(
                select(Comment).where(Comment.parent_id.in_(list(threads)))
                .options(joinedload(Comment.author))
                .order_by(Comment.created_at, Comment.id)):
            threads[reply.parent_id].replies.append(reply)
    shown = [c.id for t in threads.values() for c in [t.comment, *t.replies]]
    _load_voice_notes([c for t in threads.values() for c in [t.comment, *t.replies]])
    return CommentPage(list(threads.values()), total, page, pages, sort,
                       liked_comment_ids(viewer, shown))


def _load_voice_notes(comments) -> None:
    """Fill ``voice_notes`` of ``comments`` in one statement (heads and replies together)."""
    if not comments:
        return
    from roadmap.media.models import Attachment

    notes: dict[int, list] = {comment.id: [] for comment in comments}
    for note in db.session.scalars(select(Attachment).where(
            Attachment.comment_id.in_(list(notes)), Attachment.kind == "voice")
            .order_by(Attachment.id)):
        notes[note.comment_id].append(note)
    for comment in comments:
        set_committed_value(comment, "voice_notes", notes[comment.id])


def liked_comment_ids(user, comment_ids) -> set[int]:
    """The ids among ``comment_ids`` that ``user`` likes, in one statement."""
    ids = list(comment_ids or ())
    if not _signed_in(user) or not ids:
        return set()
    return set(db.session.scalars(select(CommentLike.comment_id).where(
        CommentLike.user_id == user.id, CommentLike.comment_id.in_(ids))))


def has_liked(user, comment) -> bool:
    """True if ``user`` likes ``comment``."""
    return comment.id in liked_comment_ids(user, [comment.id])


# --- notifications -----------------------------------------------------------------------------

def unread_count(user) -> int:
    """How many notifications ``user`` has not read (0 for visitors); kept for the request."""
    if not _signed_in(user):
        return 0
    cache = g.setdefault("_unread_notifications", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
    return cache[user.id]


def notifications_of(user_id: int, *, page: int = 1,
                     per_page: int = NOTIFICATIONS_PER_PAGE) -> tuple[list[Notification], bool]:
    """A page of the user's notifications, newest first, and whether there are older ones."""
    rows = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .options(joinedload(Notification.proposal).joinedload(Proposal.consultation))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page + 1).offset((max(1, page) - 1) * per_page)))
    return rows[:per_page], len(rows) > per_page


def digest_recipient_ids() -> list[int]:
    """The users who have unread notifications not yet sent by email."""
    return list(db.session.scalars(
        select(Notification.user_id).where(Notification.read_at.is_(None),
                                           Notification.emailed_at.is_(None))
        .distinct().order_by(Notification.user_id)))


def pending_digest(user_id: int) -> list[Notification]:
    """The user's unread notifications not yet emailed, oldest first."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id,
                                   Notification.read_at.is_(None),
                                   Notification.emailed_at.is_(None))
        .options(selectinload(Notification.proposal).joinedload(Proposal.consultation))
        .order_by(Notification.created_at, Notification.id)))


# --- counters ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mismatch:
    """A counter column that disagrees with the rows it counts."""

    table: str
    record_id: int
    column: str
    stored: int
    actual: int


def _visible_comment():
    return and_(Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))


def recount_supports() -> list[Mismatch]:
    """Proposals whose ``supports_count`` differs from their vote rows (one GROUP BY)."""
    actual = func.count(Vote.id)
    rows = db.session.execute(
        select(Proposal.id, Proposal.supports_count, actual)
        .outerjoin(Vote, Vote.proposal_id == Proposal.id)
        .group_by(Proposal.id, Proposal.supports_count)
        .having(Proposal.supports_count != actual).order_by(Proposal.id))
    return [Mismatch("proposal", pid, "supports_count", stored, count)
            for pid, stored, count in rows]


def recount_comments() -> list[Mismatch]:
    """Proposals whose ``comments_count`` differs from their visible comments.

    A comment counts while it is neither deleted by its author nor hidden by a moderator.
    """
    actual = func.count(Comment.id)
    rows = db.session.execute(
        select(Proposal.id, Proposal.comments_count, actual)
        .outerjoin(Comment, and_(Comment.proposal_id == Proposal.id, _visible_comment()))
        .group_by(Proposal.id, Proposal.comments_count)
        .having(Proposal.comments_count != actual).order_by(Proposal.id))
    return [Mismatch("proposal", pid, "comments_count", stored, count)
            for pid, stored, count in rows]


def recount_likes() -> list[Mismatch]:
    """Comments whose ``likes_count`` differs from their like rows."""
    actual = func.count(CommentLike.id)
    rows = db.session.execute(
        select(Comment.id, Comment.likes_count, actual)
        .outerjoin(CommentLike, CommentLike.comment_id == Comment.id)
        .group_by(Comment.id, Comment.likes_count)
        .having(Comment.likes_count != actual).order_by(Comment.id))
    return [Mismatch("comment", cid, "likes_count", stored, count) for cid, stored, count in rows]


def counter_mismatches() -> list[Mismatch]:
    """Every counter of supports, comments and likes that disagrees with its rows."""
    return recount_supports() + recount_comments() + recount_likes()


def counters_agree() -> bool:
    """True if every participation counter equals the rows it counts."""
    return not counter_mismatches()


def visible_comments_filter():
    """The condition a comment meets to count in ``comments_count`` (for other domains)."""
    return _visible_comment()
