"""Harvesting every proposal through the JSON API: by page number or by cursor.

    .venv/bin/python bench/api_harvest.py                 # stress data (20,000 proposals)
    .venv/bin/python bench/api_harvest.py --size tiny     # does it work?

Reads the bench consultation's proposals 100 at a time through the real app in-process (the
Flask test client: no server, no network), once with ``page=1, 2, ...`` and once with
``after=<last id>``, and times each request (wall clock). Writes
``bench/results/<date>-api-harvest-<db>.md`` with the load average before and after; a run
that starts above 1.0 is marked noisy. Data: ``bench/generate.py`` (generated if missing, in
the same database as ``bench/run.py``).
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.run import database_url, parse_args  # noqa: E402

PER_PAGE = 100


def _harvest(client, slug: str, cursor: bool) -> list[float]:
    """Milliseconds of each request of one full harvest."""
    times, page, after = [], 1, 0
    while True:
        query = f"after={after}" if cursor else f"page={page}"
        start = time.perf_counter()
        response = client.get(f"/api/v1/proposals?consultation={slug}&per_page={PER_PAGE}&"
                              + query)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = response.get_json()
        if not body["data"] or not body["links"].get("next"):
            return times
        page += 1
        after = body["data"][-1]["id"]


def _row(name: str, times: list[float]) -> str:
    tail = times[-10:]
    return (f"| {name} | {len(times)} | {sum(times) / 1000:.1f} | {statistics.median(times):.1f} "
            f"| {statistics.median(times[:10]):.1f} | {statistics.median(tail):.1f} |")


def main(argv=None) -> None:
    args = parse_args(argv)
    url = database_url(args)
    app = generate.prepare(url)
    with app.app_context():
        from roadmap.extensions import db

        if generate.existing_consultation_id(db) is None:
            generate.generate(app, args.size, args.seed)
    app.config["ROADMAP_RATELIMIT_API"] = "1000000 per minute"
    client = app.test_client()
    load_before = os.getloadavg()  # once the data is there: generating it loads the machine
    by_page = _harvest(client, generate.SLUG, cursor=False)
    by_cursor = _harvest(client, generate.SLUG, cursor=True)
    load_after = os.getloadavg()
    noisy = load_before[0] > 1.0
    lines = [
        f"# Harvesting the proposals through the API ({args.db}, {args.size} data, {date.today()})",
        "",
        f"Command: `.venv/bin/python bench/api_harvest.py --db {args.db} --size {args.size}`. "
        f"Load average before {load_before[0]:.2f} / {load_before[1]:.2f} / "
        f"{load_before[2]:.2f}, after {load_after[0]:.2f}."
        + (" **Noisy run** (load above 1.0 at the start): not to be compared." if noisy else ""),
        "",
        f"{PER_PAGE} proposals a request, in-process (Flask test client), wall clock in ms.",
        "",
        "| read by | requests | total s | median ms | median of the first 10 | "
        "median of the last 10 |",
        "|---|---:|---:|---:|---:|---:|",
        _row("page number (`page=`)", by_page),
        _row("cursor (`after=`)", by_cursor),
        "",
    ]
    out = ROOT / "bench" / "results" / f"{date.today()}-api-harvest-{args.db}.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
