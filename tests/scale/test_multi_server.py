"""The PostgreSQL deployment path: two gunicorn app servers on one database and one Redis.

Two gunicorn processes (two workers each) stand for two app servers behind a load balancer.
They share a throwaway PostgreSQL database and the rate-limit storage in Redis. Votes cast
concurrently through both servers for the same users and proposals count exactly once (rows
and counters); failed logins split across the servers hit the shared limit.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from roadmap.extensions import db
from tests.conftest import Factory, make_test_app, temporary_postgres_database
from tests.scale.http import Browser
from tests.scale.workers import REDIS, ensure_redis, free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long test passphrase"
USERS, PROPOSALS, LOGIN_LIMIT = 8, 4, 6


def _seed(url: str, instance: Path) -> dict:
    """Migrate the database and add a consultation in its voting phase, users and proposals."""
    app = make_test_app(url, instance)
    with app.app_context():
        upgrade()
        factory = Factory()
        consultation = factory.consultation("voting")
        commune = factory.commune()
        users = [factory.user(password=PASSWORD) for _ in range(USERS)]
        proposals = [factory.proposal(consultation, commune) for _ in range(PROPOSALS)]
        seeded = {"slug": consultation.slug, "emails": [u.email for u in users],
                  "proposals": [p.id for p in proposals]}
        db.session.commit()
        db.engine.dispose()
    return seeded


def _start_server(url: str, instance: Path, environment: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT),
         "tests.scale.server_app:app"],
        env={**os.environ, **environment, "ROADMAP_DATABASE_URL": url,
             "ROADMAP_INSTANCE_PATH": str(instance)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Two app servers on one PostgreSQL database and the shared Redis; yields their details."""
    ensure_redis()
    instance = tmp_path_factory.mktemp("deployment")
    environment = {"ROADMAP_SECRET_KEY": uuid.uuid4().hex, "ROADMAP_RATELIMIT_STORAGE_URI": REDIS,
                   "ROADMAP_SECURE_COOKIES": "0",  # plain http on 127.0.0.1
                   "ROADMAP_RATELIMIT_ENABLED": "1",
                   "ROADMAP_RATELIMIT_LOGIN": f"{LOGIN_LIMIT} per minute",
                   "SCALE_TEST_KEY_PREFIX": f"scale-test-{uuid.uuid4().hex}"}
    with temporary_postgres_database() as url:
        seeded = _seed(url, instance)
        servers = [_start_server(url, instance, environment) for _ in range(2)]
        try:
            for process, base in servers:
                wait_until_up(base, process)
            yield {"url": url, "instance": instance, "bases": [b for _, b in servers], **seeded}
        finally:
            for process, _ in servers:
                process.terminate()
            for process, _ in servers:
                process.wait(timeout=30)
                process.stderr.close()


def _logged_in_browsers(deployment) -> list[Browser]:
    browsers = []
    for number, email in enumerate(deployment["emails"]):
        browser = Browser()
        base = deployment["bases"][number % 2]
        assert browser.login(base, email, PASSWORD) == 302
        # As htmx sends it: a support answers 200 with its fragment, a refusal 422.
        browser.opener.addheaders = [("HX-Request", "true")]
        browsers.append(browser)
    return browsers


def _post_all(jobs) -> list[tuple[int, int, int]]:
    """Run (browser, user index, proposal id, url) posts at once; returns (user, proposal, status)."""
    def post(job):
        browser, user, proposal, url = job
        return user, proposal, browser.request(url, {})[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(post, jobs))


def _jobs(deployment, browsers, action: str, users) -> list:
    slug, bases = deployment["slug"], deployment["bases"]
    return [(browsers[user], user, proposal,
             f"{bases[attempt % 2]}/c/{slug}/proposals/{proposal}/{action}")
            for attempt in range(3) for user in users for proposal in deployment["proposals"]]


def _stored(deployment) -> tuple[int, dict[int, int], dict[int, int]]:
    """(vote rows, rows per proposal, supports_count per proposal), read by a third process."""
    from roadmap.participation.models import Vote
    from roadmap.proposals.models import Proposal

    app = make_test_app(deployment["url"], deployment["instance"])
    with app.app_context():
        rows = dict(db.session.execute(select(Vote.proposal_id, func.count(Vote.id))
                                       .group_by(Vote.proposal_id)).all())
        counters = dict(db.session.execute(select(Proposal.id, Proposal.supports_count)).all())
        total = db.session.scalar(select(func.count(Vote.id)))
        db.engine.dispose()
    return total, rows, counters


def _successes(results) -> dict[tuple[int, int], int]:
    assert {status for _, _, status in results} <= {200, 422}, results
    counted: dict[tuple[int, int], int] = {}
    for user, proposal, status in results:
        counted[(user, proposal)] = counted.get((user, proposal), 0) + (status == 200)
    return counted


def test_concurrent_votes_through_two_servers_count_once(deployment):
    browsers = _logged_in_browsers(deployment)
    users = range(USERS)
    counted = _successes(_post_all(_jobs(deployment, browsers, "vote", users)))
    assert set(counted.values()) == {1}  # each user's support went through exactly once
    total, rows, counters = _stored(deployment)
    assert total == USERS * PROPOSALS
    assert all(rows[p] == counters[p] == USERS for p in deployment["proposals"])

    half = range(USERS // 2)
    counted = _successes(_post_all(_jobs(deployment, browsers, "unvote", half)))
    assert set(counted.values()) == {1}
    total, rows, counters = _stored(deployment)
    assert total == (USERS - USERS // 2) * PROPOSALS
    assert all(rows[p] == counters[p] == USERS - USERS // 2 for p in deployment["proposals"])


def test_failed_logins_across_servers_share_one_limit(deployment):
    browser, bases = Browser(), deployment["bases"]
    browser.request(f"{bases[0]}/login")
    statuses = [browser.request(f"{bases[n % 2]}/login",
                                {"email": "nobody@example.org", "password": "wrong password"})[0]
                for n in range(LOGIN_LIMIT + 2)]
    assert statuses == [422] * LOGIN_LIMIT + [429, 429]
