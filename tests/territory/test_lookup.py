"""Point-in-commune lookup on the real boundaries; its index follows imports and changes."""
from __future__ import annotations

import importlib
import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

from roadmap import territory
from roadmap.extensions import db
from roadmap.territory.services import import_communes
from tests.territory.conftest import commune

PLACES = [
    ("Jemaa el-Fna", 31.6258, -7.9891, "marrakech-medina"),
    ("Koutoubia", 31.6237, -7.9936, "marrakech-medina"),
    ("Marrakech-Menara airport", 31.6069, -8.0363, "marrakech-menara"),
    ("Jardin Majorelle", 31.6417, -8.0033, "marrakech-gueliz"),
    ("Palmeraie", 31.675, -7.960, "marrakech-annakhil"),
    ("Royal palace", 31.612, -7.985, "mechouar-kasba"),
    ("Agafay desert", 31.46, -8.20, "agafay"),
    # Tamansourt new town, north-west of the city, inside the rural commune of Harbil.
    ("Tamansourt", 31.7333, -8.1167, "harbil"),
    ("Casablanca", 33.5731, -7.5898, None),
    # The point first given for Tamansourt lies outside the prefecture (towards Tameslouht,
    # Al Haouz): Harbil spans 31.70 to 31.88 degrees north.
    ("south-west of the prefecture", 31.5383, -8.1106, None),
]


@pytest.mark.parametrize("name, lat, lon, code", PLACES, ids=[p[0] for p in PLACES])
def test_lookup_finds_the_commune_of_known_places(imported, name, lat, lon, code):
    found = territory.lookup(lat, lon)
    assert (found.code if found else None) == code
    if code:
        assert territory.locate(lat, lon) == commune(code).id


def test_lookup_returns_the_commune_the_demo_expects(imported):
    medina = commune("marrakech-medina")
    assert territory.lookup(medina.centroid_lat, medina.centroid_lon).id == medina.id


@pytest.mark.parametrize("lat, lon", [(math.nan, -8.0), (31.6, math.inf), (None, -8.0),
                                      ("north", "west"), (95.0, -8.0)])
def test_lookup_of_nonsense_is_none(imported, lat, lon):
    assert territory.lookup(lat, lon) is None


def test_lookup_with_no_communes_is_none(app):
    assert territory.lookup(31.6258, -7.9891) is None


def test_index_follows_an_import(app, communes_frame, tmp_path):
    assert territory.lookup(31.6258, -7.9891) is None
    communes_frame.to_file(tmp_path / "all.geojson", driver="GeoJSON")
    import_communes(tmp_path / "all.geojson")
    assert territory.lookup(31.6258, -7.9891).code == "marrakech-medina"
    # Swap the shapes of two arrondissements: the next lookup sees the new boundaries.
    medina = communes_frame["code"] == "marrakech-medina"
    gueliz = communes_frame["code"] == "marrakech-gueliz"
    shapes = communes_frame.geometry.copy()
    communes_frame.loc[medina, "geometry"] = shapes[gueliz].values
    communes_frame.loc[gueliz, "geometry"] = shapes[medina].values
    communes_frame.to_file(tmp_path / "swapped.geojson", driver="GeoJSON")
    result = import_communes(tmp_path / "swapped.geojson")
    assert result.updated == 2
    assert territory.lookup(31.6258, -7.9891).code == "marrakech-gueliz"


def test_index_follows_a_deleted_commune(imported):
    assert territory.lookup(31.6258, -7.9891).code == "marrakech-medina"
    db.session.delete(commune("marrakech-medina"))
    db.session.flush()
    assert territory.lookup(31.6258, -7.9891) is None
    assert territory.lookup(31.6069, -8.0363).code == "marrakech-menara"


def test_pages_and_lookup_do_not_import_geopandas(tmp_path, marrakech_geojson):
    """A fresh process serving pages and lookups never loads geopandas, pyogrio or pandas."""
    script = textwrap.dedent(f"""
        import json, sys
        from flask_migrate import upgrade
        from shapely.geometry import shape
        from roadmap import create_app, territory
        from roadmap.extensions import db
        from roadmap.territory.geometry import outline
        from roadmap.territory.models import Commune, Prefecture

        app = create_app({{"TESTING": True,
                           "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'db.sqlite3'}"}})
        with app.app_context():
            upgrade()
            prefecture = Prefecture(code="07.351", name_fr="Préfecture de Marrakech",
                                    name_ar="عمالة مراكش")
            db.session.add(prefecture)
            features = json.load(open({str(marrakech_geojson)!r}))["features"]
            for feature in features:
                o, p = outline(shape(feature["geometry"])), feature["properties"]
                db.session.add(Commune(
                    prefecture=prefecture, code=p["code"], name_ar=p["name_ar"],
                    name_fr=p["name_fr"], area_km2=p["area_km2"], geometry=o.geojson,
                    min_lon=o.min_lon, min_lat=o.min_lat, max_lon=o.max_lon, max_lat=o.max_lat,
                    centroid_lon=o.marker_lon, centroid_lat=o.marker_lat))
            db.session.commit()
            found = territory.lookup(31.6258, -7.9891).code
        client = app.test_client()
        statuses = [client.get(url).status_code
                    for url in ("/communes", "/communes/marrakech-medina?lang=fr")]
        loaded = sorted(m for m in ("geopandas", "pyogrio", "pandas") if m in sys.modules)
        print(json.dumps({{"found": found, "statuses": statuses, "loaded": loaded}}))
    """)
    env = dict(os.environ, ROADMAP_INSTANCE_PATH=str(tmp_path / "instance"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"found": "marrakech-medina", "statuses": [200, 200], "loaded": []}


def test_index_notices_changes_made_by_another_process(imported, monkeypatch):
    """Changes that bypass this process's ORM are seen at the next version check."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    # The package re-exports the function lookup(); the module of the same name holds the index.
    locator = importlib.import_module("roadmap.territory.lookup")
    from roadmap.territory.models import Commune

    assert territory.lookup(31.6258, -7.9891).code == "marrakech-medina"
    medina, gueliz = commune("marrakech-medina"), commune("marrakech-gueliz")
    shapes = {medina.id: gueliz.geometry, gueliz.id: medina.geometry}
    later = datetime.now(timezone.utc) + timedelta(days=1)
    for commune_id, geometry in shapes.items():  # a Core UPDATE: no ORM flush, no event
        db.session.execute(update(Commune).where(Commune.id == commune_id)
                           .values(geometry=geometry, updated_at=later))
    assert territory.lookup(31.6258, -7.9891).code == "marrakech-medina"  # not checked yet
    monkeypatch.setattr(locator, "RECHECK_SECONDS", 0.0)
    db.session.expire_all()
    assert territory.lookup(31.6258, -7.9891).code == "marrakech-gueliz"
