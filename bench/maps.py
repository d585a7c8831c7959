"""Benchmark of the map layers with 20,000 located proposals in one consultation.

    .venv/bin/python bench/maps.py [--proposals 20000] [--requests 200]

Builds a throw-away SQLite database (migrations, the demo's 19 communes of Marrakech), inserts
the synthetic proposals at random points of the prefecture, then times through the test client:
GET /api/v1/proposals.geojson with random visible areas (bbox) at a city zoom and a prefecture
zoom, GET /api/v1/communes.geojson (figures included) and the map page. Prints p50/p95 in
milliseconds and the body sizes (raw and gzipped). It runs the bbox requests again after adding
an index on proposal (consultation_id, latitude, longitude), to show what the index buys.
A benchmark, not a test: the figures depend on the machine.
"""
from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BBOX = (-8.426, 31.363, -7.736, 32.080)  # lon/lat of the prefecture (data README)


def _setup(folder: Path, count: int):
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from roadmap import create_app
    from roadmap.demo import load_demo
    from roadmap.extensions import db
    from roadmap.proposals.models import Proposal
    from roadmap.territory.models import Commune

    os.environ["ROADMAP_INSTANCE_PATH"] = str(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        consultation = load_demo(echo=lambda *_: None)
        communes = list(db.session.scalars(db.select(Commune.id)))
        axes = [axis.id for axis in consultation.axes]
        random.seed(7)
        rows = [{"consultation_id": consultation.id, "commune_id": random.choice(communes),
                 "axis_id": random.choice(axes), "title": f"Synthetic proposal {n}",
                 "body": "Synthetic.", "status": "published", "search_text": "",
                 "sdg_goals": [], "origin": "online", "supports_count": random.randint(0, 50),
                 "comments_count": random.randint(0, 5), "is_demo": True,
                 "longitude": random.uniform(BBOX[0], BBOX[2]),
                 "latitude": random.uniform(BBOX[1], BBOX[3])} for n in range(count)]
        db.session.execute(insert(Proposal), rows)
        db.session.commit()
        slug = consultation.slug
    return app, slug


def _bboxes(span: float, count: int) -> list[str]:
    boxes = []
    for _ in range(count):
        west = random.uniform(BBOX[0], BBOX[2] - span)
        south = random.uniform(BBOX[1], BBOX[3] - span)
        boxes.append(f"{west:.5f},{south:.5f},{west + span:.5f},{south + span:.5f}")
    return boxes


def _time(client, urls: list[str]) -> tuple[list[float], list[int], list[int], list[int]]:
    timings, sizes, zipped, features = [], [], [], []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        sizes.append(len(response.data))
        zipped.append(len(gzip.compress(response.data)))
        features.append(response.data.count(b'"Feature"'))
    return timings, sizes, zipped, features


def _report(name: str, measured) -> None:
    timings, sizes, zipped, features = measured
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    body, packed = statistics.median(sizes) / 1024, statistics.median(zipped) / 1024
    print(f"{name:<34} p50 {statistics.median(ordered):7.1f} ms  p95 {p95:7.1f} ms  "
          f"features {statistics.median(features):6.0f}  body {body:7.1f} KB"
          f"  gzip {packed:6.1f} KB")


def _run(client, slug: str, requests: int, label: str) -> None:
    base = f"/api/v1/proposals.geojson?consultation={slug}&bbox="
    random.seed(11)
    _report(f"proposals bbox 0.05° {label}", _time(client, [base + box for box in
                                                           _bboxes(0.05, requests)]))
    _report(f"proposals bbox 0.2° {label}", _time(client, [base + box for box in
                                                          _bboxes(0.2, requests)]))
    _report(f"proposals whole (capped) {label}", _time(client, [base.rstrip("&bbox=")] * 20))


def main() -> None:
    """Build the scratch database, time the layers, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        app, slug = _setup(Path(folder), args.proposals)
        print(f"{args.proposals} proposals inserted in {time.perf_counter() - start:.1f} s")
        client = app.test_client()
        with app.app_context():
            _report("communes.geojson (figures)", _time(
                client, [f"/api/v1/communes.geojson?consultation={slug}"] * 20))
            _report("map page /c/<slug>/map", _time(client, [f"/c/{slug}/map"] * 20))
            _run(client, slug, args.requests, "no index")
            from roadmap.extensions import db

            db.session.execute(db.text("CREATE INDEX bench_ix_proposal_point ON proposal "
                                       "(consultation_id, latitude, longitude)"))
            db.session.commit()
            _run(client, slug, args.requests, "+ index")
            db.engine.dispose()


if __name__ == "__main__":
    main()
