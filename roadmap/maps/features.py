"""OGC API - Features (Part 1: Core) over the three open-data layers, for GIS clients.

QGIS, ArcGIS and GDAL add a layer by URL from the landing page ``/api/features``. Each public
consultation (published or archived, never a draft) gives up to three collections:
``<slug>-communes`` (every commune with its figures), ``<slug>-proposals`` (the located public
proposals, with ``created_at`` for the ``datetime`` filter) and ``<slug>-roadmap`` (the published
roadmap's items with their intervention areas, only once a roadmap is published).

The features are the layers' own (:mod:`roadmap.maps.geojson`, :mod:`roadmap.maps.points`):
nothing is queried twice. Answers are JSON (GeoJSON for items) or HTML in the site's layout,
chosen by ``?f=json|html`` or else the ``Accept`` header (JSON unless the client prefers HTML).
Conformance: core, geojson, html (no OpenAPI definition is served, so no oas30).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time as day_time, timezone

import numpy
import shapely
from flask import Blueprint, current_app, jsonify, make_response, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, NotFound

from roadmap.consultations.models import Consultation
from roadmap.consultations.queries import is_public
from roadmap.core.i18n import localized
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.maps import geojson, points, queries

bp = Blueprint("features", __name__, url_prefix="/api/features")

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10000
THEMES = ("communes", "proposals", "roadmap")
THEME_TITLES = {"communes": _l("Communes and their figures"),
                "proposals": _l("Located proposals"),
                "roadmap": _l("Roadmap: intervention areas")}
THEME_DESCRIPTIONS = {
    "communes": _l("Every commune's boundary with its code, names, population and the "
                   "consultation's figures (proposals, supports, participants)."),
    "proposals": _l("The public proposals placed on the map, with their commune, axis, "
                    "status, supports and comments, and when they were made."),
    "roadmap": _l("The published roadmap's items with their intervention areas (their own "
                  "geometry or their communes' outline), rank, axis, status and progress.")}
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class FeaturesError(Exception):
    """A request the API refuses: ``status`` 400 or 404 and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Collection:
    """One collection: a public consultation's layer of ``theme``."""

    consultation: queries.LayerConsultation
    title_i18n: dict
    theme: str

    @property
    def id(self) -> str:
        return f"{self.consultation.slug}-{self.theme}"

    @property
    def title(self) -> str:
        return "%s: %s" % (localized(self.title_i18n), THEME_TITLES[self.theme])

    @property
    def description(self) -> str:
        return str(THEME_DESCRIPTIONS[self.theme])


# -- collections and their features -------------------------------------------------------------

def public_collections(slug: str | None = None) -> list[Collection]:
    """Every public consultation's collections (or only those of ``slug``), newest
    consultation first: two queries, whatever the number of consultations."""
    query = (select(Consultation.id, Consultation.slug, Consultation.status,
                    Consultation.title_i18n)
             .where(is_public()).order_by(Consultation.created_at.desc(), Consultation.id.desc()))
    if slug is not None:
        query = query.where(Consultation.slug == slug)
    rows = db.session.execute(query).all()
    published = queries.published_roadmap_ids(row[0] for row in rows)
    return [Collection(queries.LayerConsultation(consultation_id, slug, status), title or {},
                       theme)
            for consultation_id, slug, status, title in rows for theme in THEMES
            if theme != "roadmap" or consultation_id in published]


def collection_or_error(collection_id: str) -> Collection:
    """The collection ``collection_id`` (``<slug>-<theme>``), or a 404 :class:`FeaturesError`."""
    slug, _, theme = collection_id.rpartition("-")
    if theme in THEMES and slug:
        for collection in public_collections(slug):
            if collection.id == collection_id:
                return collection
    raise FeaturesError(404, "unknown collection: %s" % collection_id)


@dataclass
class Page:
    """The features of one items request, as JSON texts, and how many matched in all."""

    features: list[bytes]
    matched: int


class _Parsed:
    """A layer's features parsed once (kept while the layer is), with shapes for bbox tests."""

    def __init__(self, body: bytes):
        self.features = json.loads(body)["features"]
        kinds = {(feature.get("geometry") or {}).get("type") for feature in self.features}
        if kinds == {"Polygon", "MultiPolygon"}:
            # One geometry type per layer, as GIS clients expect (GDAL says "Unknown" else).
            for feature in self.features:
                geometry = feature["geometry"]
                if geometry["type"] == "Polygon":
                    feature["geometry"] = {"type": "MultiPolygon",
                                           "coordinates": [geometry["coordinates"]]}
        self.shapes = [shapely.from_geojson(json.dumps(feature["geometry"]))
                       if feature.get("geometry") else None for feature in self.features]
        self.json = [_json(feature).encode() for feature in self.features]


