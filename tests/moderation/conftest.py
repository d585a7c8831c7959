"""Fixtures of the moderation tests: a consultation in its voting phase, people and content."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote


@dataclass
class Scene:
    """A voting-phase consultation, a commune, a published proposal by ``author`` with a
    comment by ``citizen``, a moderator, an organiser and an admin."""

    consultation: object
    commune: object
    proposal: object
    comment: object
    author: object
    citizen: object
    moderator: object
    organiser: object
    admin: object

    @property
    def url(self) -> str:
        """The proposal's page."""
        return f"/c/{self.consultation.slug}/proposals/{self.proposal.id}"


@pytest.fixture(autouse=True)
def _english_request(english_request):
    """Every test of this folder runs inside an English request (see ``english_request``)."""
    yield


@pytest.fixture
def scene(factory):
    """See :class:`Scene`."""
    consultation = factory.consultation("voting", report_threshold=3)
    commune = factory.commune()
    author = factory.user(home_commune=commune, display_name="Author")
    citizen = factory.user(home_commune=commune, display_name="Citizen")
    proposal = factory.proposal(consultation, commune, author, title="Shade trees on the square",
                                body="Plant trees.")
    comment = Comment(proposal_id=proposal.id, author_id=citizen.id, body="I agree strongly.")
    db.session.add(comment)
    db.session.flush()
    scene = Scene(consultation, commune, proposal, comment, author, citizen,
                  factory.user("moderator", display_name="Moderator"),
                  factory.user("organiser", display_name="Organiser"),
                  factory.user("admin", display_name="Admin"))
    db.session.commit()  # a savepoint of the test's transaction: views may roll back to it
    return scene


def add_votes(proposal, users) -> list:
    """Supports of ``users`` for ``proposal`` (rows only) and the recounted counter."""
    votes = [Vote(proposal_id=proposal.id, user_id=u.id) for u in users]
    db.session.add_all(votes)
    db.session.flush()
    proposal.supports_count = len(
        db.session.query(Vote).filter(Vote.proposal_id == proposal.id).all())
    db.session.flush()
    return votes


@pytest.fixture
def client(app):
    """A test client asking for English pages (Accept-Language), so texts can be asserted."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client
