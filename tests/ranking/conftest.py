"""Fixtures of the ranking tests: a consultation in its evaluation phase with a mixed scene."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from roadmap.core.models import utcnow
from roadmap.extensions import db


@pytest.fixture(autouse=True)
def _english_request(request):
    """Tests on the ``app`` run inside an English request (the services translate messages)."""
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").test_request_context("/?lang=en"):
        yield


@dataclass
class Scene:
    """Two communes, citizens, officials and proposals in every state gather_inputs meets."""

    consultation: object
    north: object
    south: object
    organiser: object
    evaluator: object
    second_evaluator: object
    citizens: list
    proposals: dict = field(default_factory=dict)

    def url(self, path: str = "") -> str:
        """An address below the consultation."""
        return f"/c/{self.consultation.slug}{path}"


def vote(proposal, user):
    """A support row (the counter is not what gather_inputs reads)."""
    from roadmap.participation.models import Vote

    db.session.add(Vote(proposal_id=proposal.id, user_id=user.id))


def comment(proposal, user, body="A comment."):
    """A comment row."""
    from roadmap.participation.models import Comment

    db.session.add(Comment(proposal_id=proposal.id, author_id=user.id, body=body))


def build_scene(factory, phase="evaluation") -> Scene:
    """The scene: see the comments for what each proposal stands for."""
    from roadmap.ranking.models import EligibilityDecision

    consultation = factory.consultation(phase)
    north = factory.commune("north", population=10_000, lon=-8.0)
    south = factory.commune("south", population=5_000, lon=-7.9)
    scene = Scene(consultation, north, south, factory.user("organiser"),
                  factory.user("moderator", display_name="Evaluator One"),
                  factory.user("moderator", display_name="Evaluator Two"),
                  [factory.user() for _ in range(6)])
    u = scene.citizens
    axis_b = consultation.axes[1]
    p = scene.proposals
    p["kept"] = factory.proposal(consultation, north, u[0], estimated_cost_mad=100_000)
    p["merged"] = factory.proposal(consultation, north, u[1], merged_into_id=p["kept"].id)
    p["merged_twice"] = factory.proposal(consultation, south, u[5], merged_into_id=p["merged"].id)
    p["south"] = factory.proposal(consultation, south, u[2])
    p["hidden"] = factory.proposal(consultation, south, u[3], hidden_at=utcnow(),
                                   hidden_reason="spam", hidden_cause="moderator")
    p["withdrawn"] = factory.proposal(consultation, north, u[3], status="withdrawn",
                                      withdrawn_at=utcnow())
    p["ineligible"] = factory.proposal(consultation, north, u[4])
    p["workshop"] = factory.proposal(consultation, south, scene.organiser, origin="workshop",
                                     show_of_hands=40)
    p["pending"] = factory.proposal(consultation, south, u[4], status="pending")
    p["south"].axis = p["workshop"].axis = axis_b
    for proposal, people in ((p["kept"], u[0:3]), (p["merged"], [u[1], u[3]]),
                             (p["merged_twice"], [u[4]]), (p["south"], [u[5]]),
                             (p["hidden"], [u[0]]), (p["ineligible"], [u[2]]),
                             (p["withdrawn"], [u[5]])):
        for person in people:
            vote(proposal, person)
    comment(p["south"], u[3])
    comment(p["hidden"], u[1])
    db.session.add(EligibilityDecision(proposal_id=p["ineligible"].id, verdict="ineligible",
                                       reason="Outside the prefecture's competence."))
    db.session.flush()
    return scene


@pytest.fixture
def scene(factory):
    """An evaluation-phase consultation with the mixed scene of :func:`build_scene`."""
    return build_scene(factory)


@pytest.fixture
def client(app):
    """A test client that asks for English pages (messages are checked in English)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client
