"""Flask-Login set-up: how a session's user is loaded and where anonymous visitors are sent.

Imported by :mod:`roadmap.accounts.views`, which :func:`roadmap.create_app` imports.
"""
from __future__ import annotations

import hmac

from flask_babel import lazy_gettext as _l

from roadmap.accounts.models import User
from roadmap.extensions import db, login_manager

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to open this page.")
login_manager.login_message_category = "info"
# Flask-Login flashes the message into the session, which stores plain strings only.
login_manager.localize_callback = str


@login_manager.user_loader
def load_user(reference: str) -> User | None:
    """The active user named by a session reference (see :meth:`User.get_id`), or None.

    A disabled account, or one whose password changed since the session began, is logged out.
    """
    user_id, _, fingerprint = (reference or "").partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(fingerprint, user.session_fingerprint) else None
