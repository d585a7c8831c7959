"""Geodata exports read back with geopandas: GeoJSON layers and the GeoPackage's layers."""
from __future__ import annotations

import io

import geopandas
import pyogrio
from sqlalchemy import text

from roadmap.extensions import db
from tests.exports.conftest import publish_small_roadmap


def test_proposals_geojson_reads_back_with_public_located_proposals_only(client, demo):
    response = client.get(f"/c/{demo.slug}/exports/proposals.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    frame = geopandas.read_file(io.BytesIO(response.data))
    expected = db.session.execute(text(
        "SELECT count(*) FROM proposal WHERE consultation_id = :c AND status = 'published' "
        "AND hidden_at IS NULL AND latitude IS NOT NULL AND longitude IS NOT NULL"),
        {"c": demo.id}).scalar()
    assert len(frame) == expected > 0
    assert set(frame.geom_type) == {"Point"}
    assert {"id", "title", "commune", "axis", "supports", "comments"} <= set(frame.columns)
    assert not {"author_id", "author_name", "email"} & set(frame.columns)


def test_communes_geojson_has_the_polygons(client, demo):
    frame = geopandas.read_file(io.BytesIO(
        client.get(f"/c/{demo.slug}/exports/communes.geojson").data))
    assert len(frame) == 19 and set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
    assert "مراكش المدينة" in set(frame["name_ar"])


def test_geopackage_has_three_layers_once_the_roadmap_is_published(client, fresh, factory,
                                                                   tmp_path):
    before = tmp_path / "before.gpkg"
    before.write_bytes(client.get(f"/c/{fresh.slug}/exports/consultation.gpkg").data)
    assert {name for name, _kind in pyogrio.list_layers(before)} == {"proposals", "communes"}
    publish_small_roadmap(fresh, factory.user("organiser"))
    after = tmp_path / "after.gpkg"
    after.write_bytes(client.get(f"/c/{fresh.slug}/exports/consultation.gpkg").data)
    assert {name for name, _kind in pyogrio.list_layers(after)} == {
        "proposals", "communes", "roadmap"}
    roadmap = geopandas.read_file(after, layer="roadmap")
    assert sorted(roadmap["rank"]) == [1, 2]
    assert "مشروع ذو أولوية 1" in set(roadmap["title_ar"])


def test_geopackage_proposals_layer_is_the_one_geopandas_makes_of_the_features(
        client, demo, factory, tmp_path):
    import sqlite3

    from pandas.testing import assert_frame_equal

    from roadmap.exports import geo
    from roadmap.territory.models import Commune

    commune = db.session.scalars(db.select(Commune).order_by(Commune.code)).first()
    for cost in (None, 1_500_000):
        factory.proposal(demo, commune, latitude=commune.centroid_lat,
                         longitude=commune.centroid_lon, estimated_cost_mad=cost)
    path = tmp_path / "demo.gpkg"
    path.write_bytes(client.get(f"/c/{demo.slug}/exports/consultation.gpkg").data)
    expected = tmp_path / "expected.gpkg"
    with client.application.test_request_context("/"):  # files' URLs: the same host
        features = list(geo.proposals_features(demo))
    geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326") \
        .to_file(expected, layer="proposals", driver="GPKG")

    def declared(gpkg):
        with sqlite3.connect(gpkg) as connection:
            return connection.execute("PRAGMA table_info(proposals)").fetchall()

    assert declared(path) == declared(expected)
    stored, made = (geopandas.read_file(p, layer="proposals") for p in (path, expected))
    costs = stored["estimated_cost_mad"]
    assert costs.isna().any() and costs.notna().any()  # ints and NULLs: REAL, as geopandas
    assert_frame_equal(stored, made)


def _table_contents(path) -> dict:
    import sqlite3

    with sqlite3.connect(path) as connection:
        layers = [name for (name,) in connection.execute(
            "SELECT table_name FROM gpkg_contents ORDER BY table_name")]
        return {"layers": connection.execute(
                    "SELECT table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id "
                    "FROM gpkg_contents ORDER BY 1").fetchall(),
                "geometry": connection.execute(
                    "SELECT * FROM gpkg_geometry_columns ORDER BY 1").fetchall(),
                "systems": connection.execute(
                    "SELECT * FROM gpkg_spatial_ref_sys ORDER BY srs_id").fetchall(),
                "versions": [connection.execute(f"PRAGMA {pragma}").fetchone()
                             for pragma in ("application_id", "user_version")],
                **{name: (connection.execute(f'PRAGMA table_info("{name}")').fetchall(),
                          connection.execute(f'SELECT * FROM "{name}" ORDER BY fid').fetchall())
                   for name in layers}}


def test_geopackage_writer_matches_gdal_on_mixed_geometries_and_columns(tmp_path):
    from roadmap.exports.gpkg import write_geopackage

    square = [[[-8.0, 31.0], [-7.9, 31.0], [-7.9, 31.1], [-8.0, 31.0]]]
    layers = {
        "areas": [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square},
             "properties": {"rank": 1, "cost": None, "own": True, "name": "مربع"}},
            {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [square]},
             "properties": {"rank": 2, "cost": 1_500_000, "own": False, "name": None,
                            "late": 2.5}}],
        "mixed": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-8.0, 31.5]},
             "properties": {"nothing": None, "ratio": 0.25}},
            {"type": "Feature", "geometry": {"type": "LineString",
                                              "coordinates": [[-8.0, 31.5], [-7.5, 31.7]]},
             "properties": {"nothing": None, "ratio": 1}}],
    }
    ours, theirs = tmp_path / "ours.gpkg", tmp_path / "theirs.gpkg"
    write_geopackage(str(ours), layers.items())
    for name, features in layers.items():
        geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326").to_file(
            theirs, layer=name, driver="GPKG")
    assert _table_contents(ours) == _table_contents(theirs)
    assert {name for name, _kind in pyogrio.list_layers(ours)} == {"areas", "mixed"}
