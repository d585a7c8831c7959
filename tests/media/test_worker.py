"""A voice note re-encoded by a real task-queue consumer in another process (``flask worker``:
a SQLite queue beside SQLite, Redis beside PostgreSQL), which reads the attachment by id from
the committed database and the upload from the shared folder."""
from __future__ import annotations

import io
import uuid

from sqlalchemy import create_engine, text
from werkzeug.datastructures import FileStorage

from roadmap.extensions import db
from roadmap.media import services
from tests.conftest import make_test_app
from tests.integrity.conftest import committed_url, rows  # noqa: F401 - fixtures
from tests.media import sounds


def test_a_separate_worker_re_encodes_the_voice_note(committed_url, rows, tmp_path):  # noqa: F811
    from tests.scale.workers import forget_queue, queue_settings, start_worker, stop_worker, \
        wait_for

    instance, uploads = tmp_path / "instance", tmp_path / "uploads"
    settings = {**queue_settings(committed_url, instance), "ROADMAP_UPLOAD_PATH": str(uploads)}
    app = make_test_app(committed_url, instance, **settings)
    log = tmp_path / "worker.log"
    worker = start_worker({**settings, "ROADMAP_DATABASE_URL": committed_url,
                           "ROADMAP_INSTANCE_PATH": str(instance),
                           "ROADMAP_SECRET_KEY": uuid.uuid4().hex}, log)
    engine = create_engine(committed_url)
    try:
        with app.app_context(), app.test_request_context("/?lang=en"):
            consultation, commune = rows.consultation("proposals"), rows.commune()
            author = rows.user()
            proposal = rows.proposal(consultation, commune, author)
            note = services.stage_voice(
                FileStorage(io.BytesIO(sounds.tone(1, "webm", "libopus")), "voice.webm"), author)
            services.attach([note], "proposal_id", proposal.id)
            db.session.commit()  # queued now, into the shared queue
            note_id, token = note.id, note.token
            assert note.state == "processing"  # nothing ran in this process

        def state():
            with engine.connect() as connection:
                return connection.execute(text(
                    "SELECT state, size, duration_seconds, error FROM attachment WHERE id = :id"),
                    {"id": note_id}).first()

        done = wait_for(lambda: (found := state()) and found.state != "processing" and found,
                        30, "the worker to re-encode the voice note")
        assert done.state == "ready", (done, log.read_text()[-3000:])
        assert done.size > 0 and abs(done.duration_seconds - 1.0) < 0.1
        assert sorted(p.name for p in (uploads / "media").iterdir()) == [f"{token}-audio.m4a"]
    finally:
        stop_worker(worker)
        engine.dispose()
        with app.app_context():
            forget_queue(app)
            db.engine.dispose()
