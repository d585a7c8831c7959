"""Fixtures of the export tests: the demo consultation, an organiser, a published roadmap."""
from __future__ import annotations

import pytest

from roadmap.extensions import db


@pytest.fixture
def demo(app):
    """The demo consultation (19 real communes of Marrakech, synthetic participation)."""
    from roadmap.demo import load_demo

    consultation = load_demo(echo=lambda *_: None)
    db.session.flush()
    return consultation


@pytest.fixture
def organiser(factory):
    """An organiser account."""
    return factory.user("organiser", display_name="Organisatrice K")


@pytest.fixture
def fresh(factory):
    """A consultation of its own (no roadmap yet) with two communes and three proposals."""
    consultation = factory.consultation("evaluation")
    consultation.title_i18n = {"ar": "استشارة تنمية الجماعات القروية",
                               "fr": "Consultation des communes rurales"}
    west = factory.commune("fresh-west", lon=-8.2, lat=31.5, size=0.1, name_ar="الغرب",
                           name_fr="Ouest")
    east = factory.commune("fresh-east", lon=-7.9, lat=31.5, size=0.1, name_ar="الشرق",
                           name_fr="Est")
    for commune, title in ((west, "بناء مدرسة جماعاتية"), (east, "تهيئة الطريق القروية"),
                           (east, "Centre de santé de proximité")):
        factory.proposal(consultation, commune, title=title, latitude=31.5,
                         longitude=commune.centroid_lon, supports_count=6)
    return consultation


def publish_small_roadmap(consultation, by):
    """Publish a roadmap of two items built from the consultation's first proposals."""
    from sqlalchemy import select

    from roadmap.proposals.models import Proposal
    from roadmap.roadmaps.models import Roadmap, RoadmapItem
    from roadmap.roadmaps.services import publish

    proposals = list(db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == consultation.id).order_by(Proposal.id).limit(2)))
    roadmap = Roadmap(consultation=consultation)
    db.session.add(roadmap)
    for rank, proposal in enumerate(proposals, start=1):
        roadmap.items.append(RoadmapItem(
            axis=proposal.axis, rank=rank,
            title_i18n={"ar": f"مشروع ذو أولوية {rank}", "fr": f"Projet prioritaire {rank}"},
            description_i18n={"ar": "تزويد الدواوير بالماء الصالح للشرب",
                              "fr": "Alimenter les douars en eau potable"},
            estimated_cost_mad=1_000_000 * rank, lead_body="commune", progress=10 * rank,
            communes=[proposal.commune], proposals=[proposal],
            explanation={"priority": 71.5, "support": {"score": 60.0},
                         "official": {"score": 83.0}}))
    db.session.flush()
    return publish(roadmap, by, {})
