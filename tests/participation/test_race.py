"""The double-vote race, for real: many simultaneous requests of one person give one support.

A real server (werkzeug, one thread per request) on a migrated database file (SQLite) or a
fresh PostgreSQL database; the requests carry the same session cookie and are released at once
by a barrier. Nothing here runs inside the rolled-back test transaction: the server commits.
"""
from __future__ import annotations

import threading
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import make_server

from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.participation.queries import counters_agree
from roadmap.proposals.models import Proposal
from tests.conftest import Factory, login, make_test_app, temporary_postgres_database

THREADS = 40


@contextmanager
def _database(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'race.sqlite3'}"
    else:
        with temporary_postgres_database() as url:
            yield url


@contextmanager
def _served_app(kind: str, tmp_path):
    """A migrated app on its own database, served on a free port; yields (app, base URL)."""
    with _database(kind, tmp_path) as url:
        app = make_test_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(5)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _session_cookie(app, user) -> str:
    client = app.test_client()
    login(client, user)
    return client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value


def _post_all(urls: list[str], cookie: str, htmx: bool = True) -> list[int]:
    """POST to every URL at the same moment from its own thread; the status of each answer.

    htmx requests answer 200 when the support counted and 422 when it was refused; without
    htmx every answer is a redirect (303) with a message.
    """
    barrier = threading.Barrier(len(urls))
    statuses: list[int] = [0] * len(urls)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)

    def post(index: int, url: str):
        headers = {"Cookie": f"session={cookie}"}
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(url, data=b"", method="POST", headers=headers)
        barrier.wait()
        try:
            with opener.open(request, timeout=60) as response:
                statuses[index] = response.status
        except urllib.error.HTTPError as error:
            statuses[index] = error.code

    threads = [threading.Thread(target=post, args=(i, url)) for i, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return statuses


def _setup(app, proposals: int = 1, **consultation_fields):
    with app.app_context(), app.test_request_context():
        factory = Factory()
        consultation = factory.consultation("voting", **consultation_fields)
        commune = factory.commune()
        voter = factory.user(home_commune=commune)
        items = [factory.proposal(consultation, commune) for _ in range(proposals)]
        db.session.commit()
        cookie = _session_cookie(app, voter)
        urls = [f"/c/{consultation.slug}/proposals/{p.id}/vote" for p in items]
        return cookie, urls, [p.id for p in items], voter.id


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_simultaneous_supports_of_one_person_count_once(kind, tmp_path):
    with _served_app(kind, tmp_path) as (app, base):
        cookie, [url], [proposal_id], voter_id = _setup(app)
        statuses = _post_all([base + url] * THREADS, cookie)
        assert statuses.count(200) == 1 and statuses.count(422) == THREADS - 1, statuses
        again = _post_all([base + url] * 10, cookie, htmx=False)  # without JavaScript
        assert again == [303] * 10, again
        with app.app_context():
            assert db.session.scalar(select(func.count(Vote.id)).where(
                Vote.proposal_id == proposal_id, Vote.user_id == voter_id)) == 1
            assert db.session.get(Proposal, proposal_id).supports_count == 1
            assert counters_agree()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_simultaneous_supports_cannot_pass_the_vote_limit(kind, tmp_path):
    with _served_app(kind, tmp_path) as (app, base):
        cookie, urls, proposal_ids, voter_id = _setup(app, proposals=12, vote_limit=3)
        statuses = _post_all([base + url for url in urls], cookie)
        assert statuses.count(200) == 3 and statuses.count(422) == len(urls) - 3, statuses
        with app.app_context():
            assert db.session.scalar(select(func.count(Vote.id))
                                     .where(Vote.user_id == voter_id)) == 3
            assert sum(db.session.get(Proposal, pid).supports_count for pid in proposal_ids) == 3
            assert counters_agree()
