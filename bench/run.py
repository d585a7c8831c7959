"""The benchmark: generate (or reuse) the data, serve it with gunicorn, drive it with wrk.

    .venv/bin/python bench/run.py --db sqlite|postgresql [--size stress] [--quick]

Generates the data set (``bench/generate.py``) unless the database has it, starts the app under
gunicorn on 127.0.0.1 (``bench.wsgi:app``, the real app plus ``/__ping``), logs voters in,
then runs Debian's ``wrk`` (installed with apt-get if missing) with ``bench/lua/requests.lua``
against each scenario for ``--duration`` seconds, and writes
``bench/results/<date>-<db>-<size>.md`` and ``.json``: throughput, p50/p95/p99, and each
figure's ratio to its floor (``/__ping`` through the same stack; the list's SQL run directly
on the database). Also times the consolidation of the whole consultation in-process, checks
the counters after the vote storm, and counts "database is locked" in the server's log.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.client import Visitor  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "lua" / "requests.lua"
POSTGRES_ADMIN = os.environ.get("ROADMAP_BENCH_POSTGRES_URL",
                                 "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SORTS = ("supported", "newest", "random")
# GET scenarios also run by signed-in readers (no page cache for them).
SIGNED_IN = ("list", "proposal_empty", "proposal_heavy")
VOTERS, PAIRS_PER_VOTER = 96, 12

# Targets of issue 8 (stress data, 2 cores, 2-3 workers).
TARGETS = {
    "list": {"rps": 300, "p95_ms": 80},
    "proposal_empty": {"p95_ms": 100},
    "proposal_heavy": {"p95_ms": 100},
    "votes": {"rps": 300, "p95_ms": 150, "p99_ms": 500},
    "map_visible": {"p95_ms": 150},
    # The same pages for signed-in readers, whom the page cache never serves.
    "list_signed_in": {"rps": 300, "p95_ms": 80},
    "proposal_empty_signed_in": {"p95_ms": 100},
    "proposal_heavy_signed_in": {"p95_ms": 100},
}


def parse_args(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=sorted(generate.SIZES), default="stress")
    parser.add_argument("--database", help="SQLAlchemy URL (default: one per --db and --size)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exports-only", action="store_true",
                        help="time the consolidation and the exports and add them to today's "
                             "result files")
    parser.add_argument("--requests-only", action="store_true",
                        help="only the HTTP scenarios (no consolidation, no exports)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny data, 3 s per scenario: checks that the bench works")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.duration = "tiny", 3
    return args


# --- database -------------------------------------------------------------------------------------

def database_url(args) -> str:
    """The URL given, or a database of its own per engine and size."""
    if args.database:
        return args.database
    if args.db == "sqlite":
        return f"sqlite:///{ROOT / 'instance' / f'bench-{args.size}.sqlite3'}"
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN)
    name = f"roadmap_bench_{args.size}"
    _create_postgres_database(admin, name)
    return admin.set(database=name).render_as_string(hide_password=False)


def _create_postgres_database(admin, name: str) -> None:
    import psycopg

    libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def bench_facts(app) -> dict:
    """What the scenarios need: slug, communes, the heavy and an empty proposal, areas."""
    from sqlalchemy import func, select

    from roadmap.consultations.models import Consultation
    from roadmap.extensions import db
    from roadmap.proposals.models import Proposal
    from roadmap.territory.models import Commune

    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(
            Consultation.slug == generate.SLUG))
        public = (Proposal.consultation_id == consultation.id) & (Proposal.status == "published")
        heavy = db.session.execute(select(Proposal.id, Proposal.comments_count).where(public)
                                   .order_by(Proposal.comments_count.desc()).limit(1)).one()
        # The least discussed proposal (0 comments in data made by generate.py).
        empty = db.session.execute(select(Proposal.id, Proposal.comments_count).where(public)
                                   .order_by(Proposal.comments_count, Proposal.id).limit(1)).one()
        communes = list(db.session.execute(select(
            Commune.code, Commune.centroid_lon, Commune.centroid_lat, Commune.population_2024)
            .order_by(Commune.code)))
        box = db.session.execute(select(func.min(Commune.min_lon), func.min(Commune.min_lat),
                                        func.max(Commune.max_lon), func.max(Commune.max_lat))).one()
        counts = {name: db.session.scalar(select(func.count()).select_from(model))
                  for name, model in _models().items()}
    busiest = max(communes, key=lambda c: c.population_2024 or 0)
    visible = (busiest.centroid_lon - 0.03, busiest.centroid_lat - 0.02,
               busiest.centroid_lon + 0.03, busiest.centroid_lat + 0.02)
    return {"slug": consultation.slug, "consultation_id": consultation.id,
            "heavy": heavy[0], "heavy_comments": heavy[1], "empty": empty[0],
            "empty_comments": empty[1],
            "communes": [c.code for c in communes], "prefecture_bbox": list(box),
            "visible_bbox": [round(v, 5) for v in visible], "visible_commune": busiest.code,
            "rows": counts}


def _models() -> dict:
    from roadmap.accounts.models import User
    from roadmap.participation.models import Comment, Vote
    from roadmap.proposals.models import Proposal

    return {"users": User, "proposals": Proposal, "votes": Vote, "comments": Comment}


def raw_list_sql_floor(app, facts: dict, seconds: float) -> dict:
    """The list query's SQL run directly (one connection, no ORM, no template): the DB floor."""
    from sqlalchemy import text

    from roadmap.extensions import db

    statement = text(
        "SELECT id, title, body, commune_id, axis_id, supports_count, comments_count, "
        "created_at FROM proposal WHERE consultation_id = :c AND commune_id = "
        "(SELECT id FROM commune WHERE code = :code) AND status = 'published' "
        "AND hidden_at IS NULL ORDER BY supports_count DESC, id DESC LIMIT 20")
    timings, rng = [], random.Random(1)
    with app.app_context(), db.engine.connect() as connection:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection.execute(statement, {"c": facts["consultation_id"],
                                           "code": rng.choice(facts["communes"])}).all()
            timings.append(time.perf_counter() - started)
    return _summary_of(timings, seconds)


