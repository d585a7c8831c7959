"""Background jobs: their state, kept in the database so that every app server reads it.

A job is queued by a web request or a command, run by a worker (the task queue), and followed
through its row: ``state`` is ``queued``, ``running``, ``done`` or ``failed``, ``progress``
goes from 0 to 1, ``result`` holds what the job's handler returned (JSON), ``error`` why it
failed (in English, for the log; pages show a message of their own).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import (JSON, CheckConstraint, Float, ForeignKey, Integer, LargeBinary, String,
                        Text, event, func, select, update)
from sqlalchemy.orm import Mapped, Session, mapped_column

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


# --- The interface the domains use (the task queue behind it: roadmap.core.tasks) ------------

Handler = Callable[[BackgroundJob, Callable[[float], None]], "dict | None"]
_HANDLERS: dict[str, Handler] = {}
_OPTIONS: dict[str, dict] = {}
_PENDING = "roadmap.jobs.pending"  # session.info key: jobs to queue once the commit is done


def job_handler(kind: str, *, retries: int = 0, priority: int = 0):
    """Register ``handler(job, progress)`` as what runs jobs of ``kind``.

    The handler reads ``job.payload``, calls ``progress(fraction)`` now and then, and returns a
    JSON-able dict kept as ``job.result``. It runs in a worker, in an application context and a
    database session of its own. ``progress()`` commits that session (so other app servers see
    the progress and the work done so far); what the handler writes after its last call is
    committed with the result. Raising rolls back what was not committed yet and marks the job
    failed, or queues it again ``retries`` times with an exponential backoff
    (``ROADMAP_JOB_RETRY_SECONDS`` × 2ⁿ). ``priority``: higher runs first.
    """
    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        _OPTIONS[kind] = {"retries": retries, "priority": priority}
        return handler
    return register


def start_job(kind: str, payload: dict, *, by=None, consultation=None) -> BackgroundJob:
    """Record a job of ``kind`` and hand it to the task queue; flushes, the caller commits.

    The job is queued once the caller's transaction is committed (never before its row can be
    read; a rolled-back transaction queues nothing). With ``ROADMAP_TASK_QUEUE=immediate`` (the
    default in tests) it runs during that commit, before ``commit()`` returns.
    """
    if kind not in _HANDLERS:
        raise KeyError(f"no handler for jobs of kind {kind!r}")
    job = BackgroundJob(id=uuid.uuid4().hex, kind=kind, state="queued", progress=0.0,
                        attempts=0, payload=payload, created_by_id=getattr(by, "id", None),
                        consultation_id=getattr(consultation, "id", consultation))
    db.session.add(job)
    db.session.flush()
    queue_after_commit(job.id, priority=job_priority(kind))
    return job


def queue_after_commit(job_id: str, delay: float = 0.0, priority: int = 0) -> None:
    """Queue job ``job_id`` (in ``delay`` seconds) once the current transaction commits."""
    session = db.session()
    session.info.setdefault(_PENDING, []).append(
        (current_app._get_current_object(), job_id, delay, priority))


@event.listens_for(Session, "after_commit")
def _queue_committed_jobs(session) -> None:
    pending = session.info.pop(_PENDING, None)
    for app, job_id, delay, priority in pending or ():
        from roadmap.core.tasks import enqueue  # the queue needs the app, built after this

        enqueue(app, job_id, delay, priority)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back_jobs(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed (queued) or not
        session.info.pop(_PENDING, None)


def run_job(job: BackgroundJob, *, commit: bool = False) -> BackgroundJob:
    """Run ``job``'s handler now, keeping its state, progress and result on the row.

    ``commit=False`` (a test, a command running a job in its own transaction): flushes only.
    ``commit=True`` (the worker): progress and the outcome are committed; a failure rolls back
    the handler's uncommitted work, then marks the job failed or queues it for a retry.
    """
    save = db.session.commit if commit else db.session.flush
    job.state, job.started_at = "running", job.started_at or utcnow()
    job.heartbeat_at, job.error = utcnow(), None
    job.attempts = job.attempts or 1  # the worker counted this attempt when it claimed the job
    save()
    job_id = job.id

    def progress(fraction: float) -> None:
        job.progress = max(0.0, min(1.0, float(fraction)))
        job.heartbeat_at = utcnow()
        save()

    try:
        handler = _HANDLERS.get(job.kind)
        if handler is None:
            raise LookupError(f"no handler for jobs of kind {job.kind!r} in this worker")
        result = handler(job, progress)
    except Exception as error:  # the job fails (or is retried), the worker goes on
        current_app.logger.warning("job %s (%s) failed: %s", job_id, job.kind, error,
                                   exc_info=True)
        message = f"{type(error).__name__}: {error}"[:2000]
        if commit:
            db.session.rollback()
            job = db.session.get(BackgroundJob, job_id)
        _fail_or_retry(job, message)
    else:
        job.result, job.state, job.progress = result, "done", 1.0
        job.finished_at = utcnow()
    save()
    return job


def _fail_or_retry(job: BackgroundJob, message: str) -> None:
    retries = _OPTIONS.get(job.kind, {}).get("retries", 0)
    job.error = message
    if (job.attempts or 1) <= retries:
        base = float(current_app.config.get("ROADMAP_JOB_RETRY_SECONDS", 30))
        delay = base * 2 ** ((job.attempts or 1) - 1)
        job.state, job.progress = "queued", 0.0
        queue_after_commit(job.id, delay, job_priority(job.kind))
    else:
        job.state, job.finished_at = "failed", utcnow()


def job_priority(kind: str) -> int:
    """The queue priority of jobs of ``kind`` (higher runs first)."""
    return _OPTIONS.get(kind, {}).get("priority", 0)


def job_by_id(job_id: str) -> BackgroundJob | None:
    """The job with this id, or ``None`` (also for a malformed id)."""
    if not isinstance(job_id, str) or len(job_id) != 32:
        return None
    return db.session.get(BackgroundJob, job_id)


def stale_after() -> timedelta:
    """How long a running job may go without a heartbeat (``ROADMAP_JOB_STALE_SECONDS``)."""
    return timedelta(seconds=float(current_app.config.get("ROADMAP_JOB_STALE_SECONDS", 120)))


def job_status(job: BackgroundJob) -> str:
    """What a page shows: ``queued``, ``running``, ``done`` or ``failed``.

    A running job whose worker stopped beating shows as failed at once, before the watchdog
    (:func:`recover_stale_jobs`) queues it again or marks it failed.
    """
    if job.state == "running" and (job.heartbeat_at or job.started_at or job.created_at) < \
            utcnow() - stale_after():
        return "failed"
    return job.state


def recover_stale_jobs() -> tuple[list[str], list[str]]:
    """Queue again (up to ``ROADMAP_JOB_MAX_ATTEMPTS`` attempts) or mark failed every running
    job whose heartbeat is older than ``ROADMAP_JOB_STALE_SECONDS``; the caller commits.

    Safe to run on several workers at once: each job is taken by one conditional update.
    Returns the ids queued again and the ids marked failed.
    """
    cutoff = utcnow() - stale_after()
    limit = int(current_app.config.get("ROADMAP_JOB_MAX_ATTEMPTS", 3))
    table = BackgroundJob.__table__
    beat = func.coalesce(table.c.heartbeat_at, table.c.started_at, table.c.created_at)
    stale = db.session.execute(select(table.c.id, table.c.kind, table.c.attempts)
                               .where(table.c.state == "running", beat < cutoff)).all()
    queued, failed = [], []
    for job_id, kind, attempts in stale:
        retry = (attempts or 0) < limit
        values = ({"state": "queued", "progress": 0.0} if retry else
                  {"state": "failed", "finished_at": utcnow()})
        values["error"] = "the worker stopped: no heartbeat since " + cutoff.isoformat()
        taken = db.session.execute(
            update(table).where(table.c.id == job_id, table.c.state == "running", beat < cutoff)
            .values(**values)).rowcount
        if taken and retry:
            queue_after_commit(job_id, priority=job_priority(kind))
            queued.append(job_id)
        elif taken:
            failed.append(job_id)
    return queued, failed


def claim_job(job_id: str) -> BackgroundJob | None:
    """Take a queued job for this worker (one conditional update; counts the attempt), or
    ``None`` when another worker has it or it is gone; commits."""
    table = BackgroundJob.__table__
    now = utcnow()
    taken = db.session.execute(
        update(table).where(table.c.id == job_id, table.c.state == "queued")
        .values(state="running", attempts=func.coalesce(table.c.attempts, 0) + 1,
                started_at=now, heartbeat_at=now)).rowcount
    db.session.commit()
    return db.session.get(BackgroundJob, job_id) if taken else None


def requeue_waiting_jobs() -> list[str]:
    """Queue again the jobs still waiting, never started, older than the stale delay (their
    hand-over to the queue may have failed, e.g. Redis down when their request committed);
    the caller commits. A job queued twice runs once (:func:`claim_job`). Run when a worker
    starts."""
    table = BackgroundJob.__table__
    cutoff = utcnow() - stale_after()
    waiting = db.session.execute(select(table.c.id, table.c.kind).where(
        table.c.state == "queued", table.c.started_at.is_(None),
        table.c.created_at < cutoff)).all()
    for job_id, kind in waiting:
        queue_after_commit(job_id, priority=job_priority(kind))
    return [job_id for job_id, _ in waiting]
