"""Outgoing SMS: every message is kept in an outbox table (admins read it at /admin/outbox)
and, with the ``http`` backend, sent by a background job (``sms.send``) through a provider's
gateway, with retries. The recipient is kept masked for reading and, until it is sent,
sealed (encrypted) for the job: never the plain number in the database.

Settings (``roadmap/config.py``):

- ``ROADMAP_SMS_BACKEND``: ``outbox`` (the default: messages are kept for admins to read, never
  sent) or ``http``.
- ``ROADMAP_SMS_HTTP_URL``: the gateway's address. ``{to}`` and ``{message}`` may appear in it
  (URL-encoded there), for gateways that take a GET query.
- ``ROADMAP_SMS_HTTP_METHOD``: ``POST`` (default), ``GET``, ``PUT``...
- ``ROADMAP_SMS_HTTP_HEADERS``: a JSON object of headers, e.g.
  ``{"Authorization": "Bearer abc"}``.
- ``ROADMAP_SMS_HTTP_BODY``: the body template, with ``{to}`` (E.164, ``+212612345678``) and
  ``{message}``; empty (and always with ``GET``): no body. Its kind follows the ``Content-Type`` header if one is set,
  else the template itself: one starting with ``{`` or ``[`` is JSON (values JSON-escaped,
  the quotes are the template's: ``{"to": "{to}", "text": "{message}"}``; sent as
  ``application/json; charset=utf-8``), anything else is a form (values URL-encoded:
  ``to={to}&text={message}``; sent as ``application/x-www-form-urlencoded``). With another
  ``Content-Type`` (``text/plain``) the values go in as they are. UTF-8 always.

The job treats any answer but 2xx, a refused connection or a 10 s timeout as a failure and
tries again with a backoff (:data:`SMS_RETRIES` times). Once the message is sent, and after
its last failed attempt, the sealed number is erased.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from flask import current_app
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadmap.core.jobs import job_handler, start_job
from roadmap.core.models import UTCDateTime, utcnow
from roadmap.core.phones import mask_phone
from roadmap.extensions import db

SMS_BACKENDS = ("outbox", "http")
SMS_RETRIES = 4  # 5 attempts: after 30 s, 1, 2 and 4 min (ROADMAP_JOB_RETRY_SECONDS=30)
HTTP_TIMEOUT = 10  # seconds


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


class SmsGatewayError(RuntimeError):
    """The gateway did not take the message (the job tries again). The text never holds the
    number: it goes into the job's and the message's ``error``."""


def sms_backend() -> str:
    """The configured backend, ``outbox`` or ``http`` (``ROADMAP_SMS_BACKEND``)."""
    backend = (current_app.config.get("ROADMAP_SMS_BACKEND") or "outbox").strip().lower()
    if backend not in SMS_BACKENDS:
        raise ValueError(f"ROADMAP_SMS_BACKEND must be one of {SMS_BACKENDS}, not {backend!r}")
    return backend


def send_sms(e164: str, body: str) -> SmsMessage:
    """Record a text message to ``e164`` in the outbox (masked recipient) and, with the
    ``http`` backend, queue its sending (job ``sms.send``; the number sealed until sent).

    Flushes, never commits: it is sent once the caller commits.
    """
    from roadmap.core.keys import seal

    backend = sms_backend()
    message = SmsMessage(recipient_masked=mask_phone(e164), body=body, backend=backend,
                         recipient_sealed=seal(e164) if backend == "http" else None)
    db.session.add(message)
    db.session.flush()
    if backend == "http":
        start_job("sms.send", {"message_id": message.id})  # the id only: no number in the job
    return message


@job_handler("sms.send", retries=SMS_RETRIES, priority=20)
def _send_queued_sms(job, progress) -> dict | None:
    """Send one SMS through the HTTP gateway (a job: a failure is retried with a backoff).

    Every failure is written on the message; the sealed number is erased once sent and after
    the last attempt."""
    from roadmap.core.keys import unseal

    message = db.session.get(SmsMessage, job.payload["message_id"])
    if message is None or message.sent_at is not None or not message.recipient_sealed:
        return {"skipped": True}
    e164 = unseal(message.recipient_sealed)
    try:
        deliver_http(e164, message.body)
    except Exception as error:  # noqa: BLE001 - written down, then raised for the retry
        message.error = _scrubbed(f"{type(error).__name__}: {error}", e164)[:1000]
        if (job.attempts or 1) > SMS_RETRIES:  # the last attempt: the number is not kept
            message.recipient_sealed = None
        progress(0.0)  # commits what was written on the message before the job fails
        raise SmsGatewayError(message.error) from None
    message.sent_at = utcnow()
    message.recipient_sealed = None
    message.error = None
    return {"message_id": message.id}


def _scrubbed(text: str, e164: str) -> str:
    """``text`` without the number (a gateway may echo it back), in any of its usual forms."""
    for form in (e164, e164[1:], "0" + e164[4:], urllib.parse.quote(e164),
                 urllib.parse.quote_plus(e164)):
        text = text.replace(form, mask_phone(e164))
    return text


def http_request(e164: str, text: str) -> urllib.request.Request:
    """The gateway request for ``text`` to ``e164``, from the ``ROADMAP_SMS_HTTP_*`` settings
    (see the module's docstring). Raises :class:`SmsGatewayError` for a setting that is wrong."""
    config = current_app.config
    url = config.get("ROADMAP_SMS_HTTP_URL")
    if not url:
        raise SmsGatewayError("ROADMAP_SMS_HTTP_URL is not set")
    method = (config.get("ROADMAP_SMS_HTTP_METHOD") or "POST").strip().upper()
    try:
        headers = json.loads(config.get("ROADMAP_SMS_HTTP_HEADERS") or "{}")
    except ValueError:
        raise SmsGatewayError("ROADMAP_SMS_HTTP_HEADERS is not a JSON object") from None
    if not isinstance(headers, dict):
        raise SmsGatewayError("ROADMAP_SMS_HTTP_HEADERS is not a JSON object")
    headers = {str(name): str(value) for name, value in headers.items()}
    url = url.replace("{to}", urllib.parse.quote(e164)).replace(
        "{message}", urllib.parse.quote(text))
    template = config.get("ROADMAP_SMS_HTTP_BODY") or ""
    if method in ("GET", "HEAD"):
        template = ""  # the query carries everything: {to} and {message} in the URL
    data = None
    if template:
        content_type = next((value for name, value in headers.items()
                             if name.lower() == "content-type"), None)
        if content_type is None:
            content_type = ("application/json; charset=utf-8"
                            if template.lstrip().startswith(("{", "["))
                            else "application/x-www-form-urlencoded")
            headers["Content-Type"] = content_type
        if "json" in content_type.lower():
            def escape(value):
                return json.dumps(value, ensure_ascii=False)[1:-1]
        elif "x-www-form-urlencoded" in content_type.lower():
            escape = urllib.parse.quote_plus
        else:
            def escape(value):
                return value
        data = template.replace("{to}", escape(e164)).replace("{message}", escape(text))
        data = data.encode("utf-8")
    return urllib.request.Request(url, data=data, method=method, headers=headers)


def deliver_http(e164: str, text: str) -> int:
    """Send ``text`` to ``e164`` through the gateway now; the answer's status (2xx), else
    :class:`SmsGatewayError` (a refusal, an error answer, no answer within 10 s)."""
    request = http_request(e164, text)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            status = response.status
            response.read(65536)
    except urllib.error.HTTPError as error:
        raise SmsGatewayError(f"the gateway answered {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SmsGatewayError(f"the gateway could not be reached: {reason}") from None
    if not 200 <= status < 300:
        raise SmsGatewayError(f"the gateway answered {status}")
    return status
