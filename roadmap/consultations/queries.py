"""Reads about consultations and their workshops."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from roadmap.consultations.models import Consultation, StrategicAxis, Workshop
from roadmap.core.i18n import current_language
from roadmap.extensions import db
from roadmap.territory.models import Commune, Prefecture


def all_consultations() -> list[Consultation]:
    """Every consultation, newest first, with its prefecture and phases loaded."""
    query = (select(Consultation)
             .options(selectinload(Consultation.phases), selectinload(Consultation.prefecture))
             .order_by(Consultation.created_at.desc(), Consultation.id.desc()))
    return list(db.session.scalars(query))


def consultation_by_slug(slug: str) -> Consultation | None:
    """The consultation with this slug, or ``None``."""
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def consultation_or_404(slug: str) -> Consultation:
    """The consultation with this slug; aborts with 404 if there is none."""
    consultation = consultation_by_slug(slug)
    if consultation is None:
        abort(404)
    return consultation


def workshops_of(consultation: Consultation) -> list[Workshop]:
    """The workshops of a consultation, most recent first, with their communes loaded."""
    query = (select(Workshop).where(Workshop.consultation_id == consultation.id)
             .options(selectinload(Workshop.communes))
             .order_by(Workshop.held_on.desc(), Workshop.id.desc()))
    return list(db.session.scalars(query))


def workshop_or_404(consultation: Consultation, workshop_id: int) -> Workshop:
    """The workshop ``workshop_id`` of this consultation; aborts with 404 otherwise."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or workshop.consultation_id != consultation.id:
        abort(404)
    return workshop


def prefecture_communes(consultation: Consultation) -> list[tuple[int, str]]:
    """``(id, name)`` of the communes of the consultation's prefecture, in the reader's language."""
    column = Commune.name_ar if current_language() == "ar" else Commune.name_fr
    rows = db.session.execute(select(Commune.id, column)
                              .where(Commune.prefecture_id == consultation.prefecture_id)
                              .order_by(column, Commune.id))
    return [(commune_id, name) for commune_id, name in rows]


def attendance_totals(workshops: list[Workshop]) -> dict[str, int]:
    """Workshops held and people counted across ``workshops`` (for the list's summary)."""
    return {"workshops": len(workshops),
            "attendance": sum(workshop.attendance_total for workshop in workshops)}


# --- The back office ---------------------------------------------------------------------------

def prefecture_choices() -> list[tuple[int, str]]:
    """``(id, "name (code)")`` of every imported prefecture or province, by code."""
    rows = db.session.scalars(select(Prefecture).order_by(Prefecture.code))
    return [(p.id, f"{p.name} ({p.code})") for p in rows]


def communes_by_prefecture() -> list[tuple[object, list[tuple[int, str]]]]:
    """``(prefecture, [(commune id, name)...])`` for every prefecture, names in the reader's
    language."""
    column = Commune.name_ar if current_language() == "ar" else Commune.name_fr
    prefectures = list(db.session.scalars(select(Prefecture).order_by(Prefecture.code)))
    rows = db.session.execute(select(Commune.id, column, Commune.prefecture_id)
                              .order_by(column, Commune.id))
    grouped: dict[int, list] = {p.id: [] for p in prefectures}
    for commune_id, name, prefecture_id in rows:
        grouped.setdefault(prefecture_id, []).append((commune_id, name))
    return [(p, grouped[p.id]) for p in prefectures]


def copy_sources() -> list[tuple[str, str]]:
    """``(slug, title)`` of the consultations a new one may copy, newest first."""
    return [(c.slug, c.title) for c in all_consultations()]


def axis_or_404(consultation: Consultation, axis_id: int):
    """The axis ``axis_id`` of this consultation; aborts with 404 otherwise."""
    axis = db.session.get(StrategicAxis, axis_id)
    if axis is None or axis.consultation_id != consultation.id:
        abort(404)
    return axis
