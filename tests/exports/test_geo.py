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
