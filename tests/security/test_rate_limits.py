"""Rate limits of the write routes (registration, proposal, comment, vote, report): per user
when logged in, per address otherwise, answered 429 in the user's language."""
from __future__ import annotations

import pytest

from sqlalchemy import func, select

from roadmap.core.security import RATE_LIMITED
from roadmap.participation.models import Vote
from roadmap.extensions import db
from roadmap.extensions import limiter
from tests.conftest import login, make_test_app


@pytest.fixture
def limited(app, database_url, tmp_path):
    """An app with the limiter on and every write limit at 2 a minute; it works in the
    transaction of ``app`` (the session is shared), so the factory's rows are seen."""
    limits = {key: "2 per minute" for key in set(RATE_LIMITED.values())}
    limited_app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True, **limits)
    limiter.reset()
    yield limited_app
    # The limiter is one object shared by every app of the test run: switch it off again.
    limiter.reset()
    limiter.enabled = False


@pytest.fixture
def scene(app, factory):
    commune = factory.commune()
    consultation = factory.consultation("voting", voting_during_proposals=True)
    author = factory.user()
    proposals = [factory.proposal(consultation, commune, author) for _ in range(4)]
    return consultation, proposals


def _client(app, user=None, language="en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if user is not None:
        login(client, user)
    return client


def _urls(consultation, proposal) -> dict[str, str]:
    base = f"/c/{consultation.slug}/proposals/{proposal.id}"
    return {"participation.vote": f"{base}/vote", "participation.unvote": f"{base}/unvote",
            "participation.comment": f"{base}/comments",
            "moderation.report": f"/report/proposal/{proposal.id}",
            "proposals.new": f"/c/{consultation.slug}/proposals/new"}


@pytest.mark.parametrize("endpoint", ["participation.vote", "participation.unvote",
                                      "participation.comment", "moderation.report",
                                      "proposals.new"])
def test_the_third_post_in_a_minute_gets_429_per_user(limited, scene, factory, endpoint):
    consultation, proposals = scene
    url = _urls(consultation, proposals[0])[endpoint]
    first, second = factory.user(), factory.user()
    client = _client(limited, first, "fr")
    statuses = [client.post(url, data={}).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429
    blocked = client.post(url, data={})
    assert blocked.status_code == 429 and "Trop de requêtes" in blocked.get_data(as_text=True)
    assert client.get(f"/c/{consultation.slug}/proposals").status_code == 200  # GET is free
    other = _client(limited, second)  # same address, another user: their own count
    assert other.post(url, data={}).status_code != 429


def test_registration_is_limited_per_address(limited):
    statuses = [_client(limited).post("/register", data={}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    elsewhere = limited.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert elsewhere.post("/register", data={}).status_code == 422


def test_real_votes_count_against_the_limit(limited, scene, factory):
    consultation, proposals = scene
    client = _client(limited, factory.user())
    statuses = [client.post(_urls(consultation, proposal)["participation.vote"]).status_code
                for proposal in proposals[:3]]
    assert statuses == [303, 303, 429]
    voted = db.session.scalar(select(func.count(Vote.id)).where(Vote.proposal_id.in_(
        [proposal.id for proposal in proposals])))
    assert voted == 2
