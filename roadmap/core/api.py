"""The contract of the machine-readable API under ``/api/v1/`` (the JSON API of
:mod:`roadmap.exports.api` and the GeoJSON layers of :mod:`roadmap.maps.views`): every answer is
JSON, errors included, in one shape::

    {"error": {"status": 400, "code": "invalid_parameter", "message": "...",
               "parameter": "page"}}

``code`` is a stable machine code (:data:`CODES`), ``message`` is in the negotiated language
(``?lang=``, then Accept-Language, as the pages), ``parameter`` names the query parameter at
fault when there is one. A 405 carries ``Allow``; a client whose ``Accept`` excludes JSON gets a
406. Query parameters are read strictly (:func:`int_arg`, :func:`single`): an empty, repeated,
malformed or out-of-range value is a 400; parameters the API does not know are ignored.

This module imports no domain module: both blueprints above use it.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from flask_babel import gettext, lazy_gettext as _l

from roadmap.config import LANGUAGES
from roadmap.core import routing

INT_MAX = routing.INT_MAX  # ids are 32-bit INTEGER columns on PostgreSQL
PREFIX = "/api/v1/"
JSON = "application/json"
GEOJSON = "application/geo+json"

# Every machine code an error may carry, with its default message.
CODES = {
    "bad_request": _l("The request could not be understood."),
    "invalid_parameter": _l("A query parameter has an invalid value."),
    "repeated_parameter": _l("A query parameter was given more than once."),
    "conflicting_parameters": _l("These query parameters cannot be used together."),
    "unknown_commune": _l("No commune has this code."),
    "not_found": _l("Nothing exists at this address."),
    "consultation_not_found": _l("No consultation with this slug."),
    "proposal_not_found": _l("No public proposal with this id."),
    "roadmap_not_published": _l("The roadmap of this consultation is not published yet."),
    "method_not_allowed": _l("This address only answers GET (and HEAD, OPTIONS)."),
    "not_acceptable": _l("This API answers in JSON only: accept application/json."),
    "too_many_requests": _l("Too many requests in a short time: wait a minute and try again."),
    "internal_error": _l("Something went wrong on our side. Try again in a moment."),
}
# The code of each HTTP status when nothing more precise is known.
STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                406: "not_acceptable", 429: "too_many_requests", 500: "internal_error"}
_DIGITS = re.compile(r"[0-9]+")
_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
                      r"([Zz]|[+-][0-9]{2}:[0-9]{2})")


class ApiError(Exception):
    """A client error answered as JSON: ``status``, a code of :data:`CODES` and a message
    (the code's own when not given), with the ``parameter`` at fault if any."""

    def __init__(self, status: int, code: str, message=None, parameter: str | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter


def is_api_request() -> bool:
    """True for a request to the machine-readable API (``/api/v1/...``)."""
    return request.path.startswith(PREFIX)


def error_response(status: int, code: str, message=None, parameter: str | None = None,
                   allow=None):
    """The JSON error answer (CORS ``*``; ``Allow`` for a 405)."""
    body = {"status": status, "code": code, "message": str(message or CODES[code])}
    if parameter is not None:
        body["parameter"] = parameter
    response = jsonify({"error": body})
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.no_store = True
    if allow:
        response.headers["Allow"] = ", ".join(sorted(allow))
    return response


def api_error(error: ApiError):
    """Flask error handler of :class:`ApiError`."""
    return error_response(error.status, error.code, error.message, error.parameter)


def http_error_response(error):
    """The JSON answer to an HTTP exception (or any error: 500) raised on an API path; a
    status of 500 or more (``abort(503)``) is answered as 500, a client error without a code
    of its own (411, 415...) as ``bad_request``."""
    status = min(getattr(error, "code", None) or 500, 500)
    allow = getattr(error, "valid_methods", None) if status == 405 else None
    return error_response(status, STATUS_CODES.get(status, "bad_request"), allow=allow)


# --- strict reading of query parameters ------------------------------------------------------

def single(name: str) -> str | None:
    """The one value of query parameter ``name`` (None when absent); 400 when repeated."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, "repeated_parameter",
                       gettext("The parameter %(name)s may be given only once.", name=name),
                       name)
    return values[0] if values else None


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """Query parameter ``name`` as an integer in ``[low, high]`` (decimal digits only), or
    ``default`` when absent; 400 when empty, repeated, malformed or out of bounds."""
    raw = single(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise ApiError(400, "invalid_parameter", gettext(
            "The parameter %(name)s must be an integer from %(low)s to %(high)s.",
            name=name, low=low, high=high), name)
    return int(raw)


def text_arg(name: str, allow_empty: bool = False) -> str | None:
    """Query parameter ``name`` as text (None when absent, or empty and ``allow_empty``); 400
    when empty (unless allowed) or repeated."""
    raw = single(name)
    if raw == "":
        if allow_empty:
            return None
        raise ApiError(400, "invalid_parameter", gettext(
            "The parameter %(name)s may not be empty.", name=name), name)
    return raw


def enum_arg(name: str, allowed, allow_empty: bool = False) -> str | None:
    """Query parameter ``name``, one of ``allowed``; 400 otherwise (see :func:`text_arg`)."""
    raw = text_arg(name, allow_empty)
    if raw is not None and raw not in allowed:
        raise ApiError(400, "invalid_parameter", gettext(
            "The parameter %(name)s must be one of: %(values)s.", name=name,
            values=", ".join(allowed)), name)
    return raw


def datetime_arg(name: str) -> datetime | None:
    """Query parameter ``name`` as an RFC 3339 date-time with its offset (UTC, aware)."""
    raw = text_arg(name)
    if raw is None:
        return None
    try:
        if not _RFC3339.fullmatch(raw):
            raise ValueError(raw)
        value = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ApiError(400, "invalid_parameter", gettext(
            "The parameter %(name)s must be an RFC 3339 date-time, such as "
            "2026-01-31T08:00:00Z.", name=name), name) from None


# --- the app-wide hooks ------------------------------------------------------------------------

def _check_request():
    """406 to an API request whose ``Accept`` excludes JSON (and GeoJSON for the layers);
    400 for a ``lang`` that is not one of the site's languages."""
    if not is_api_request() or request.method == "OPTIONS":
        return None
    offered = [GEOJSON, JSON] if request.path.endswith(".geojson") else [JSON]
    if request.accept_mimetypes and request.accept_mimetypes.best_match(offered) is None:
        return error_response(406, "not_acceptable")
    enum_arg("lang", LANGUAGES)
    return None


def init_api(app: Flask) -> None:
    """Answer the API's errors in JSON app-wide (routing 404 and 405 included)."""
    app.register_error_handler(ApiError, api_error)
    app.before_request(_check_request)
