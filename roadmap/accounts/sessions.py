"""Server-side sessions: a logged-in browser holds a random token whose SHA-256 is a
:class:`UserSession` row, so that logging out, an expiry or a password change revokes it.

The token lives in the signed Flask session under :data:`TOKEN_KEY`. On every request of a
logged-in user :func:`check_current_session` checks its row (exists, not revoked, within the
idle and absolute timeouts) and logs the browser out otherwise. Services flush, never commit.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_login import logout_user
from sqlalchemy import select, update

from roadmap.accounts.models import User, UserSession
from roadmap.core.models import utcnow
from roadmap.extensions import db

TOKEN_KEY = "_sid"
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(user: User) -> UserSession:
    """Record a new session for ``user`` and keep its token in the Flask session; flushes."""
    token = secrets.token_urlsafe(32)
    record = UserSession(user_id=user.id, token_hash=_hash(token))
    db.session.add(record)
    db.session.flush()
    session[TOKEN_KEY] = token
    return record


def session_record(token: str | None) -> UserSession | None:
    """The session row of ``token``, or None."""
    if not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))


def is_valid(record: UserSession | None, user_id: int) -> bool:
    """True if ``record`` belongs to ``user_id``, is not revoked and is within the timeouts."""
    if record is None or record.user_id != user_id or record.revoked_at is not None:
        return False
    now, config = utcnow(), current_app.config
    idle = timedelta(minutes=config["ROADMAP_SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["ROADMAP_SESSION_MAX_HOURS"])
    return now - record.last_seen_at <= idle and now - record.created_at <= absolute


def revoke_current_session() -> None:
    """Mark the browser's session row revoked (logout); flushes. No row: nothing to do."""
    record = session_record(session.get(TOKEN_KEY))
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        db.session.flush()


def revoke_all_sessions(user: User) -> int:
    """Revoke every open session of ``user`` (password change, account deletion); flushes.

    Returns how many were revoked.
    """
    result = db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount or 0


def _end_browser_session() -> None:
    """Log the browser out, keeping only its chosen language."""
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language


def _allow_untracked() -> bool:
    """Whether a logged-in session without a token is accepted (tests log in that way)."""
    return current_app.config.get("ROADMAP_SESSION_ALLOW_UNTRACKED", current_app.testing)


def _session_user_id() -> int | None:
    """The user id of the Flask-Login reference in the session (``"<id>:<fingerprint>"``)."""
    try:
        return int(str(session.get("_user_id", "")).partition(":")[0])
    except ValueError:
        return None


def check_current_session() -> None:
    """Before each request: log out a browser whose session row is missing, revoked or expired.

    Updates ``last_seen_at`` at most once a minute (and commits that alone).
    """
    if request.endpoint == "static" or "_user_id" not in session:
        return
    token = session.get(TOKEN_KEY)
    if token is None and _allow_untracked():
        return
    record = session_record(token)
    if not is_valid(record, _session_user_id()):
        _end_browser_session()
        return
    if utcnow() - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = utcnow()
        db.session.commit()
