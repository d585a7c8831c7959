"""The layers kept in memory: they follow supports, hiding and withdrawal, are sent gzipped to
clients that accept it, and the whole consultation's points carry a compact set of properties."""
from __future__ import annotations

import gzip
import json

import pytest
from flask_migrate import upgrade

from roadmap.extensions import db
from roadmap.maps import geojson as layers
from roadmap.maps import queries
from roadmap.maps.points import COMPACT_PROPERTIES
from tests.conftest import Factory, make_test_app

COMMUNES = "/api/v1/communes.geojson"
PROPOSALS = "/api/v1/proposals.geojson"
POINT = {"latitude": 31.63, "longitude": -7.99}
BBOX = "-8.1,31.5,-7.9,31.7"
FULL_PROPERTIES = {"id", "title", "commune", "axis", "status", "supports", "comments", "url"}


@pytest.fixture(autouse=True)
def _english_request(english_request):
    """The services called here translate their messages: run inside an English request."""
    yield


def features(client, consultation, **query) -> dict[int, dict]:
    """``{feature id: properties}`` of the proposals layer for ``query``."""
    response = client.get(PROPOSALS, query_string={"consultation": consultation.slug, **query})
    assert response.status_code == 200
    return {feature["id"]: feature["properties"]
            for feature in json.loads(response.data)["features"]}


def test_the_whole_consultation_is_compact_and_filtered_layers_are_full(client, factory):
    consultation = factory.consultation()
    commune = factory.commune("compact-one", size=1)
    proposal = factory.proposal(consultation, commune, **POINT)
    whole = features(client, consultation)
    assert set(whole[proposal.id]) == set(COMPACT_PROPERTIES)
    assert whole[proposal.id] == {"id": proposal.id, "commune": "compact-one",
                                  "axis": consultation.axes[0].code, "status": "published",
                                  "supports": 0}
    for query in ({"bbox": BBOX}, {"commune": "compact-one"}, {"bbox": BBOX, "axis": "employment"}):
        props = features(client, consultation, **query)[proposal.id]
        assert set(props) == FULL_PROPERTIES, query
        assert props["title"] == proposal.title
        assert props["url"].endswith(f"/c/{consultation.slug}/proposals/{proposal.id}")


def test_coordinates_have_five_decimals(client, factory):
    consultation = factory.consultation()
    commune = factory.commune(size=1)
    factory.proposal(consultation, commune, latitude=31.6312345678, longitude=-7.9912345678)
    data = json.loads(client.get(PROPOSALS, query_string={
        "consultation": consultation.slug, "bbox": BBOX}).data)
    assert data["features"][0]["geometry"]["coordinates"] == [-7.99123, 31.63123]


def test_a_hidden_or_withdrawn_proposal_leaves_the_kept_layers(client, factory):
    from roadmap.moderation.services import hide
    from roadmap.proposals.services import withdraw_proposal

    consultation = factory.consultation()
    commune = factory.commune("leaving", size=1)
    author = factory.user()
    kept, hidden, withdrawn = (factory.proposal(consultation, commune, author, **POINT)
                               for _ in range(3))
    queries_seen = ({}, {"bbox": BBOX}, {"commune": "leaving"})
    for query in queries_seen:
        assert set(features(client, consultation, **query)) == {kept.id, hidden.id, withdrawn.id}
    before = client.get(PROPOSALS, query_string={"consultation": consultation.slug})
    hide(hidden, factory.user("moderator"), "Off topic.")
    withdraw_proposal(withdrawn, author)
    db.session.commit()
    for query in queries_seen:
        assert set(features(client, consultation, **query)) == {kept.id}, query
    assert set(features(client, consultation, status="withdrawn")) == {withdrawn.id}
    after = client.get(PROPOSALS, query_string={"consultation": consultation.slug},
                       headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    communes = json.loads(client.get(COMMUNES, query_string={
        "consultation": consultation.slug}).data)
    figures = next(f["properties"] for f in communes["features"] if f["id"] == "leaving")
    assert (figures["proposals"], figures["participants"]) == (1, 1)


def test_a_support_shows_in_the_kept_layers(client, factory):
    from roadmap.participation.services import cast_vote

    consultation = factory.consultation("voting")
    commune = factory.commune("supported", size=1)
    proposal = factory.proposal(consultation, commune, factory.user(home_commune=commune),
                                **POINT)
    assert features(client, consultation, bbox=BBOX)[proposal.id]["supports"] == 0
    figures_before = client.get(COMMUNES, query_string={"consultation": consultation.slug})
    cast_vote(proposal, factory.user(home_commune=commune))
    db.session.commit()
    assert features(client, consultation, bbox=BBOX)[proposal.id]["supports"] == 1
    assert features(client, consultation)[proposal.id]["supports"] == 1
    data = json.loads(client.get(COMMUNES, query_string={"consultation": consultation.slug}).data)
    figures = next(f["properties"] for f in data["features"] if f["id"] == "supported")
    assert (figures["supports"], figures["participants"]) == (1, 2)
    assert json.loads(figures_before.data) != data


def test_unchanged_layers_are_kept_not_built_again(app, factory):
    consultation = factory.consultation()
    commune = factory.commune(size=1)
    factory.proposal(consultation, commune, **POINT)
    bbox = queries.parse_bbox(BBOX)
    with app.test_request_context("/"):
        first = layers.proposals_layer(consultation, bbox=bbox)
        assert layers.proposals_layer(consultation, bbox=bbox) is first
        assert layers.figures_layer(consultation) is layers.figures_layer(consultation)
        factory.proposal(consultation, commune, **POINT)
        again = layers.proposals_layer(consultation, bbox=bbox)
    assert again is not first and len(json.loads(again.body)["features"]) == 2


@pytest.mark.parametrize("path", [COMMUNES, PROPOSALS, f"{PROPOSALS}?bbox={BBOX}"])
def test_layers_are_gzipped_for_clients_that_accept_it(client, factory, path):
    consultation = factory.consultation()
    commune = factory.commune(size=1)
    factory.proposal(consultation, commune, **POINT)
    separator = "&" if "?" in path else "?"
    url = f"{path}{separator}consultation={consultation.slug}"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert all("Accept-Encoding" in answer.headers["Vary"] for answer in (plain, zipped))
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert zipped.mimetype == "application/geo+json"
    again = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_participants_are_refreshed_in_the_background(tmp_path):
    """With a minimum age, known participants are served while a thread counts them again."""
    url = f"sqlite:///{tmp_path / 'figures.sqlite3'}"
    app = make_test_app(url, tmp_path / "instance", ROADMAP_MAP_PARTICIPANTS_MIN_AGE=1e-9)
    factory = Factory()
    with app.app_context():
        upgrade()
        consultation = factory.consultation()
        commune = factory.commune("background", size=1)
        factory.proposal(consultation, commune, factory.user(), **POINT)
        db.session.commit()
        slug, client = consultation.slug, app.test_client()

        def figures() -> tuple[int, int]:
            data = json.loads(client.get(COMMUNES, query_string={"consultation": slug}).data)
            props = next(f["properties"] for f in data["features"] if f["id"] == "background")
            return props["proposals"], props["participants"]

        assert figures() == (1, 1)
        factory.proposal(consultation, commune, factory.user(), **POINT)
        db.session.commit()
        # Counts follow at once; the participants known so far are served while counted again.
        assert figures() == (2, 1)
        assert queries.wait_for_refreshes(timeout=60)
        assert figures() == (2, 2)
        db.session.remove()
        db.engine.dispose()
