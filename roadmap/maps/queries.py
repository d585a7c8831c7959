"""Reads behind the map layers: figures per commune, located proposals, the published roadmap.

Every figure is computed in a few grouped SQL statements for all communes at once (never one
query per commune), from public proposals only (published or withdrawn, never hidden).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, union

from roadmap.consultations.models import Consultation, StrategicAxis
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.labels import LISTED_STATUSES
from roadmap.proposals.models import Proposal
from roadmap.roadmaps.models import Roadmap, RoadmapItem
from roadmap.territory.models import Commune, CommuneIndicator

# The proposals layer answers at most this many features; the response then says
# "truncated": true and "limit" (documented in the README's GeoJSON API section).
PROPOSALS_LIMIT = 5000
# Figures per commune are recomputed at least this often (seconds), changes or not.
FIGURES_TTL = 60
_figures_cache: dict[tuple, tuple[float, dict]] = {}
_latest_figures: dict[tuple, tuple[float, dict]] = {}


@dataclass(frozen=True)
class BBox:
    """A bounding box in degrees (WGS 84)."""

    west: float
    south: float
    east: float
    north: float


def parse_bbox(text: str | None) -> BBox | None:
    """``west,south,east,north`` in degrees, or ``None`` if absent; ``ValueError`` if invalid."""
    if text is None or text == "":
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox must be west,south,east,north")
    west, south, east, north = (float(part) for part in parts)
    if not all(map(_finite, (west, south, east, north))):
        raise ValueError("bbox must be finite numbers")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError("bbox out of range or south > north")
    if west > east:
        raise ValueError("bbox crossing the antimeridian is not supported")
    return BBox(west, south, east, north)


def _finite(value: float) -> bool:
    return value == value and value not in (float("inf"), float("-inf"))


def default_consultation() -> Consultation | None:
    """The most recent consultation (the maps' default)."""
    return db.session.scalar(select(Consultation)
                             .order_by(Consultation.created_at.desc(), Consultation.id.desc())
                             .limit(1))


def _public(consultation_id: int):
    return (Proposal.consultation_id == consultation_id, Proposal.hidden_at.is_(None),
            Proposal.status == "published")


def commune_figures(consultation_id: int) -> dict[int, dict]:
    """``{commune_id: {"proposals", "supports", "participants"}}`` for every commune with any.

    Participants are the distinct people who made a public proposal online, supported or
    commented one, per commune (the commune page's definition, computed in two statements).
    Kept in memory while the consultation's proposals are unchanged (a support or a comment
    updates its proposal's counters, so its ``updated_at``), for at most FIGURES_TTL seconds.
    """
    place = (str(db.engine.url), consultation_id)
    latest = _latest_figures.get(place)
    now = time.monotonic()
    # Under a stream of supports every request would see a change: recompute at most every
    # ROADMAP_MAP_FIGURES_MIN_AGE seconds (the distinct participants scan a million rows).
    if latest is not None and now - latest[0] < current_app.config["ROADMAP_MAP_FIGURES_MIN_AGE"]:
        return latest[1]
    key = place + (last_change(consultation_id),)
    cached = _figures_cache.get(key)
    if cached is not None and now - cached[0] < FIGURES_TTL:
        _latest_figures[place] = cached
        return cached[1]
    figures = _compute_figures(consultation_id)
    if len(_figures_cache) > 64:
        _figures_cache.clear()
    _figures_cache[key] = _latest_figures[place] = (now, figures)
    return figures


def _compute_figures(consultation_id: int) -> dict[int, dict]:
    public = _public(consultation_id)
    figures: dict[int, dict] = {}
    rows = db.session.execute(
        select(Proposal.commune_id, func.count(Proposal.id),
               func.coalesce(func.sum(Proposal.supports_count), 0))
        .where(*public).group_by(Proposal.commune_id))
    for commune_id, proposals, supports in rows:
        figures[commune_id] = {"proposals": proposals, "supports": int(supports),
                               "participants": 0}
    for commune_id, participants in _participants(public):
        figures.setdefault(commune_id, {"proposals": 0, "supports": 0})
        figures[commune_id]["participants"] = participants
    return figures


def _participants(public) -> list[tuple[int, int]]:
    people = union(
        select(Proposal.commune_id, Proposal.author_id.label("user_id"))
        .where(*public, Proposal.origin == "online", Proposal.author_id.is_not(None)),
        select(Proposal.commune_id, Vote.user_id)
        .join(Vote, Vote.proposal_id == Proposal.id).where(*public),
        select(Proposal.commune_id, Comment.author_id)
        .join(Comment, Comment.proposal_id == Proposal.id)
        .where(*public, Comment.author_id.is_not(None)),
    ).subquery()
    return list(db.session.execute(
        select(people.c.commune_id, func.count()).group_by(people.c.commune_id)))


def latest_indicator(key: str) -> dict[int, float]:
    """``{commune_id: value}`` of census indicator ``key`` in its latest year per commune."""
    latest = (select(CommuneIndicator.commune_id, func.max(CommuneIndicator.year).label("year"))
              .where(CommuneIndicator.key == key, CommuneIndicator.value.is_not(None))
              .group_by(CommuneIndicator.commune_id).subquery())
    rows = db.session.execute(
        select(CommuneIndicator.commune_id, CommuneIndicator.value)
        .join(latest, (latest.c.commune_id == CommuneIndicator.commune_id)
              & (latest.c.year == CommuneIndicator.year))
        .where(CommuneIndicator.key == key))
    return {commune_id: value for commune_id, value in rows}


def last_change(consultation_id: int):
    """When the consultation's proposals (and so their counters) last changed, or ``None``."""
    return db.session.scalar(select(func.max(Proposal.updated_at))
                             .where(Proposal.consultation_id == consultation_id))


def located_proposals(consultation_id: int, *, commune: str | None = None,
                      axis: str | None = None, status: str = "published",
                      bbox: BBox | None = None, limit: int = PROPOSALS_LIMIT) -> list:
    """Rows (id, title, commune code, axis code, status, supports, comments, lon, lat) of
    the public proposals with a point, newest first, at most ``limit + 1`` (to tell if capped).
    """
    if status not in LISTED_STATUSES:
        return []
    query = (select(Proposal.id, Proposal.title, Commune.code, StrategicAxis.code,
                    Proposal.status, Proposal.supports_count, Proposal.comments_count,
                    Proposal.longitude, Proposal.latitude)
             .join(Commune, Commune.id == Proposal.commune_id)
             .outerjoin(StrategicAxis, StrategicAxis.id == Proposal.axis_id)
             .where(Proposal.consultation_id == consultation_id, Proposal.status == status,
                    Proposal.hidden_at.is_(None), Proposal.latitude.is_not(None),
                    Proposal.longitude.is_not(None)))
    if commune:
        query = query.where(Commune.code == commune)
    if axis:
        query = query.where(StrategicAxis.code == axis)
    if bbox is not None:
        query = query.where(Proposal.longitude.between(bbox.west, bbox.east),
                            Proposal.latitude.between(bbox.south, bbox.north))
    query = query.order_by(Proposal.id.desc()).limit(limit + 1)
    return list(db.session.execute(query))


def published_snapshot(consultation_id: int) -> tuple[list[dict], object] | None:
    """The published roadmap's item dicts and publication time, or ``None`` before publication.

    Reads the latest :class:`RoadmapVersion` snapshot (``roadmaps.services.snapshot``): its
    ``items``, each with ``id``, ``geometry`` (GeoJSON text or none), ``communes`` (dicts with
    ``code``, or codes), ``axis`` (code), ``rank``, ``status``, ``progress``, ``title_i18n``.
    """
    roadmap = db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == consultation_id))
    version = roadmap.published if roadmap is not None else None
    if version is None:
        return None
    snapshot = version.snapshot or {}
    items = snapshot.get("items", []) if isinstance(snapshot, dict) else list(snapshot)
    return items, version.published_at


def live_items(item_ids: list[int]) -> dict[int, tuple]:
    """``{item id: (status, progress, updated_at)}`` of the live items still there."""
    if not item_ids:
        return {}
    rows = db.session.execute(select(RoadmapItem.id, RoadmapItem.status, RoadmapItem.progress,
                                     RoadmapItem.updated_at)
                              .where(RoadmapItem.id.in_(item_ids)))
    return {item_id: (status, progress, updated) for item_id, status, progress, updated in rows}


def communes_by_code() -> dict[str, Commune]:
    """Every commune by code (their simplified boundaries come from the layers' cache)."""
    return {commune.code: commune for commune in db.session.scalars(select(Commune))}


def communes_version() -> tuple:
    """The database, count and last update of the communes (a cache key for their shapes)."""
    count, last = db.session.execute(
        select(func.count(Commune.id), func.max(Commune.updated_at))).one()
    return (str(db.engine.url), count, last)
