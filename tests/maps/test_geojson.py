"""The open-data GeoJSON layers: validity (read back with geopandas), figures, filters, caching."""
from __future__ import annotations

import gzip
import io
import json

import geopandas
import shapely
from sqlalchemy import text

from roadmap.extensions import db
from roadmap.maps import geojson as layers
from roadmap.territory.models import Commune
from tests.maps.conftest import publish_roadmap

COMMUNES = "/api/v1/communes.geojson"
PROPOSALS = "/api/v1/proposals.geojson"


def read(response) -> geopandas.GeoDataFrame:
    """The response body read back by geopandas."""
    return geopandas.read_file(io.BytesIO(response.data))


def exteriors_ccw(geometry) -> bool:
    """Exterior rings counter-clockwise and holes clockwise (RFC 7946 right-hand rule)."""
    polygons = getattr(geometry, "geoms", [geometry])
    return all(polygon.exterior.is_ccw and not any(ring.is_ccw for ring in polygon.interiors)
               for polygon in polygons)


# -- communes --------------------------------------------------------------------------------

def test_communes_layer_is_valid_geojson_with_every_demo_commune(client, demo):
    response = client.get(COMMUNES)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    frame = read(response)
    assert frame.crs.to_epsg() == 4326
    codes = set(db.session.scalars(db.select(Commune.code)))
    assert len(codes) == 19 and set(frame["code"]) == codes
    assert frame.geometry.is_valid.all()
    assert all(exteriors_ccw(shape) for shape in frame.geometry)
    assert {"name_ar", "name_fr", "population_2024", "proposals", "supports",
            "participants"} <= set(frame.columns)


def test_communes_figures_match_plain_sql_counts(client, demo):
    features = json.loads(client.get(COMMUNES, query_string={"consultation": demo.slug}).data)
    got = {f["properties"]["code"]: f["properties"] for f in features["features"]}
    public = ("p.consultation_id = :c AND p.status = 'published' AND p.hidden_at IS NULL")
    counts = db.session.execute(text(
        f"SELECT m.code, COUNT(p.id), COALESCE(SUM(p.supports_count), 0) FROM proposal p "
        f"JOIN commune m ON m.id = p.commune_id WHERE {public} GROUP BY m.code"),
        {"c": demo.id}).all()
    supports_from_votes = dict(db.session.execute(text(
        f"SELECT m.code, COUNT(v.id) FROM vote v JOIN proposal p ON p.id = v.proposal_id "
        f"JOIN commune m ON m.id = p.commune_id WHERE {public} GROUP BY m.code"),
        {"c": demo.id}).all())
    people = db.session.execute(text(
        f"SELECT m.code, p.author_id FROM proposal p JOIN commune m ON m.id = p.commune_id "
        f"WHERE {public} AND p.origin = 'online' AND p.author_id IS NOT NULL "
        f"UNION SELECT m.code, v.user_id FROM vote v JOIN proposal p ON p.id = v.proposal_id "
        f"JOIN commune m ON m.id = p.commune_id WHERE {public} "
        f"UNION SELECT m.code, k.author_id FROM comment k JOIN proposal p ON p.id = k.proposal_id "
        f"JOIN commune m ON m.id = p.commune_id WHERE {public} AND k.author_id IS NOT NULL"),
        {"c": demo.id}).all()
    participants: dict[str, int] = {}
    for code, _user in people:
        participants[code] = participants.get(code, 0) + 1
    assert counts, "the demo has proposals"
    for code, proposals, supports in counts:
        assert got[code]["proposals"] == proposals
        assert got[code]["supports"] == supports == supports_from_votes.get(code, 0)
    for code, props in got.items():
        assert props["participants"] == participants.get(code, 0)
    assert sum(p["proposals"] for p in got.values()) == sum(row[1] for row in counts)


def test_hidden_proposals_are_not_counted(client, factory):
    consultation = factory.consultation()
    commune = factory.commune("hidden-test")
    factory.proposal(consultation, commune, author=factory.user())
    hidden = factory.proposal(consultation, commune, author=factory.user())
    hidden.hidden_at = hidden.created_at
    db.session.flush()
    data = json.loads(client.get(COMMUNES, query_string={"consultation": consultation.slug}).data)
    props = next(f["properties"] for f in data["features"] if f["id"] == "hidden-test")
    assert (props["proposals"], props["participants"]) == (1, 1)


def test_communes_layer_is_under_100_kb_gzipped(client, demo):
    body = client.get(COMMUNES).data
    assert len(gzip.compress(body, 9)) < 100_000


