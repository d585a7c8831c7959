"""Fixtures of the participation tests: a consultation in its voting phase with a proposal."""
from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class Scene:
    """A consultation, a commune, a published proposal, its author and a citizen of the commune."""

    consultation: object
    commune: object
    proposal: object
    author: object
    citizen: object

    @property
    def url(self) -> str:
        """The proposal's address (the participation routes hang below it)."""
        return f"/c/{self.consultation.slug}/proposals/{self.proposal.id}"


@pytest.fixture(autouse=True)
def _english_request(english_request):
    """Every test of this folder runs inside an English request (see ``english_request``)."""
    yield


@pytest.fixture
def scene(factory):
    """A voting-phase consultation with one proposal and two users living in its commune."""
    consultation = factory.consultation("voting")
    commune = factory.commune()
    author = factory.user(home_commune=commune, display_name="Author")
    citizen = factory.user(home_commune=commune, display_name="Citizen")
    proposal = factory.proposal(consultation, commune, author)
    return Scene(consultation, commune, proposal, author, citizen)


HX = {"HX-Request": "true"}