def _summary_of(timings: list[float], seconds: float) -> dict:
    ordered = sorted(timings)

    def pick(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"requests": len(ordered), "rps": round(len(ordered) / seconds, 1),
            "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99), "errors": 0}


def time_consolidation(app, facts: dict) -> dict:
    """Run the consolidation of the whole consultation in-process (stored, then rolled back)."""
    try:
        from roadmap.ranking import scoring
        from roadmap.ranking.services import run_consolidation
    except ImportError:
        return {"skipped": "roadmap.ranking.services.run_consolidation does not exist yet"}
    from roadmap.consultations.models import Consultation
    from roadmap.extensions import db

    with app.app_context():
        # A consolidation snapshots the database first (ROADMAP_SNAPSHOTS): a backup's time,
        # not the consolidation's (about 1 s on SQLite, 5 s with pg_dump at this size).
        app.config["ROADMAP_SNAPSHOTS"] = False
        consultation = db.session.get(Consultation, facts["consultation_id"])
        phases: dict[str, float] = {}
        started = time.perf_counter()
        try:
            run_consolidation(consultation, None, scoring.Parameters(), progress=lambda phase:
                              phases.setdefault(phase, round(time.perf_counter() - started, 3)))
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            db.session.rollback()
            return {"error": f"{type(error).__name__}: {error}"}
        total = round(time.perf_counter() - started, 3)
        db.session.rollback()
    return {"seconds": total, "phases_cumulative_s": phases}


def cpu_per_request(facts: dict, url: str, repeat: int = 20) -> dict:
    """CPU milliseconds the app spends on one request of each GET scenario, in-process.

    Contention on a shared machine stretches latencies but much less the CPU a request uses:
    2 cores / CPU per request estimates the throughput of a dedicated 2-core server (on
    PostgreSQL the database's own CPU is not included: it runs in another process).
    Visitors come without cookies, as wrk's do (each a new visitor, kept pages included);
    ``*_signed_in`` is a signed-in reader (never the page cache). Every path is read once
    before measuring, as a running server would have.
    """
    from bench.wsgi import ping  # noqa: F401 - the same app as the server's, with /__ping
    from roadmap import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})  # the login form below, without a token
    app.add_url_rule("/__ping", "ping", ping)
    reader = app.test_client()
    with app.app_context():
        from sqlalchemy import select

        from roadmap.accounts.models import User
        from roadmap.extensions import db

        email = db.session.scalar(select(User.email).where(User.email.like("bench-user-%"))
                                  .order_by(User.id).limit(1))
    if reader.post("/login", data={"email": email, "password": generate.PASSWORD}
                   ).status_code != 302:
        raise SystemExit(f"could not log {email} in, in-process")
    figures, gets = {}, scenarios(facts)
    runs = [(name, lines, None) for name, lines in gets.items()]
    runs += [(f"{name}_signed_in", gets[name], reader) for name in SIGNED_IN]
    for name, lines, client in runs:
        paths = [line.split("\t")[1] for line in lines[::max(1, len(lines) // repeat)]]
        for path in paths:
            (client or app.test_client()).get(path)
        cpu, wall = [], []
        for number in range(repeat):
            asking = client or app.test_client()
            started_cpu, started = time.process_time(), time.perf_counter()
            asking.get(paths[number % len(paths)])
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        mean_cpu = statistics.mean(cpu) * 1000
        figures[name] = {"cpu_ms": round(mean_cpu, 1),
                         "wall_p50_ms": round(statistics.median(wall) * 1000, 1),
                         "est_rps_2_cores": round(2000 / mean_cpu) if mean_cpu else None}
    with app.app_context():
        db.engine.dispose()
    return figures


def time_exports(url: str, slug: str, limit: float = 120) -> dict:
    """Run each full export (``flask export FMT SLUG --full``) in its own process.

    Reports its wall time, the peak memory of the process (the app's own ~150 MB included)
    and the file's size; stops an export after ``limit`` seconds.
    """
    try:
        from roadmap.exports.services import FORMATS
    except ImportError:
        return {"skipped": "roadmap.exports (issue 7) does not exist yet"}
    flask, figures = Path(sys.executable).with_name("flask"), {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            output = Path(folder) / f"export.{fmt}"
            figures[fmt] = _one_export(
                [str(flask), "--app", "roadmap", "export", fmt, slug, "--full", "-o",
                 str(output)], {**os.environ, "ROADMAP_DATABASE_URL": url}, output, limit)
            print(f"  export {fmt}: {json.dumps(figures[fmt])}", flush=True)
    return figures


def _one_export(command, env, output: Path, limit: float) -> dict:
    """Run one export under GNU time: its peak memory is the export's own (a child's
    ``ru_maxrss`` seen by this process would start from this process's own peak: Linux
    carries the high-water mark of the memory a child was forked or vforked from)."""
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as measured:
        process = subprocess.Popen(["/usr/bin/time", "-o", measured.name, "-f", "%M",
                                    *command], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)  # time and the export it runs
            process.wait()
            return {"failed": f"stopped after {limit:.0f} s"}
        lines = [line for line in measured.read().split() if line.isdigit()]
    return {"seconds": round(time.perf_counter() - started, 1), "exit": process.returncode,
            "peak_rss_mb": round(int(lines[-1]) / 1024) if lines else None, "file_mb":
            round(output.stat().st_size / 2**20, 1) if output.exists() else None}


def counters_after(app) -> dict:
    """Do the counters still agree with the rows after the vote storm?"""
    from roadmap.participation.queries import counter_mismatches

    with app.app_context():
        mismatches = counter_mismatches()
    return {"mismatches": len(mismatches), "first": [str(m) for m in mismatches[:5]]}


# --- the server ----------------------------------------------------------------------------------

class Server:
    """gunicorn serving ``bench.wsgi:app`` on a free port of 127.0.0.1."""

    def __init__(self, url: str, workers: int, workdir: Path):
        self.log = workdir / "gunicorn-error.log"
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT), "--error-logfile", str(self.log), "--timeout", "120",
             "--preload",
             "bench.wsgi:app"],
            env={**os.environ, "ROADMAP_DATABASE_URL": url,
                 "ROADMAP_SECRET_KEY": uuid.uuid4().hex,
                 "ROADMAP_SECURE_COOKIES": "0", "ROADMAP_SNAPSHOTS": "0",  # plain http, no backups
                 "ROADMAP_INSTANCE_PATH": str(workdir)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait()

    def _wait(self) -> None:
        for _ in range(240):
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {self.log}:\n{self.log.read_text()[-3000:]}")
            try:
                if Visitor().request(f"{self.base}/__ping", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise SystemExit("gunicorn did not answer")

    def settle(self, limit: float = 300) -> float:
        """Wait until ``/__ping`` answers within 0.5 s (the queue left by wrk is drained)."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            asked = time.perf_counter()
            try:
                Visitor().request(f"{self.base}/__ping", timeout=limit)
            except OSError:
                continue
            if time.perf_counter() - asked < 0.5:
                break
        return time.perf_counter() - started

    def locked_errors(self) -> int:
        """How many times the server's log says "database is locked"."""
        return self.log.read_text(errors="replace").count("database is locked") \
            if self.log.exists() else 0

    def server_errors(self) -> int:
        """Tracebacks in the server's log (500 errors)."""
        return self.log.read_text(errors="replace").count("Traceback") \
            if self.log.exists() else 0

    def stop(self) -> None:
        """Stop gunicorn (its own process only)."""
        self.process.terminate()
        self.process.wait(timeout=60)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- wrk -------------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("could not install wrk")


def run_wrk(base: str, lines: list[str], duration: int, connections: int, workdir: Path,
            name: str, threads: int = 2, warmup: int = 2) -> dict:
    """Drive ``base`` with wrk over ``lines`` for ``duration`` seconds (after a ``warmup``
    whose figures are dropped); returns the figures."""
    requests_file = workdir / f"{name}.requests"
    requests_file.write_text("\n".join(lines) + "\n")
    if warmup:
        _wrk(base, requests_file, warmup, connections, threads)
    raw = _wrk(base, requests_file, duration, connections, threads)
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors",
                                  "status_errors", "timeouts"))
    return {"requests": raw["requests"], "rps": round(raw["requests"] / seconds, 1),
            "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
            "errors": errors, "non_2xx": raw["status_errors"],
            "kb_per_response": round(raw["bytes"] / max(raw["requests"], 1) / 1024, 1)}


def _wrk(base: str, requests_file: Path, duration: int, connections: int, threads: int) -> dict:
    output = subprocess.run(
        [ensure_wrk(), f"-t{threads}", f"-c{max(connections, threads)}", f"-d{duration}s",
         "--timeout", "10s", "-s", str(LUA), base],
        env={**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_THREADS": str(threads)},
        capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH_JSON "))
    return json.loads(line[len("BENCH_JSON "):])


def get_line(path: str) -> str:
    """A request line for an anonymous GET."""
    return f"GET\t{path}\t\t\t"


def list_lines(facts: dict) -> list[str]:
    """The list filtered by each commune, in each sort, pages 1 and 2 (20 a page)."""
    slug = facts["slug"]
    return [get_line(f"/c/{slug}/proposals?commune={code}&sort={sort}&page={page}")
            for code in facts["communes"] for sort in SORTS for page in (1, 2)]


def log_voters_in(app, base: str, count: int) -> list[tuple[int, str, str]]:
    """Log ``count`` synthetic users in through the login form; (user id, cookie, token)."""
    from sqlalchemy import select

    from roadmap.accounts.models import User
    from roadmap.extensions import db

    with app.app_context():
        people = list(db.session.execute(
            select(User.id, User.email).where(User.email.like("bench-user-%"))
            .order_by(User.id).limit(count)))

    def sign_in(person):
        visitor = Visitor()
        status = visitor.login(base, person.email, generate.PASSWORD)
        if status != 302:
            raise SystemExit(f"login of {person.email} answered {status}")
        return person.id, visitor.cookie_header(), visitor.csrf_token

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(sign_in, people))


def vote_lines(app, facts: dict, voters) -> list[str]:
    """Each voter supports then withdraws PAIRS_PER_VOTER proposals they do not support yet.

    Lines go round-robin over the voters, so that one user's requests are far apart in the
    sequence and each voter's requests stay in one wrk thread (see requests.lua).
    """
    from sqlalchemy import select

    from roadmap.extensions import db
    from roadmap.participation.models import Vote
    from roadmap.proposals.models import Proposal

    with app.app_context():
        candidates = list(db.session.scalars(
            select(Proposal.id).where(Proposal.consultation_id == facts["consultation_id"],
                                      Proposal.status == "published")
            .order_by(Proposal.supports_count, Proposal.id).limit(2000)))
        taken = {tuple(row) for row in db.session.execute(select(Vote.user_id, Vote.proposal_id).where(
            Vote.user_id.in_([v[0] for v in voters])))}
    rng, plans = random.Random(7), []
    for user_id, cookie, token in voters:
        free = [p for p in rng.sample(candidates, 4 * PAIRS_PER_VOTER)
                if (user_id, p) not in taken][:PAIRS_PER_VOTER]
        steps = [("vote", p) for p in free] + [("unvote", p) for p in free]
        plans.append([f"POST\t/c/{facts['slug']}/proposals/{p}/{action}\t{cookie}\t{token}\t"
                      f"on_page=1" for action, p in steps])
    return [plan[step] for step in range(2 * PAIRS_PER_VOTER) for plan in plans]


def layer_sizes(base: str, facts: dict) -> dict:
    """Bytes of the whole prefecture's proposals layer and of the communes layer, raw and gzipped."""
    sizes = {}
    for name, path in (("proposals_whole", f"/api/v1/proposals.geojson?consultation="
                                           f"{facts['slug']}"),
                       ("communes", f"/api/v1/communes.geojson?consultation={facts['slug']}")):
        status, body = Visitor().request(base + path, timeout=300)
        sizes[name] = {"status": status, "bytes": len(body),
                       "gzip_bytes": len(gzip.compress(body, 6))}
        if status == 200 and name == "proposals_whole":
            sizes[name]["features"] = len(json.loads(body).get("features", []))
    return sizes


# --- the run -------------------------------------------------------------------------------------

def scenarios(facts: dict) -> dict[str, list[str]]:
    """The GET scenarios: name -> request lines."""
    slug, (w, s, e, n) = facts["slug"], facts["visible_bbox"]
    return {
        "ping": [get_line("/__ping")],
        "list": list_lines(facts),
        "proposal_empty": [get_line(f"/c/{slug}/proposals/{facts['empty']}")],
        "proposal_heavy": [get_line(f"/c/{slug}/proposals/{facts['heavy']}")],
        "map_visible": [get_line(f"/api/v1/proposals.geojson?consultation={slug}"
                                 f"&bbox={w},{s},{e},{n}")],
        "map_whole": [get_line(f"/api/v1/proposals.geojson?consultation={slug}")],
        "communes_layer": [get_line(f"/api/v1/communes.geojson?consultation={slug}")],
    }


def signed_in(lines: list[str], voters) -> list[str]:
    """The same GETs by signed-in readers (their cookies, round robin): never from the page
    cache, which serves only visitors who are not signed in."""
    return [line.replace("\t\t\t", f"\t{voters[n % len(voters)][1]}\t\t", 1)
            for n, line in enumerate(lines * max(1, len(voters) // len(lines)))]


def run(args) -> dict:
    """Everything, in order; returns the results."""
    url = database_url(args)
    app = generate.prepare(url)
    clock = time.perf_counter()
    written = generate.generate(app, args.size, args.seed)
    generated_s = round(time.perf_counter() - clock, 1) if written else None
    facts = bench_facts(app)
    print(f"Data: {facts['rows']}; heavy proposal {facts['heavy']} "
          f"({facts['heavy_comments']} comments), least discussed {facts['empty']} "
          f"({facts['empty_comments']} comments)")
    results = {"scenarios": {}, "facts": facts, "generated_s": generated_s}
    results["scenarios"]["raw_list_sql"] = raw_list_sql_floor(app, facts, min(args.duration, 5))
    results["cpu_per_request"] = cpu_per_request(facts, url)
    print("CPU per request (in-process):", json.dumps(results["cpu_per_request"]))
    workdir = Path(tempfile.mkdtemp(prefix="roadmap-bench-"))
    server = Server(url, args.workers, workdir)
    try:
        voters = log_voters_in(app, server.base, VOTERS)
        gets = scenarios(facts)
        for name in SIGNED_IN:
            gets[f"{name}_signed_in"] = signed_in(gets[name], voters)
        for name, lines in gets.items():
            results["scenarios"][name] = _scenario(
                server, name, lambda lines=lines, name=name: run_wrk(
                    server.base, lines, args.duration, args.connections, workdir, name))
        server.settle()
        try:
            results["layers"] = layer_sizes(server.base, facts)
        except OSError as error:
            results["layers"] = {"proposals_whole": {"status": f"failed: {error}"}}
        results["scenarios"]["votes"] = _scenario(server, "votes", lambda: run_wrk(
            server.base, vote_lines(app, facts, voters),
            args.duration, 2 * args.connections, workdir, "votes", warmup=0))
        results["votes_check"] = {"database_is_locked": server.locked_errors(),
                                  "server_tracebacks": server.server_errors()}
    finally:
        server.stop()
    results.setdefault("votes_check", {}).update(counters_after(app))
    if not args.requests_only:
        results["consolidation"] = time_consolidation(app, facts)
        results["exports"] = time_exports(url, facts["slug"])
    with app.app_context():
        from roadmap.extensions import db

        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    return results


def _scenario(server, name: str, measure) -> dict:
    """Measure one scenario once the server has drained what the last one left queued."""
    server.settle()
    print(f"  {name} ...", end=" ", flush=True)
    try:
        figures = measure()
    except Exception as error:  # noqa: BLE001 - one failed scenario must not lose the others
        figures = {"failed": f"{type(error).__name__}: {error}"}
    print(json.dumps(figures), flush=True)
    return figures


def environment(args, url: str) -> dict:
    """Where and how the figures were measured."""
    from sqlalchemy.engine import make_url

    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "db": args.db, "database": make_url(url).render_as_string(hide_password=True),
            "size": args.size, "seed": args.seed, "workers": args.workers,
            "connections": args.connections, "vote_connections": 2 * args.connections,
            "duration_s": args.duration, "cpus": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "machine": platform.platform()}


def main(argv=None) -> None:
    """Run the benchmark and write the result files."""
    args = parse_args(argv)
    if args.exports_only:
        return exports_only(args)
    ensure_wrk()
    load_before = [round(x, 2) for x in os.getloadavg()]
    results = run(args)
    results["environment"] = environment(args, database_url(args))
    results["environment"]["load_average_at_start"] = load_before
    from bench.report import write_report

    paths = write_report(results, RESULTS)
    print("Wrote", *[str(p.relative_to(ROOT)) for p in paths])


def exports_only(args) -> None:
    """Time the consolidation and the exports and add them to today's result files."""
    from bench.report import write_report

    url = database_url(args)
    stem = f"{datetime.now(timezone.utc).date().isoformat()}-{args.db}-{args.size}"
    results = json.loads((RESULTS / f"{stem}.json").read_text())
    app = generate.prepare(url)
    results["consolidation"] = time_consolidation(app, results["facts"])
    print("  consolidation:", json.dumps(results["consolidation"]), flush=True)
    results["exports"] = time_exports(url, generate.SLUG)
    paths = write_report(results, RESULTS)
    print("Wrote", *[str(p.relative_to(ROOT)) for p in paths])


if __name__ == "__main__":
    main()
