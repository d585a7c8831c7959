"""The read-only open-data JSON API at ``/api/v1`` (blueprint ``api``), with its OpenAPI 3.1
description at ``/api/v1/openapi.json``.

Everything here is public: consultations (published or archived; a draft is absent, and its
slug answers 404 as an unknown one), axes, communes and their census indicators, public
proposals (published, not hidden; no author data) and the published roadmap (the latest
version's snapshot). Responses allow any origin (CORS ``*``).

The contract (:mod:`roadmap.core.api`): every answer is JSON, errors in one schema with a
stable code; query parameters are read strictly (an empty, repeated, malformed or
out-of-range value is a 400 naming the parameter) and unknown ones are ignored. Lists are in a
stable order, paged by ``page`` and ``per_page`` (at most 100), or, for proposals, by the
cursor ``after`` (the last id seen: keyset, as fast at the 20,000th proposal as at the first),
and carry ``meta`` and ``links``. Lists and items carry a strong ``ETag`` (of the body) and
answer ``If-None-Match`` with 304. The OpenAPI document below uses the bounds and enums the
views check, and the proposals' filters kept in their links are read from it.
"""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from roadmap.config import LANGUAGES
from roadmap.consultations.models import Consultation, StrategicAxis
from roadmap.consultations.queries import is_public, public_consultation_ids
from roadmap.core.api import (CODES, GEOJSON, INT_MAX, JSON, ApiError, datetime_arg, enum_arg,
                              int_arg, text_arg)
from roadmap.exports.queries import attachment_urls
from roadmap.extensions import db
from roadmap.proposals.labels import LISTED_STATUSES as STATUSES
from roadmap.proposals.models import Proposal
from roadmap.roadmaps.models import Roadmap
from roadmap.roadmaps.queries import entry_markers
from roadmap.territory.models import Commune

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 1_000_000  # offsets stay far below any integer limit; harvest with after= beyond


