"""geopandas stays off the request path: a fresh process serves the layers and the map page."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flask_migrate import upgrade

from roadmap.accounts.models import User
from roadmap.demo import load_demo
from roadmap.extensions import db
from roadmap.maps.queries import published_snapshot
from tests.conftest import make_test_app
from tests.maps.conftest import publish_roadmap

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from roadmap import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "TESTING": True})
client = app.test_client()
slug = sys.argv[2]
urls = ["/api/v1/communes.geojson", "/api/v1/proposals.geojson?bbox=-8.2,31.4,-7.8,31.8",
        "/api/v1/roadmaps/%s.geojson" % slug, "/c/%s/map" % slug]
statuses = [client.get(url).status_code for url in urls]
print(json.dumps({"statuses": statuses, "geopandas": "geopandas" in sys.modules}))
"""


def test_geopandas_is_not_imported_to_serve_maps(tmp_path):
    url = f"sqlite:///{tmp_path / 'maps.sqlite3'}"
    app = make_test_app(url, tmp_path / "instance")
    with app.app_context():
        upgrade()
        consultation = load_demo(echo=lambda *_: None)
        if published_snapshot(consultation.id) is None:
            organiser = db.session.scalar(db.select(User).limit(1))
            publish_roadmap(consultation, organiser, [{
                "rank": 1, "axis": consultation.axes[0], "title_i18n": {"fr": "Item"},
                "communes": consultation.prefecture.communes[:2]}])
        db.session.commit()
        slug = consultation.slug
        db.engine.dispose()
    result = subprocess.run([sys.executable, "-c", SCRIPT, url, slug], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"statuses": [200, 200, 200, 200], "geopandas": False}
