"""The three open-data GeoJSON layers: communes with figures, located proposals, the roadmap.

All are RFC 7946 FeatureCollections (WGS 84, exterior rings counter-clockwise), built from
plain SQL rows and shapely only: geopandas is never imported here (it stays off the request
path; the printed maps import it on their own).
"""
from __future__ import annotations

from roadmap.core.i18n import localized
from roadmap.maps import points, queries
from roadmap.maps.layers import (Layer, boundaries_by_code, communes_layer, feature_collection,
                                 oriented, union_of)
from roadmap.maps.measures import commune_values
from roadmap.roadmaps.queries import entry_markers
from roadmap.territory.models import Commune

_areas_cache: dict[tuple, list] = {}
# The communes layer with a consultation's figures: {(communes' version, consultation id,
# slug): (the figures it shows, layer)}, current while ``commune_figures`` returns those.
_figures_layers: dict[tuple, tuple] = {}


def figures_layer(consultation) -> Layer:
    """Every commune with its figures in ``consultation`` (or none without a consultation).

    Built again only when the figures change (``commune_figures`` returns a new dict) or the
    communes do; the census figures it shows are read at the same time (so an imported
    indicator shows within ``queries.FIGURES_TTL`` seconds).
    """
    if consultation is None:
        return communes_layer()
    figures = queries.commune_figures(consultation.id)
    key = (queries.communes_version(), consultation.id, consultation.slug)
    kept = _figures_layers.get(key)
    if kept is not None and kept[0] is figures:
        return kept[1]
    values = commune_values(consultation.id, queries.communes_by_code().values(), figures)

    def properties(commune: Commune) -> dict:
        return {"consultation": consultation.slug, **values[commune.id]}

    layer = communes_layer(properties, last_modified=queries.last_change(consultation.id))
    if len(_figures_layers) > 32:
        _figures_layers.clear()
    _figures_layers[key] = (figures, layer)
    return layer


def proposals_layer(consultation, *, commune=None, axis=None, status="published", bbox=None,
                    limit: int = queries.PROPOSALS_LIMIT) -> Layer:
    """Public located proposals of ``consultation`` as points; says when capped at ``limit``.

    Without ``bbox`` and ``commune`` (the whole consultation) the features carry a compact
    set of properties; see :mod:`roadmap.maps.points`.
    """
    return points.points_layer(consultation, commune=commune, axis=axis,
                               status=status or "published", bbox=bbox, limit=limit)


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


def _markers(item: dict) -> dict:
    """The gender and SDG markers as flat properties (GIS tools show flat attributes best):
    ``gender_marker``, ``beneficiaries_women``... and the SDG goals and targets as lists."""
    markers = entry_markers(item)
    return {"gender_marker": markers["gender_marker"],
            **{f"beneficiaries_{group}": value
               for group, value in markers["beneficiaries"].items()},
            "sdg_goals": markers["sdg_goals"], "sdg_targets": markers["sdg_targets"]}


def _item_feature(item: dict, area: dict, live: tuple | None) -> dict:
    title = item.get("title_i18n") or item.get("title")
    status, progress = (live[0], live[1]) if live else (item.get("status"), item.get("progress"))
    props = {"id": item.get("id"), "rank": item.get("rank"), "axis": item.get("axis"),
             "status": status, "progress": progress,
             "title": localized(title) if isinstance(title, dict) else title,
             "title_i18n": title if isinstance(title, dict) else None,
             "communes": commune_codes(item), "own_geometry": bool(item.get("geometry")),
             **_markers(item)}
    return {"type": "Feature", "id": item.get("id") or item.get("rank"), "properties": props,
            "geometry": area}
