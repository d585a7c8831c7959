"""Fixtures of the map tests: the demo consultation (19 real communes of Marrakech)."""
from __future__ import annotations

import pytest

from roadmap.extensions import db


@pytest.fixture
def demo(app):
    """The demo consultation with its communes, census figures and synthetic participation."""
    from roadmap.demo import load_demo

    consultation = load_demo(echo=lambda *_: None)
    db.session.flush()
    return consultation


def publish_roadmap(consultation, by, items):
    """Publish a roadmap of ``items`` (dicts of RoadmapItem fields) through the real service."""
    from roadmap.roadmaps.models import Roadmap, RoadmapItem
    from roadmap.roadmaps.services import publish

    roadmap = Roadmap(consultation=consultation)
    db.session.add(roadmap)
    for fields in items:
        roadmap.items.append(RoadmapItem(**fields))
    db.session.flush()
    return publish(roadmap, by, {})
