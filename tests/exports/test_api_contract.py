"""The API contract of issue 17: JSON errors in one schema with stable codes (400, 404, 405
with Allow, 406, 429, 500), strict query parameters, the cursor ``after``, ``updated_since``,
ETags, and ``<int:...>`` routes that stop at the database's integer range."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from roadmap.extensions import db, limiter
from roadmap.proposals.models import Proposal
from tests.conftest import make_test_app
from tests.exports.openapi import check

ISSUE_400 = ["/api/v1/proposals?page=1152921504606846977&per_page=62",
             "/api/v1/consultations?per_page=84&page=96357137206605860948672512"]


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def _proposals(consultation) -> list[Proposal]:
    return db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == consultation.id).order_by(Proposal.id)).all()


def _error(response, status: int, code: str, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    error = response.get_json()["error"]
    assert error["status"] == status and error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert error.get("parameter") == parameter
    return error


# -- the issue's URLs ------------------------------------------------------------------------

@pytest.mark.parametrize("url", ISSUE_400)
def test_huge_pages_are_a_json_400_not_a_500(client, demo, document, url):
    _error(client.get(url), 400, "invalid_parameter", "page")
    check(document, url.split("?")[0][len("/api/v1"):], client.get(url))


def test_a_negative_id_is_a_json_404(client, demo):
    _error(client.get("/api/v1/proposals/-310"), 404, "not_found")


def test_every_number_in_every_route_is_bounded(app):
    from werkzeug.routing.converters import NumberConverter

    from roadmap.core.routing import INT_MAX, BoundedIntegerConverter

    numbers = [(rule.rule, converter) for rule in app.url_map.iter_rules()
               for converter in rule._converters.values()
               if isinstance(converter, NumberConverter)]
    assert len(numbers) > 20  # pages and API alike
    for rule, converter in numbers:
        assert isinstance(converter, BoundedIntegerConverter) and converter.max == INT_MAX, rule


def test_int_routes_stop_at_the_database_integer_range(client, demo):
    assert demo.slug == "marrakech-2026-2028"
    page = client.get("/c/marrakech-2026-2028/proposals/99999999999999999999")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert client.get("/c/marrakech-2026-2028/proposals/2147483648").status_code == 404
    assert client.get("/c/marrakech-2026-2028/proposals/2147483647").status_code == 404
    for number in ("99999999999999999999", "2147483648"):
        _error(client.get(f"/api/v1/proposals/{number}"), 404, "not_found")
    # The largest 32-bit id reaches the database, which finds nothing.
    _error(client.get("/api/v1/proposals/2147483647"), 404, "proposal_not_found")


# -- errors ----------------------------------------------------------------------------------

def test_unknown_api_paths_and_other_methods_are_json(client, fresh):
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")
    for method, url in (("post", "/api/v1/proposals"), ("delete", "/api/v1/communes"),
                        ("put", "/api/v1/proposals.geojson"),
                        ("patch", f"/api/v1/roadmaps/{fresh.slug}.geojson")):
        response = getattr(client, method)(url)
        _error(response, 405, "method_not_allowed")
        assert "GET" in response.headers["Allow"]


def test_accept_without_json_is_a_406(client, fresh):
    for url in ("/api/v1/communes", "/api/v1/proposals/1", "/api/v1/communes.geojson"):
        _error(client.get(url, headers={"Accept": "text/html"}), 406, "not_acceptable")
    assert client.get("/api/v1/communes", headers={"Accept": "text/html, */*;q=0.1"}
                      ).status_code == 200
    layer = client.get("/api/v1/communes.geojson", headers={"Accept": "application/geo+json"})
    assert layer.status_code == 200 and layer.mimetype == "application/geo+json"


def test_messages_follow_the_negotiated_language(client, fresh):
    english = _error(client.get("/api/v1/proposals?page=x", headers={"Accept-Language": "en"}),
                     400, "invalid_parameter", "page")
    assert "page" in english["message"]
    assert english["message"] == "The parameter page must be an integer from 1 to 1000000."
    # the code stays, the message is the catalogue's
    french = _error(client.get("/api/v1/proposals?page=x&lang=fr"), 400, "invalid_parameter",
                    "page")
    assert french["message"] == "Le paramètre page doit être un entier de 1 à 1000000."
    arabic = _error(client.get("/api/v1/proposals?page=x&lang=ar"), 400, "invalid_parameter",
                    "page")
    assert arabic["message"] not in (english["message"], french["message"])
    assert "page" in arabic["message"] and "\u0627" <= arabic["message"][0] <= "\u064a"
    assert _error(client.get("/api/v1/nothing?lang=fr"), 404, "not_found")["message"] == \
        "Rien n'existe à cette adresse."
    _error(client.get("/api/v1/communes?lang=xx"), 400, "invalid_parameter", "lang")


def test_layers_errors_use_the_schema(client, fresh):
    _error(client.get("/api/v1/communes.geojson?consultation=nowhere"), 404,
           "consultation_not_found", "consultation")
    _error(client.get(f"/api/v1/proposals.geojson?consultation={fresh.slug}&bbox=1,2"), 400,
           "invalid_parameter", "bbox")
    _error(client.get(f"/api/v1/proposals.geojson?consultation={fresh.slug}&status=x"), 400,
           "invalid_parameter", "status")
    _error(client.get("/api/v1/proposals.geojson?commune=a&commune=b"), 400,
           "repeated_parameter", "commune")
    _error(client.get(f"/api/v1/roadmaps/{fresh.slug}.geojson"), 404, "roadmap_not_published")


@pytest.fixture
def limited(app, database_url, tmp_path):
    """An app with the limiter on and the API at 2 requests a minute."""
    limited_app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True,
                                ROADMAP_RATELIMIT_API="2 per minute")
    limiter.reset()
    yield limited_app
    limiter.reset()
    limiter.enabled = False


def test_the_api_rate_limit_answers_json_429(limited, fresh):
    client = limited.test_client()
    assert client.get("/api/v1/communes").status_code == 200
    assert client.get("/api/v1/communes.geojson").status_code == 200
    _error(client.get("/api/v1/consultations"), 429, "too_many_requests")


def test_lists_read_a_fixed_number_of_statements(client, demo, factory):
    from tests.proposals.helpers import count_statements

    def statements(url):
        db.session.expunge_all()
        with count_statements() as found:
            assert client.get(url).status_code == 200
        return len(found)

    small, large = statements("/api/v1/communes?per_page=2"), statements(
        "/api/v1/communes?per_page=19")
    assert small == large  # the communes' indicators in one statement, whatever the page
    one = statements("/api/v1/consultations")
    factory.consultation("voting")
    factory.consultation("voting")
    db.session.commit()
    assert statements("/api/v1/consultations") == one  # their prefectures and phases at once


def test_a_server_error_is_json(app, database_url, tmp_path, fresh):
    broken = make_test_app(database_url, tmp_path, PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("boom")

    broken.view_functions["api.communes"] = boom
    _error(broken.test_client().get("/api/v1/communes"), 500, "internal_error")


# -- parameters ------------------------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("page=", "page"), ("page=abc", "page"), ("page=0", "page"), ("page=-1", "page"),
    ("page=+1", "page"), ("page=1e3", "page"), ("page=%D9%A3", "page"), ("page=%201", "page"),
    ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("per_page=", "per_page"),
    ("after=-1", "after"), ("after=2147483648", "after"), ("after=", "after"),
    ("status=pending", "status"), ("status=", "status"), ("consultation=", "consultation"),
    ("commune=", "commune"), ("axis=", "axis"), ("updated_since=", "updated_since"),
    ("updated_since=yesterday", "updated_since"), ("updated_since=2026-01-01", "updated_since"),
    ("updated_since=2026-01-01T00:00:00", "updated_since"),
    ("updated_since=2026-13-01T00:00:00Z", "updated_since"),
    ("updated_since=2026-01-01T00:00:00+01:00", "updated_since"),  # + unencoded: a space
])
def test_invalid_parameters_are_400_naming_them(client, fresh, query, parameter):
    _error(client.get(f"/api/v1/proposals?{query}"), 400, "invalid_parameter", parameter)


@pytest.mark.parametrize("query, parameter", [("page=1&page=2", "page"),
                                              ("per_page=5&per_page=5", "per_page"),
                                              ("status=published&status=withdrawn", "status"),
                                              ("lang=fr&lang=ar", "lang")])
def test_repeated_parameters_are_400(client, fresh, query, parameter):
    _error(client.get(f"/api/v1/proposals?{query}"), 400, "repeated_parameter", parameter)


def test_unknown_parameters_are_ignored_and_page_and_after_conflict(client, fresh):
    plain = client.get("/api/v1/proposals").get_json()
    assert client.get("/api/v1/proposals?foo=bar&page[size]=3").get_json()["data"] == plain["data"]
    _error(client.get("/api/v1/proposals?page=1&after=0"), 400, "conflicting_parameters",
           "after")
    assert client.get("/api/v1/communes?after=zzz").status_code == 200  # not a communes' one


def test_unknown_commune_is_a_400(client, fresh):
    _error(client.get("/api/v1/proposals?commune=nowhere"), 400, "unknown_commune", "commune")


# -- cursor, updated_since, ETag -------------------------------------------------------------

def test_the_cursor_walks_every_proposal_once_in_id_order(client, fresh, factory, document):
    commune = _proposals(fresh)[0].commune
    for _ in range(4):
        factory.proposal(fresh, commune)
    expected = db.session.scalars(select(Proposal.id).where(
        Proposal.consultation_id == fresh.id).order_by(Proposal.id)).all()
    seen, url, pages = [], f"/api/v1/proposals?consultation={fresh.slug}&per_page=2&after=0", 0
    while url:
        response = client.get(url)
        check(document, "/proposals", response)
        body = response.get_json()
        assert body["meta"]["page"] is None and body["meta"]["total"] == len(expected)
        assert f"consultation={fresh.slug}" in (body["links"]["next"] or f"consultation={fresh.slug}")
        seen += [p["id"] for p in body["data"]]
        url, pages = body["links"]["next"], pages + 1
        assert pages <= len(expected)
    assert seen == expected and pages == -(-len(expected) // 2)
    start = client.get(f"/api/v1/proposals?after={expected[2]}&per_page=100").get_json()
    assert [p["id"] for p in start["data"] if p["consultation"] == fresh.slug] == expected[3:]


def test_updated_since_keeps_the_later_changes(client, fresh):
    ids = [p.id for p in _proposals(fresh)]
    db.session.execute(update(Proposal).where(Proposal.id.in_(ids[:2])).values(
        updated_at=datetime(2020, 1, 1, tzinfo=timezone.utc)))
    db.session.execute(update(Proposal).where(Proposal.id == ids[2]).values(
        updated_at=datetime(2026, 6, 1, 12, tzinfo=timezone.utc)))
    db.session.flush()

    def found(since):
        return [p["id"] for p in client.get("/api/v1/proposals", query_string={
            "consultation": fresh.slug, "updated_since": since}).get_json()["data"]]

    assert found("2026-06-01T12:00:00Z") == [ids[2]]
    assert found("2026-06-01T13:00:00+01:00") == [ids[2]]  # the same instant
    assert found("2026-06-01T12:00:00.000001Z") == []
    assert found("2019-12-31T23:59:59z") == ids


def test_lists_and_items_answer_if_none_match_with_304(client, fresh, document):
    proposal = _proposals(fresh)[0]
    for url, path in (("/api/v1/proposals", "/proposals"), ("/api/v1/communes", "/communes"),
                      (f"/api/v1/proposals/{proposal.id}", "/proposals/{proposal_id}"),
                      (f"/api/v1/consultations/{fresh.slug}", "/consultations/{slug}")):
        first = client.get(url)
        etag = first.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", url
        check(document, path, again)
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    before = client.get(f"/api/v1/proposals/{proposal.id}").headers["ETag"]
    proposal.title = "A title changed since"
    db.session.flush()
    changed = client.get(f"/api/v1/proposals/{proposal.id}", headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed.headers["ETag"] != before


def test_media_types(client, fresh):
    assert client.get("/api/v1/communes").mimetype == "application/json"
    assert client.get("/api/v1/openapi.json").mimetype == "application/json"
    assert client.get("/api/v1/communes.geojson").mimetype == "application/geo+json"
    assert client.get(f"/api/v1/proposals.geojson?consultation={fresh.slug}"
                      ).mimetype == "application/geo+json"
