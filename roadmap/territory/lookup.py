"""Point-in-commune lookup: which commune contains a point, in a few microseconds.

The communes' shapes are loaded once per process and database into prepared shapely geometries
behind an STRtree. The index is dropped when communes change: at once in the process that
changes them (the import service, or any flush that touches a commune), and within
``RECHECK_SECONDS`` in other processes, which compare a cheap version of the commune table.
Only shapely is used here: geopandas stays off the request path.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import shapely
from shapely import STRtree
from sqlalchemy import event
from sqlalchemy.orm import Session

from roadmap.extensions import db
from roadmap.territory.geometry import from_geojson
from roadmap.territory.models import Commune

RECHECK_SECONDS = 30.0
_DIRTY = "territory_communes_changed"


@dataclass
class CommuneIndex:
    """Prepared commune shapes behind an STRtree, with the table version they were read at."""

    ids: list[int]
    shapes: list
    version: tuple
    checked_at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        shapely.prepare(self.shapes)
        self.tree = STRtree(self.shapes)

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the commune containing (or bordering) the point, or ``None``."""
        candidates = self.tree.query(shapely.Point(lon, lat))
        for index in sorted(candidates):
            if shapely.intersects_xy(self.shapes[index], lon, lat):
                return self.ids[index]
        return None


_indexes: dict[str, CommuneIndex] = {}
_lock = threading.Lock()


def lookup(lat: float, lon: float) -> Commune | None:
    """The commune containing the point (latitude, longitude in EPSG:4326), or ``None``."""
    commune_id = locate(lat, lon)
    return None if commune_id is None else db.session.get(Commune, commune_id)


def locate(lat: float, lon: float) -> int | None:
    """The id of the commune containing the point, or ``None`` (no ORM object is loaded)."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return _index().locate(lon, lat)


def invalidate_lookup() -> None:
    """Forget the loaded shapes; the next lookup reads the communes again."""
    _indexes.clear()


def _index() -> CommuneIndex:
    key = db.engine.url.render_as_string(hide_password=True)
    index = _indexes.get(key)
    if index is not None and time.monotonic() - index.checked_at > RECHECK_SECONDS:
        if _version() != index.version:
            index = None
        else:
            index.checked_at = time.monotonic()
    if index is None:
        with _lock:
            index = _build()
            _indexes[key] = index
    return index


def _build() -> CommuneIndex:
    from roadmap.territory.queries import commune_shapes

    version = _version()
    rows = commune_shapes()
    return CommuneIndex(ids=[row_id for row_id, _ in rows],
                        shapes=[from_geojson(text) for _, text in rows], version=version)


def _version() -> tuple:
    from roadmap.territory.queries import communes_version

    return communes_version()


@event.listens_for(Session, "after_flush")
def _communes_flushed(session, _context) -> None:
    """A flush that touched a commune drops the index, now and when its transaction ends."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Commune) for obj in changed):
        session.info[_DIRTY] = True
        invalidate_lookup()


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session, transaction) -> None:
    """Committed or rolled back, communes changed in the transaction: read them again."""
    if transaction.parent is None and session.info.pop(_DIRTY, False):
        invalidate_lookup()