def test_etag_and_last_modified_give_304(client, demo):
    first = client.get(COMMUNES)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(COMMUNES, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get(COMMUNES, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    stale = client.get(COMMUNES, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_etag_changes_when_a_figure_changes(client, factory):
    consultation = factory.consultation()
    commune = factory.commune()
    query = {"consultation": consultation.slug}
    before = client.get(COMMUNES, query_string=query).headers["ETag"]
    factory.proposal(consultation, commune, author=factory.user())
    after = client.get(COMMUNES, query_string=query)
    assert after.headers["ETag"] != before
    assert client.get(COMMUNES, query_string=query,
                      headers={"If-None-Match": before}).status_code == 200


def test_unknown_consultation_is_a_json_404(client, app):
    response = client.get(COMMUNES, query_string={"consultation": "nowhere"})
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]


# -- proposals -------------------------------------------------------------------------------

def test_bbox_keeps_the_points_inside_only(client, factory):
    consultation = factory.consultation()
    commune = factory.commune(size=1)
    inside = factory.proposal(consultation, commune, latitude=31.63, longitude=-7.99)
    outside = factory.proposal(consultation, commune, latitude=31.9, longitude=-7.5)
    factory.proposal(consultation, commune)  # no point: never on the map
    query = {"consultation": consultation.slug, "bbox": "-8.1,31.5,-7.9,31.7"}
    response = client.get(PROPOSALS, query_string=query)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = json.loads(response.data)
    assert [f["properties"]["id"] for f in data["features"]] == [inside.id]
    assert data["truncated"] is False and data["limit"] == 5000
    everything = json.loads(client.get(PROPOSALS, query_string={
        "consultation": consultation.slug}).data)
    assert {f["id"] for f in everything["features"]} == {inside.id, outside.id}
    frame = read(response)
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].equals(shapely.Point(-7.99, 31.63))
    props = data["features"][0]["properties"]
    assert props["url"].endswith(f"/c/{consultation.slug}/proposals/{inside.id}")
    assert {"title", "commune", "axis", "status", "supports", "comments"} <= set(props)


def test_filters_by_axis_commune_and_status_and_hides_hidden(client, factory):
    consultation = factory.consultation()
    one, two = factory.commune("filter-one", size=1), factory.commune("filter-two", size=1)
    point = {"latitude": 31.63, "longitude": -7.99}
    water = factory.proposal(consultation, one, **point)
    water.axis = consultation.axes[2]
    other = factory.proposal(consultation, two, **point)
    withdrawn = factory.proposal(consultation, one, status="withdrawn", **point)
    hidden = factory.proposal(consultation, one, **point)
    hidden.hidden_at = hidden.created_at
    factory.proposal(consultation, one, status="pending", **point)
    db.session.flush()

    def ids(**args):
        data = json.loads(client.get(PROPOSALS, query_string={
            "consultation": consultation.slug, **args}).data)
        return {feature["id"] for feature in data["features"]}

    assert ids() == {water.id, other.id}
    assert ids(axis="water") == {water.id}
    assert ids(commune="filter-two") == {other.id}
    assert ids(status="withdrawn") == {withdrawn.id}
    # A status that is never public is refused (the API's strict parameters), not empty.
    refused = client.get(PROPOSALS, query_string={"consultation": consultation.slug,
                                                  "status": "pending"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "invalid_parameter"


def test_invalid_bbox_is_a_json_400(client, factory):
    consultation = factory.consultation()
    for bbox in ("a,b,c,d", "1,2,3", "-7,31,-8,32", "-8,32,-7,31", "-8,31,-7,nan", "0,0,200,1"):
        response = client.get(PROPOSALS, query_string={"consultation": consultation.slug,
                                                       "bbox": bbox})
        assert response.status_code == 400, bbox
        assert response.get_json()["error"]["parameter"] == "bbox"


def test_the_cap_is_reported(app, factory):
    consultation = factory.consultation()
    commune = factory.commune()
    for _ in range(3):
        factory.proposal(consultation, commune, latitude=31.63, longitude=-7.99)
    with app.test_request_context("/"):
        data = json.loads(layers.proposals_layer(consultation, limit=2).body)
    assert data["truncated"] is True and data["limit"] == 2 and len(data["features"]) == 2


# -- roadmap ---------------------------------------------------------------------------------

def test_roadmap_layer_is_404_before_publication(client, factory):
    consultation = factory.consultation()
    response = client.get(f"/api/v1/roadmaps/{consultation.slug}.geojson")
    assert response.status_code == 404 and response.get_json()["error"]
    assert client.get("/api/v1/roadmaps/nowhere.geojson").status_code == 404


def test_roadmap_layer_has_item_areas_or_their_communes(client, factory):
    consultation = factory.consultation()
    west = factory.commune("road-west", lon=-8.0, lat=31.6, size=0.1)
    east = factory.commune("road-east", lon=-7.9, lat=31.6, size=0.1)
    clockwise = [[-8.0, 31.6], [-8.0, 31.62], [-7.98, 31.62], [-7.98, 31.6], [-8.0, 31.6]]
    publish_roadmap(consultation, factory.user("organiser"), [
        {"rank": 1, "axis": consultation.axes[0], "title_i18n": {"fr": "Deux communes"},
         "communes": [west, east]},
        {"rank": 1, "axis": consultation.axes[2], "title_i18n": {"fr": "Un puits"},
         "geometry": json.dumps({"type": "Point", "coordinates": [-7.95, 31.61]}),
         "communes": [east], "status": "in_progress", "progress": 40},
        {"rank": 2, "axis": consultation.axes[2], "title_i18n": {"fr": "Un bassin"},
         "geometry": json.dumps({"type": "Polygon", "coordinates": [clockwise]})},
    ])
    response = client.get(f"/api/v1/roadmaps/{consultation.slug}.geojson")
    assert response.status_code == 200 and response.headers["ETag"]
    frame = read(response)
    assert frame.crs.to_epsg() == 4326 and len(frame) == 3
    rows = {row.title_i18n["fr"] if isinstance(row.title_i18n, dict)
            else json.loads(row.title_i18n)["fr"]: row for row in frame.itertuples()}
    union = rows["Deux communes"]
    assert union.geometry.geom_type == "Polygon"
    assert abs(union.geometry.area - 0.02) < 1e-6  # both squares, merged
    assert sorted(json.loads(response.data)["features"][0]["properties"]["communes"]) == [
        "road-east", "road-west"]
    well = rows["Un puits"]
    assert well.geometry.geom_type == "Point"
    assert (well.axis, well.status, well.progress, well.rank) == ("water", "in_progress", 40, 1)
    assert exteriors_ccw(rows["Un bassin"].geometry)  # re-oriented from clockwise
    assert exteriors_ccw(union.geometry)
