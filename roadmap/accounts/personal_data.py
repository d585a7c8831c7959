"""Personal data (Moroccan law 09-08, GDPR-minded users): export one's data, delete one's account.

:func:`export_personal_data` gathers what the platform holds about a user; :func:`delete_account`
erases their personal fields while their contributions stay, shown as "Deleted user".

Accounts sit below the domains that hold contributions (proposals, participation, moderation),
so this module reads their rows through the shared metadata by table name instead of importing
their models. Both functions flush and never commit.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from roadmap.audit.log import record
from roadmap.accounts.models import PasswordResetToken, User
from roadmap.core.models import utcnow
from roadmap.extensions import db

DELETED_NAME = _l("Deleted user")
# Fields of the account itself that are exported (never the password hash).
# Never the keyed hashes (phone_hash, signup_ip_hash): they identify, and mean nothing to the
# user; the verification is shown by its method, date and commune.
USER_FIELDS = ("id", "email", "display_name", "role", "stakeholder_type", "organisation",
               "preferred_language", "gender", "age_band", "created_at", "last_login_at",
               "blocked_at", "blocked_reason", "email_confirmed_at", "verified_at",
               "verification_method")
# Fields erased when the account is deleted (stakeholder type stays: statistics need it).
ERASED_FIELDS = ("organisation", "home_commune_id", "preferred_language", "gender", "age_band",
                 "blocked_reason", "last_login_at", "phone_hash", "signup_ip_hash",
                 "verified_at", "verification_method", "verified_commune_id")
# (section, table, column naming the user, columns left out because they hold other people's
# data or nothing of the user's).
SECTIONS = (
    ("proposals", "proposal", "author_id", {"search_text", "entered_by_id"}),
    # Not the keyed hash of the verified identity, nor the help-desk official's account.
    ("supports", "vote", "user_id", {"identity_hash", "entered_by_id"}),
    ("comments", "comment", "author_id", set()),
    ("comment_likes", "comment_like", "user_id", set()),
    ("follows", "follow", "user_id", set()),
    ("notifications", "notification", "user_id", {"payload"}),
    ("reports", "report", "reporter_id", {"dismissed_by_id"}),
    # Method, dates and commune of each verification; never the identity's hash nor the list
    # entry or code it used, nor the help-desk official.
    ("verifications", "verification", "user_id", {"identity_hash", "source_id",
                                                  "entered_by_id"}),
)


class AccountAlreadyDeleted(Exception):
    """The account was deleted already."""


def _plain(value):
    """``value`` as JSON data: dates become ISO strings."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _commune(commune) -> dict | None:
    return None if commune is None else {
        "code": commune.code, "name_ar": commune.name_ar, "name_fr": commune.name_fr}


def _profile(user: User) -> dict:
    """The account's own fields, its home commune and its verified commune by code and name."""
    data = {name: _plain(getattr(user, name)) for name in USER_FIELDS}
    data["home_commune"] = _commune(user.home_commune)
    data["verified_commune"] = _commune(user.verified_commune)
    return data


def _rows(table_name: str, user_column: str, left_out: set[str], user_id: int) -> list[dict]:
    """Every row of ``table_name`` whose ``user_column`` is the user, as plain dicts."""
    table = db.metadata.tables.get(table_name)
    if table is None:
        return []
    columns = [column for column in table.columns if column.name not in left_out]
    query = select(*columns).where(table.c[user_column] == user_id).order_by(table.c.id)
    return [{key: _plain(value) for key, value in row._mapping.items()}
            for row in db.session.execute(query)]


def export_personal_data(user: User) -> dict:
    """Everything the platform holds about ``user``, as JSON-able data.

    The account's fields (not the password hash, nor the keyed hashes of the phone number,
    the sign-up address or the verified identity), and the user's proposals, supports,
    comments, likes, follows, notifications, reports and verifications (method, dates,
    commune), and the files they uploaded (:func:`_attachments`). Other people's personal data is left out (notification payloads name other
    users; reports name the moderator).
    """
    data = {"format": "roadmap-personal-data/1", "exported_at": utcnow().isoformat(),
            "account": _profile(user)}
    for section, table_name, user_column, left_out in SECTIONS:
        data[section] = _rows(table_name, user_column, left_out, user.id)
    data["attachments"] = _attachments(user)
    return data


# What the export tells of each file the user uploaded, and the files each kind is served as.
ATTACHMENT_FIELDS = ("id", "kind", "state", "original_name", "alt_text", "content_type", "size",
                     "pages", "duration_seconds", "transcript", "proposal_id", "comment_id",
                     "workshop_id", "progress_update_id", "hidden_at", "hidden_reason",
                     "created_at")
