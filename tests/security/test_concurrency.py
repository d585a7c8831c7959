"""Concurrency, for real: a threaded werkzeug server on SQLite and on PostgreSQL (the helpers of
tests/participation/test_race.py), requests released together by a barrier.

- 50 simultaneous identical supports of one person give one row;
- random support and withdrawal traffic from 200 people leaves every counter equal to its rows;
- a vote limit of 3 holds under 20 simultaneous supports of one person.
"""
from __future__ import annotations

import random
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.participation.queries import counter_mismatches
from roadmap.proposals.models import Proposal
from tests.conftest import Factory
from tests.participation.test_race import _post_all, _served_app, _session_cookie, _setup

PEOPLE = 200


def _votes(app, **where) -> int:
    with app.app_context():
        query = select(func.count(Vote.id))
        for column, value in where.items():
            query = query.where(getattr(Vote, column) == value)
        return db.session.scalar(query)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_fifty_identical_supports_give_one_row(kind, tmp_path):
    with _served_app(kind, tmp_path) as (app, base):
        cookie, [url], [proposal_id], voter_id = _setup(app)
        statuses = _post_all([base + url] * 50, cookie)
        assert statuses.count(200) == 1 and statuses.count(422) == 49, statuses
        assert _votes(app, proposal_id=proposal_id, user_id=voter_id) == 1
        with app.app_context():
            assert db.session.get(Proposal, proposal_id).supports_count == 1


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_vote_limit_holds_under_twenty_simultaneous_attempts(kind, tmp_path):
    with _served_app(kind, tmp_path) as (app, base):
        cookie, urls, proposal_ids, voter_id = _setup(app, proposals=20, vote_limit=3)
        statuses = _post_all([base + url for url in urls], cookie)
        assert statuses.count(200) == 3 and statuses.count(422) == 17, statuses
        assert _votes(app, user_id=voter_id) == 3


def _crowd(app, proposals: int = 5):
    """A voting consultation with ``proposals`` proposals and :data:`PEOPLE` people; returns
    the vote URLs and each person's session cookie."""
    with app.app_context(), app.test_request_context():
        factory = Factory()
        consultation = factory.consultation("voting")
        commune = factory.commune()
        items = [factory.proposal(consultation, commune) for _ in range(proposals)]
        template = factory.user()
        people = [User(email=f"crowd{n}@example.org", display_name=f"Crowd {n}",
                       role="participant", password_hash=template.password_hash,
                       email_confirmed_at=template.email_confirmed_at)
                  for n in range(PEOPLE)]
        db.session.add_all(people)
        db.session.commit()
        cookies = [_session_cookie(app, person) for person in people]
        urls = [f"/c/{consultation.slug}/proposals/{item.id}" for item in items]
        return urls, cookies


def _send_each(requests: list[tuple[str, str]]) -> list[int]:
    """POST every (url, cookie) at once, each from its own thread; the statuses."""
    barrier = threading.Barrier(len(requests))
    statuses = [0] * len(requests)

    def post(index: int, url: str, cookie: str):
        request = urllib.request.Request(url, data=b"", method="POST", headers={
            "Cookie": f"session={cookie}", "HX-Request": "true"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=90) as response:
                statuses[index] = response.status
        except urllib.error.HTTPError as error:
            statuses[index] = error.code

    threads = [threading.Thread(target=post, args=(i, url, cookie))
               for i, (url, cookie) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_random_support_traffic_keeps_every_counter_equal_to_its_rows(kind, tmp_path):
    with _served_app(kind, tmp_path) as (app, base):
        urls, cookies = _crowd(app)
        chance = random.Random(20261125)
        for _wave in range(3):
            requests = [(base + chance.choice(urls) + chance.choice(("/vote", "/vote",
                                                                     "/unvote")), cookie)
                        for cookie in cookies]
            statuses = _send_each(requests)
            assert all(status < 500 for status in statuses), sorted(set(statuses))
        with app.app_context():
            assert counter_mismatches() == []
            total = db.session.scalar(select(func.sum(Proposal.supports_count)))
            assert total == db.session.scalar(select(func.count(Vote.id))) > 0
