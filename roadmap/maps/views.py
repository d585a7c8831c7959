"""Map pages and read-only GeoJSON layers (open data, cacheable with ETag and Last-Modified).

The layers are kept in memory (see :mod:`roadmap.maps.points` and ``geojson.figures_layer``)
and sent gzipped to clients that accept it (compressed once per layer, not per request).
geopandas is never imported on these paths except by the printed maps (PNG), which import
it lazily inside :mod:`roadmap.maps.static_maps`.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext
from flask_login import current_user

from roadmap.consultations.policies import can_view_consultation
from roadmap.consultations.queries import consultation_by_slug, consultation_or_404
from roadmap.core.api import ApiError, enum_arg, single, text_arg
from roadmap.proposals.labels import LISTED_STATUSES
from roadmap.maps import geojson, queries
from roadmap.maps.layers import Layer
from roadmap.maps.page import map_page_context

bp = Blueprint("maps", __name__)

GEOJSON = "application/geo+json"
PNG_MAX_AGE = 300


def geojson_response(layer: Layer, max_age: int = 300, private: bool = False):
    """Answer with ``layer`` (gzipped if the client accepts it), or 304 when the client's
    copy is current. The gzipped copy has its own ETag, as HTTP asks of another encoding.
    ``private`` (a draft's layer, for its organisers): no shared cache may keep it."""
    gzipped = request.accept_encodings["gzip"] > 0
    response = make_response(layer.gzipped if gzipped else layer.body)
    response.mimetype = GEOJSON
    response.vary.add("Accept-Encoding")
    if gzipped:
        response.content_encoding = "gzip"
    response.set_etag(layer.etag + ("-gzip" if gzipped else ""))
    if layer.last_modified is not None:
        response.last_modified = layer.last_modified
    if private:
        response.cache_control.private = True
        response.vary.add("Cookie")
    else:
        response.cache_control.public = True
        response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


def _consultation_arg():
    """The ``?consultation=`` slug's consultation, the most recent public one, or None; a 404
    JSON error for an unknown slug (a draft is unknown but to those who may see it). The
    layers' errors are the API's (:mod:`roadmap.core.api`): JSON, one schema, a stable code."""
    slug = text_arg("consultation", allow_empty=True)
    consultation = queries.layer_consultation(slug)
    if consultation is not None and not can_view_consultation(current_user, consultation):
        consultation = None
    if consultation is None and slug:
        raise ApiError(404, "consultation_not_found", parameter="consultation")
    return consultation


@bp.get("/api/v1/communes.geojson")
def communes_geojson():
    """Every commune's simplified boundary with its code, names, population and figures."""
    consultation = _consultation_arg()
    return geojson_response(geojson.figures_layer(consultation), max_age=60,
                            private=consultation is not None and consultation.is_draft)


@bp.get("/api/v1/proposals.geojson")
def proposals_geojson():
    """Public located proposals, filtered by commune, axis, status and bounding box."""
    consultation = _consultation_arg()
    commune = text_arg("commune", allow_empty=True)
    axis = text_arg("axis", allow_empty=True)
    status = enum_arg("status", LISTED_STATUSES, allow_empty=True) or "published"
    try:
        bbox = queries.parse_bbox(single("bbox"))
    except ValueError:
        raise ApiError(400, "invalid_parameter", gettext(
            "The parameter %(name)s must be west,south,east,north in degrees (WGS 84), west "
            "of east and south of north.", name="bbox"), "bbox") from None
    if consultation is None:
        raise ApiError(404, "consultation_not_found", parameter="consultation")
    layer = geojson.proposals_layer(consultation, commune=commune, axis=axis, status=status,
                                    bbox=bbox)
    return geojson_response(layer, max_age=60, private=consultation.is_draft)


@bp.get("/api/v1/roadmaps/<slug>.geojson")
def roadmap_geojson(slug: str):
    """The published roadmap's intervention areas; 404 JSON before publication."""
    consultation = consultation_by_slug(slug)
    if consultation is None or not can_view_consultation(current_user, consultation):
        raise ApiError(404, "consultation_not_found")
    layer = geojson.roadmap_layer(consultation)
    if layer is None:
        raise ApiError(404, "roadmap_not_published")
    return geojson_response(layer, private=consultation.is_draft)


@bp.get("/c/<slug>/map")
def consultation_map(slug: str):
    """The consultation's map: communes coloured by a measure, proposals, the roadmap."""
    consultation = consultation_or_404(slug)
    context = map_page_context(consultation, request.args)
    return render_template("maps/consultation.html", consultation=consultation, **context)


@bp.get("/c/<slug>/map/communes.png")
def communes_png(slug: str):
    """A printable PNG of the communes coloured by ``?measure=``."""
    from roadmap.maps.measures import measure_or_default
    from roadmap.maps.static_maps import cached_communes_png

    consultation = consultation_or_404(slug)
    measure = measure_or_default(request.args.get("measure"))
    return _png(cached_communes_png(consultation, measure.key), private=consultation.is_draft)


@bp.get("/c/<slug>/map/roadmap.png")
def roadmap_png(slug: str):
    """A printable PNG of the published roadmap's intervention areas (404 before)."""
    from roadmap.maps.static_maps import cached_roadmap_png

    consultation = consultation_or_404(slug)
    body = cached_roadmap_png(consultation)
    if body is None:
        abort(404)
    return _png(body, private=consultation.is_draft)


def _png(body: bytes, private: bool = False):
    response = make_response(body)
    response.mimetype = "image/png"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if private:  # a draft's map, previewed by an organiser: no shared cache keeps it
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = PNG_MAX_AGE
    return response.make_conditional(request)

