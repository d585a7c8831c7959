"""Participation actions: support, comment, like, follow, notify. They flush, never commit.

Concurrency. One support per user and proposal is a unique constraint; the insert runs in a
SAVEPOINT so that a duplicate that slips through becomes :class:`AlreadyDone` ("already
supported"), never an error page. Counters are changed by one atomic ``UPDATE ... SET n = n + 1``
in the same transaction as the row they count. The vote limit needs a count and an insert to
be atomic for one user: :func:`_lock_voter` serialises a user's vote transactions (``SELECT ...
FOR UPDATE`` of the user's row on PostgreSQL; on SQLite the transaction starts with ``BEGIN
IMMEDIATE``, which takes the database's single write lock before the count is read).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached

from roadmap.accounts.models import User
from roadmap.core.database import begin_write
from roadmap.core.i18n import FORMAT_LOCALES
from roadmap.core.mail import send_mail
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.media.services import attach
from roadmap.participation import policies
from roadmap.participation.messages import digest_text
from roadmap.participation.models import (NOTIFICATION_KINDS, STANCES, Comment, CommentLike,
                                          Follow, Notification, Vote)
from roadmap.participation.queries import follower_ids, forget_votes_used, pending_digest
from roadmap.proposals.models import Proposal
from roadmap.verification.services import identity_hash_of

BODY_MIN = 2
BODY_MAX = 3000


class ParticipationError(Exception):
    """A participation action was refused; ``str(error)`` is the reason in the reader's language.

    ``code`` names the reason for programs (``phase``, ``limit``, ``already``...);
    ``refusal``, when a policy refused, is its :class:`~roadmap.core.refusals.Refusal` (with
    the link to get what is missing, e.g. the confirmation or verification page).
    """

    def __init__(self, message: str, code: str = "refused", refusal=None):
        super().__init__(message)
        self.code = code
        self.refusal = refusal

    @property
    def shown(self):
        """What a page shows: the refusal with its link, else the message."""
        return self.refusal if self.refusal is not None else str(self)


class Refused(ParticipationError):
    """A policy refused the action (closed phase, limit reached, not the author...)."""


class AlreadyDone(ParticipationError):
    """The action was already done (supported, liked): nothing changed."""


class NotDone(ParticipationError):
    """There is nothing to undo (no support, no like): nothing changed."""


class InvalidComment(ParticipationError):
    """The comment's text, stance or parent is not acceptable."""


def _raise_if(refusal: policies.Refusal | None) -> None:
    if refusal is not None:
        raise Refused(refusal.message, refusal.code, refusal)


def _lock_voter(user) -> None:
    """Serialise the vote transactions of one user (see the module's docstring)."""
    begin_write()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _bump(model, record, column: str, delta: int) -> None:
    """``UPDATE <table> SET column = column + delta WHERE id = :id``; the record re-reads it."""
    db.session.execute(
        update(model).where(model.id == record.id)
        .values({column: getattr(model, column) + delta})
        .execution_options(synchronize_session=False))
    db.session.expire(record, [column])


def _insert_new(model, **values):
    """``INSERT .. ON CONFLICT DO NOTHING``: the new row (persistent), or None if a unique
    constraint says it exists already. One statement, where a SAVEPOINT around an ORM insert
    takes three; on SQLite the transaction starts with BEGIN IMMEDIATE (see core.database.begin_write)."""
    begin_write()
    dialect = db.session.get_bind().dialect.name
    insert_of = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_of(model).values(**values).on_conflict_do_nothing()
    found = db.session.execute(statement.returning(*model.__table__.c)).first()
    if found is None:
        return None
    row = model(**{column: found._mapping[column] for column in
                   (c.key for c in model.__table__.c)})
    make_transient_to_detached(row)
    db.session.add(row)
    return row


# --- supports ------------------------------------------------------------------------------------

def cast_vote(proposal: Proposal, voter, *, entered_by=None) -> Vote:
    """Record ``voter``'s support of ``proposal`` and follow it; an author may support their own.

    A verified voter's support carries their identity's hash: one support per identity and
    proposal, whichever account gives it. ``entered_by``: the help-desk official who enters
    it for the voter, who is present.

    Raises :class:`AlreadyDone` for a second support and :class:`Refused` when a rule says no
    (login, phase, withdrawn or hidden proposal, home commune, vote limit).
    """
    _lock_voter(voter)
    if db.session.scalar(select(Vote.id).where(Vote.user_id == voter.id,
                                               Vote.proposal_id == proposal.id)) is not None:
        raise AlreadyDone(_("You already support this proposal."), "already")
    _raise_if(policies.vote_refusal(voter, proposal, fresh=True))
    identity = identity_hash_of(voter)
    if identity is not None and db.session.scalar(select(Vote.id).where(
            Vote.identity_hash == identity, Vote.proposal_id == proposal.id)) is not None:
        raise AlreadyDone(_("This proposal already has your support, given from another account "
                            "verified with the same identity."), "already_identity")
    vote = _insert_new(Vote, proposal_id=proposal.id, user_id=voter.id, identity_hash=identity,
                       entered_by_id=getattr(entered_by, "id", None))
    if vote is None:
        raise AlreadyDone(_("You already support this proposal."), "already")
    _bump(Proposal, proposal, "supports_count", +1)
    forget_votes_used(voter.id, proposal.consultation_id)
    auto_follow(proposal, voter)
    return vote


