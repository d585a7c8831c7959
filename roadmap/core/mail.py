"""Outgoing mail: every message is kept in an outbox table and, when an SMTP server is
configured, sent by a background job (``mail.send``) that retries with a backoff."""
from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadmap.core.jobs import job_handler, start_job
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db


def site_base_url() -> str:
    """The site's address for links in mails written outside a request (command line, jobs):
    ``ROADMAP_BASE_URL``, else ``SERVER_NAME``, else the development server's."""
    config = current_app.config
    if config.get("ROADMAP_BASE_URL"):
        return config["ROADMAP_BASE_URL"]
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{config['SERVER_NAME']}"
    return "http://localhost:5000"

MAIL_RETRIES = 5  # 6 attempts: after 30 s, 1, 2, 4 and 8 min (ROADMAP_JOB_RETRY_SECONDS=30)


class OutboxMessage(db.Model):
    """A message to send: sent over SMTP by a job (``sent_at`` set), or kept here when no mail
    server is configured (admins read it)."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def undeliverable(recipient: str) -> bool:
    """True for the placeholder addresses of the reserved ``.invalid`` domain (RFC 2606) that
    deleted accounts and help-desk accounts without email keep: no mail goes there."""
    return (recipient or "").strip().lower().rstrip(".").endswith(".invalid")


def send_mail(recipient: str, subject: str, body: str) -> OutboxMessage | None:
    """Record a plain-text message in the outbox and, if a server is configured, queue its
    sending (job ``mail.send``: retried with a backoff while the server refuses it).

    The message is always recorded at once, so that nothing sent is lost; ``sent_at`` is set
    when it went out. Flushes, never commits: it is sent once the caller commits. A placeholder
    address (:func:`undeliverable`) gets nothing: None is returned.
    """
    if undeliverable(recipient):
        return None
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    if current_app.config.get("MAIL_SERVER"):
        start_job("mail.send", {"message_id": message.id})
    return message


@job_handler("mail.send", retries=MAIL_RETRIES, priority=10)
def _send_queued_mail(job, progress) -> dict | None:
    """Send one outbox message over SMTP (a job: an error is retried, with a backoff)."""
    message = db.session.get(OutboxMessage, job.payload["message_id"])
    if message is None or message.sent_at is not None:
        return {"skipped": True}
    deliver(message)
    message.sent_at = utcnow()
    return {"message_id": message.id}


def deliver(message: OutboxMessage) -> None:
    """Hand ``message`` to the configured SMTP server now (raises on any refusal)."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
