"""Reads about consultations and their workshops.

Who sees which consultation is one rule (:func:`~roadmap.consultations.policies.
can_view_consultation`): lists use :func:`visible_to` (or :func:`is_public` for open data),
pages load their consultation with :func:`visible_consultation_or_404`; every URL under
``/c/<slug>`` also goes through it (``guard_drafts``, in the views).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app
from sqlalchemy import column, func, select, table, true, union_all
from sqlalchemy.orm import selectinload

from roadmap.consultations.models import Consultation, StrategicAxis, Workshop
from roadmap.consultations.phases import summary
from roadmap.consultations.policies import can_view_consultation, can_view_drafts
from roadmap.core.fragments import fragment_cache
from roadmap.core.i18n import current_language
from roadmap.extensions import db
from roadmap.territory.models import Commune, Prefecture

# The consultations everyone sees (a draft is seen by organisers and admins only).
PUBLIC_STATUSES = ("published", "archived")
# Home page figures are kept this many seconds by default (ROADMAP_HOME_FIGURES_SECONDS).
HOME_FIGURES_SECONDS = 60

# Tables of higher layers, named here only to count their rows (no import upward).
_proposal = table("proposal", column("id"), column("consultation_id"), column("status"),
                  column("hidden_at"), column("merged_into_id"), column("supports_count"),
                  column("author_id"), column("origin"))
_vote = table("vote", column("user_id"), column("proposal_id"))
_comment = table("comment", column("author_id"), column("proposal_id"))


def is_public():
    """SQL condition: the consultation is public (published or archived)."""
    return Consultation.status.in_(PUBLIC_STATUSES)


def visible_to(viewer):
    """SQL condition: ``viewer`` may see the consultation (drafts: organisers and admins)."""
    return true() if can_view_drafts(viewer) else is_public()


def public_consultation_ids():
    """A subquery of the ids of public consultations (to filter rows of other tables)."""
    return select(Consultation.id).where(is_public())


def all_consultations(viewer=None) -> list[Consultation]:
    """The consultations ``viewer`` may see, newest first, with prefecture and phases loaded
    (without a viewer: the public ones)."""
    query = (select(Consultation).where(visible_to(viewer))
             .options(selectinload(Consultation.phases), selectinload(Consultation.prefecture))
             .order_by(Consultation.created_at.desc(), Consultation.id.desc()))
    return list(db.session.scalars(query))


def every_consultation() -> list[Consultation]:
    """Every consultation, drafts included, newest first (the back office and the command
    line)."""
    query = (select(Consultation)
             .options(selectinload(Consultation.phases), selectinload(Consultation.prefecture))
             .order_by(Consultation.created_at.desc(), Consultation.id.desc()))
    return list(db.session.scalars(query))


def public_consultations() -> list[Consultation]:
    """Every published or archived consultation, newest first."""
    return all_consultations(None)


@dataclass
class HomePage:
    """The home page's sections: open consultations, the others, the archived ones and (for
    organisers and admins) the drafts; ``figures`` maps a consultation id to its counts."""

    open: list
    others: list
    archived: list
    drafts: list
    figures: dict


def is_running(consultation) -> bool:
    """True while the consultation is published and in a phase that is not over."""
    return consultation.status == "published" and summary(consultation).kind is not None


def home_page(viewer) -> HomePage:
    """The home page's consultations in their sections, with their figures (two grouped
    statements for them all, kept ``ROADMAP_HOME_FIGURES_SECONDS``)."""
    items = all_consultations(viewer)
    page = HomePage([], [], [], [], consultation_figures([c.id for c in items]))
    for consultation in items:
        if consultation.is_draft:
            page.drafts.append(consultation)
        elif consultation.is_archived:
            page.archived.append(consultation)
        elif is_running(consultation):
            page.open.append(consultation)
        else:
            page.others.append(consultation)
    return page


def _public_proposal():
    return ((_proposal.c.status == "published") & _proposal.c.hidden_at.is_(None)
            & _proposal.c.merged_into_id.is_(None))


def _count_figures(ids: list[int]) -> dict[int, dict]:
    figures = {cid: {"proposals": 0, "supports": 0, "participants": 0} for cid in ids}
    if not ids:
        return figures
    of_these = _proposal.c.consultation_id.in_(ids)
    rows = db.session.execute(
        select(_proposal.c.consultation_id, func.count(_proposal.c.id),
               func.coalesce(func.sum(_proposal.c.supports_count), 0))
        .where(of_these, _public_proposal()).group_by(_proposal.c.consultation_id))
    for cid, proposals, supports in rows:
        figures[cid].update(proposals=proposals, supports=int(supports))
    public = (of_these, _public_proposal())
    people = union_all(
        select(_proposal.c.consultation_id, _proposal.c.author_id.label("user_id"))
        .where(*public, _proposal.c.origin == "online", _proposal.c.author_id.is_not(None)),
        select(_proposal.c.consultation_id, _vote.c.user_id)
        .join(_vote, _vote.c.proposal_id == _proposal.c.id).where(*public),
        select(_proposal.c.consultation_id, _comment.c.author_id)
        .join(_comment, _comment.c.proposal_id == _proposal.c.id)
        .where(*public, _comment.c.author_id.is_not(None)),
    ).subquery()
    for cid, participants in db.session.execute(
            select(people.c.consultation_id, func.count(people.c.user_id.distinct()))
            .group_by(people.c.consultation_id)):
        figures[cid]["participants"] = participants
    return figures


def consultation_figures(ids: list[int]) -> dict[int, dict]:
    """``{id: {"proposals", "supports", "participants"}}`` from the public proposals of these
    consultations (participants: distinct people who proposed online, supported or
    commented). Kept in memory ``ROADMAP_HOME_FIGURES_SECONDS`` (60 by default; 0: fresh)."""
    seconds = current_app.config.get("ROADMAP_HOME_FIGURES_SECONDS", HOME_FIGURES_SECONDS)
    cache = fragment_cache() if seconds else None
    key = ("home-figures", str(db.engine.url), tuple(sorted(ids)))
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = _count_figures(ids)
        if cache is not None:
            cache.set(key, found, seconds)
    return found


def consultation_by_slug(slug: str) -> Consultation | None:
    """The consultation with this slug, or ``None``."""
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def consultation_or_404(slug: str) -> Consultation:
    """The consultation with this slug; aborts with 404 if there is none.

    It does not check who may see it: a request under ``/c/<slug>`` already went through
    :func:`visible_consultation_or_404` (see ``guard_drafts`` in the views)."""
    consultation = consultation_by_slug(slug)
    if consultation is None:
        abort(404)
    return consultation


def visible_consultation_or_404(slug: str, viewer) -> Consultation:
    """The consultation with this slug if ``viewer`` may see it; aborts with 404 otherwise
    (a draft answers 404 to everyone but organisers and admins, as if it did not exist)."""
    consultation = consultation_by_slug(slug)
    if consultation is None or not can_view_consultation(viewer, consultation):
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
    return [(c.slug, c.title) for c in every_consultation()]


def axis_or_404(consultation: Consultation, axis_id: int):
    """The axis ``axis_id`` of this consultation; aborts with 404 otherwise."""
    axis = db.session.get(StrategicAxis, axis_id)
    if axis is None or axis.consultation_id != consultation.id:
        abort(404)
    return axis
