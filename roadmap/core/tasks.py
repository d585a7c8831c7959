"""The task queue behind :mod:`roadmap.core.jobs`: Huey, built from the app's configuration.

``ROADMAP_TASK_QUEUE`` chooses the storage of the queue:

- ``sqlite`` (the default): a file in the instance folder (``ROADMAP_TASK_QUEUE_FILE``,
  default ``instance/tasks.sqlite3``); the web processes and the worker of one machine share it.
- ``redis``: ``ROADMAP_REDIS_URL`` (or the rate limits' Redis, ``ROADMAP_RATELIMIT_STORAGE_URI``),
  for several app servers; with priorities (mail before exports).
- ``immediate``: no queue, every job runs in the process that queued it, when its transaction
  commits (the default when ``TESTING``).

Huey carries only job ids: a job's state, progress, attempts and result live in its
``background_job`` row, which every app server reads. One task (``run_job``) runs a job by id in
an application context and a database session of its own; ``flask --app roadmap worker`` runs
the consumer, a heartbeat per running job and a watchdog that recovers the jobs of a worker
that died (:func:`roadmap.core.jobs.recover_stale_jobs`).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import MemoryHuey, PriorityRedisHuey, SqliteHuey
from huey import signals as huey_signals
from sqlalchemy import update

from roadmap.core.models import utcnow
from roadmap.extensions import db

log = logging.getLogger("roadmap.tasks")
QUEUE_MODES = ("sqlite", "redis", "immediate")


def queue_mode(app: Flask) -> str:
    """The configured queue: ``ROADMAP_TASK_QUEUE``, else ``immediate`` in tests, else sqlite."""
    mode = app.config.get("ROADMAP_TASK_QUEUE") or ("immediate" if app.testing else "sqlite")
    if mode not in QUEUE_MODES:
        raise ValueError(f"ROADMAP_TASK_QUEUE must be one of {QUEUE_MODES}, not {mode!r}")
    return mode


def redis_url(app: Flask) -> str:
    """The Redis of the queue: ``ROADMAP_REDIS_URL``, else the rate limits' Redis."""
    url = app.config.get("ROADMAP_REDIS_URL")
    storage = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not url and storage.startswith(("redis://", "rediss://")):
        url = storage
    if not url:
        raise ValueError("ROADMAP_TASK_QUEUE=redis needs ROADMAP_REDIS_URL")
    return url


