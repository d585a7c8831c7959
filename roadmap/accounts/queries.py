"""Reads for the account pages: commune choices, the mail outbox, the list of accounts."""
from __future__ import annotations

from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.core.i18n import current_language
from roadmap.core.mail import OutboxMessage
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


def all_users(role: str | None = None) -> list[User]:
    """Every account (of ``role`` if given), ordered by email."""
    query = select(User).order_by(User.email)
    if role:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))
