"""Reads behind the map layers: figures per commune, located proposals, the published roadmap.

Every figure is computed in a few grouped SQL statements for all communes at once (never one
query per commune), from public proposals only (published, never hidden).

Figures are kept in memory per process, keyed on the consultation's last change (see
:func:`commune_figures`). The counts of proposals and supports (one grouped statement over the
proposals) follow the changes at most ``ROADMAP_MAP_FIGURES_MIN_AGE`` seconds late. The
participants per commune (distinct people over every support and comment: about 3 s on
SQLite and 2 s on PostgreSQL with a million supports) are recomputed at most every
``ROADMAP_MAP_PARTICIPANTS_MIN_AGE`` seconds (300 by default), and, once a process knows them,
in a background thread while requests are answered with the previous figures.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from sqlalchemy import bindparam, func, select, union_all

from roadmap.consultations.models import Consultation, StrategicAxis
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from roadmap.roadmaps.models import Roadmap, RoadmapItem, RoadmapVersion
from roadmap.territory.models import Commune, CommuneIndicator

# The proposals layer answers at most this many features; the response then says
# "truncated": true and "limit" (documented in the README's GeoJSON API section).
PROPOSALS_LIMIT = 5000
# Counts per commune are recomputed at least this often (seconds), changes or not.
FIGURES_TTL = 60
# Participants per commune: at least this often (seconds), changes or not.
PARTICIPANTS_TTL = 600
# Participants per commune, under a stream of changes: at most this often by default (seconds).
PARTICIPANTS_MIN_AGE = 300


@dataclass(frozen=True)
class _Kept:
    """A computed value, when it was computed (monotonic clock) and the version it reflects."""

    at: float
    version: object
    value: dict


_counts: dict[tuple, _Kept] = {}
_participants_kept: dict[tuple, _Kept] = {}
_merged: dict[tuple, tuple] = {}
_refreshing: set[tuple] = set()
_refresh_lock = threading.Lock()


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


@dataclass(frozen=True)
class LayerConsultation:
    """What the layers need of a consultation: its id, slug and status (no ORM object)."""

    id: int
    slug: str
    status: str = "published"

    @property
    def is_draft(self) -> bool:
        """True while only organisers and admins may see the consultation (and its layers)."""
        return self.status == "draft"


# Statements run on every layer request, built once (building one costs as much as running it).
_BY_SLUG = (select(Consultation.id, Consultation.slug, Consultation.status)
            .where(Consultation.slug == bindparam("slug")).limit(1))
_MOST_RECENT = (select(Consultation.id, Consultation.slug, Consultation.status)
                .where(Consultation.status != "draft")
                .order_by(Consultation.created_at.desc(), Consultation.id.desc()).limit(1))
_LAST_CHANGE = (select(func.max(Proposal.updated_at))
                .where(Proposal.consultation_id == bindparam("consultation_id")))


def layer_consultation(slug: str | None) -> LayerConsultation | None:
    """The consultation ``slug``, or without a slug the most recent public one (the maps'
    default: never a draft); ``None`` if there is none. One plain query: it runs on every
    layer request. Whether the reader may see a draft named by its slug is the view's call."""
    if slug:
        row = db.session.execute(_BY_SLUG, {"slug": slug}).first()
    else:
        row = db.session.execute(_MOST_RECENT).first()
    return None if row is None else LayerConsultation(row[0], row[1], row[2])


def _public(consultation_id: int):
    return (Proposal.consultation_id == consultation_id, Proposal.hidden_at.is_(None),
            Proposal.status == "published")


def commune_figures(consultation_id: int) -> dict[int, dict]:
    """``{commune_id: {"proposals", "supports", "participants"}}`` for every commune with any.

    Participants are the distinct people who made a public proposal online, supported or
    commented one, per commune (the commune page's definition). Kept in memory while the
    consultation's proposals are unchanged (a support or a comment updates its proposal's
    counters, so its ``updated_at``); see the module's notes for how late each figure may be.
    The same dict is returned while no figure changed (callers may keep what they make of it).
    """
    place = (str(db.engine.url), consultation_id)
    known: list = []

    def version():
        if not known:
            known.append(last_change(consultation_id))
        return known[0]

    counts = _fresh(_counts, place, version, _config_age("ROADMAP_MAP_FIGURES_MIN_AGE", 10),
                    FIGURES_TTL, lambda: _counts_by_commune(consultation_id))
    people = _fresh(_participants_kept, place, version, _participants_min_age(),
                    PARTICIPANTS_TTL, lambda: _participants_by_commune(consultation_id),
                    background=True)
    merged = _merged.get(place)
    if merged is not None and merged[0] is counts and merged[1] is people:
        return merged[2]
    figures = {commune_id: {**numbers, "participants": 0} for commune_id, numbers in counts.items()}
    for commune_id, participants in people.items():
        figures.setdefault(commune_id, {"proposals": 0, "supports": 0})
        figures[commune_id]["participants"] = participants
    _merged[place] = (counts, people, figures)
    return figures


def _fresh(kept: dict, place: tuple, version: Callable, min_age: float, ttl: float,
           compute: Callable[[], dict], background: bool = False) -> dict:
    """The value kept for ``place`` if still good, else computed again (see the module).

    Kept values younger than ``min_age`` are served as they are; older ones while the
    ``version()`` they reflect is current and they are younger than ``ttl``. Otherwise the
    value is computed now, or, with ``background`` and a value to serve meanwhile, in a thread.
    """
    entry = kept.get(place)
    now = time.monotonic()
    if entry is not None:
        age = now - entry.at
        if age < min(min_age, ttl) or (age < ttl and entry.version == version()):
            return entry.value
        if background and min_age > 0:
            _refresh_in_background(kept, place, version(), compute)
            return entry.value
    current = version()
    value = compute()
    if len(kept) > 64:
        kept.clear()
    kept[place] = _Kept(now, current, value)
    return value