@bp.after_request
def _cors_and_etag(response):
    """Open data: any origin may read it; a 200 GET carries the ETag of its body and answers
    a matching ``If-None-Match`` with 304."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if response.status_code == 200 and request.method in ("GET", "HEAD"):
        response.headers.setdefault("Cache-Control", "public, max-age=60")
        if not response.direct_passthrough:
            response.add_etag()
            response = response.make_conditional(request)
    return response


# --- helpers ---------------------------------------------------------------------------------

def _page_args(keyset: bool) -> tuple[int | None, int, int | None]:
    """``(page, per_page, after)`` of the request; ``after`` only where ``keyset``."""
    page = int_arg("page", None, 1, MAX_PAGE)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    after = int_arg("after", None, 0, INT_MAX) if keyset else None
    if page is not None and after is not None:
        raise ApiError(400, "conflicting_parameters", parameter="after")
    return page, per_page, after


def _paginated(query, serialise, prepare=None, filters=(), keyset=None) -> dict:
    """``{"data", "meta", "links"}`` for one page of ``query`` (``prepare(records)``, if given,
    reads what the page's records need in one go before they are serialised). ``filters``:
    the query parameters kept in the links; ``keyset``: the id column of the order (ascending)
    when the list may be read by the cursor ``after``."""
    page, per_page, after = _page_args(keyset is not None)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    args = {name: request.args[name] for name in ("lang", *filters) if request.args.get(name)}

    def link(**where):
        return url_for(request.endpoint, **(request.view_args or {}), **args, **where,
                       per_page=per_page, _external=True)

    if after is not None:
        records = db.session.scalars(query.where(keyset > after).limit(per_page + 1)).all()
        more = len(records) > per_page
        records = records[:per_page]
        links = {"self": link(after=after), "first": link(after=0), "last": None,
                 "next": link(after=records[-1].id) if more else None,
                 "prev": None}
    else:
        page = page or 1
        records = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
        last = max(1, -(-total // per_page))
        links = {"self": link(page=page), "first": link(page=1), "last": link(page=last),
                 "next": link(page=page + 1) if page < last else None,
                 "prev": link(page=page - 1) if page > 1 else None}
    if prepare is not None:
        prepare(records)
    meta = {"total": total, "page": page, "per_page": per_page}
    if keyset is not None:
        meta["after"] = after
    return {"data": [serialise(r) for r in records], "meta": meta, "links": links}


def _consultation_or_404(slug: str) -> Consultation:
    found = db.session.scalar(select(Consultation).where(Consultation.slug == slug, is_public()))
    if found is None:
        raise ApiError(404, "consultation_not_found")
    return found


def consultation_json(c: Consultation) -> dict:
    """A consultation as the API shows it."""
    return {"slug": c.slug, "title": dict(c.title_i18n),
            "description": dict(c.description_i18n or {}),
            "prefecture": c.prefecture.code, "is_demo": c.is_demo,
            "phases": [{"kind": p.kind, "starts_on": p.starts_on.isoformat(),
                        "ends_on": p.ends_on.isoformat()} for p in c.phases],
            "url": url_for("proposals.consultation", slug=c.slug, _external=True)}


def axis_json(a: StrategicAxis) -> dict:
    """A strategic axis as the API shows it."""
    return {"code": a.code, "position": a.position, "title": dict(a.title_i18n),
            "description": dict(a.description_i18n or {})}


def commune_json(c: Commune) -> dict:
    """A commune with its census figures and indicators."""
    return {"code": c.code, "hcp_code": c.hcp_code, "name_ar": c.name_ar, "name_fr": c.name_fr,
            "kind": c.kind, "population_2014": c.population_2014,
            "population_2024": c.population_2024, "area_km2": c.area_km2,
            "indicators": [{"key": i.key, "year": i.year, "value": i.value, "unit": i.unit,
                            "source": i.source} for i in c.indicators]}


def proposal_json(p: Proposal, attachments: dict | None = None) -> dict:
    """A public proposal (no author data except the stakeholder type), with the absolute URLs
    of its visible attachments (``attachments``: its entry of
    :func:`roadmap.exports.queries.attachment_urls`, read here when not given)."""
    if attachments is None:
        attachments = attachment_urls([p.id])[p.id]
    return {"id": p.id, "consultation": p.consultation.slug, "title": p.title, "body": p.body,
            "transcript": p.transcript,
            "commune": p.commune.code, "axis": p.axis.code if p.axis else None,
            "status": p.status, "origin": p.origin,
            "author_stakeholder_type": p.author_stakeholder_type,
            "organisation": p.organisation, "workshop_id": p.workshop_id,
            "show_of_hands": p.show_of_hands, "latitude": p.latitude, "longitude": p.longitude,
            "estimated_cost_mad": p.estimated_cost_mad, "beneficiaries": p.beneficiaries,
            "sdg_goals": list(p.sdg_goals or []), "supports": p.supports_count,
            "comments": p.comments_count, "is_demo": p.is_demo,
            "photos": attachments["photos"], "documents": attachments["documents"],
            "created_at": p.created_at.isoformat(), "updated_at": p.updated_at.isoformat(),
            "url": url_for("proposals.show", slug=p.consultation.slug, proposal_id=p.id,
                           _external=True)}


def _public_proposals():
    return select(Proposal).options(selectinload(Proposal.voice_notes)).where(
        Proposal.status.in_(STATUSES), Proposal.hidden_at.is_(None),
        Proposal.consultation_id.in_(public_consultation_ids()))


# --- endpoints -------------------------------------------------------------------------------

@bp.get("/consultations")
def consultations():
    """Every public consultation (published or archived: never a draft), newest first."""
    query = (select(Consultation).options(selectinload(Consultation.prefecture),
                                          selectinload(Consultation.phases))
             .where(is_public()).order_by(Consultation.created_at.desc(), Consultation.id.desc()))
    return jsonify(_paginated(query, consultation_json))


@bp.get("/consultations/<slug>")
def consultation(slug: str):
    """One consultation."""
    return jsonify({"data": consultation_json(_consultation_or_404(slug))})


@bp.get("/consultations/<slug>/axes")
def axes(slug: str):
    """The strategic axes of a consultation, in their order."""
    found = _consultation_or_404(slug)
    return jsonify({"data": [axis_json(a) for a in found.axes]})


@bp.get("/communes")
def communes():
    """Every commune with its census figures and indicators, by code."""
    query = select(Commune).options(selectinload(Commune.indicators)).order_by(Commune.code,
                                                                              Commune.id)
    return jsonify(_paginated(query, commune_json))


def _filtered_proposals():
    query = _public_proposals()
    slug = text_arg("consultation")
    if slug is not None:
        query = query.where(Proposal.consultation_id == _consultation_or_404(slug).id)
    code = text_arg("commune")
    if code is not None:
        commune_id = db.session.scalar(select(Commune.id).where(Commune.code == code))
        if commune_id is None:
            raise ApiError(400, "unknown_commune", parameter="commune")
        query = query.where(Proposal.commune_id == commune_id)
    axis = text_arg("axis")
    if axis is not None:
        query = query.join(StrategicAxis, StrategicAxis.id == Proposal.axis_id).where(
            StrategicAxis.code == axis)
    status = enum_arg("status", STATUSES)
    if status is not None:
        query = query.where(Proposal.status == status)
    since = datetime_arg("updated_since")
    if since is not None:
        query = query.where(Proposal.updated_at >= since)
    return query.order_by(Proposal.id)


@bp.get("/proposals")
def proposals():
    """Public proposals, filtered by consultation, commune, axis, status and last change, by
    id: a fixed number of statements per page (their consultations, communes, axes and
    attachments read at once)."""
    urls: dict = {}
    query = _filtered_proposals().options(selectinload(Proposal.consultation),
                                          selectinload(Proposal.commune),
                                          selectinload(Proposal.axis))
    return jsonify(_paginated(query, lambda p: proposal_json(p, urls[p.id]),
                              lambda records: urls.update(attachment_urls(r.id for r in records)),
                              filters=PROPOSAL_FILTERS, keyset=Proposal.id))


@bp.get("/proposals/<int:proposal_id>")
def proposal(proposal_id: int):
    """One public proposal."""
    found = db.session.scalar(_public_proposals().where(Proposal.id == proposal_id))
    if found is None:
        raise ApiError(404, "proposal_not_found")
    return jsonify({"data": proposal_json(found)})


def _snapshot_item(entry: dict) -> dict:
    item = {**entry, **entry_markers(entry)}
    geometry = item.get("geometry")
    item["geometry"] = json.loads(geometry) if isinstance(geometry, str) and geometry else None
    return item


@bp.get("/roadmaps/<slug>")
def roadmap(slug: str):
    """The published roadmap of a consultation (the latest version's snapshot)."""
    found = _consultation_or_404(slug)
    record = db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == found.id))
    version = record.published if record is not None else None
    if version is None:
        raise ApiError(404, "roadmap_not_published")
    snapshot = version.snapshot or {}
    return jsonify({"data": {
        "consultation": found.slug, "version": version.number,
        "published_at": version.published_at.isoformat(),
        "changelog": dict(version.changelog_i18n or {}), "axes": snapshot.get("axes", []),
        "items": [_snapshot_item(e) for e in snapshot.get("items", [])]}})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    server = url_for("api.consultations", _external=True).rsplit("/", 1)[0]
    return jsonify({**OPENAPI, "servers": [{"url": server}]})


