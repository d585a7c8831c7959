"""Geodata of a consultation: public proposals (points), communes (polygons) and the published
roadmap's items (their own area, or the union of their communes), as GeoJSON and GeoPackage.

The GeoPackage is written with sqlite3 (:mod:`roadmap.exports.gpkg`), not GDAL and geopandas.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Callable, Iterator

from sqlalchemy import select

from roadmap.consultations.models import StrategicAxis
from roadmap.exports.queries import ATTACHMENT_COLUMNS, MediaUrls, attachment_keys
from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.territory.models import Commune

LAYERS = ("proposals", "communes", "roadmap")


def _feature(geometry: dict | None, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


# The properties of a proposal's feature, in order (``photos`` and ``documents``: the absolute
# URLs of its visible attachments, space-separated, as in the CSV and XLSX tables).
PROPOSAL_FIELDS = ("id", "title", "commune", "axis", "status", "origin",
                   "author_stakeholder_type", "workshop_id", "supports", "comments",
                   "estimated_cost_mad", "is_demo", "created_at", *ATTACHMENT_COLUMNS)


def _proposal_rows(consultation) -> Iterator[tuple]:
    """``(longitude, latitude, *PROPOSAL_FIELDS)`` of the public proposals with a location,
    read from the database as they are used (one Core select, no ORM object per proposal)."""
    proposal, commune, axis = Proposal.__table__, Commune.__table__, StrategicAxis.__table__
    query = (select(proposal.c.longitude, proposal.c.latitude, proposal.c.id, proposal.c.title,
                    commune.c.code, axis.c.code, proposal.c.status, proposal.c.origin,
                    proposal.c.author_stakeholder_type, proposal.c.workshop_id,
                    proposal.c.supports_count, proposal.c.comments_count,
                    proposal.c.estimated_cost_mad, proposal.c.is_demo, proposal.c.created_at,
                    *(attachment_keys(proposal.c.id, kind)
                      for kind, _variant in ATTACHMENT_COLUMNS.values()))
             .select_from(proposal).join(commune, commune.c.id == proposal.c.commune_id)
             .outerjoin(axis, axis.c.id == proposal.c.axis_id)
             .where(proposal.c.consultation_id == consultation.id,
                    proposal.c.status == "published", proposal.c.hidden_at.is_(None),
                    proposal.c.latitude.is_not(None), proposal.c.longitude.is_not(None))
             .order_by(proposal.c.id))
    urls = [MediaUrls(variant) for _kind, variant in ATTACHMENT_COLUMNS.values()]
    result = db.session.execute(query, execution_options={"yield_per": 5_000})
    try:
        for row in result:
            *values, created_at = row[:-len(urls)]
            keys = row[-len(urls):]
            yield (*values, created_at.isoformat(),
                   *(make(key) for make, key in zip(urls, keys)))
    finally:
        result.close()


def proposals_features(consultation) -> Iterator[dict]:
    """Public proposals with a location, as GeoJSON point features (no author data)."""
    for longitude, latitude, *values in _proposal_rows(consultation):
        yield _feature({"type": "Point", "coordinates": [longitude, latitude]},
                       dict(zip(PROPOSAL_FIELDS, values)))


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
    """One layer as a GeoJSON FeatureCollection (EPSG:4326), UTF-8: the bytes of
    ``json.dumps({"type", "name", "features"}, ensure_ascii=False)``, one feature at a time."""
    features = ", ".join(json.dumps(feature, ensure_ascii=False)
                         for feature in FEATURES[layer](consultation))
    head = json.dumps({"type": "FeatureCollection", "name": layer}, ensure_ascii=False)
    return f'{head[:-1]}, "features": [{features}]}}'.encode("utf-8")


def geopackage_bytes(consultation, progress: Callable[[float], None] | None = None) -> bytes:
    """The three layers in one GeoPackage (layers without features are left out), written by
    :mod:`roadmap.exports.gpkg`."""
    from roadmap.exports.gpkg import write_geopackage

    def layers():
        for number, layer in enumerate(LAYERS, start=1):
            yield layer, list(FEATURES[layer](consultation))
            if progress:
                progress(number / len(LAYERS))

    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    os.unlink(path)
    try:
        write_geopackage(path, layers())
        with open(path, "rb") as handle_:
            return handle_.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