ATTACHMENT_VARIANTS = {"photo": ("screen", "thumb"), "document": ("file",), "voice": ("audio",)}


def _attachments(user: User) -> list[dict]:
    """The photos, documents and voice notes ``user`` uploaded: what they are, what they are
    attached to, and the addresses of their files (which only they, and those who see what they
    are attached to, may open)."""
    from flask import url_for

    table = db.metadata.tables.get("attachment")
    if table is None:
        return []
    rows = db.session.execute(select(table).where(table.c.uploaded_by_id == user.id)
                              .order_by(table.c.id))
    found = []
    for row in rows:
        entry = {name: _plain(row._mapping[name]) for name in ATTACHMENT_FIELDS}
        entry["urls"] = {variant: url_for("media.file", token=row.token, variant=variant,
                                          _external=True)
                         for variant in ATTACHMENT_VARIANTS.get(row.kind, ())}
        found.append(entry)
    return found


def deleted_email(user: User) -> str:
    """The unique placeholder address a deleted account keeps."""
    return f"deleted-{user.id}@deleted.invalid"


def delete_account(user: User, by: User | None = None) -> User:
    """Erase ``user``'s personal fields and disable the account; their contributions stay.

    The email becomes a unique placeholder, the name is stored empty (shown as "Deleted
    user"), the password can no longer match, the profile fields are cleared, password-reset
    tokens are deleted, other people's notifications forget the name; ``deleted_at`` is set and the account is inactive. Supports stay (they
    are anonymous counts). The photos, documents and voice notes the user uploaded are deleted,
    their files once the deletion is committed (the proposals and comments they were attached
    to stay, with their text). ``by`` is who asked (the user, or an admin). Records an audit
    entry. Raises :class:`AccountAlreadyDeleted`. Flushes.
    """
    if user.deleted_at is not None:
        raise AccountAlreadyDeleted(f"Account {user.id} was already deleted.")
    user.email = deleted_email(user)
    user.display_name = ""
    user.password_hash = "!deleted-" + secrets.token_hex(16)  # never a valid argon2 hash
    for name in ERASED_FIELDS:
        setattr(user, name, None)
    user.deleted_at = utcnow()
    user.active = False
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    _erase_name_from_notifications(user)
    _end_verification(user)
    files = _delete_attachments(user)
    db.session.flush()
    _audit(user, by, files)
    return user


def _delete_attachments(user: User) -> int:
    """Delete the user's uploads (rows now, files after the commit); returns how many."""
    from roadmap.media.models import Attachment
    from roadmap.media.services import remove_all

    return remove_all(db.session.scalars(select(Attachment).where(
        Attachment.uploaded_by_id == user.id)).all())


def _erase_name_from_notifications(user: User) -> None:
    """Other people's notifications about the user's comments keep no copy of their name."""
    notification, comment = (db.metadata.tables.get(name) for name in ("notification", "comment"))
    if notification is None or comment is None:
        return
    mine = select(comment.c.id).where(comment.c.author_id == user.id)
    rows = db.session.execute(select(notification.c.id, notification.c.payload)
                              .where(notification.c.comment_id.in_(mine))).all()
    for row_id, payload in rows:
        if isinstance(payload, dict) and payload.get("author"):
            db.session.execute(update(notification).where(notification.c.id == row_id)
                               .values(payload={**payload, "author": None}))


def _end_verification(user: User) -> None:
    """The account's verification ends: its identity may verify a new account, whose supports
    still cannot repeat this one's (they keep the identity's hash)."""
    verification = db.metadata.tables.get("verification")
    if verification is None:
        return
    db.session.execute(update(verification).where(verification.c.user_id == user.id,
                                                  verification.c.ended_at.is_(None))
                       .values(ended_at=utcnow(), ended_reason="account_deleted"))


def _audit(user: User, by: User | None, attachments: int = 0) -> None:
    """Record the deletion in the audit log (after erasing, so no personal field is kept)."""
    after = {"deleted_at": user.deleted_at, "by_self": by is not None and by.id == user.id}
    if attachments:
        after["attachments_deleted"] = attachments
    record(by, "account.delete", user, after=after)


def author_name(user: User | None) -> str:
    """How a contribution's author is shown: their name, or "Deleted user" (translated)."""
    if user is None or user.deleted_at is not None:
        return str(DELETED_NAME)
    return user.display_name