_parsed: dict[str, _Parsed] = {}


def _layer_features(collection: Collection) -> _Parsed:
    """The communes' or the roadmap's features (the same layers as ``/api/v1/*.geojson``)."""
    if collection.theme == "communes":
        layer = geojson.figures_layer(collection.consultation)
    else:
        layer = geojson.roadmap_layer(collection.consultation)
        if layer is None:
            raise FeaturesError(404, "no published roadmap")
    kept = _parsed.get(layer.etag)
    if kept is None:
        if len(_parsed) > 32:
            _parsed.clear()
        kept = _parsed[layer.etag] = _Parsed(layer.body)
    return kept


def items_page(collection: Collection, bbox, interval, offset: int, limit: int) -> Page:
    """The features of ``collection`` in ``bbox`` (and ``interval`` for proposals), paged."""
    if collection.theme == "proposals":
        snap = points.consultation_snapshot(collection.consultation)
        positions = snap.select(None, None, bbox)
        if interval is not None:
            start, end = interval
            created = snap.created[positions]
            keep = numpy.ones(len(positions), dtype=bool)
            if start is not None:
                keep &= created >= start.timestamp()
            if end is not None:
                keep &= created <= end.timestamp()
            positions = positions[keep]
        chosen = positions[offset:offset + limit].tolist()
        return Page(_with_created(snap, chosen), len(positions))
    parsed = _layer_features(collection)
    indexes = range(len(parsed.features))
    if bbox is not None:
        box = shapely.box(bbox.west, bbox.south, bbox.east, bbox.north)
        indexes = [n for n in indexes
                   if parsed.shapes[n] is not None and parsed.shapes[n].intersects(box)]
    indexes = list(indexes)
    return Page([parsed.json[n] for n in indexes[offset:offset + limit]], len(indexes))


def _with_created(snap, chosen: list[int]) -> list[bytes]:
    """The proposals' full features with ``created_at`` added last to their properties."""
    written = snap.features(chosen, compact=False)
    return [feature[:-2] + b',"created_at":"%s"}}' % _instant(snap.created[position]).encode()
            for feature, position in zip(written, chosen)]


