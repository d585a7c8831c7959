"""Reads about consultations."""
from __future__ import annotations

from sqlalchemy import select

from roadmap.consultations.models import Consultation
from roadmap.extensions import db


def all_consultations() -> list[Consultation]:
    """Every consultation, newest first."""
    return list(db.session.scalars(select(Consultation).order_by(Consultation.created_at.desc())))


def consultation_by_slug(slug: str) -> Consultation | None:
    """The consultation with this slug, or ``None``."""
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))