# --- the OpenAPI 3.1 description ---------------------------------------------------------------

def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(name: str, cursor: bool = False) -> dict:
    return {"type": "object", "required": ["data", "meta", "links"], "properties": {
        "data": {"type": "array", "items": _ref(name)},
        "meta": _ref("CursorMeta" if cursor else "Meta"), "links": _ref("Links")}}


def _one(name: str) -> dict:
    return {"type": "object", "required": ["data"], "properties": {"data": _ref(name)}}


ERROR_TEXT = {400: "Invalid query parameter (empty, repeated, malformed, out of bounds)",
              404: "Not found", 405: "Method not allowed (see the Allow header)",
              406: "The Accept header excludes JSON", 429: "Too many requests",
              500: "Server error"}


def _answers(schema: dict, *errors: int, media: str = JSON, etag: bool = True) -> dict:
    """200 (with ``schema`` in ``media``), 304 and the error statuses: ``errors`` and those
    every operation may answer (400 for ``lang``, 405, 406, 429, 500)."""
    headers = {"ETag": {"schema": {"type": "string"}}} if etag else {}
    answers = {"200": {"description": "OK", "headers": headers,
                       "content": {media: {"schema": schema}}},
               "304": {"description": "Not modified (If-None-Match matched the ETag)"}}
    for status in sorted({400, 405, 406, 429, 500, *errors}):
        answers[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    return answers


def _param(name: str, where: str = "query", kind: str = "string", required: bool = False,
           description: str | None = None, **schema) -> dict:
    param = {"name": name, "in": where, "required": required or where == "path",
             "schema": {"type": kind, **schema}}
    if description:
        param["description"] = description
    return param


I18N = {"type": "object", "additionalProperties": {"type": "string"}}
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_STR = {"type": ["string", "null"]}
TEXT = {"minLength": 1}
LANG = _param("lang", enum=list(LANGUAGES),
              description="Language of error messages (else Accept-Language)")
PAGING = [_param("page", kind="integer", minimum=1, maximum=MAX_PAGE, default=1),
          _param("per_page", kind="integer", minimum=1, maximum=MAX_PER_PAGE,
                 default=DEFAULT_PER_PAGE), LANG]
AFTER = _param("after", kind="integer", minimum=0, maximum=INT_MAX,
               description="Cursor: only proposals whose id is greater (start with 0, then "
                           "follow links.next); not with page")
SLUG = _param("slug", "path", **TEXT)
PROPOSAL_PARAMS = PAGING + [
    AFTER, _param("consultation", description="Consultation slug (404 if unknown)", **TEXT),
    _param("commune", description="Commune code (400 if unknown)", **TEXT),
    _param("axis", description="Axis code", **TEXT),
    _param("status", enum=list(STATUSES)),
    _param("updated_since", format="date-time",
           description="RFC 3339 date-time with an offset (encode + as %2B): proposals changed "
                       "at or after it, for incremental harvests")]
# The proposals' filters, kept in the links of their pages (the rest is paging and language).
PROPOSAL_FILTERS = tuple(p["name"] for p in PROPOSAL_PARAMS
                         if p["name"] not in ("page", "per_page", "after", "lang"))
# The GeoJSON layers (roadmap.maps.views): an empty value there is the same as none.
LAYER_TEXT = {"description": "An empty value is the same as none"}
LAYER_PARAMS = [_param("consultation", description="Consultation slug (default: the most "
                                                   "recent public one; 404 if unknown)"), LANG]
LAYER_POINT_PARAMS = LAYER_PARAMS + [
    _param("commune", **LAYER_TEXT), _param("axis", **LAYER_TEXT),
    _param("status", enum=list(STATUSES) + [""]),
    _param("bbox", description="west,south,east,north in degrees (WGS 84)")]


def _error_response(status: int) -> dict:
    return {"description": ERROR_TEXT[status],
            "headers": {"Allow": {"schema": {"type": "string"}, "required": True}}
            if status == 405 else {},
            "content": {JSON: {"schema": _ref("Error")}}}


OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {"title": "Participatory roadmap: open data API", "version": "1.1.0",
             "description": "Read-only open data: consultations, axes, communes, public "
                            "proposals, published roadmaps and their GeoJSON layers. CORS *. "
                            "Every answer is JSON (GeoJSON for the layers), errors included: "
                            "{error: {status, code, message, parameter?}} with a stable code "
                            "and a message in the language of lang= or Accept-Language. Query "
                            "parameters are validated strictly: an empty (except on the "
                            "layers), repeated, malformed or out-of-range value is a 400 "
                            "naming the parameter. Unknown query parameters are ignored. "
                            "Lists are in a stable order, paged by page and per_page (at most "
                            "100), proposals also by the cursor after (keyset on id) and "
                            "filtered by updated_since. Lists and items carry an ETag and "
                            "answer If-None-Match with 304. Only GET, HEAD and OPTIONS are "
                            "allowed (405 with Allow otherwise).",
             "license": {"name": "ODbL-1.0", "identifier": "ODbL-1.0"}},
    "paths": {
        "/consultations": {"get": {"operationId": "listConsultations", "parameters": PAGING,
                                   "responses": _answers(_page_of("Consultation"))}},
        "/consultations/{slug}": {"get": {"operationId": "getConsultation",
                                          "parameters": [SLUG, LANG],
                                          "responses": _answers(_one("Consultation"), 404)}},
        "/consultations/{slug}/axes": {"get": {
            "operationId": "listAxes", "parameters": [SLUG, LANG],
            "responses": _answers({"type": "object", "required": ["data"], "properties": {
                "data": {"type": "array", "items": _ref("Axis")}}}, 404)}},
        "/communes": {"get": {"operationId": "listCommunes", "parameters": PAGING,
                              "responses": _answers(_page_of("Commune"))}},
        "/proposals": {"get": {
            "operationId": "listProposals", "parameters": PROPOSAL_PARAMS,
            "responses": _answers(_page_of("Proposal", cursor=True), 404)}},
        "/proposals/{proposal_id}": {"get": {
            "operationId": "getProposal",
            "parameters": [_param("proposal_id", "path", "integer", minimum=1,
                                  maximum=INT_MAX), LANG],
            "responses": _answers(_one("Proposal"), 404)}},
        "/roadmaps/{slug}": {"get": {"operationId": "getRoadmap", "parameters": [SLUG, LANG],
                                     "responses": _answers(_one("Roadmap"), 404)}},
        "/communes.geojson": {"get": {
            "operationId": "getCommunesLayer", "parameters": LAYER_PARAMS,
            "responses": _answers(_ref("FeatureCollection"), 404, media=GEOJSON)}},
        "/proposals.geojson": {"get": {
            "operationId": "getProposalsLayer", "parameters": LAYER_POINT_PARAMS,
            "responses": _answers(_ref("FeatureCollection"), 404, media=GEOJSON)}},
        "/roadmaps/{slug}.geojson": {"get": {
            "operationId": "getRoadmapLayer", "parameters": [SLUG, LANG],
            "responses": _answers(_ref("FeatureCollection"), 404, media=GEOJSON)}},
        "/openapi.json": {"get": {"operationId": "getOpenApi", "parameters": [LANG],
                                  "responses": _answers({"type": "object"})}},
    },
    "components": {"responses": {f"Error{status}": _error_response(status)
                                 for status in ERROR_TEXT},
                   "schemas": {
        "Meta": {"type": "object", "required": ["total", "page", "per_page"], "properties": {
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}}},
        "CursorMeta": {"type": "object", "required": ["total", "page", "per_page", "after"],
                       "properties": {
                           "total": {"type": "integer"},
                           "page": {"type": ["integer", "null"],
                                    "description": "null when read by the cursor"},
                           "per_page": {"type": "integer"}, "after": NULLABLE_INT}},
        "Links": {"type": "object", "required": ["self", "first", "last", "next", "prev"],
                  "properties": {k: NULLABLE_STR for k in ("self", "first", "last", "next",
                                                           "prev")}},
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "code", "message"], "properties": {
                "status": {"type": "integer"}, "code": {"type": "string", "enum": list(CODES)},
                "message": {"type": "string"},
                "parameter": {"type": "string",
                              "description": "The query parameter at fault"}}}}},
        "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": {
                "type": "object", "required": ["type", "geometry", "properties"],
                "properties": {"type": {"const": "Feature"},
                               "geometry": {"type": ["object", "null"]},
                               "properties": {"type": ["object", "null"]}}}}}},
        "Consultation": {"type": "object",
                         "required": ["slug", "title", "description", "prefecture", "phases",
                                      "url", "is_demo"],
                         "properties": {"slug": {"type": "string"}, "title": I18N,
                                        "description": I18N, "prefecture": {"type": "string"},
                                        "is_demo": {"type": "boolean"},
                                        "url": {"type": "string"},
                                        "phases": {"type": "array", "items": {
                                            "type": "object",
                                            "required": ["kind", "starts_on", "ends_on"],
                                            "properties": {
                                                "kind": {"type": "string"},
                                                "starts_on": {"type": "string", "format": "date"},
                                                "ends_on": {"type": "string",
                                                            "format": "date"}}}}}},
        "Axis": {"type": "object", "required": ["code", "position", "title", "description"],
                 "properties": {"code": {"type": "string"}, "position": {"type": "integer"},
                                "title": I18N, "description": I18N}},
        "Commune": {"type": "object",
                    "required": ["code", "name_ar", "name_fr", "population_2014",
                                 "population_2024", "indicators"],
                    "properties": {
                        "code": {"type": "string"}, "hcp_code": NULLABLE_STR,
                        "name_ar": {"type": "string"}, "name_fr": {"type": "string"},
                        "kind": NULLABLE_STR, "population_2014": NULLABLE_INT,
                        "population_2024": NULLABLE_INT, "area_km2": {"type": "number"},
                        "indicators": {"type": "array", "items": {
                            "type": "object", "required": ["key", "year", "value", "unit"],
                            "properties": {"key": {"type": "string"}, "year": {"type": "integer"},
                                           "value": {"type": ["number", "null"]},
                                           "unit": {"type": "string"},
                                           "source": {"type": "string"}}}}}},
        "Proposal": {"type": "object",
                     "required": ["id", "consultation", "title", "body", "commune", "axis",
                                  "status", "origin", "supports", "comments", "photos",
                                  "documents", "created_at"],
                     "properties": {
                         "id": {"type": "integer"}, "consultation": {"type": "string"},
                         "title": {"type": "string"}, "body": {"type": "string"},
                         "transcript": NULLABLE_STR,
                         "commune": {"type": "string"}, "axis": NULLABLE_STR,
                         "status": {"type": "string", "enum": list(STATUSES)},
                         "origin": {"type": "string"},
                         "author_stakeholder_type": NULLABLE_STR,
                         "organisation": NULLABLE_STR, "workshop_id": NULLABLE_INT,
                         "show_of_hands": NULLABLE_INT,
                         "latitude": {"type": ["number", "null"]},
                         "longitude": {"type": ["number", "null"]},
                         "estimated_cost_mad": NULLABLE_INT, "beneficiaries": NULLABLE_STR,
                         "sdg_goals": {"type": "array", "items": {"type": "integer"}},
                         "supports": {"type": "integer"}, "comments": {"type": "integer"},
                         "is_demo": {"type": "boolean"},
                         "photos": {"type": "array", "items": {"type": "string", "format": "uri"},
                                    "description": "Absolute URLs of the proposal's photos "
                                                   "(screen size, WebP), in gallery order"},
                         "documents": {"type": "array",
                                       "items": {"type": "string", "format": "uri"},
                                       "description": "Absolute URLs of the proposal's PDF "
                                                      "documents"},
                         "created_at": {"type": "string", "format": "date-time"},
                         "updated_at": {"type": "string", "format": "date-time"},
                         "url": {"type": "string"}}},
        "RoadmapItem": {"type": "object",
                        "required": ["id", "rank", "axis", "title_i18n", "communes",
                                     "proposal_ids", "status", "progress"],
                        "properties": {
                            "id": {"type": "integer"}, "rank": {"type": "integer"},
                            "axis": NULLABLE_STR, "title_i18n": I18N, "description_i18n": I18N,
                            "communes": {"type": "array", "items": {"type": "object"}},
                            "proposal_ids": {"type": "array", "items": {"type": "integer"}},
                            "geometry": {"type": ["object", "null"]},
                            "estimated_cost_mad": NULLABLE_INT, "lead_body": NULLABLE_STR,
                            "starts_on": NULLABLE_STR, "ends_on": NULLABLE_STR,
                            "status": {"type": "string"}, "progress": {"type": "integer"},
                            "gender_marker": {
                                "type": ["integer", "null"], "enum": [0, 1, 2, None],
                                "description": "OECD DAC gender equality policy marker: 0 not "
                                               "targeted, 1 significant, 2 principal; null: "
                                               "not assessed"},
                            "gender_justification": NULLABLE_STR,
                            "beneficiaries": {
                                "type": "object",
                                "description": "Estimated beneficiaries by sex (women and men "
                                               "18 and over, girls and boys); null: not "
                                               "estimated",
                                "properties": {group: NULLABLE_INT for group in
                                               ("women", "men", "girls", "boys")}},
                            "sdg_goals": {"type": "array", "items": {"type": "integer"}},
                            "sdg_targets": {
                                "type": "array", "items": {"type": "string"},
                                "description": "SDG target codes (e.g. 5.5, 6.b) of the UN's "
                                               "SDG vocabulary (metadata.un.org/sdg)"},
                            "indicators": {"type": "array", "items": {"type": "object"}}}},
        "Roadmap": {"type": "object",
                    "required": ["consultation", "version", "published_at", "axes", "items"],
                    "properties": {
                        "consultation": {"type": "string"}, "version": {"type": "integer"},
                        "published_at": {"type": "string", "format": "date-time"},
                        "changelog": I18N, "axes": {"type": "array", "items": {"type": "object"}},
                        "items": {"type": "array", "items": _ref("RoadmapItem")}}},
    }},
}