def _refresh_in_background(kept: dict, place: tuple, version, compute: Callable) -> None:
    """Compute ``kept[place]`` again in a thread of its own (one at a time per place)."""
    key = (id(kept), place)
    with _refresh_lock:
        if key in _refreshing:
            return
        _refreshing.add(key)
    app = current_app._get_current_object()

    def refresh():
        try:
            with app.app_context():
                try:
                    started = time.monotonic()
                    kept[place] = _Kept(started, version, compute())
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 - the previous figures stay served; try again later
            app.logger.exception("map figures: background refresh of %s failed", place[1:])
        finally:
            with _refresh_lock:
                _refreshing.discard(key)

    threading.Thread(target=refresh, name="map-figures-refresh", daemon=True).start()


def wait_for_refreshes(timeout: float = 60) -> bool:
    """Wait until no background refresh runs (for tests and scripts); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _refresh_lock:
            if not _refreshing:
                return True
        time.sleep(0.01)
    return False


def _config_age(name: str, default: float) -> float:
    return float(current_app.config.get(name, default))


def _participants_min_age() -> float:
    """``ROADMAP_MAP_PARTICIPANTS_MIN_AGE``; unset, 300 s (0 when the figures' minimum is 0)."""
    configured = current_app.config.get("ROADMAP_MAP_PARTICIPANTS_MIN_AGE")
    if configured is not None:
        return float(configured)
    return PARTICIPANTS_MIN_AGE if _config_age("ROADMAP_MAP_FIGURES_MIN_AGE", 10) > 0 else 0.0


def _counts_by_commune(consultation_id: int) -> dict[int, dict]:
    rows = db.session.execute(
        select(Proposal.commune_id, func.count(Proposal.id),
               func.coalesce(func.sum(Proposal.supports_count), 0))
        .where(*_public(consultation_id)).group_by(Proposal.commune_id))
    return {commune_id: {"proposals": proposals, "supports": int(supports)}
            for commune_id, proposals, supports in rows}


def _participants_by_commune(consultation_id: int) -> dict[int, int]:
    return dict(_participants(_public(consultation_id)))


def _participants(public) -> list[tuple[int, int]]:
    # UNION ALL then COUNT(DISTINCT) per commune: a third cheaper than deduplicating the
    # million (commune, person) rows with UNION first, on SQLite and on PostgreSQL alike.
    people = union_all(
        select(Proposal.commune_id, Proposal.author_id.label("user_id"))
        .where(*public, Proposal.origin == "online", Proposal.author_id.is_not(None)),
        select(Proposal.commune_id, Vote.user_id)
        .join(Vote, Vote.proposal_id == Proposal.id).where(*public),
        select(Proposal.commune_id, Comment.author_id)
        .join(Comment, Comment.proposal_id == Proposal.id)
        .where(*public, Comment.author_id.is_not(None)),
    ).subquery()
    return list(db.session.execute(
        select(people.c.commune_id, func.count(people.c.user_id.distinct()))
        .group_by(people.c.commune_id)))


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
    return db.session.scalar(_LAST_CHANGE, {"consultation_id": consultation_id})


def located_points(consultation_id: int, status: str) -> tuple[list, dict, dict]:
    """The public located proposals with ``status``, newest first, as rows (id, title,
    commune id, axis id, supports, comments, lon, lat, created_at), with ``{commune id: code}`` and
    ``{axis id: code}`` (the codes are looked up in Python: two small tables, no join).
    """
    communes = dict(db.session.execute(select(Commune.id, Commune.code)).all())
    axes = dict(db.session.execute(select(StrategicAxis.id, StrategicAxis.code)
                                   .where(StrategicAxis.consultation_id == consultation_id))
                .all())
    rows = db.session.execute(
        select(Proposal.id, Proposal.title, Proposal.commune_id, Proposal.axis_id,
               Proposal.supports_count, Proposal.comments_count, Proposal.longitude,
               Proposal.latitude, Proposal.created_at)
        .where(Proposal.consultation_id == consultation_id, Proposal.status == status,
               Proposal.hidden_at.is_(None), Proposal.latitude.is_not(None),
               Proposal.longitude.is_not(None))
        .order_by(Proposal.id.desc())).all()
    return [row for row in rows if row[2] in communes], communes, axes


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


def published_roadmap_ids(consultation_ids) -> set[int]:
    """The consultations among ``consultation_ids`` whose roadmap has a published version
    (one query, no snapshot read)."""
    ids = list(consultation_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Roadmap.consultation_id)
        .join(RoadmapVersion, RoadmapVersion.roadmap_id == Roadmap.id).where(Roadmap.consultation_id.in_(ids)).distinct()))


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


def communes_bbox() -> list[float] | None:
    """``[west, south, east, north]`` of every commune (the communes layer's extent), from
    their stored bounds in one aggregate, or ``None`` without communes."""
    row = db.session.execute(select(func.min(Commune.min_lon), func.min(Commune.min_lat),
                                    func.max(Commune.max_lon), func.max(Commune.max_lat))).one()
    return None if row[0] is None else [float(value) for value in row]


def communes_version() -> tuple:
    """The database, count and last update of the communes (a cache key for their shapes)."""
    count, last = db.session.execute(
        select(func.count(Commune.id), func.max(Commune.updated_at))).one()
    return (str(db.engine.url), count, last)