def _instant(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_feature(collection: Collection, feature_id: str) -> bytes:
    """The feature ``feature_id`` of ``collection``, or a 404 :class:`FeaturesError`."""
    if collection.theme == "proposals":
        snap = points.consultation_snapshot(collection.consultation)
        position = snap.position(int(feature_id)) if feature_id.isdigit() else None
        if position is not None:
            return _with_created(snap, [position])[0]
    else:
        parsed = _layer_features(collection)
        for feature, text in zip(parsed.features, parsed.json):
            if str(feature.get("id")) == feature_id:
                return text
    raise FeaturesError(404, "unknown feature: %s" % feature_id)


def extent(collection: Collection) -> dict:
    """The collection's spatial extent (CRS84) and, for proposals, its temporal extent."""
    spatial = None
    temporal = None
    if collection.theme == "proposals":
        snap = points.consultation_snapshot(collection.consultation)
        if snap.size:
            spatial = [float(snap.lon.min()), float(snap.lat.min()), float(snap.lon.max()),
                       float(snap.lat.max())]
            temporal = [_instant(snap.created.min()), _instant(snap.created.max())]
        else:
            temporal = [None, None]
    elif collection.theme == "communes":
        spatial = queries.communes_bbox()  # the layer holds every commune: no need to parse it
    else:
        shapes = [shape for shape in _layer_features(collection).shapes if shape is not None]
        if shapes:
            spatial = [float(value) for value in shapely.total_bounds(shapes)]
    found = {"spatial": {"bbox": [spatial or [-180.0, -90.0, 180.0, 90.0]], "crs": CRS84}}
    if temporal is not None:
        found["temporal"] = {"interval": [temporal], "trs": GREGORIAN}
    return found


# -- parameters ---------------------------------------------------------------------------------

def parse_limit(text: str | None) -> int:
    """``limit``: 1 or more (default 100); above 10,000 it is 10,000, as the spec allows."""
    if text is None or text == "":
        return DEFAULT_LIMIT
    try:
        value = int(text)
    except ValueError:
        raise FeaturesError(400, "limit must be an integer") from None
    if value < 1:
        raise FeaturesError(400, "limit must be 1 or more")
    return min(value, MAX_LIMIT)


def parse_offset(text: str | None) -> int:
    if text is None or text == "":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise FeaturesError(400, "offset must be an integer") from None
    if value < 0:
        raise FeaturesError(400, "offset must be 0 or more")
    return value


def parse_bbox(text: str | None):
    """``minx,miny,maxx,maxy`` (or with heights: 6 numbers) in CRS84, or ``None``."""
    if text is None or text == "":
        return None
    parts = text.split(",")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    try:
        return queries.parse_bbox(",".join(parts))
    except ValueError as invalid:
        raise FeaturesError(400, "invalid bbox: %s" % invalid) from None


def parse_datetime(text: str | None):
    """``datetime``: an instant, or an interval ``a/b``, ``../b``, ``a/..`` (RFC 3339 or dates);
    ``(start, end)`` as aware datetimes (either may be ``None``), or ``None`` if absent."""
    if text is None or text == "":
        return None
    try:
        if "/" in text:
            first, _, second = text.partition("/")
            start = _moment(first, end=False)
            end = _moment(second, end=True)
            if start is None and end is None:
                raise ValueError("both ends open")
            if start is not None and end is not None and start > end:
                raise ValueError("start after end")
            return start, end
        return _moment(text, end=False), _moment(text, end=True)
    except ValueError as invalid:
        raise FeaturesError(400, "invalid datetime: %s" % invalid) from None


def _moment(text: str, end: bool):
    if text in ("", ".."):
        return None
    if len(text) == 10:  # a date: the whole day
        day = datetime.fromisoformat(text).date()
        return datetime.combine(day, day_time.max if end else day_time.min, timezone.utc)
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError("a time needs its offset (Z or +hh:mm)")
    return moment


def wants_html() -> bool:
    """HTML if asked with ``?f=html``, or by an ``Accept`` header that prefers it."""
    chosen = request.args.get("f")
    if chosen:
        if chosen in ("json", "geojson"):
            return False
        if chosen == "html":
            return True
        raise FeaturesError(400, "unknown format f=%s (json or html)" % chosen)
    if not request.accept_mimetypes:
        return False
    best = request.accept_mimetypes.best_match([GEOJSON, "application/json", "text/html"])
    return best == "text/html"


# -- answers ------------------------------------------------------------------------------------

def _link(href: str, rel: str, media_type: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _self_links(endpoint: str, html: bool, json_type: str = "application/json",
                **values) -> list[dict]:
    """``self`` and ``alternate`` links of an answer (in the format answered, and the other)."""
    as_json = _link(_url(endpoint, f="json", **values), "self", json_type, "This document as JSON")
    as_html = _link(_url(endpoint, f="html", **values), "self", "text/html",
                    "This document as HTML")
    if html:
        as_json["rel"] = "alternate"
        return [as_html, as_json]
    as_html["rel"] = "alternate"
    return [as_json, as_html]


def _answer(document: dict, html: bool, template: str, media_type: str = "application/json",
            **context):
    if html:
        response = make_response(render_template(template, document=document, **context))
    else:
        response = make_response(_json(document))
        response.mimetype = media_type
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


@bp.errorhandler(FeaturesError)
def features_error(error: FeaturesError):
    """A 400 or 404 as JSON (OGC exception: ``code``, ``description``), or the site's page."""
    try:
        html = wants_html()
    except FeaturesError:
        html = False
    if html:
        exception = NotFound if error.status == 404 else BadRequest
        return current_app.handle_http_exception(exception(error.message))
    response = jsonify(code="NotFound" if error.status == 404 else "InvalidParameterValue",
                       description=error.message)
    response.status_code = error.status
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("")
def landing():
    """The landing page: links to the conformance declaration and the collections."""
    html = wants_html()
    links = _self_links("features.landing", html) + [
        _link(_url("features.conformance", f="json"), "conformance", "application/json",
              "Conformance classes"),
        _link(_url("features.collections", f="json"), "data", "application/json",
              "The collections"),
        _link(_url("features.collections", f="html"), "data", "text/html", "The collections"),
    ]
    document = {"title": str(_l("Participatory roadmap: open map data")),
                "description": str(_l("The communes with their figures, the located proposals "
                                      "and the published roadmaps of the public consultations, "
                                      "as OGC API - Features collections.")),
                "links": links}
    return _answer(document, html, "maps/features/landing.html")


@bp.get("/")
def landing_slash():
    """The landing page with a trailing slash (OWSLib asks for it so)."""
    return landing()


@bp.get("/conformance")
def conformance():
    """The conformance classes this API implements (core, geojson, html)."""
    html = wants_html()
    document = {"conformsTo": CONFORMANCE, "links": _self_links("features.conformance", html)}
    return _answer(document, html, "maps/features/conformance.html")


def _collection_document(collection: Collection) -> dict:
    links = [
        _link(_url("features.collection", collection_id=collection.id, f="json"), "self",
              "application/json", "This collection as JSON"),
        _link(_url("features.collection", collection_id=collection.id, f="html"), "alternate",
              "text/html", "This collection as HTML"),
        _link(_url("features.items", collection_id=collection.id, f="json"), "items", GEOJSON,
              "The features as GeoJSON"),
        _link(_url("features.items", collection_id=collection.id, f="html"), "items",
              "text/html", "The features as HTML"),
    ]
    return {"id": collection.id, "title": collection.title,
            "description": collection.description, "links": links,
            "extent": extent(collection), "itemType": "feature", "crs": [CRS84],
            "storageCrs": CRS84}


@bp.get("/collections")
def collections():
    """Every collection: a public consultation's communes, proposals and roadmap."""
    html = wants_html()
    found = [_collection_document(collection) for collection in public_collections()]
    document = {"links": _self_links("features.collections", html), "collections": found,
                "crs": [CRS84]}
    return _answer(document, html, "maps/features/collections.html")


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One collection's description: its extent, CRS and links to its items."""
    html = wants_html()
    chosen = collection_or_error(collection_id)
    document = _collection_document(chosen)
    return _answer(document, html, "maps/features/collection.html")


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """The collection's features, filtered by ``bbox`` (and ``datetime`` on proposals), paged
    with ``limit`` and ``offset`` (``next`` and ``prev`` links)."""
    html = wants_html()
    chosen = collection_or_error(collection_id)
    limit = parse_limit(request.args.get("limit"))
    offset = parse_offset(request.args.get("offset"))
    bbox = parse_bbox(request.args.get("bbox"))
    for name in ("bbox-crs", "crs"):
        if request.args.get(name) not in (None, "", CRS84):
            raise FeaturesError(400, "%s must be %s" % (name, CRS84))
    interval = parse_datetime(request.args.get("datetime"))
    page = items_page(chosen, bbox, interval if chosen.theme == "proposals" else None,
                      offset, limit)
    kept = {key: value for key, value in request.args.items()
            if key not in ("f", "offset", "limit")}
    values = {"collection_id": collection_id, "limit": limit, **kept}
    links = _self_links("features.items", html, GEOJSON, offset=offset, **values)
    fmt = "html" if html else "json"
    media = "text/html" if html else GEOJSON
    if offset + limit < page.matched:
        links.append(_link(_url("features.items", f=fmt, offset=offset + limit, **values),
                           "next", media, "Next page"))
    if offset > 0:
        links.append(_link(_url("features.items", f=fmt, offset=max(offset - limit, 0),
                                **values), "prev", media, "Previous page"))
    links.append(_link(_url("features.collection", collection_id=collection_id, f="json"),
                       "collection", "application/json", "The collection"))
    members = {"numberMatched": page.matched, "numberReturned": len(page.features),
               "timeStamp": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "links": links}
    if html:
        features = [json.loads(text) for text in page.features]
        return _answer({"features": features, **members}, True, "maps/features/items.html",
                       collection=chosen, offset=offset, columns=_columns(features))
    head = _json({"type": "FeatureCollection", **members})[:-1]
    body = b"".join((head.encode(), b',"features":[', b",".join(page.features), b"]}"))
    return _raw(body)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature of the collection."""
    html = wants_html()
    chosen = collection_or_error(collection_id)
    text = one_feature(chosen, feature_id)
    links = _self_links("features.item", html, GEOJSON, collection_id=collection_id,
                        feature_id=feature_id) + [
        _link(_url("features.collection", collection_id=collection_id, f="json"), "collection",
              "application/json", "The collection")]
    if html:
        feature = json.loads(text)
        return _answer({"links": links, **feature}, True, "maps/features/item.html",
                       collection=chosen, feature=feature)
    return _raw(text[:-1] + b',"links":' + _json(links).encode() + b"}")


def _raw(body: bytes):
    response = make_response(body)
    response.mimetype = GEOJSON
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


def _columns(features: list[dict]) -> list[str]:
    """The properties shown as the items table's columns, in their first order of appearance."""
    seen: dict[str, None] = {}
    for feature in features:
        for key in feature.get("properties") or {}:
            seen.setdefault(key, None)
    return list(seen)
