"""Write the benchmark's results as Markdown and JSON in bench/results/."""
from __future__ import annotations

import json
from pathlib import Path

LABELS = {
    "ping": "floor: /__ping through the same stack",
    "raw_list_sql": "floor: the list's SQL, run directly (1 connection)",
    "list": "proposal list (commune filter; supports/newest/random; pages 1-2)",
    "proposal_empty": "proposal page, least discussed (0 comments)",
    "proposal_heavy": "proposal page, 5,000 comments (first page shown)",
    "votes": "cast + withdraw supports (distinct signed-in users, CSRF)",
    "map_visible": "map: proposals layer, visible area",
    "map_whole": "map: proposals layer, whole prefecture",
    "communes_layer": "map: communes layer",
    "list_signed_in": "proposal list, signed-in readers (no page cache)",
    "proposal_empty_signed_in": "proposal page, least discussed, signed-in readers",
    "proposal_heavy_signed_in": "proposal page, 5,000 comments, signed-in readers",
}
ORDER = ["ping", "raw_list_sql", "list", "list_signed_in", "proposal_empty",
         "proposal_empty_signed_in", "proposal_heavy", "proposal_heavy_signed_in", "votes",
         "map_visible", "map_whole", "communes_layer"]


# Why a target is missed, and what it would take (from the profiles of 2026-11-25; README).
WHY = {
    "list": "a visitor's random order is one page per order (100 orders), so about a third of "
            "the requests render a page (about 25 ms of Python) and sort in SQL; 300/s on 2 "
            "cores means about 6 ms a request: cards rendered outside Jinja, or more cores "
            "(pages scale out over several app servers on one PostgreSQL).",
    "list_signed_in": "signed-in readers always render the page (cards and filters are kept "
                      "as fragments, but the support buttons and the menu are theirs): about "
                      "26 ms of Python a page; same remedies as the list.",
    "proposal_empty_signed_in": "17 ms of Python a page for a signed-in reader (the menu, the "
                                "forms, the participation block): the 2 cores are shared by "
                                "3 workers, the database and wrk.",
    "proposal_heavy_signed_in": "the first 20 threads (52 comments) each carry the reader's "
                                "like, report and edit controls: 62 ms against 17 ms; loading "
                                "the comments after the page, on demand, would put it within "
                                "20 % of the empty page.",
    "votes": "a support costs about 11 ms of Python (session, checks, write, the answer's "
             "fragments) and SQLite serialises writers; on PostgreSQL its backends share the "
             "same 2 cores. A leaner answer (204 and the counter) or more cores.",
    "export": "CSV and XLSX write a million support rows and 200,000 comments in Python "
              "(streamed, so memory holds); the PDF imports WeasyPrint, matplotlib and "
              "geopandas (about 186 MB before drawing) and draws the maps: drawing them without "
              "geopandas or from kept PNGs is the next step. Each command pays ~2 s to start.",
    "communes_layer": "participants per commune (distinct people over a million supports) take "
                      "about 2 s once per worker process; later refreshes run in the "
                      "background. A participants table kept at write time would remove it.",
}


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:.1f}x" if floor else "-"


def verdicts(results: dict) -> list[str]:
    """Each target of issue 8, met or missed, from the figures."""
    from bench.run import TARGETS

    s, lines = results["scenarios"], []
    for name, target in TARGETS.items():
        figures = s.get(name)
        if not figures or "failed" in figures:
            continue
        parts = []
        for key, limit in target.items():
            value = figures[key.replace("_ms", "_ms")]
            ok = value >= limit if key == "rps" else value <= limit
            parts.append(f"{key} {value} ({'>=' if key == 'rps' else '<='} {limit}: "
                         f"{'met' if ok else 'MISSED'})")
        if name == "votes":
            parts.append(f"errors {figures['errors']} ({'met' if not figures['errors'] else 'MISSED'})")
        lines.append(f"- {name}: " + "; ".join(parts))
    for name, figures in s.items():
        if isinstance(figures, dict) and figures.get("requests") == 0:
            lines.append(f"- {name}: no request completed within the run (each took longer "
                         "than wrk's 10 s timeout or queued behind one that did): MISSED")
    for suffix, who in (("", "visitors"), ("_signed_in", "signed-in readers")):
        heavy, empty = s.get(f"proposal_heavy{suffix}", {}), s.get(f"proposal_empty{suffix}", {})
        if "p95_ms" in heavy and "p95_ms" in empty:
            ratio = heavy["p95_ms"] / max(empty["p95_ms"], 1e-9)
            lines.append(f"- 5,000-comment page p95 within 20 % of the empty one, {who}: "
                         f"{ratio:.2f}x ({'met' if ratio <= 1.2 else 'MISSED'})")
    whole = results.get("layers", {}).get("proposals_whole", {})
    if whole.get("status") == 200:
        kb = whole["gzip_bytes"] / 1024
        lines.append(f"- whole prefecture's points < 100 KB gzipped: {kb:.0f} KB "
                     f"({'met' if kb < 100 else 'MISSED'})")
    for fmt, figures in results.get("exports", {}).items():
        if isinstance(figures, dict) and "seconds" in figures:
            ok = figures["seconds"] < 10 and figures["peak_rss_mb"] < 200 and not figures["exit"]
            lines.append(f"- export {fmt} < 10 s and 200 MB (peak includes the app's ~125 MB): "
                         f"{figures['seconds']} s, "
                         f"{figures['peak_rss_mb']} MB peak, exit {figures['exit']} "
                         f"({'met' if ok else 'MISSED'})")
        elif isinstance(figures, dict) and "failed" in figures:
            lines.append(f"- export {fmt}: {figures['failed']} (MISSED)")
    consolidation = results.get("consolidation", {})
    if "seconds" in consolidation:
        lines.append(f"- consolidation < 5 s: {consolidation['seconds']} s "
                     f"({'met' if consolidation['seconds'] < 5 else 'MISSED'})")
    return lines


