"""Background jobs through a real task-queue consumer and two app servers.

Each deployment is two gunicorn app servers and one ``flask worker``: a SQLite database with a
SQLite queue in the shared instance folder, and PostgreSQL with Redis (a queue name of this
run's own). An export started through one server is followed to its end, and downloaded,
through the other; a mail whose SMTP server first refuses the connection, then answers
"try again later", is retried with a backoff until it goes out, once (on the SQLite deployment).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from contextlib import nullcontext
from pathlib import Path

import pytest
from flask_migrate import upgrade

from roadmap.extensions import db
from tests.conftest import Factory, make_test_app, temporary_postgres_database
from tests.scale.http import Browser
from tests.scale.workers import (JobRows, forget_queue, free_port, queue_settings, start_worker,
                                 stop_worker, wait_for, wait_until_up)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long test passphrase"
RETRY_SECONDS = 0.5


def _seed(url: str, instance: Path) -> dict:
    """Migrate; add a consultation with a proposal and an organiser."""
    app = make_test_app(url, instance)
    with app.app_context():
        upgrade()
        factory = Factory()
        consultation = factory.consultation("voting")
        factory.proposal(consultation, factory.commune())
        organiser = factory.user("organiser", password=PASSWORD)
        seeded = {"slug": consultation.slug, "email": organiser.email}
        db.session.commit()
        db.engine.dispose()
    return seeded


def _start_server(environment: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "1", "--bind",
         f"127.0.0.1:{port}", "--chdir", str(ROOT), "tests.scale.server_app:app"],
        env={**os.environ, **environment}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def deployment(request, tmp_path_factory):
    """Two app servers and a worker on one database and one queue; yields their details."""
    folder = tmp_path_factory.mktemp(f"jobs-{request.param}")
    instance, smtp_port = folder / "instance", free_port()
    if request.param == "sqlite":
        url_context = nullcontext(f"sqlite:///{folder / 'app.sqlite3'}")
    else:
        url_context = temporary_postgres_database()
    with url_context as url:
        seeded = _seed(url, instance)
        queue = queue_settings(url, instance)
        mail = {"ROADMAP_MAIL_SERVER": "127.0.0.1", "ROADMAP_MAIL_PORT": str(smtp_port),
                "ROADMAP_MAIL_USE_TLS": "0"}
        environment = {**queue, **mail, "ROADMAP_DATABASE_URL": url,
                       "ROADMAP_INSTANCE_PATH": str(instance),
                       "ROADMAP_SECRET_KEY": uuid.uuid4().hex, "ROADMAP_SECURE_COOKIES": "0",
                       "ROADMAP_RATELIMIT_ENABLED": "0",
                       "ROADMAP_JOB_RETRY_SECONDS": str(RETRY_SECONDS)}
        servers = [_start_server(environment) for _ in range(2)]
        worker = start_worker(environment, folder / "worker.log")
        # This process queues too (a third app server), into the same queue.
        app = make_test_app(url, instance, **queue, MAIL_SERVER="127.0.0.1",
                            MAIL_PORT=smtp_port, MAIL_USE_TLS=False,
                            ROADMAP_JOB_RETRY_SECONDS=RETRY_SECONDS)
        try:
            for process, base in servers:
                wait_until_up(base, process)
            yield {"kind": request.param, "url": url, "bases": [b for _, b in servers], "app": app,
                   "smtp_port": smtp_port, "log": folder / "worker.log", **seeded}
        finally:
            stop_worker(worker, signal.SIGINT)
            for process, _ in servers:
                process.terminate()
            for process, _ in servers:
                process.wait(timeout=30)
                process.stderr.close()
            with app.app_context():
                forget_queue(app)
                db.engine.dispose()


def test_an_export_started_on_one_server_is_followed_and_downloaded_on_the_other(deployment):
    first, second = deployment["bases"]
    slug = deployment["slug"]
    browser = Browser()
    assert browser.login(first, deployment["email"], PASSWORD) == 302
    status, body = browser.request(f"{first}/c/{slug}/exports/jobs",
                                   {"format": "xlsx", "variant": "full"})
    assert status == 303
    job_path = re.search(r'href="(/c/[^"]+/exports/jobs/[0-9a-f]{32})"', body).group(1)
    browser.opener.addheaders = [("HX-Request", "true")]
    states = []

    def finished():
        fragment = browser.request(f"{second}{job_path}", timeout=10)[1]
        states.append(re.search(r'data-job-state="(\w+)"', fragment).group(1))
        return states[-1] in ("done", "failed") and fragment

    fragment = wait_for(finished, 30, "the export to finish", interval=0.3)
    assert states[-1] == "done", (states, deployment["log"].read_text()[-3000:])
    assert 'id="export-file"' in fragment
    with browser.opener.open(f"{second}{job_path}/file", timeout=10) as response:
        assert response.status == 200 and response.read(2) == b"PK"  # an xlsx is a zip


def test_a_mail_is_retried_with_a_backoff_until_the_server_takes_it(deployment):
    from aiosmtpd.controller import Controller

    from roadmap.core.jobs import BackgroundJob
    from roadmap.core.mail import OutboxMessage, send_mail

    class FailsOnce:
        """Answers "451 try again later" to the first message, then takes them."""

        def __init__(self):
            self.calls, self.received = 0, []

        async def handle_DATA(self, server, session, envelope):
            self.calls += 1
            if self.calls == 1:
                return "451 4.3.0 Try again later"
            self.received.append(envelope)
            return "250 OK"

    if deployment["kind"] != "sqlite":
        pytest.skip("the retries are the queue's, whatever the storage: checked once, on SQLite")
    app, rows = deployment["app"], JobRows(deployment["url"])
    handler = FailsOnce()
    controller = Controller(handler, hostname="127.0.0.1", port=deployment["smtp_port"])
    try:
        with app.app_context():
            message = send_mail("citizen@example.org", "Votre lien", "Bonjour")
            job_id = db.session.scalar(db.select(BackgroundJob.id)
                                       .where(BackgroundJob.kind == "mail.send")
                                       .order_by(BackgroundJob.created_at.desc()))
            assert message.sent_at is None  # recorded at once, sent later
            db.session.commit()
            message_id = message.id
        # No server yet: the connection is refused, and the job waits for its retry.
        refused = wait_for(lambda: (r := rows.get(job_id)) and r["error"] and r, 15,
                           "the first attempt")
        assert refused["state"] == "queued" and "Refused" in refused["error"], refused
        controller.start()
        done = wait_for(lambda: (r := rows.get(job_id)) and r["state"] in ("done", "failed")
                        and r, 20, "the mail to go out")
        assert done["state"] == "done", (done, deployment["log"].read_text()[-3000:])
        # Refused (once or more, until the server started), then 451, then taken.
        assert done["attempts"] >= 3 and handler.calls == 2
        assert len(handler.received) == 1
        assert handler.received[0].rcpt_tos == ["citizen@example.org"]
        with app.app_context():
            assert db.session.get(OutboxMessage, message_id).sent_at is not None
            db.session.remove()
    finally:
        if getattr(controller, "_thread", None) is not None:
            controller.stop()
        rows.close()
