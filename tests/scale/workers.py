"""Helpers of the tests that run a real task-queue consumer (``flask --app ... worker``)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


REDIS = "redis://127.0.0.1:6379"


def ensure_redis() -> None:
    """Start a throwaway Redis (no persistence) when none answers, as the machines' notes say."""
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
    for attempt in range(20):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if attempt == 0:
                subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1",
                                "--port", "6379", "--save", "", "--appendonly", "no"],
                               check=False)
            time.sleep(0.25)
    raise AssertionError("Redis does not answer at 127.0.0.1:6379")


def queue_settings(database_url: str, instance: Path) -> dict:
    """Queue settings of a test deployment: a SQLite queue beside a SQLite database, Redis
    (under a queue name of this run's own) beside PostgreSQL."""
    if database_url.startswith("sqlite"):
        return {"ROADMAP_TASK_QUEUE": "sqlite",
                "ROADMAP_TASK_QUEUE_FILE": str(instance / "tasks.sqlite3")}
    ensure_redis()
    return {"ROADMAP_TASK_QUEUE": "redis", "ROADMAP_REDIS_URL": REDIS,
            "ROADMAP_TASK_QUEUE_NAME": f"roadmap_test_{uuid.uuid4().hex[:12]}"}


def forget_queue(app) -> None:
    """Remove what a test queue left in the shared Redis (its own keys only)."""
    huey = app.extensions["huey"]
    if not huey.immediate and app.config.get("ROADMAP_TASK_QUEUE") == "redis":
        huey.storage.flush_all()


def start_worker(environment: dict, log: Path, *args: str) -> subprocess.Popen:
    """Start ``flask --app tests.scale.server_app:app worker`` in a process group of its own."""
    return subprocess.Popen(
        [FLASK, "--app", "tests.scale.server_app:app", "worker", "--verbose", *args],
        cwd=str(ROOT), env={**os.environ, **environment}, start_new_session=True,
        stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop_worker(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a worker and its children (SIGTERM: gracefully; SIGKILL: as a crash would)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def wait_for(probe, timeout: float, what: str, interval: float = 0.1):
    """Call ``probe()`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class JobRows:
    """Reads ``background_job`` rows through a connection of its own (as a third server)."""

    def __init__(self, url: str):
        self.engine = create_engine(url)

    def get(self, job_id: str) -> dict | None:
        """The row of ``job_id`` as a dict, or ``None``."""
        with self.engine.connect() as connection:
            row = connection.execute(text("SELECT * FROM background_job WHERE id = :id"),
                                     {"id": job_id}).mappings().first()
        return dict(row) if row else None

    def close(self) -> None:
        """Close the connections."""
        self.engine.dispose()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    """Wait until the gunicorn ``process`` answers at ``base`` (fails the test otherwise)."""
    import pytest

    from tests.scale.http import Browser

    for _ in range(120):
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            if Browser().request(f"{base}/login", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"gunicorn at {base} did not answer")
