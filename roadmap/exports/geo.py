"""Geodata of a consultation: public proposals (points), communes (polygons) and the published
roadmap's items (their own area, or the union of their communes), as GeoJSON and GeoPackage.

geopandas is imported inside :func:`geopackage_bytes` only (it is slow to import).
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Callable

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.territory.models import Commune

LAYERS = ("proposals", "communes", "roadmap")


def _feature(geometry: dict | None, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def proposals_features(consultation) -> list[dict]:
    """Public proposals with a location, as GeoJSON point features (no author data)."""
    rows = db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == consultation.id, Proposal.status == "published",
        Proposal.hidden_at.is_(None), Proposal.latitude.is_not(None),
        Proposal.longitude.is_not(None)).order_by(Proposal.id))
    return [_feature({"type": "Point", "coordinates": [p.longitude, p.latitude]}, {
        "id": p.id, "title": p.title, "commune": p.commune.code,
        "axis": p.axis.code if p.axis else None, "status": p.status, "origin": p.origin,
        "author_stakeholder_type": p.author_stakeholder_type, "workshop_id": p.workshop_id,
        "supports": p.supports_count, "comments": p.comments_count,
        "estimated_cost_mad": p.estimated_cost_mad, "is_demo": p.is_demo,
        "created_at": p.created_at.isoformat()}) for p in rows]


def communes_features(consultation) -> list[dict]:
    """The prefecture's communes as polygon features with their census figures."""
    rows = db.session.scalars(select(Commune).where(
        Commune.prefecture_id == consultation.prefecture_id).order_by(Commune.code))
    return [_feature(json.loads(c.geometry), {
        "code": c.code, "hcp_code": c.hcp_code, "name_ar": c.name_ar, "name_fr": c.name_fr,
        "kind": c.kind, "population_2014": c.population_2014,
        "population_2024": c.population_2024, "area_km2": c.area_km2}) for c in rows]


def roadmap_features(consultation) -> list[dict]:
    """The published roadmap's items as features (empty before publication)."""
    from roadmap.maps.geojson import roadmap_layer

    layer = roadmap_layer(consultation)
    if layer is None:
        return []
    features = json.loads(layer.body)["features"]
    for feature in features:
        props = feature["properties"]
        props["communes"] = ",".join(props.get("communes") or [])
        for lang, text in (props.pop("title_i18n", None) or {}).items():
            props[f"title_{lang}"] = text
        feature.pop("id", None)
    return features


FEATURES: dict[str, Callable] = {"proposals": proposals_features, "communes": communes_features,
                                 "roadmap": roadmap_features}


def geojson_bytes(consultation, layer: str) -> bytes:
    """One layer as a GeoJSON FeatureCollection (EPSG:4326), UTF-8."""
    collection = {"type": "FeatureCollection", "name": layer,
                  "features": FEATURES[layer](consultation)}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def geopackage_bytes(consultation, progress: Callable[[float], None] | None = None) -> bytes:
    """The three layers in one GeoPackage (layers without features are left out)."""
    import geopandas

    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    os.unlink(path)
    try:
        for number, layer in enumerate(LAYERS, start=1):
            features = FEATURES[layer](consultation)
            if features:
                frame = geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326")
                frame.to_file(path, layer=layer, driver="GPKG")
            if progress:
                progress(number / len(LAYERS))
        with open(path, "rb") as handle_:
            return handle_.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