def why_missed(results: dict) -> list[str]:
    """Why each missed target is missed (a line per subject of :data:`WHY`)."""
    keys = set()
    for line in verdicts(results):
        if "MISSED" not in line:
            continue
        name = line[2:].split(":")[0]
        if name.startswith("export"):
            name = "export"
        elif name.startswith("5,000-comment page"):
            name = "proposal_heavy_signed_in"
        keys.add(name)
    return [f"- {key}: {WHY[key]}" for key in sorted(keys) if key in WHY] or ["- none"]


def markdown(results: dict) -> str:
    """The Markdown report."""
    env, s = results["environment"], results["scenarios"]
    ping_rps = s.get("ping", {}).get("rps", 0)
    ping_p50 = s.get("ping", {}).get("p50_ms", 0)
    sql_p50 = s.get("raw_list_sql", {}).get("p50_ms", 0)
    rows = ["| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | KB/resp | "
            "req/s vs ping | p50 vs ping |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ping_p50 = s.get("ping", {}).get("p50_ms", 0)
    for name in ORDER:
        f = s.get(name)
        if not f:
            continue
        if "failed" in f:
            rows.append(f"| {LABELS[name]} | failed: {f['failed']} | | | | | | | |")
            continue
        rows.append(f"| {LABELS[name]} | {f['rps']} | {f['p50_ms']} | {f['p95_ms']} | "
                    f"{f['p99_ms']} | {f['errors']} | {f.get('kb_per_response', '-')} | "
                    f"{_ratio(ping_rps, f['rps']) if name != 'raw_list_sql' else '-'} | "
                    f"{_ratio(f['p50_ms'], ping_p50) if name != 'raw_list_sql' else '-'} |")
    layers = results.get("layers", {})
    layer_lines = [f"- {name}: HTTP {v['status']}" if "bytes" not in v else
                   f"- {name}: HTTP {v['status']}, {v['bytes'] / 1024:.0f} KB raw, "
                   f"{v['gzip_bytes'] / 1024:.0f} KB gzipped"
                   + (f", {v['features']} features" if "features" in v else "")
                   for name, v in layers.items()]
    facts = results["facts"]
    return "\n".join([
        f"# Benchmark {env['date']} on {env['db']} ({env['size']} data)", "",
        f"Database `{env['database']}`; gunicorn {env['workers']} sync workers on 127.0.0.1; "
        f"wrk 2 threads, {env['connections']} connections ({env['vote_connections']} for votes), "
        f"{env['duration_s']} s per scenario; {env['cpus']} CPUs shared with the load generator; "
        f"Python {env['python']}; {env['machine']}. Load average (1, 5, 15 min) at start "
        f"{env.get('load_average_at_start')}, at end {env.get('load_average_at_end')}: other "
        "work on the machine takes CPU from the server and the load generator.", "",
        f"Rows: {facts['rows']}. Heavy proposal {facts['heavy']} "
        f"({facts['heavy_comments']} comments); least discussed proposal {facts['empty']} "
        f"({facts.get('empty_comments', 0)} comments). "
        f"Visible area {facts['visible_bbox']} (around {facts['visible_commune']}). "
        f"Data generated in this run: {results.get('generated_s') or 'no (reused)'} s.", "",
        "## Throughput and latency", "", *rows, "",
        f"The list's ratio to its SQL floor (p50): "
        f"{_ratio(s.get('list', {}).get('p50_ms', 0), sql_p50)}. "
        "Ratios to /__ping: how many times slower than a request that does nothing.", "",
        "## CPU per request, in-process (less sensitive to a busy machine)", "",
        "| scenario | CPU ms / request | wall p50 ms | est. req/s on 2 dedicated cores |",
        "|---|---:|---:|---:|",
        *[f"| {LABELS.get(name, name)} | {v['cpu_ms']} | {v['wall_p50_ms']} | "
          f"{v['est_rps_2_cores']} |" for name, v in results.get("cpu_per_request", {}).items()],
        "", "On PostgreSQL the database's CPU is not in these figures (another process).", "",
        "## Targets (issue 8)", "", *verdicts(results), "",
        "## Missed: why, and what it would take", "", *why_missed(results), "",
        "## Map layers", "", *(layer_lines or ["- not measured"]), "",
        "## Votes: consistency after the storm", "",
        f"- {json.dumps(results.get('votes_check', {}))}", "",
        "## Consolidation of the whole consultation", "",
        f"- {json.dumps(results.get('consolidation', {}))}", "",
        "## Exports", "", f"- {json.dumps(results.get('exports', {}))}", ""])


def write_report(results: dict, folder: Path) -> list[Path]:
    """Write ``<date>-<db>-<size>.md`` and ``.json`` into ``folder``; returns their paths."""
    env = results["environment"]
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{env['date'][:10]}-{env['db']}-{env['size']}"
    md, js = folder / f"{stem}.md", folder / f"{stem}.json"
    md.write_text(markdown(results))
    js.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return [md, js]
