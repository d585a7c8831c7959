"""The open-data JSON API: the OpenAPI document is valid, every documented endpoint answers
with the documented shape, pagination, CORS and JSON errors."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import text

from roadmap.extensions import db
from tests.exports.conftest import publish_small_roadmap
from tests.exports.openapi import check


def _check(document, path, response, status=200):
    assert response.status_code == status, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    check(document, path, response)


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_document_is_valid_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_documented_endpoint_answers_with_its_schema(client, demo, fresh, factory,
                                                          document):
    version = publish_small_roadmap(fresh, factory.user("organiser"))
    proposal_id = version.snapshot["items"][0]["proposal_ids"][0]
    concrete = {"/consultations": "/api/v1/consultations",
                "/consultations/{slug}": f"/api/v1/consultations/{demo.slug}",
                "/consultations/{slug}/axes": f"/api/v1/consultations/{demo.slug}/axes",
                "/communes": "/api/v1/communes",
                "/proposals": f"/api/v1/proposals?consultation={demo.slug}",
                "/proposals/{proposal_id}": f"/api/v1/proposals/{proposal_id}",
                "/roadmaps/{slug}": f"/api/v1/roadmaps/{fresh.slug}",
                "/openapi.json": "/api/v1/openapi.json",
                "/communes.geojson": f"/api/v1/communes.geojson?consultation={demo.slug}",
                "/proposals.geojson": f"/api/v1/proposals.geojson?consultation={demo.slug}",
                "/roadmaps/{slug}.geojson": f"/api/v1/roadmaps/{fresh.slug}.geojson"}
    assert set(concrete) == set(document["paths"])
    served = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)[len("/api/v1"):]
              for rule in client.application.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}
    assert served == set(document["paths"])  # every route of the API is documented
    for path, url in concrete.items():
        _check(document, path, client.get(url))


def test_proposals_carry_commune_and_counts_and_filter(client, demo, document):
    response = client.get(f"/api/v1/proposals?consultation={demo.slug}&commune=saada"
                          "&per_page=100")
    _check(document, "/proposals", response)
    data = response.get_json()
    expected = db.session.execute(text(
        "SELECT p.id, p.supports_count, p.comments_count FROM proposal p "
        "JOIN commune c ON c.id = p.commune_id WHERE p.consultation_id = :c AND c.code = 'saada' "
        "AND p.hidden_at IS NULL AND p.status IN ('published', 'withdrawn') ORDER BY p.id"),
        {"c": demo.id}).all()
    assert [(p["id"], p["supports"], p["comments"]) for p in data["data"]] == [
        tuple(row) for row in expected]
    assert {p["commune"] for p in data["data"]} == {"saada"}
    assert data["meta"]["total"] == len(expected)
    water = client.get(f"/api/v1/proposals?consultation={demo.slug}&axis=water").get_json()
    assert water["data"] and {p["axis"] for p in water["data"]} == {"water"}


def test_pagination_meta_and_links(client, demo):
    first = client.get("/api/v1/communes?per_page=5").get_json()
    assert first["meta"] == {"total": 19, "page": 1, "per_page": 5}
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    last = client.get("/api/v1/communes?per_page=5&page=4").get_json()
    assert len(last["data"]) == 4 and last["links"]["next"] is None
    codes = [c["code"] for page in (1, 2, 3, 4) for c in client.get(
        f"/api/v1/communes?per_page=5&page={page}").get_json()["data"]]
    assert len(set(codes)) == 19
    medina = next(c for c in client.get("/api/v1/communes?per_page=100").get_json()["data"]
                  if c["code"] == "marrakech-medina")
    assert medina["population_2024"] == 81103 and medina["indicators"]


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=x",
                                   "status=pending", "commune=nowhere"])
def test_bad_parameters_are_json_400(client, demo, query):
    response = client.get(f"/api/v1/proposals?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400


def test_hidden_and_unknown_things_are_json_404(client, demo, fresh, factory):
    from roadmap.core.models import utcnow

    commune = db.session.execute(text("SELECT id FROM commune LIMIT 1")).scalar()
    from roadmap.territory.models import Commune

    hidden = factory.proposal(demo, db.session.get(Commune, commune), hidden_at=utcnow())
    for url in (f"/api/v1/proposals/{hidden.id}", "/api/v1/consultations/nope",
                f"/api/v1/roadmaps/{fresh.slug}", "/api/v1/proposals?consultation=nope"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["status"] == 404


def test_roadmap_is_the_latest_snapshot(client, fresh, factory):
    version = publish_small_roadmap(fresh, factory.user("organiser"))
    data = client.get(f"/api/v1/roadmaps/{fresh.slug}").get_json()["data"]
    assert data["version"] == version.number == 1
    assert [i["id"] for i in data["items"]] == [i["id"] for i in version.snapshot["items"]]
    assert data["items"][0]["title_i18n"]["ar"] == "مشروع ذو أولوية 1"
