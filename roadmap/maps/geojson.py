"""The three open-data GeoJSON layers: communes with figures, located proposals, the roadmap.

All are RFC 7946 FeatureCollections (WGS 84, exterior rings counter-clockwise), built from
plain SQL rows and shapely only: geopandas is never imported here (it stays off the request
path; the printed maps import it on their own).
"""
from __future__ import annotations

from flask import url_for

from roadmap.core.i18n import localized
from roadmap.maps import queries
from roadmap.maps.layers import (Layer, boundaries_by_code, communes_layer, feature_collection,
                                 oriented, union_of)
from roadmap.maps.measures import commune_values
from roadmap.territory.models import Commune

_areas_cache: dict[tuple, list] = {}


def figures_layer(consultation) -> Layer:
    """Every commune with its figures in ``consultation`` (or none without a consultation)."""
    if consultation is None:
        return communes_layer()
    values = commune_values(consultation.id, queries.communes_by_code().values())

    def properties(commune: Commune) -> dict:
        return {"consultation": consultation.slug, **values[commune.id]}

    return communes_layer(properties, last_modified=queries.last_change(consultation.id))


def proposals_layer(consultation, *, commune=None, axis=None, status="published", bbox=None,
                    limit: int = queries.PROPOSALS_LIMIT) -> Layer:
    """Public located proposals of ``consultation`` as points; says when capped at ``limit``."""
    rows = queries.located_proposals(consultation.id, commune=commune, axis=axis,
                                     status=status or "published", bbox=bbox, limit=limit)
    truncated = len(rows) > limit
    # One url_for, then the id in place of the placeholder (url_for per feature costs 10 %).
    url = url_for("proposals.show", slug=consultation.slug, proposal_id=0)[:-1]
    features = [_proposal_feature(url, row) for row in rows[:limit]]
    return feature_collection(features, queries.last_change(consultation.id),
                              truncated=truncated, limit=limit)


def _proposal_feature(url: str, row) -> dict:
    (proposal_id, title, commune, axis, status, supports, comments, lon, lat) = row
    return {"type": "Feature", "id": proposal_id,
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {"id": proposal_id, "title": title, "commune": commune, "axis": axis,
                           "status": status, "supports": supports, "comments": comments,
                           "url": url + str(proposal_id)}}


def roadmap_layer(consultation) -> Layer | None:
    """The published roadmap's items with their areas, or ``None`` before publication.

    An item without a geometry of its own stands for the union of its communes' polygons.
    Areas are computed once per published version (and communes' version), then kept in
    memory; status and progress are the live ones (as on the roadmap's public page).
    """
    published = queries.published_snapshot(consultation.id)
    if published is None:
        return None
    items, published_at = published
    areas = _areas(consultation.id, items, published_at)
    live = queries.live_items([item["id"] for item in items if item.get("id") is not None])
    features = [_item_feature(item, area, live.get(item.get("id")))
                for item, area in zip(items, areas) if area is not None]
    changed = max([published_at] + [row[2] for row in live.values() if row[2] is not None])
    return feature_collection(features, changed)


def _areas(consultation_id: int, items: list[dict], published_at) -> list[dict | None]:
    key = (consultation_id, str(published_at), queries.communes_version())
    areas = _areas_cache.get(key)
    if areas is None:
        boundaries = boundaries_by_code()
        areas = [oriented(item.get("geometry"))
                 or union_of([boundaries[code] for code in commune_codes(item)
                              if code in boundaries]) for item in items]
        if len(_areas_cache) > 32:
            _areas_cache.clear()
        _areas_cache[key] = areas
    return areas


def commune_codes(item: dict) -> list[str]:
    """The codes of a snapshot item's communes (stored as dicts with ``code``, or codes)."""
    return [entry.get("code") if isinstance(entry, dict) else entry
            for entry in item.get("communes") or []]


def _item_feature(item: dict, area: dict, live: tuple | None) -> dict:
    title = item.get("title_i18n") or item.get("title")
    status, progress = (live[0], live[1]) if live else (item.get("status"), item.get("progress"))
    props = {"id": item.get("id"), "rank": item.get("rank"), "axis": item.get("axis"),
             "status": status, "progress": progress,
             "title": localized(title) if isinstance(title, dict) else title,
             "title_i18n": title if isinstance(title, dict) else None,
             "communes": commune_codes(item), "own_geometry": bool(item.get("geometry"))}
    return {"type": "Feature", "id": item.get("id") or item.get("rank"), "properties": props,
            "geometry": area}
