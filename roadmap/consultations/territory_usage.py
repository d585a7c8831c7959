"""Tells the territories' back office which consultations use each prefecture.

Connected to ``roadmap.territory.signals.prefecture_usage`` when ``consultations.views`` is
imported (territory sits below consultations and cannot import it).
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from roadmap.consultations.models import Consultation
from roadmap.extensions import db
from roadmap.territory.signals import prefecture_usage


@prefecture_usage.connect
def consultations_of_prefectures(sender, prefecture_ids, **kwargs) -> dict[int, list[dict]]:
    """``{prefecture_id: [{"title", "url"}]}``: the consultations held in each prefecture."""
    used: dict[int, list[dict]] = {}
    if not prefecture_ids:
        return used
    rows = db.session.scalars(select(Consultation)
                              .where(Consultation.prefecture_id.in_(list(prefecture_ids)))
                              .order_by(Consultation.id))
    for consultation in rows:
        used.setdefault(consultation.prefecture_id, []).append(
            {"title": consultation.title,
             "url": url_for("consultations.settings", slug=consultation.slug)})
    return used
