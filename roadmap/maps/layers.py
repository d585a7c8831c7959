"""Computed map layers: the communes' simplified boundaries, built once and cached.

Boundaries are simplified as a coverage (``shapely.coverage_simplify``), so neighbouring
communes keep sharing their edges, and written as RFC 7946 GeoJSON (WGS 84, exterior rings
counter-clockwise, 5 decimals: about a metre). The cache is per process and keyed on the
communes' count and last update, so an import on any app server is seen by every other one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import shapely
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.territory.models import Commune

# Simplification tolerance in degrees (about 50 m at Marrakech's latitude).
TOLERANCE = 0.0005
PRECISION = 5


@dataclass(frozen=True)
class Layer:
    """A serialised layer and its validators for HTTP caching."""

    body: bytes
    etag: str
    last_modified: object


_cache: dict[tuple, list[dict]] = {}


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


def communes_layer(properties=None) -> Layer:
    """A FeatureCollection of every commune with ``code``, names and population.

    ``properties(commune) -> dict`` adds figures to each feature; layers built with it are
    not cached (figures change with every vote), only their geometry is.
    """
    version = _version()
    geometries = _cache.get(("geometries",) + version)
    communes = list(db.session.scalars(select(Commune).order_by(Commune.code)))
    if geometries is None:
        _cache.clear()
        geometries = simplified_boundaries(communes)
        _cache[("geometries",) + version] = geometries
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
    return Layer(body=body, etag=hashlib.sha256(body).hexdigest()[:32], last_modified=version[2])
