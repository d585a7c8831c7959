"""The pages that list rows run a fixed number of SQL statements, whatever the number of rows.

tests/proposals covers the anonymous list (newest) and tests/participation the comments
fragment; these add the signed-in list in every sort (supports of the reader, vote buttons),
the proposal page with its comments, and the commune page.
"""
from __future__ import annotations

import pytest

from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.participation.services import post_comment
from tests.conftest import login
from tests.proposals.helpers import count_statements


@pytest.fixture
def scene(factory):
    """A consultation in its voting phase, one commune and a signed-in-able reader."""
    consultation = factory.consultation("voting")
    commune = factory.commune()
    reader = factory.user()
    return consultation, commune, reader


def _add_proposals(factory, scene, count: int) -> None:
    consultation, commune, reader = scene
    for number in range(count):
        proposal = factory.proposal(consultation, commune, factory.user())
        proposal.axis = consultation.axes[number % 4]
        db.session.add(Vote(proposal_id=proposal.id, user_id=reader.id))
        proposal.supports_count = 1
    db.session.flush()


def _statements(client, url: str) -> list[str]:
    client.get(url)  # warm the per-visitor caches (session seed, locale)
    with count_statements() as statements:
        assert client.get(url).status_code == 200
    return list(statements)


@pytest.mark.parametrize("sort", ["supported", "newest", "random", "discussed"])
def test_the_signed_in_list_does_not_grow_with_its_rows(client, factory, scene, sort):
    consultation, commune, reader = scene
    login(client, reader)
    url = f"/c/{consultation.slug}/proposals?sort={sort}&commune={commune.code}"
    _add_proposals(factory, scene, 2)
    few = _statements(client, url)
    _add_proposals(factory, scene, 18)
    many = _statements(client, url)
    assert len(many) == len(few), "\n".join(many)


def test_the_proposal_page_does_not_grow_with_its_comments(client, factory, scene):
    consultation, commune, reader = scene
    proposal = factory.proposal(consultation, commune, factory.user())
    people = [factory.user() for _ in range(4)]
    login(client, reader)
    url = f"/c/{consultation.slug}/proposals/{proposal.id}"

    def add(count):
        for number in range(count):
            top = post_comment(proposal, people[number % 4], f"Comment {number}")
            post_comment(proposal, people[(number + 1) % 4], "A reply", parent=top)
        db.session.flush()

    add(1)
    few = _statements(client, url)
    add(25)
    many = _statements(client, url)
    assert len(many) == len(few), "\n".join(many)


def test_the_commune_page_does_not_grow_with_its_proposals(client, factory, scene):
    consultation, commune, reader = scene
    login(client, reader)
    url = f"/c/{consultation.slug}/communes/{commune.code}"
    _add_proposals(factory, scene, 2)
    few = _statements(client, url)
    _add_proposals(factory, scene, 18)
    many = _statements(client, url)
    assert len(many) == len(few), "\n".join(many)