def withdraw_vote(proposal: Proposal, voter) -> None:
    """Withdraw ``voter``'s support of ``proposal`` while voting is open.

    Raises :class:`Refused` outside the voting phase and :class:`NotDone` without a support.
    """
    _lock_voter(voter)
    _raise_if(policies.unvote_refusal(voter, proposal))
    removed = db.session.execute(
        delete(Vote).where(Vote.user_id == voter.id, Vote.proposal_id == proposal.id)
        .execution_options(synchronize_session=False)).rowcount
    if not removed:
        raise NotDone(_("You do not support this proposal."), "not_supported")
    _bump(Proposal, proposal, "supports_count", -1)
    forget_votes_used(voter.id, proposal.consultation_id)


# --- comments ----------------------------------------------------------------------------------

def clean_body(body: str | None, *, optional: bool = False) -> str:
    """The comment's text as plain text: stripped, with ``\\n`` line breaks; checks its length.

    ``optional``: the comment carries a voice note, so it may have no text at all.
    """
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if optional and not text:
        return text
    if not BODY_MIN <= len(text) <= BODY_MAX:
        raise InvalidComment(_("A comment has between %(min)d and %(max)d characters.",
                               min=BODY_MIN, max=BODY_MAX), "length")
    return text


def _check_stance(stance: str | None) -> str:
    stance = stance or "neutral"
    if stance not in STANCES:
        raise InvalidComment(_("Choose for, against or neutral."), "stance")
    return stance


def _thread_head(proposal: Proposal, parent: Comment | None) -> Comment | None:
    """The top-level comment a reply attaches to (a reply to a reply joins its thread)."""
    if parent is None:
        return None
    if parent.proposal_id != proposal.id:
        raise InvalidComment(_("This comment belongs to another proposal."), "parent")
    if parent.parent_id is not None:
        parent = db.session.get(Comment, parent.parent_id)
    if parent.hidden_at is not None:
        raise InvalidComment(_("This comment was hidden by a moderator."), "parent")
    return parent


def post_comment(proposal: Proposal, author, body: str, stance: str = "neutral",
                 parent: Comment | None = None, voice=None) -> Comment:
    """Post a comment (or a reply: one level) on ``proposal``; the author follows the proposal.

    The comment is "official" when its author is a moderator, organiser or admin. Followers
    other than the author are notified. ``voice``: a voice note the author staged
    (:func:`roadmap.media.services.stage_voice`), attached to the comment, which then needs no
    text. Raises :class:`Refused` or :class:`InvalidComment`.
    """
    _raise_if(policies.comment_refusal(author, proposal))
    if voice is not None and (voice.uploaded_by_id != author.id or not voice.is_staged
                              or voice.kind != "voice"):
        raise InvalidComment(_("This voice note cannot be attached to your comment."), "voice")
    text, stance = clean_body(body, optional=voice is not None), _check_stance(stance)
    head = _thread_head(proposal, parent)
    comment = Comment(proposal_id=proposal.id, parent_id=head.id if head else None,
                      author_id=author.id, body=text, stance=stance,
                      is_official=policies.is_official(author))
    db.session.add(comment)
    db.session.flush()
    if voice is not None:
        attach([voice], "comment_id", comment.id)
    _bump(Proposal, proposal, "comments_count", +1)
    auto_follow(proposal, author)
    notify_followers(proposal, "comment", {"author": author.display_name}, actor=author,
                     comment=comment)
    return comment


def edit_comment(comment: Comment, editor, body: str, stance: str | None = None) -> Comment:
    """Change the text (and stance) of a comment: its author, within the edit window."""
    _raise_if(policies.edit_comment_refusal(editor, comment))
    comment.body = clean_body(body, optional=bool(comment.voice_notes))
    if stance is not None:
        comment.stance = _check_stance(stance)
    comment.edited_at = utcnow()
    db.session.flush()
    return comment


