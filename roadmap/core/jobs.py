"""Background jobs: their state, kept in the database so that every app server reads it.

A job is queued by a web request or a command, run by a worker (the task queue), and followed
through its row: ``state`` is ``queued``, ``running``, ``done`` or ``failed``, ``progress``
goes from 0 to 1, ``result`` holds what the job's handler returned (JSON), ``error`` why it
failed (in English, for the log; pages show a message of their own).
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Callable

from sqlalchemy import (JSON, CheckConstraint, Float, ForeignKey, Integer, LargeBinary, String,
                        Text)
from sqlalchemy.orm import Mapped, mapped_column

from roadmap.core.models import UTCDateTime, utcnow
from roadmap.extensions import db

JOB_STATES = ("queued", "running", "done", "failed")


class BackgroundJob(db.Model):
    """One piece of background work (an export, a territory import, a batch of invitations)."""

    __tablename__ = "background_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    kind: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "export", "territory.import"
    state: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobFile(db.Model):
    """The file a job made (an export), in the database so that any app server can send it."""

    __tablename__ = "job_file"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("background_job.id", ondelete="CASCADE"), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- The interface the domains use (the task queue behind it: see start_job) -----------------

Handler = Callable[[BackgroundJob, Callable[[float], None]], "dict | None"]
_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str):
    """Register ``handler(job, progress)`` as what runs jobs of ``kind``.

    The handler reads ``job.payload``, calls ``progress(fraction)`` now and then, and returns a
    JSON-able dict kept as ``job.result``. Raising marks the job failed (or retried, for kinds
    the queue retries). It runs in an application context of its own, in a worker.
    """
    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler
    return register


def start_job(kind: str, payload: dict, *, by=None, consultation=None) -> BackgroundJob:
    """Record a job of ``kind`` and hand it to the task queue; flushes, the caller commits.

    The job runs once the caller's transaction is committed.
    """
    if kind not in _HANDLERS:
        raise KeyError(f"no handler for jobs of kind {kind!r}")
    job = BackgroundJob(id=uuid.uuid4().hex, kind=kind, state="queued", progress=0.0,
                        payload=payload, created_by_id=getattr(by, "id", None),
                        consultation_id=getattr(consultation, "id", consultation))
    db.session.add(job)
    db.session.flush()
    # Interim, until the task queue is wired: run at once, in this transaction.
    run_job(job)
    return job


def run_job(job: BackgroundJob) -> BackgroundJob:
    """Run ``job``'s handler, keeping its state, progress and result on the row (flushes)."""
    job.state, job.started_at, job.attempts = "running", utcnow(), (job.attempts or 0) + 1

    def progress(fraction: float) -> None:
        job.progress = max(0.0, min(1.0, float(fraction)))
        job.heartbeat_at = utcnow()
        db.session.flush()

    try:
        job.result = _HANDLERS[job.kind](job, progress)
    except Exception as error:  # the job fails, the caller's request does not
        job.state, job.error = "failed", f"{type(error).__name__}: {error}"
    else:
        job.state, job.progress = "done", 1.0
    job.finished_at = utcnow()
    db.session.flush()
    return job


def job_by_id(job_id: str) -> BackgroundJob | None:
    """The job with this id, or ``None`` (also for a malformed id)."""
    if not isinstance(job_id, str) or len(job_id) != 32:
        return None
    return db.session.get(BackgroundJob, job_id)
