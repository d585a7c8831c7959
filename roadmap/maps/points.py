"""The located proposals layer, answered from a snapshot of the consultation's points.

Building the GeoJSON of thousands of proposals for each request costs 50 to 150 ms of CPU
(the SQL, then a dict and its JSON per feature). Instead each process keeps, per database,
consultation and status, a *snapshot*: the public located proposals, each feature's JSON
written once, and their coordinates, communes and axes as arrays. A request picks the features
in its bounding box, commune and axis (numpy masks over the points) and joins their JSON; the
answer to the same parameters is kept with the snapshot (gzipped once, if asked), so the map's
first view, which every visitor asks for, is answered from memory.

A snapshot is current while the consultation's proposals' last change (``max(updated_at)``,
one index lookup per request) is the one it was built from: a support, a comment, an edit, a
withdrawal and a moderator hiding a proposal all move it. Under a stream of changes a
snapshot is rebuilt at most every ``ROADMAP_MAP_POINTS_MIN_AGE`` seconds (2 by default): a
hidden or withdrawn proposal leaves the layer within that delay, and counters lag at most that
much. What the last change does not show (a renamed commune or axis, a write committed after
a later one was read) is caught by rebuilding at least every ``POINTS_TTL`` seconds.

Without a bounding box or a commune the layer is the whole consultation (up to the cap): its
features carry only ``id``, ``commune``, ``axis``, ``status`` and ``supports``, so that the
whole prefecture stays under 100 KB gzipped; titles and links come with a bounding box or a
commune (what the maps ask for), or from ``/api/v1/proposals/<id>``.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict

import numpy
from flask import current_app, url_for

from roadmap.extensions import db
from roadmap.maps import queries
from roadmap.maps.layers import Layer
from roadmap.proposals.labels import LISTED_STATUSES

# A snapshot is rebuilt at least this often (seconds), changes or not.
POINTS_TTL = 30
# Under a stream of changes, a snapshot is rebuilt at most this often (seconds) by default.
DEFAULT_MIN_AGE = 2.0
# Answers kept per snapshot (bounding boxes differ from one visitor to the next: most are
# asked once, but the map's first view is the same for everyone), and their total size.
KEPT_ANSWERS = 64
KEPT_BYTES = 24 * 2 ** 20
# The properties of the whole consultation's features (no bbox, no commune).
COMPACT_PROPERTIES = ("id", "commune", "axis", "status", "supports")

# One encoder (json.dumps with options makes a new one per call: 5 µs each).
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_snapshots: dict[tuple, "Snapshot"] = {}
_lock = threading.Lock()


class Snapshot:
    """The public located proposals of one consultation and status, ready to answer."""

    def __init__(self, rows: list, status: str, url: str, version, communes: dict,
                 axes: dict):
        self.version = version
        self.built = time.monotonic()
        self.size = len(rows)
        # Codes are numbered in the arrays; JSON strings are written once per code.
        self.commune_codes = sorted({communes[row[2]] for row in rows})
        self.axis_codes = sorted({axes[row[3]] for row in rows if row[3] in axes})
        commune_number = {code: n for n, code in enumerate(self.commune_codes)}
        axis_number = {code: n for n, code in enumerate(self.axis_codes)}
        self.lon = numpy.fromiter((row[6] for row in rows), float, self.size)
        self.lat = numpy.fromiter((row[7] for row in rows), float, self.size)
        self.commune = numpy.fromiter((commune_number[communes[row[2]]] for row in rows),
                                      numpy.int32, self.size)
        self.axis = numpy.fromiter((axis_number.get(axes.get(row[3]), -1) for row in rows),
                                   numpy.int32, self.size)
        # When each proposal was made (POSIX seconds): the OGC API's ``datetime`` filter.
        self.created = numpy.fromiter((row[8].timestamp() for row in rows), float, self.size)
        self._positions: dict[int, int] | None = None
        self._rows = rows
        self._status = _json(status)
        # JSON of each commune and axis code, and of the link without its id and closing quote.
        self._communes = {key: _json(code) for key, code in communes.items()}
        self._axes = {key: _json(code) for key, code in axes.items()}
        self._url = _json(url)[:-1]
        # Each feature's JSON (full, compact), written the first time an answer has it.
        self._written: dict[bool, list] = {False: [None] * self.size, True: [None] * self.size}
        self._answers: OrderedDict[tuple, Layer] = OrderedDict()
        self._kept_bytes = 0

    def features(self, positions: list[int], compact: bool) -> list[bytes]:
        """The JSON of the features at ``positions`` (full or compact), written once each."""
        written, rows = self._written[compact], self._rows
        for position in positions:
            if written[position] is None:
                written[position] = self._feature(rows[position], compact)
        return [written[position] for position in positions]

    def position(self, proposal_id: int) -> int | None:
        """Where the proposal ``proposal_id`` is in the snapshot, or ``None``."""
        if self._positions is None:
            self._positions = {row[0]: n for n, row in enumerate(self._rows)}
        return self._positions.get(proposal_id)

    def _feature(self, row, compact: bool) -> bytes:
        (proposal_id, title, commune_id, axis_id, supports, comments, lon, lat) = row[:8]
        # 5 decimals: about a metre (%.5f rounds as round() does, 20 times faster than repr).
        head = ('{"type":"Feature","id":%d,"geometry":{"type":"Point","coordinates":'
                '[%.5f,%.5f]},"properties":{"id":%d,"' % (proposal_id, lon, lat, proposal_id))
        if compact:
            tail = 'commune":%s,"axis":%s,"status":%s,"supports":%d}}' % (
                self._communes[commune_id], self._axes.get(axis_id, "null"), self._status,
                supports)
        else:
            tail = ('title":%s,"commune":%s,"axis":%s,"status":%s,"supports":%d,"comments":%d,'
                    '"url":%s%d"}}' % (_json(title), self._communes[commune_id],
                                       self._axes.get(axis_id, "null"), self._status, supports,
                                       comments, self._url, proposal_id))
        return (head + tail).encode()

    def select(self, commune: str | None, axis: str | None, bbox) -> numpy.ndarray:
        """Positions (newest first) of the points in ``bbox``, ``commune`` and ``axis``."""
        mask = numpy.ones(self.size, dtype=bool)
        if commune is not None:
            if commune not in self.commune_codes:
                return numpy.empty(0, dtype=numpy.intp)
            mask &= self.commune == self.commune_codes.index(commune)
        if axis is not None:
            if axis not in self.axis_codes:
                return numpy.empty(0, dtype=numpy.intp)
            mask &= self.axis == self.axis_codes.index(axis)
        if bbox is not None:
            mask &= ((self.lon >= bbox.west) & (self.lon <= bbox.east)
                     & (self.lat >= bbox.south) & (self.lat <= bbox.north))
        return numpy.flatnonzero(mask)

    def answer(self, commune: str | None, axis: str | None, bbox, limit: int) -> Layer:
        """The FeatureCollection for these parameters (kept for the next identical request)."""
        key = (commune, axis, None if bbox is None else (bbox.west, bbox.south, bbox.east,
                                                          bbox.north), limit)
        with _lock:
            layer = self._answers.get(key)
            if layer is not None:
                self._answers.move_to_end(key)
                return layer
        chosen = self.select(commune, axis, bbox)
        truncated = len(chosen) > limit
        features = self.features(chosen[:limit].tolist(), compact=bbox is None and commune is None)
        head = '{"type":"FeatureCollection","truncated":%s,"limit":%d,"features":[' % (
            "true" if truncated else "false", limit)
        body = b"".join((head.encode(), b",".join(features), b"]}"))
        layer = Layer(body=body, etag=hashlib.sha256(body).hexdigest()[:32],
                      last_modified=self.version)
        with _lock:
            self._answers[key] = layer
            self._kept_bytes += len(body)
            while self._answers and (len(self._answers) > KEPT_ANSWERS
                                     or self._kept_bytes > KEPT_BYTES):
                self._kept_bytes -= len(self._answers.popitem(last=False)[1].body)
        return layer


def points_layer(consultation, *, commune: str | None = None, axis: str | None = None,
                 status: str = "published", bbox=None,
                 limit: int = queries.PROPOSALS_LIMIT) -> Layer:
    """Public located proposals of ``consultation`` as points, newest first, at most
    ``limit`` (the collection says ``truncated`` and ``limit``); see the module's notes."""
    if status not in LISTED_STATUSES:
        return _empty(limit, queries.last_change(consultation.id))
    return consultation_snapshot(consultation, status).answer(commune, axis, bbox, limit)