def delete_comment(comment: Comment, user) -> Comment:
    """Delete a comment: its text is emptied and ``deleted_at`` set; its replies stay.

    The conditional UPDATE makes a second, concurrent delete change nothing.
    """
    _raise_if(policies.delete_comment_refusal(user, comment))
    now = utcnow()
    changed = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.deleted_at.is_(None))
        .values(body="", deleted_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.expire(comment, ["body", "deleted_at"])
    if changed and comment.hidden_at is None:
        _bump(Proposal, comment.proposal, "comments_count", -1)
    return comment


def like_comment(comment: Comment, user) -> CommentLike:
    """Like a comment (once); raises :class:`AlreadyDone` or :class:`Refused`."""
    _raise_if(policies.like_refusal(user, comment))
    like = _insert_new(CommentLike, comment_id=comment.id, user_id=user.id)
    if like is None:
        raise AlreadyDone(_("You already like this comment."), "already")
    _bump(Comment, comment, "likes_count", +1)
    return like


def unlike_comment(comment: Comment, user) -> None:
    """Take back a like; raises :class:`NotDone` if there was none."""
    _raise_if(policies.like_refusal(user, comment))
    removed = db.session.execute(
        delete(CommentLike).where(CommentLike.comment_id == comment.id,
                                  CommentLike.user_id == user.id)
        .execution_options(synchronize_session=False)).rowcount
    if not removed:
        raise NotDone(_("You do not like this comment."), "not_liked")
    _bump(Comment, comment, "likes_count", -1)


def toggle_like(comment: Comment, user) -> bool:
    """Like the comment, or take the like back if there is one; True if it is now liked."""
    removed = db.session.execute(
        select(CommentLike.id).where(CommentLike.comment_id == comment.id,
                                     CommentLike.user_id == user.id)).first()
    if removed:
        unlike_comment(comment, user)
        return False
    like_comment(comment, user)
    return True


# --- follows and notifications -----------------------------------------------------------------

def follow(proposal: Proposal, user) -> Follow | None:
    """Make ``user`` follow ``proposal`` (nothing happens if they already do)."""
    _raise_if(policies.follow_refusal(user, proposal))
    return auto_follow(proposal, user)


def auto_follow(proposal: Proposal, user) -> Follow | None:
    """Make ``user`` follow ``proposal`` without asking the policy (e.g. its author, even while
    it waits for moderation); returns the new row, or None if they already followed it."""
    if user is None:
        return None
    return _insert_new(Follow, proposal_id=proposal.id, user_id=user.id)


def unfollow(proposal: Proposal, user) -> None:
    """Stop following ``proposal`` (nothing happens if ``user`` did not follow it)."""
    db.session.execute(delete(Follow).where(Follow.user_id == user.id,
                                            Follow.proposal_id == proposal.id)
                       .execution_options(synchronize_session=False))


def notify_followers(proposal: Proposal, kind: str, payload: dict | None = None, *,
                     actor=None, comment: Comment | None = None) -> int:
    """Give every follower of ``proposal`` but ``actor`` a notification; returns how many.

    ``kind`` is ``comment``, ``status`` or ``roadmap``; ``payload`` holds the data the message
    is built from when it is read (e.g. ``{"new_status": "withdrawn"}``), in the reader's
    language. The roadmap domain calls ``notify_followers(proposal, "roadmap", {...})``.
    """
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    recipients = follower_ids(proposal.id, exclude=getattr(actor, "id", None))
    if recipients:
        now = utcnow()
        db.session.execute(insert(Notification), [
            {"user_id": user_id, "kind": kind, "proposal_id": proposal.id,
             "comment_id": comment.id if comment else None, "payload": dict(payload or {}),
             "created_at": now} for user_id in recipients])
    return len(recipients)


def mark_notifications_read(user, *, before: datetime | None = None) -> int:
    """Mark the user's unread notifications as read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.created_at <= before)
    return db.session.execute(query.values(read_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount


def send_digest_to(user) -> bool:
    """Mail ``user`` one plain-text digest of their unread, not yet emailed notifications.

    The notifications are claimed (``emailed_at`` set) by a conditional UPDATE ... RETURNING
    first, so two runs at once cannot both send the same one. Needs a request context (the
    links are absolute URLs). Returns False when there was nothing to send.
    """
    notifications = pending_digest(user.id)
    if not notifications or not user.active:
        return False
    claimed = set(db.session.scalars(
        update(Notification)
        .where(Notification.id.in_([n.id for n in notifications]),
               Notification.emailed_at.is_(None))
        .values(emailed_at=utcnow()).returning(Notification.id)
        .execution_options(synchronize_session=False)))
    notifications = [n for n in notifications if n.id in claimed]
    if not notifications:
        return False
    with force_locale(FORMAT_LOCALES.get(user.preferred_language or "", "ar_MA")):
        subject, body = digest_text(user, notifications)
    send_mail(user.email, subject, body)
    return True
