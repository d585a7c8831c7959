"""Computed map layers: the communes' simplified boundaries, built once and cached.

Boundaries are simplified as a coverage (``shapely.coverage_simplify``), so neighbouring
communes keep sharing their edges, and written as RFC 7946 GeoJSON (WGS 84, exterior rings
counter-clockwise, 5 decimals: about a metre). The cache is per process and keyed on the
communes' count and last update, so an import on any app server is seen by every other one.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import shapely
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.territory.models import Commune

# Simplification tolerance in degrees (about 50 m at Marrakech's latitude).
TOLERANCE = 0.0005
PRECISION = 5


# gzip level of the compressed copies: 6 is zlib's default, 9 saves 1 % more for twice the CPU.
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Layer:
    """A serialised layer and its validators for HTTP caching."""

    body: bytes
    etag: str
    last_modified: object

    @cached_property
    def gzipped(self) -> bytes:
        """The body gzipped, compressed once per layer (layers are kept, so once per change)."""
        return gzip.compress(self.body, GZIP_LEVEL, mtime=0)


_cache: dict[tuple, list[dict]] = {}
# The communes layer without figures, for the communes' version it was built from.
_plain: dict[tuple, Layer] = {}


def _version() -> tuple:
    count, last = db.session.execute(
        select(func.count(Commune.id), func.max(Commune.updated_at))).one()
    return (str(db.engine.url), count, last)


def simplified_boundaries(communes: list[Commune]) -> list[dict]:
    """The communes' boundaries as GeoJSON geometries, simplified together as one coverage."""
    shapes = [shapely.from_geojson(commune.geometry) for commune in communes]
    if not shapes:
        return []
    simplified = shapely.coverage_simplify(shapes, TOLERANCE)
    simplified = shapely.orient_polygons(shapely.set_precision(simplified, 10 ** -PRECISION))
    return [json.loads(shapely.to_geojson(shape)) for shape in simplified]


def _geometries(communes: list[Commune]) -> list[dict]:
    """The simplified boundaries of ``communes`` (all communes, by code), computed once."""
    version = _version()
    geometries = _cache.get(("geometries",) + version)
    if geometries is None:
        _cache.clear()
        geometries = simplified_boundaries(communes)
        _cache[("geometries",) + version] = geometries
    return geometries


def boundaries_by_code() -> dict[str, dict]:
    """``{commune code: simplified GeoJSON geometry}`` from the same cache as the layer."""
    communes = _all_communes()
    return {commune.code: geometry
            for commune, geometry in zip(communes, _geometries(communes))}


def _all_communes() -> list[Commune]:
    return list(db.session.scalars(select(Commune).order_by(Commune.code)))


def communes_layer(properties=None, last_modified=None) -> Layer:
    """A FeatureCollection of every commune with ``code``, names and population.

    ``properties(commune) -> dict`` adds figures to each feature; layers built with it are
    not kept here (their caller keeps them, see ``geojson.figures_layer``), only their
    geometry is; the layer without figures is kept until the communes change. ``last_modified``
    (when those figures last changed) is kept if later than the communes' own changes.
    """
    version = _version()
    if properties is None and last_modified is None:
        layer = _plain.get(version)
        if layer is None:
            _plain.clear()
            layer = _plain[version] = _build_communes_layer(None, None, version)
        return layer
    return _build_communes_layer(properties, last_modified, version)


def _build_communes_layer(properties, last_modified, version: tuple) -> Layer:
    communes = _all_communes()
    geometries = _geometries(communes)
    features = []
    for commune, geometry in zip(communes, geometries):
        props = {"code": commune.code, "hcp_code": commune.hcp_code, "name_ar": commune.name_ar,
                 "name_fr": commune.name_fr, "kind": commune.kind,
                 "population_2024": commune.population_2024}
        if properties:
            props.update(properties(commune))
        features.append({"type": "Feature", "id": commune.code, "properties": props,
                         "geometry": geometry})
    body = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":")).encode()
    changed = max((moment for moment in (version[2], last_modified) if moment is not None),
                  default=None)
    return Layer(body=body, etag=hashlib.sha256(body).hexdigest()[:32], last_modified=changed)


def feature_collection(features: list[dict], last_modified=None, **members) -> Layer:
    """A FeatureCollection of ``features`` (plus top-level ``members``) as a :class:`Layer`."""
    document = {"type": "FeatureCollection", **members, "features": features}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Layer(body=body, etag=hashlib.sha256(body).hexdigest()[:32],
                 last_modified=last_modified)


def oriented(geometry) -> dict | None:
    """A GeoJSON geometry (dict or text) with RFC 7946 ring orientation, or ``None``."""
    if not geometry:
        return None
    text = geometry if isinstance(geometry, str) else json.dumps(geometry)
    try:
        shape = shapely.from_geojson(text)
    except shapely.errors.GEOSException:
        return None
    if shape.is_empty:
        return None
    shape = shapely.orient_polygons(shapely.set_precision(shape, 10 ** -PRECISION))
    return json.loads(shapely.to_geojson(shape))


def union_of(geometries: list[dict]) -> dict | None:
    """The union of GeoJSON polygons (communes standing for an item), exteriors CCW."""
    shapes = [shapely.from_geojson(json.dumps(geometry)) for geometry in geometries if geometry]
    if not shapes:
        return None
    merged = shapely.orient_polygons(
        shapely.set_precision(shapely.union_all(shapes), 10 ** -PRECISION))
    return json.loads(shapely.to_geojson(merged))
