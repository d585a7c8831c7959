"""A property-based walk of the API from its own OpenAPI document (issue 17).

For every documented operation, Hypothesis draws requests from the document's parameter
schemas: valid values (integers within their bounds, enum members, RFC 3339 date-times, the
slugs, ids and codes that exist) and invalid ones (empty, huge, negative, text, one past a
bound, repeated, unknown parameters), with now and then an ``Accept`` that excludes JSON, an
``If-None-Match: *`` or another method. Each answer must be no 5xx, documented for its status,
in the documented media type, and valid against the documented schema (headers included).

The walk is derandomized (the same examples every run) and sized to a few seconds: 50
examples per operation on SQLite, 15 on PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.proposals.models import Proposal
from roadmap.territory.models import Commune
from tests.exports.conftest import publish_small_roadmap
from tests.exports.openapi import check

HUGE = ["99999999999999999999", "1152921504606846977", "96357137206605860948672512",
        "2147483648", "9223372036854775808"]
JUNK = ["", "-1", "0", "abc", "1.5", "+3", " 1", "1e3", "٣", "null", "%00", "'", "[]"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
               min_size=1, max_size=12)
EXAMPLES = {"sqlite": 50, "postgresql": 15}


def _operations() -> list[str]:
    from roadmap.exports.api import OPENAPI

    return sorted(OPENAPI["paths"])


@pytest.fixture
def known(fresh, factory):
    """Values that exist: slugs (one with a published roadmap), proposal ids, codes."""
    publish_small_roadmap(fresh, factory.user("organiser"))
    return {"slug": [fresh.slug],
            "proposal_id": [str(i) for i in db.session.scalars(select(Proposal.id))],
            "consultation": [fresh.slug],
            "commune": list(db.session.scalars(select(Commune.code).limit(5))),
            "axis": [axis.code for axis in fresh.axes]}


def _valid(schema: dict, known_values: list[str]):
    """Values that the schema allows."""
    if "enum" in schema:
        return st.sampled_from([str(v) for v in schema["enum"]])
    if schema.get("type") == "integer":
        low, high = schema.get("minimum", 0), schema.get("maximum", 2**31 - 1)
        return st.integers(low, high).map(str) | st.sampled_from([str(low), str(high)])
    if schema.get("format") == "date-time":
        return st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1)).map(
            lambda d: d.isoformat(timespec="seconds") + "Z")
    if schema.get("type") == "string":
        return st.sampled_from(known_values) | TEXT if known_values else TEXT
    return TEXT


def _invalid(schema: dict):
    """Values that the schema refuses (or that probe its edges)."""
    values = list(JUNK) + HUGE
    if schema.get("type") == "integer":
        values += [str(schema.get("minimum", 0) - 1), str(schema.get("maximum", 0) + 1)]
    return st.sampled_from(values) | TEXT


def _value(schema, known_values):
    return st.one_of(_valid(schema, known_values), _invalid(schema))


def _request(document: dict, path: str, known: dict):
    """A strategy of ``(method, url, headers)`` for the operation at ``path``."""
    parameters = document["paths"][path]["get"].get("parameters", [])

    @st.composite
    def build(draw):
        # Half the requests hold only valid values (known slugs, codes, ids), so that the
        # answers' 200 bodies are walked too; the other half mixes in the invalid ones.
        valid = draw(st.booleans())
        url = path
        query: list[tuple[str, str]] = []
        for param in parameters:
            values = known.get(param["name"], [])
            schema = param["schema"]
            if param["in"] == "path":
                if valid and values:
                    value = draw(st.sampled_from(values))
                elif schema["type"] == "integer":
                    value = draw(_value(schema, values))
                else:
                    value = draw(TEXT)
                if value.endswith(".geojson") or value == "" or value.startswith("."):
                    value = "x" + value + "x"  # another route's URL, or none
                url = url.replace("{%s}" % param["name"], quote(value, safe=""))
            elif draw(st.integers(0, 2)):  # present two times in three
                if valid:
                    strategy = (st.sampled_from(values) if values and schema["type"] == "string"
                                and "format" not in schema else _valid(schema, values))
                    query.append((param["name"], draw(strategy)))
                    continue
                for _ in range(draw(st.sampled_from([1, 1, 1, 2]))):
                    query.append((param["name"], draw(_value(schema, values))))
        if valid:
            return "GET", "/api/v1" + url + ("?" + urlencode(query) if query else ""), {}
        if draw(st.integers(0, 4)) == 4:  # unknown parameters are ignored
            query.append((draw(st.sampled_from(["foo", "page[size]", "sort", ""])),
                          draw(TEXT)))
        headers = {}
        extra = draw(st.integers(0, 9))
        if extra == 7:
            headers["Accept"] = draw(st.sampled_from(["text/html", "image/png",
                                                      "application/xml"]))
        elif extra == 8:
            headers["If-None-Match"] = "*"
        elif extra == 9:
            headers["Accept-Language"] = draw(st.sampled_from(["ar", "fr", "en", "de"]))
        method = draw(st.sampled_from(["GET"] * 8 + ["POST", "PUT", "DELETE", "PATCH",
                                                     "HEAD"]))
        return method, "/api/v1" + url + ("?" + urlencode(query) if query else ""), headers

    return build()


@pytest.mark.parametrize("path", _operations())
def test_the_document_walked_against_the_live_app(client, known, database_url, path):
    document = client.get("/api/v1/openapi.json").get_json()
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"

    @settings(max_examples=EXAMPLES[kind], derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_request(document, path, known))
    def walk(request):
        method, url, headers = request
        response = client.open(url, method=method, headers=headers)
        assert response.status_code < 500, (url, response.data[:300])
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url
        if method == "HEAD":
            assert response.status_code in (200, 304, 400, 404, 406), url
            return
        check(document, path, response)

    walk()
