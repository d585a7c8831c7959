"""Outgoing SMS: every message is kept in an outbox table (admins read it at /admin/outbox)
and, with the ``http`` backend, sent by a background job (``sms.send``) through a provider's
gateway, with retries. The recipient is kept masked for reading and, until it is sent,
sealed (encrypted) for the job: never the plain number in the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.core.phones import mask_phone
from roadmap.extensions import db


class SmsMessage(db.Model):
    """A text message to a phone: kept here (outbox backend) or sent by a job (http)."""

    __tablename__ = "sms_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_masked: Mapped[str] = mapped_column(String(32))  # "+212 6•••••678"
    recipient_sealed: Mapped[str | None] = mapped_column(Text)  # encrypted; erased once sent
    body: Mapped[str] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(20), default="outbox")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


def send_sms(e164: str, body: str) -> SmsMessage:
    """Record a text message to ``e164`` in the outbox (masked recipient) and, with the
    ``http`` backend, queue its sending (the number sealed until the job sent it).

    Flushes, never commits: it is sent once the caller commits.
    """
    from flask import current_app

    from roadmap.core.keys import seal

    backend = current_app.config.get("ROADMAP_SMS_BACKEND") or "outbox"
    message = SmsMessage(recipient_masked=mask_phone(e164), body=body, backend=backend,
                         recipient_sealed=seal(e164) if backend != "outbox" else None)
    db.session.add(message)
    db.session.flush()
    return message
