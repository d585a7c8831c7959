"""Real OGC API - Features clients against a live server with the demo: GDAL's OAPIF driver
(through pyogrio, as QGIS reads it) and OWSLib.

The server runs in a process of its own: GDAL holds the GIL in parts of a read, so a server in
a thread of the test's process could not answer it.
"""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pyogrio
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[2]
SLUG = "marrakech-2026-2028"
BBOX = (-8.05, 31.6, -7.95, 31.7)
SERVER = """
import sys
from flask_migrate import upgrade
from werkzeug.serving import make_server
from roadmap.demo import load_demo
from roadmap.extensions import db
from tests.conftest import make_test_app
app = make_test_app(sys.argv[1], sys.argv[2], TESTING=False)
with app.app_context():
    upgrade()
    load_demo(echo=lambda *_: None)
    db.session.commit()
server = make_server("127.0.0.1", 0, app, threaded=True)
print("PORT", server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def features_server(tmp_path_factory):
    """The demo served by another process on 127.0.0.1; yields its base URL."""
    folder = tmp_path_factory.mktemp("features")
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, f"sqlite:///{folder / 'live.sqlite3'}",
         str(folder / "instance")], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("PORT "), "the server did not start"
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def layer(base: str, url: str) -> list[dict]:
    """The app's own GeoJSON layer (``/api/v1/...``): the features the collections serve."""
    with urllib.request.urlopen(base + url, timeout=30) as response:
        return json.loads(response.read())["features"]


def in_bbox(features: list[dict]) -> int:
    box = shapely.box(*BBOX)
    return sum(shapely.from_geojson(json.dumps(feature["geometry"])).intersects(box)
               for feature in features)


def test_gdal_and_owslib_read_every_collection(features_server):
    from owslib.ogcapi.features import Features

    landing = f"OAPIF:{features_server}/api/features"
    expected = {f"{SLUG}-communes": layer(features_server,
                                          f"/api/v1/communes.geojson?consultation={SLUG}"),
                f"{SLUG}-proposals": layer(features_server,
                                           f"/api/v1/proposals.geojson?consultation={SLUG}"),
                f"{SLUG}-roadmap": layer(features_server, f"/api/v1/roadmaps/{SLUG}.geojson")}
    listed = {name: kind for name, kind in pyogrio.list_layers(landing)}
    assert set(listed) == set(expected)
    assert listed[f"{SLUG}-communes"] == "Polygon" and listed[f"{SLUG}-proposals"] == "Point"
    assert listed[f"{SLUG}-roadmap"] == "MultiPolygon"  # polygons promoted: one type per layer
    for name, features in expected.items():
        frame = pyogrio.read_dataframe(landing, layer=name)
        assert len(frame) == len(features) > 0, name
        assert frame.crs.to_string() == "OGC:CRS84"
        subset = pyogrio.read_dataframe(landing, layer=name, bbox=BBOX)
        assert len(subset) == in_bbox(features) < len(features), name
    frame = pyogrio.read_dataframe(landing, layer=f"{SLUG}-communes")
    assert {"code", "name_ar", "proposals", "supports", "participants"} <= set(frame.columns)

    service = Features(f"{features_server}/api/features")
    assert {collection["id"] for collection in service.collections()["collections"]} == set(
        expected)
    for name, features in expected.items():
        page = service.collection_items(name, limit=5)
        assert page["numberMatched"] == len(features) and page["numberReturned"] == 5
        subset = service.collection_items(name, bbox=list(BBOX), limit=1000)
        assert subset["numberMatched"] == len(subset["features"]) == in_bbox(features), name