def make_huey(app: Flask):
    """A Huey instance for ``app``'s configuration (not yet holding the app's task)."""
    mode = queue_mode(app)
    name = app.config.get("ROADMAP_TASK_QUEUE_NAME") or "roadmap"
    if mode == "immediate":
        return MemoryHuey(name, results=False, immediate=True)
    if mode == "redis":
        return PriorityRedisHuey(name, results=False, url=redis_url(app))
    path = Path(app.config.get("ROADMAP_TASK_QUEUE_FILE")
                or Path(app.instance_path) / "tasks.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, results=False, filename=str(path))


def init_tasks(app: Flask) -> None:
    """Build the app's queue (``app.extensions["huey"]``) and register its task on it."""
    huey = make_huey(app)

    @huey.task(name="run_job")
    def run_job_task(job_id: str) -> None:
        execute_job(app, job_id)

    @huey.on_startup(name="roadmap.fresh_connections")
    def _fresh_connections() -> None:
        # A process worker is forked from the consumer: it must not share its connections.
        with app.app_context():
            db.engine.dispose(close=False)

    @huey.signal(huey_signals.SIGNAL_INTERRUPTED)
    def _give_back(_signal, task, *_args) -> None:
        # The consumer was stopped at once (SIGTERM) in the middle of a job: queue it again.
        if task.name == "run_job" and task.args:
            give_back_job(app, task.args[0])

    huey.flask_app = app
    app.extensions["huey"] = huey
    app.extensions["roadmap.run_job_task"] = run_job_task


def enqueue(app: Flask, job_id: str, delay: float = 0.0, priority: int = 0) -> None:
    """Hand job ``job_id`` to ``app``'s queue (called once the job's row is committed).

    The caller's transaction is already committed: an error here is logged, not raised (the
    job stays ``queued`` until it is started again).
    """
    task = app.extensions["roadmap.run_job_task"]
    try:
        app.extensions["huey"].enqueue(
            task.s(job_id, delay=delay if delay > 0 else None, priority=priority))
    except Exception:  # noqa: BLE001 - the request that queued it has committed already
        log.exception("could not queue job %s", job_id)


def execute_job(app: Flask, job_id: str) -> None:
    """Run job ``job_id`` in a fresh application context and session (the queue's task)."""
    from roadmap.core.jobs import claim_job, run_job

    with app.app_context():
        try:
            job = claim_job(job_id)
            if job is None:  # another worker took it, it finished, or its row is gone
                return
            beating = None
            if not app.extensions["huey"].immediate:
                beating = _Heartbeat(app, job_id)
                beating.start()
            try:
                run_job(job, commit=True)
            finally:
                if beating is not None:
                    beating.stop()
        except Exception:  # noqa: BLE001 - the watchdog recovers the job; the worker goes on
            log.exception("job %s could not be run", job_id)
        finally:
            db.session.remove()


def give_back_job(app: Flask, job_id: str) -> None:
    """Queue again a job that this worker was stopped in the middle of (it did not fail)."""
    from roadmap.core.jobs import BackgroundJob, job_priority, queue_after_commit

    table = BackgroundJob.__table__
    try:
        with app.app_context():
            job = db.session.get(BackgroundJob, job_id)
            if job is not None and db.session.execute(
                    update(table).where(table.c.id == job_id, table.c.state == "running")
                    .values(state="queued", progress=0.0,
                            error="the worker was stopped during the job")).rowcount:
                queue_after_commit(job_id, priority=job_priority(job.kind))
            db.session.commit()
            db.session.remove()
    except Exception:  # noqa: BLE001 - the watchdog will find it
        log.warning("could not queue job %s again", job_id, exc_info=True)


def heartbeat_seconds(app: Flask) -> float:
    """How often a running job's heartbeat is written: a quarter of the stale delay."""
    return max(0.2, float(app.config.get("ROADMAP_JOB_STALE_SECONDS", 120)) / 4)


class _Heartbeat(threading.Thread):
    """Writes ``heartbeat_at`` of a running job now and then, in a connection of its own."""

    def __init__(self, app: Flask, job_id: str):
        super().__init__(name=f"heartbeat-{job_id[:8]}", daemon=True)
        self.app, self.job_id, self._stop_event = app, job_id, threading.Event()

    def run(self) -> None:
        from roadmap.core.jobs import BackgroundJob

        table = BackgroundJob.__table__
        while not self._stop_event.wait(heartbeat_seconds(self.app)):
            try:
                with self.app.app_context(), db.engine.begin() as connection:
                    connection.execute(update(table).where(
                        table.c.id == self.job_id, table.c.state == "running")
                        .values(heartbeat_at=utcnow()))
            except Exception:  # noqa: BLE001 - a missed beat is only a later one
                log.warning("heartbeat of job %s failed", self.job_id, exc_info=True)

    def stop(self) -> None:
        """Stop beating (the job ended)."""
        self._stop_event.set()


def watch_stale_jobs(app: Flask, stop: threading.Event) -> None:
    """Queue again the old jobs that never reached the queue, then, until ``stop`` is set,
    recover the jobs of dead workers every heartbeat period."""
    from roadmap.core.jobs import recover_stale_jobs, requeue_waiting_jobs

    try:
        with app.app_context():
            waiting = requeue_waiting_jobs()
            db.session.commit()
            if waiting:
                log.warning("waiting jobs queued again: %s", waiting)
            db.session.remove()
    except Exception:  # noqa: BLE001 - the worker runs all the same
        log.warning("could not queue the waiting jobs again", exc_info=True)

    while not stop.wait(heartbeat_seconds(app)):
        try:
            with app.app_context():
                queued, failed = recover_stale_jobs()
                db.session.commit()
                if queued or failed:
                    log.warning("stale jobs: queued again %s, failed %s", queued, failed)
                db.session.remove()
        except Exception:  # noqa: BLE001 - try again at the next period
            log.warning("stale-job check failed", exc_info=True)


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Jobs run at once.")
@click.option("--worker-type", "-k", type=click.Choice(["thread", "process"]),
              default="thread", show_default=True,
              help="Threads share one process; processes suit CPU-heavy exports.")
@click.option("--verbose", "-v", is_flag=True, help="Log every task, not only problems.")
@with_appcontext
def worker_command(workers: int, worker_type: str, verbose: bool) -> None:
    """Run the task queue's consumer: background jobs (exports, imports, mail) of this app."""
    app = current_app._get_current_object()
    huey = app.extensions["huey"]
    if huey.immediate:
        raise click.UsageError("ROADMAP_TASK_QUEUE=immediate runs jobs in the web process: "
                               "there is no queue to consume.")
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(processName)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("roadmap.tasks").setLevel(logging.INFO)
    stop = threading.Event()
    watchdog = threading.Thread(target=watch_stale_jobs, args=(app, stop), name="stale-jobs",
                                daemon=True)
    watchdog.start()
    log.info("worker: %s %s workers on the %s queue %r", workers, worker_type,
             queue_mode(app), huey.name)
    # A SQLite queue is polled: at least once a second, however long it has been idle.
    consumer = huey.create_consumer(workers=workers, worker_type=worker_type, periodic=False,
                                    check_worker_health=True, max_delay=1.0)
    try:
        consumer.run()  # until SIGINT or SIGTERM
    finally:
        stop.set()
