"""Shape helpers for communes, with shapely only (no geopandas): repair, RFC 7946 output, bounds.

Coordinates are longitude/latitude in EPSG:4326 everywhere in this module.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

#: Coordinates are snapped to this grid (1e-6 degree, about 0.1 m), as in the bundled files.
GRID = 1e-6
DECIMALS = 6
POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Outline:
    """A commune's boundary ready to store: GeoJSON text, bounding box and a marker point."""

    geojson: str
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    marker_lon: float
    marker_lat: float


def polygonal_part(geometry) -> Polygon | MultiPolygon | None:
    """The polygons inside ``geometry`` (e.g. the output of ``make_valid``), or ``None``."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in POLYGONAL:
        return geometry
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type in POLYGONAL]
    polygons = [poly for part in parts for poly in shapely.get_parts(part) if not poly.is_empty]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def repair(geometry) -> tuple[Polygon | MultiPolygon | None, str | None]:
    """Return ``(valid polygonal geometry or None, reason it was invalid or None)``."""
    if geometry.is_valid:
        return geometry, None
    reason = shapely.is_valid_reason(geometry)
    return polygonal_part(shapely.make_valid(geometry)), reason


def outline(geometry) -> Outline:
    """Snap ``geometry`` to the grid, orient it as RFC 7946 asks and compute its box and marker.

    The marker is a representative point, always inside the polygon (a centroid may not be).
    """
    snapped = polygonal_part(shapely.make_valid(shapely.set_precision(geometry, GRID)))
    if snapped is None:
        raise ValueError("the geometry collapses at a 1e-6 degree precision")
    oriented = shapely.orient_polygons(snapped, exterior_cw=False)
    min_lon, min_lat, max_lon, max_lat = (round(value, DECIMALS) for value in oriented.bounds)
    marker = oriented.point_on_surface()
    return Outline(geojson=to_geojson(oriented), min_lon=min_lon, min_lat=min_lat,
                   max_lon=max_lon, max_lat=max_lat,
                   marker_lon=round(marker.x, DECIMALS), marker_lat=round(marker.y, DECIMALS))


def to_geojson(geometry) -> str:
    """Compact GeoJSON text of ``geometry`` with coordinates rounded to 6 decimals."""
    return json.dumps(_rounded(mapping(geometry)), separators=(",", ":"))


def from_geojson(text: str):
    """The shapely geometry of stored GeoJSON text."""
    return shape(json.loads(text))


def _rounded(value):
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value
