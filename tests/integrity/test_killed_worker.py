"""Killed workers (SIGKILL) leave a consistent database and no job running for ever.

Two gunicorn workers serve a committed database (SQLite file or PostgreSQL); logged-in users
support and withdraw supports as fast as they can while one worker is killed without warning.
Afterwards every proposal's ``supports_count`` equals its vote rows.

A task-queue consumer (``flask worker``; SQLite queue beside SQLite, Redis beside PostgreSQL)
killed in the middle of a job: the job runs again on the next worker and finishes.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.participation.models import Follow, Vote
from roadmap.participation.queries import counter_mismatches
from tests.conftest import make_test_app
from tests.integrity.conftest import seed_voting
from tests.scale.http import Browser

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long test passphrase"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.fixture
def server(committed_app, committed_url, tmp_path):
    """Gunicorn (two sync workers) on the committed database; yields (process, base URL)."""
    port = _free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--timeout", "30",
         "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "roadmap:create_app()"],
        env={**os.environ, "ROADMAP_DATABASE_URL": committed_url,
             "ROADMAP_INSTANCE_PATH": str(tmp_path / "server"), "ROADMAP_RATELIMIT_ENABLED": "0",
             "ROADMAP_SECURE_COOKIES": "0",
             "ROADMAP_SECRET_KEY": uuid.uuid4().hex},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if Browser().request(f"{base}/login", timeout=2)[0] == 200 and \
                        len(_workers(process.pid)) == 2:
                    break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("gunicorn did not start")
        yield process, base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _burst(browser: Browser, urls: list[str], stop: threading.Event, counts: dict) -> None:
    while not stop.is_set():
        for url in urls:
            for action in ("vote", "unvote"):
                try:
                    status = browser.request(f"{url}/{action}", {}, timeout=10)[0]
                    counts[status] = counts.get(status, 0) + 1
                except OSError:  # the killed worker's connections are reset
                    counts["reset"] = counts.get("reset", 0) + 1


def test_killing_a_worker_during_a_vote_burst_leaves_counters_equal_to_rows(
        committed_app, rows, server):
    process, base = server
    consultation, _, people, items = seed_voting(rows, users=6, proposals=3)
    db.session.commit()
    browsers = []
    for person in people:
        browser = Browser()
        assert browser.login(base, person.email, PASSWORD) == 302
        browsers.append(browser)
    urls = [f"{base}/c/{consultation.slug}/proposals/{item.id}" for item in items]
    stop, counts = threading.Event(), {}
    threads = [threading.Thread(target=_burst, args=(b, urls, stop, counts)) for b in browsers]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    victim = _workers(process.pid)[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(1.5)  # the master starts a new worker; the burst goes on
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert counts.get(303, 0) > 20, counts  # the burst really voted (no-JS: 303 back)
    db.session.expire_all()
    assert counter_mismatches() == []
    with db.engine.connect() as connection:
        stored = connection.scalar(select(func.count(Vote.id))
                                   .where(Vote.proposal_id.in_([i.id for i in items])))
        follows = connection.scalar(select(func.count(Follow.id))
                                    .where(Follow.user_id.in_([p.id for p in people])))
    assert stored <= len(people) * len(items)
    assert follows > 0  # supports went through: a support makes the voter follow


# --- A task-queue worker killed in the middle of a job ------------------------------------------

def test_a_job_whose_worker_is_killed_runs_again_and_is_never_left_running(
        committed_url, tmp_path):
    """SIGKILL the consumer while it runs a job: its heartbeat stops, the next worker's
    watchdog queues the job again, and it finishes (attempt 2) instead of staying running."""
    from roadmap.core.jobs import start_job
    from tests.scale import slow_job  # noqa: F401 - the "test.slow" kind
    from tests.scale.workers import (JobRows, forget_queue, queue_settings, start_worker,
                                     stop_worker, wait_for)

    instance = tmp_path / "instance"
    settings = {**queue_settings(committed_url, instance), "ROADMAP_JOB_STALE_SECONDS": "3",
                "ROADMAP_JOB_MAX_ATTEMPTS": "3"}
    environment = {**settings, "ROADMAP_DATABASE_URL": committed_url,
                   "ROADMAP_INSTANCE_PATH": str(instance),
                   "ROADMAP_SECRET_KEY": uuid.uuid4().hex}
    app = make_test_app(committed_url, instance, **{
        key: float(value) if key == "ROADMAP_JOB_STALE_SECONDS" else
        int(value) if key == "ROADMAP_JOB_MAX_ATTEMPTS" else value
        for key, value in settings.items()})
    rows, log = JobRows(committed_url), tmp_path / "worker.log"
    first = start_worker(environment, log)
    second = None
    try:
        with app.app_context():
            job_id = start_job("test.slow", {"steps": 15, "step": 0.1}).id
            db.session.commit()  # queued now, into the shared queue
        running = wait_for(lambda: (r := rows.get(job_id)) and r["progress"] > 0.2 and r,
                           20, "the first worker to run the job")
        assert running["state"] == "running" and running["attempts"] == 1
        stop_worker(first, signal.SIGKILL)
        second = start_worker(environment, log)
        assert rows.get(job_id)["state"] == "running"  # nobody can tell yet
        done = wait_for(lambda: (r := rows.get(job_id)) and r["state"] in ("done", "failed")
                        and r, 30, "the job to finish after the crash")
        assert done["state"] == "done", (done, log.read_text()[-3000:])
        assert done["attempts"] == 2 and done["progress"] == 1.0
    finally:
        for process in (first, second):
            if process is not None:
                stop_worker(process)
        rows.close()
        with app.app_context():
            forget_queue(app)
            db.engine.dispose()
