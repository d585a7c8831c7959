"""Benchmark of the point-in-commune lookup on the bundled Prefecture of Marrakech.

    .venv/bin/python bench/lookup.py [--points 10000] [--database-url URL]

Imports the bundled communes into a throw-away SQLite database (or the database given, inside
a transaction that is rolled back), then times ``territory.locate`` (the shapely index alone)
and ``territory.lookup`` (the index plus the Commune from the session) over random points in
the prefecture's bounding box. Prints mean, median and p99 in microseconds. A benchmark, not a
test: the figures depend on the machine.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BBOX = (-8.426, 31.363, -7.736, 32.080)  # lon/lat of the prefecture (data README)


def _timings(function, points) -> list[float]:
    timings = []
    for lat, lon in points:
        start = time.perf_counter_ns()
        function(lat, lon)
        timings.append((time.perf_counter_ns() - start) / 1000)
    return timings


def _report(name: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(f"{name:<8} mean {statistics.fmean(ordered):7.1f} µs   median "
          f"{statistics.median(ordered):7.1f} µs   p99 {p99:7.1f} µs   max {ordered[-1]:8.1f} µs")


def main() -> None:
    """Import the bundled communes, then time lookups of random points."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="roadmap-bench-")
    os.environ.setdefault("ROADMAP_INSTANCE_PATH", workdir)
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"

    from flask_migrate import upgrade

    from roadmap import create_app, territory
    from roadmap.extensions import db
    from roadmap.territory.services import import_bundled_communes

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), app.test_request_context():
        upgrade()
        import_bundled_communes()
        rng = random.Random(args.seed)
        points = [(rng.uniform(BBOX[1], BBOX[3]), rng.uniform(BBOX[0], BBOX[2]))
                  for _ in range(args.points)]
        start = time.perf_counter()
        territory.locate(*points[0])  # builds the index
        print(f"index built in {(time.perf_counter() - start) * 1000:.1f} ms "
              f"({db.engine.dialect.name}); {len(points):,} random points in the bounding box")
        hits = sum(territory.locate(lat, lon) is not None for lat, lon in points)
        print(f"{hits:,} points inside a commune, {len(points) - hits:,} outside")
        _report("locate", _timings(territory.locate, points))
        _report("lookup", _timings(territory.lookup, points))
        db.session.rollback()
    if not args.database_url:
        Path(workdir, "bench.sqlite3").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
