"""Reads for the account pages: commune choices, the mail and SMS outbox, accounts, invitations."""
from __future__ import annotations

from sqlalchemy import func, select

from roadmap.accounts.models import Invitation, User
from roadmap.core.i18n import current_language
from roadmap.core.mail import OutboxMessage
from roadmap.core.models import utcnow
from roadmap.core.sms import SmsMessage
from roadmap.extensions import db
from roadmap.territory.models import Commune


def communes_for_choice() -> list[tuple[int, str]]:
    """``(id, name)`` of every commune, named and sorted in the reader's language."""
    column = Commune.name_ar if current_language() == "ar" else Commune.name_fr
    rows = db.session.execute(select(Commune.id, column).order_by(column, Commune.id))
    return [(commune_id, name) for commune_id, name in rows]


def latest_outbox_messages(limit: int = 200) -> list[OutboxMessage]:
    """The ``limit`` most recent outbox messages, newest first."""
    return list(db.session.scalars(select(OutboxMessage)
                                   .order_by(OutboxMessage.created_at.desc(),
                                             OutboxMessage.id.desc())
                                   .limit(limit)))


def latest_sms_messages(limit: int = 200) -> list[SmsMessage]:
    """The ``limit`` most recent text messages (recipients masked), newest first."""
    return list(db.session.scalars(select(SmsMessage)
                                   .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
                                   .limit(limit)))


def all_users(role: str | None = None) -> list[User]:
    """Every account (of ``role`` if given), ordered by email."""
    query = select(User).order_by(User.email)
    if role:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def search_users(*, text: str | None = None, role: str | None = None,
                 stakeholder_type: str | None = None, commune_id: int | None = None,
                 active: bool | None = None, page: int = 1, per_page: int = 25):
    """One page (Flask-SQLAlchemy pagination) of the accounts matching every filter given.

    ``text`` matches the display name or the email (case-insensitive, anywhere). Deleted
    accounts are never listed: their personal data is gone. Ordered by display name, then id.
    """
    query = select(User).where(User.deleted_at.is_(None))
    if text:
        needle = text.strip().lower()
        query = query.where(func.lower(User.display_name).contains(needle, autoescape=True)
                            | func.lower(User.email).contains(needle, autoescape=True))
    if role:
        query = query.where(User.role == role)
    if stakeholder_type:
        query = query.where(User.stakeholder_type == stakeholder_type)
    if commune_id:
        query = query.where(User.home_commune_id == commune_id)
    if active is not None:
        query = query.where(User.active.is_(active))
    query = query.order_by(func.lower(User.display_name), User.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def list_invitations(state: str | None = None, page: int = 1, per_page: int = 50):
    """One page of invitations, newest first; ``state`` one of pending, accepted, expired,
    revoked."""
    now = utcnow()
    query = select(Invitation)
    if state == "accepted":
        query = query.where(Invitation.accepted_at.is_not(None))
    elif state == "revoked":
        query = query.where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_not(None))
    elif state == "expired":
        query = query.where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                            Invitation.expires_at <= now)
    elif state == "pending":
        query = query.where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                            Invitation.expires_at > now)
    query = query.order_by(Invitation.created_at.desc(), Invitation.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
