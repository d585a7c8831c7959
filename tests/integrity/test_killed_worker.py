"""A worker killed (SIGKILL) in the middle of a burst of votes leaves a consistent database.

Two gunicorn workers serve a committed database (SQLite file or PostgreSQL); logged-in users
support and withdraw supports as fast as they can while one worker is killed without warning.
Afterwards every proposal's ``supports_count`` equals its vote rows.
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