def consultation_snapshot(consultation, status: str = "published") -> Snapshot:
    """The current snapshot of ``consultation``'s located proposals with ``status``."""
    # One url_for, then the id in place of the placeholder (url_for per feature costs 10 %).
    url = url_for("proposals.show", slug=consultation.slug, proposal_id=0)[:-1]
    return snapshot(consultation.id, status, url)


def snapshot(consultation_id: int, status: str, url: str) -> Snapshot:
    """The current snapshot of the consultation's points with ``status`` (see the module)."""
    key = (str(db.engine.url), consultation_id, status, url)
    kept = _snapshots.get(key)
    now = time.monotonic()
    if kept is not None and now - kept.built < min(_min_age(), POINTS_TTL):
        return kept
    version = queries.last_change(consultation_id)
    if kept is not None and now - kept.built < POINTS_TTL and kept.version == version:
        return kept
    rows, communes, axes = queries.located_points(consultation_id, status)
    fresh = Snapshot(rows, status, url, version, communes, axes)
    with _lock:
        if len(_snapshots) > 32:
            _snapshots.clear()
        _snapshots[key] = fresh
    return fresh


def _min_age() -> float:
    """``ROADMAP_MAP_POINTS_MIN_AGE``, or 2 s (no more than the figures' own minimum age)."""
    configured = current_app.config.get("ROADMAP_MAP_POINTS_MIN_AGE")
    if configured is not None:
        return float(configured)
    return min(DEFAULT_MIN_AGE, float(current_app.config.get("ROADMAP_MAP_FIGURES_MIN_AGE",
                                                             DEFAULT_MIN_AGE)))


def _empty(limit: int, last_modified) -> Layer:
    body = ('{"type":"FeatureCollection","truncated":false,"limit":%d,"features":[]}'
            % limit).encode()
    return Layer(body=body, etag=hashlib.sha256(body).hexdigest()[:32],
                 last_modified=last_modified)
