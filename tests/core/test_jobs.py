"""Background jobs through the task queue in immediate mode (the tests' default): a job runs
once its transaction commits, never for a rolled-back one; progress, result, failures, retries
with backoff, and the recovery of jobs whose worker stopped beating."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roadmap.core.jobs import (BackgroundJob, job_by_id, job_handler, job_status,
                               recover_stale_jobs, requeue_waiting_jobs, start_job)
from roadmap.core.models import utcnow
from roadmap.extensions import db

SEEN: list[dict] = []


@job_handler("test.echo")
def _echo(job, progress):
    progress(0.5)
    SEEN.append(dict(job.payload))
    return {"echo": job.payload["word"]}


@job_handler("test.boom")
def _boom(job, progress):
    raise RuntimeError("boom " + job.payload.get("word", ""))


@job_handler("test.flaky", retries=2)
def _flaky(job, progress):
    if job.attempts < 3:
        raise ConnectionError(f"attempt {job.attempts} refused")
    return {"attempts": job.attempts}


def test_a_job_runs_when_its_transaction_commits(app):
    job = start_job("test.echo", {"word": "salam"})
    assert job.state == "queued"  # not before the commit
    db.session.commit()
    assert job.state == "done" and job.result == {"echo": "salam"} and job.progress == 1.0
    assert job.attempts == 1 and job.started_at and job.finished_at and job.heartbeat_at


def test_a_rolled_back_transaction_queues_nothing(app):
    SEEN.clear()
    with db.session.begin_nested():
        pass
    job_id = start_job("test.echo", {"word": "never"}).id
    db.session.rollback()
    db.session.commit()
    assert SEEN == [] and job_by_id(job_id) is None


def test_a_failing_handler_marks_the_job_failed_and_keeps_the_error(app):
    job = start_job("test.boom", {"word": "x"})
    db.session.commit()
    assert job.state == "failed" and job.error == "RuntimeError: boom x"
    assert job_status(job) == "failed"


def test_retries_queue_the_job_again_with_a_growing_delay(app):
    huey = app.extensions["huey"]
    job = start_job("test.flaky", {})
    db.session.commit()
    # Immediate mode keeps a delayed retry in its schedule: run it by hand, as the consumer.
    for attempt, delay in ((1, 30), (2, 60)):
        assert job.state == "queued" and job.attempts == attempt
        assert job.error == f"ConnectionError: attempt {attempt} refused"
        [task] = huey.scheduled()
        assert abs((task.eta - utcnow().replace(tzinfo=None)).total_seconds() - delay) < 5
        huey.storage.flush_schedule()
        huey.execute(task, timestamp=task.eta)
        db.session.expire_all()
    assert job.state == "done" and job.result == {"attempts": 3}


def test_unknown_kinds_are_refused(app):
    with pytest.raises(KeyError):
        start_job("no.such.kind", {})


def test_a_job_whose_worker_stopped_is_queued_again_then_failed(app, monkeypatch):
    monkeypatch.setitem(app.config, "ROADMAP_JOB_MAX_ATTEMPTS", 2)
    old = utcnow() - timedelta(seconds=600)
    job = BackgroundJob(id="c" * 32, kind="test.echo", state="running", attempts=1,
                        payload={"word": "again"}, started_at=old, heartbeat_at=old)
    db.session.add(job)
    db.session.flush()
    assert job_status(job) == "failed"  # pages say so at once
    assert recover_stale_jobs() == (["c" * 32], [])
    db.session.commit()  # queued again: immediate mode runs it now
    assert job.state == "done" and job.attempts == 2 and job.result == {"echo": "again"}

    job.state, job.heartbeat_at = "running", old
    db.session.commit()
    assert recover_stale_jobs() == ([], ["c" * 32])
    db.session.commit()
    assert job.state == "failed" and "heartbeat" in job.error
    fresh = BackgroundJob(id="d" * 32, kind="test.echo", state="running", attempts=1,
                          payload={}, started_at=utcnow(), heartbeat_at=utcnow())
    db.session.add(fresh)
    db.session.flush()
    assert recover_stale_jobs() == ([], []) and job_status(fresh) == "running"


def test_old_waiting_jobs_that_never_started_are_queued_again(app):
    old = utcnow() - timedelta(seconds=600)
    lost = BackgroundJob(id="e" * 32, kind="test.echo", state="queued", attempts=0,
                         payload={"word": "lost"}, created_at=old)
    retrying = BackgroundJob(id="f" * 32, kind="test.echo", state="queued", attempts=1,
                             payload={"word": "later"}, created_at=old, started_at=old)
    recent = BackgroundJob(id="9" * 32, kind="test.echo", state="queued", attempts=0,
                           payload={"word": "soon"})
    db.session.add_all([lost, retrying, recent])
    db.session.flush()
    assert requeue_waiting_jobs() == ["e" * 32]
    db.session.commit()
    assert lost.state == "done" and retrying.state == recent.state == "queued"
