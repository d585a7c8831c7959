"""Synthetic data for the benchmark: the real communes, synthetic people, proposals and votes.

    .venv/bin/python bench/generate.py --size realistic|stress|tiny --database URL --seed 1

Migrates the database to head, imports the 19 real communes of the Prefecture of Marrakech
(``import_bundled_communes``) if it has none, and adds the consultation ``bench`` (today in its
voting phase) with users, proposals, supports and comments, in bulk (SQLAlchemy core
``executemany`` in chunks; PostgreSQL ``COPY`` for the large tables). Every row is synthetic
and marked so: ``is_demo = True`` and "(synthetic)" in every title, body and name.

- people live in a commune chosen in proportion to its 2024 population, and so do proposals;
- supports follow a Zipf law over the proposals (a few very supported, a long tail);
- three quarters of the proposals carry a point inside their commune's real boundary;
- titles and bodies are Arabic (60 %) or French, ``search_text`` is ``fold(title + body)``;
- counters (``supports_count``, ``comments_count``) equal the rows; likes are not generated.
- one proposal carries HEAVY comments (5,000 in realistic and stress) for the page benchmark;
- a consolidation run and a published roadmap version (``publish_bench_roadmap``), for the
  roadmap's exports (PDF).

Running it again on a database that already has the consultation adds only what is missing
of that list's last item (a published roadmap); the rest is left as it is.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLUG = "bench"
PASSWORD = "bench-password-synthetic"
CHUNK = 20_000
SIZES = {
    "tiny": dict(users=2_000, proposals=300, votes=10_000, comments=1_500, heavy=300),
    "realistic": dict(users=60_000, proposals=5_000, votes=300_000, comments=30_000, heavy=5_000),
    "stress": dict(users=200_000, proposals=20_000, votes=1_000_000, comments=200_000,
                   heavy=5_000),
}
STAKEHOLDERS = ["citizen"] * 6 + ["association"] * 2 + ["economic_actor", "elected_official"]
COMMENT_TEXTS = [
    "أوافق، هذه أولوية حقيقية في جماعتنا. (تعليق اصطناعي)",
    "يجب إشراك الجمعيات المحلية في التنفيذ. (تعليق اصطناعي)",
    "الطريق إلى المدرسة صعبة في الشتاء، نحتاج هذا المشروع. (تعليق اصطناعي)",
    "Je soutiens, c'est urgent pour les familles du quartier. (synthetic)",
    "Il faudrait préciser le coût et le calendrier. (synthetic)",
    "Pas convaincu : d'autres besoins passent avant. (synthetic)",
]


def parse_args(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="realistic")
    parser.add_argument("--database", required=True, help="SQLAlchemy URL")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def now() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(timezone.utc)


# --- the app side: migrations, communes, the consultation ---------------------------------------

def prepare(database_url: str):
    """Create the app on ``database_url``, migrate it and import the communes if missing."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from roadmap import create_app
    from roadmap.extensions import db
    from roadmap.territory.models import Commune

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        if not db.session.scalar(select(func.count(Commune.id))):
            from roadmap.territory.services import import_bundled_communes

            import_bundled_communes()
            db.session.commit()
    return app


def existing_consultation_id(db) -> int | None:
    """The id of the bench consultation if it was generated already."""
    from sqlalchemy import select

    from roadmap.consultations.models import Consultation

    return db.session.scalar(select(Consultation.id).where(Consultation.slug == SLUG))


def add_consultation(db, size: str, seed: int):
    """The consultation ``bench``: four axes, today in its voting phase (proposals open too)."""
    from sqlalchemy import select

    from roadmap.consultations.models import Consultation, ConsultationPhase, StrategicAxis
    from roadmap.consultations.phases import today
    from roadmap.demo import AXES
    from roadmap.territory.models import Prefecture

    consultation = Consultation(
        slug=SLUG, prefecture=db.session.scalar(select(Prefecture).order_by(Prefecture.id)),
        title_i18n={lang: f"Benchmark consultation (synthetic, {size}, seed {seed})"
                    for lang in ("ar", "fr", "en")},
        description_i18n={"en": f"size={size} seed={seed} (synthetic)"},
        voting_during_proposals=True, is_demo=True, status="published")
    for position, (code, title) in enumerate(AXES, start=1):
        consultation.axes.append(StrategicAxis(code=code, position=position, title_i18n=title))
    start = today()
    for kind, first, last in [("diagnosis", -60, -41), ("proposals", -40, -11),
                              ("voting", -10, 30), ("evaluation", 31, 50),
                              ("roadmap", 51, 70), ("implementation", 71, 800)]:
        consultation.phases.append(ConsultationPhase(
            kind=kind, starts_on=start + timedelta(days=first),
            ends_on=start + timedelta(days=last)))
    db.session.add(consultation)
    db.session.commit()
    return consultation


# --- bulk writing -------------------------------------------------------------------------------

def next_id(connection, table) -> int:
    """The first free id of ``table``."""
    from sqlalchemy import func, select

    return (connection.scalar(select(func.max(table.c.id))) or 0) + 1


def bulk_insert(engine, table, columns: list[str], rows) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) in chunks; COPY on PostgreSQL."""
    if engine.dialect.name == "postgresql":
        return _copy(engine, table, columns, rows)
    from sqlalchemy import insert

    count = 0
    statement = insert(table)
    with engine.begin() as connection:
        for chunk in _chunks(rows):
            connection.execute(statement, [dict(zip(columns, row)) for row in chunk])
            count += len(chunk)
    return count


def _copy(engine, table, columns, rows) -> int:
    raw = engine.raw_connection()
    count = 0
    try:
        cursor = raw.cursor()
        names = ", ".join(f'"{name}"' for name in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def _chunks(rows):
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def reset_sequences(engine, tables) -> None:
    """After explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    with engine.begin() as connection:
        for table in tables:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM \"{table}\"))"))


def analyze(engine) -> None:
    """Refresh PostgreSQL's planner statistics after the load.

    Not on SQLite: the app never runs ANALYZE there, and with its statistics SQLite's planner
    prefers, for the random order of a commune's list, an index whose rows it must then read
    whole (16 ms instead of 3 for 6,764 proposals): the bench measures what a server has.
    """
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


# --- the synthetic rows -------------------------------------------------------------------------

class Territory:
    """The communes with their population weights and prepared polygons."""

    def __init__(self, communes):
        from shapely.geometry import shape

        self.ids = [c.id for c in communes]
        self.weights = [max(c.population_2024 or 1, 1) for c in communes]
        self.shapes = {c.id: shape(json.loads(c.geometry)) for c in communes}
        self.bounds = {c.id: (c.min_lon, c.min_lat, c.max_lon, c.max_lat) for c in communes}

    def pick(self, rng: random.Random, k: int) -> list[int]:
        """``k`` commune ids drawn in proportion to population."""
        return rng.choices(self.ids, weights=self.weights, k=k)

    def point_in(self, commune_id: int, rng: random.Random) -> tuple[float, float]:
        """A random (lat, lon) inside the commune's real boundary."""
        from shapely import contains_xy

        min_lon, min_lat, max_lon, max_lat = self.bounds[commune_id]
        while True:
            lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
            if contains_xy(self.shapes[commune_id], lon, lat):
                return round(lat, 6), round(lon, 6)


def user_rows(first_id: int, count: int, territory: Territory, rng, password_hash: str):
    """Synthetic participants; their homes follow the population."""
    homes = territory.pick(rng, count)
    created = now() - timedelta(days=50)
    for n in range(count):
        uid = first_id + n
        yield (uid, f"bench-user-{uid:07d}@bench.roadmap.test", password_hash,
               f"مشارك {uid} (synthetic)" if n % 2 else f"Participant {uid} (synthetic)",
               "participant", rng.choice(STAKEHOLDERS), homes[n], True, True, created)


USER_COLUMNS = ["id", "email", "password_hash", "display_name", "role", "stakeholder_type",
                "home_commune_id", "active", "is_demo", "created_at"]


def zipf_counts(total: int, count: int, cap: int, rng, exponent: float = 1.0,
                zero_share: float = 0.0) -> list[int]:
    """``count`` numbers summing to ``total``, Zipf-distributed over a random order.

    The least ``zero_share`` of them are 0 (proposals nobody commented on).
    """
    weights = [1.0 / (rank + 1) ** exponent for rank in range(count)]
    weights[count - int(count * zero_share):] = [0.0] * int(count * zero_share)
    scale = total / sum(weights)
    counts = [min(cap, int(w * scale + rng.random())) for w in weights]
    short = total - sum(counts)  # what the cap cut off goes to the others, one by one
    while short > 0:  # (to those that have some already: the tail keeps its zeros)
        index = rng.randrange(count)
        if 0 < counts[index] < cap:
            counts[index] += 1
            short -= 1
    rng.shuffle(counts)
    return counts


def proposal_rows(first_id: int, spec: dict, consultation, territory: Territory, rng, supports,
                  user_ids: range):
    """Synthetic proposals: (row tuple) with communes by population, Arabic or French text."""
    from roadmap.demo import IDEAS, SDGS
    from roadmap.proposals.text import fold

    axes = [(axis.id, axis.code) for axis in consultation.axes]
    communes = territory.pick(rng, spec["proposals"])
    start = now() - timedelta(days=40)
    for n in range(spec["proposals"]):
        pid = first_id + n
        axis_id, code = axes[n % len(axes)]
        title_ar, body_ar, title_fr, body_fr = rng.choice(IDEAS[code])
        arabic = rng.random() < 0.6
        title = f"{title_ar if arabic else title_fr} {pid} (synthetic)"
        body = f"{body_ar if arabic else body_fr}\n(synthetic / اصطناعي) #{pid}"
        lat, lon = territory.point_in(communes[n], rng) if rng.random() < 0.75 else (None, None)
        created = start + timedelta(seconds=n * (30 * 86400 / spec["proposals"]))
        yield dict(id=pid, consultation_id=consultation.id, commune_id=communes[n],
                   axis_id=axis_id, author_id=rng.choice(user_ids), title=title, body=body, status="published",
                   latitude=lat, longitude=lon, sdg_goals=SDGS[code], origin="online",
                   author_stakeholder_type="citizen", search_text=fold(f"{title}\n{body}"),
                   supports_count=supports[n], comments_count=0, is_demo=True,
                   estimated_cost_mad=rng.choice([None, 250_000, 1_200_000, 4_500_000]),
                   created_at=created, updated_at=created)


def vote_rows(first_id: int, proposal_ids, supports, user_ids: range, rng):
    """Each proposal's supporters: ``supports[i]`` distinct users."""
    vid = first_id
    when = now() - timedelta(days=5)
    for pid, count in zip(proposal_ids, supports):
        for uid in rng.sample(user_ids, count):
            yield (vid, pid, uid, True, when)
            vid += 1


VOTE_COLUMNS = ["id", "proposal_id", "user_id", "is_demo", "created_at"]


def comment_plan(spec: dict, proposal_ids: list[int], rng) -> tuple[list[int], int]:
    """How many comments each proposal gets (Zipf), and the id of the heavy one."""
    heavy = proposal_ids[0]
    counts = zipf_counts(spec["comments"] - spec["heavy"], len(proposal_ids) - 1,
                         spec["heavy"] // 2, rng, exponent=0.9, zero_share=0.3)
    return [spec["heavy"], *counts], heavy


def comment_rows(first_id: int, proposal_ids, counts, user_ids: range, rng):
    """Comments with stances; a quarter are replies to an earlier comment of the proposal."""
    cid = first_id
    start = now() - timedelta(days=9)
    for pid, count in zip(proposal_ids, counts):
        tops: list[int] = []
        for n in range(count):
            parent = rng.choice(tops) if tops and rng.random() < 0.25 else None
            if parent is None:
                tops.append(cid)
            yield (cid, pid, parent, rng.choice(user_ids), rng.choice(COMMENT_TEXTS),
                   rng.choice(["for", "for", "neutral", "against"]), False, 0, True,
                   start + timedelta(seconds=n * 60))
            cid += 1


COMMENT_COLUMNS = ["id", "proposal_id", "parent_id", "author_id", "body", "stance",
                   "is_official", "likes_count", "is_demo", "created_at"]


def generate(app, size: str, seed: int, echo=print) -> dict:
    """Add the bench consultation and its synthetic rows; returns what was written."""
    from sqlalchemy import insert, select

    from roadmap.accounts.models import User
    from roadmap.accounts.services import hash_password
    from roadmap.extensions import db
    from roadmap.participation.models import Comment, Vote
    from roadmap.proposals.models import Proposal
    from roadmap.territory.models import Commune

    spec, rng = SIZES[size], random.Random(seed)
    with app.app_context():
        if existing_consultation_id(db) is not None:
            echo("The bench consultation exists already: nothing to do.")
            return {}
        consultation = add_consultation(db, size, seed)
        territory = Territory(list(db.session.scalars(select(Commune).order_by(Commune.code))))
        engine, written, clock = db.engine, {}, time.perf_counter()
        with engine.connect() as connection:
            first_user = next_id(connection, User.__table__)
            first_proposal = next_id(connection, Proposal.__table__)
            first_vote = next_id(connection, Vote.__table__)
            first_comment = next_id(connection, Comment.__table__)
        written["users"] = bulk_insert(engine, User.__table__, USER_COLUMNS, user_rows(
            first_user, spec["users"], territory, rng, hash_password(PASSWORD)))
        echo(f"  users      {written['users']:>9,}  {time.perf_counter() - clock:6.1f} s")
        user_ids = range(first_user, first_user + spec["users"])
        supports = zipf_counts(spec["votes"], spec["proposals"], spec["users"], rng)
        proposals = list(proposal_rows(first_proposal, spec, consultation, territory, rng,
                                       supports, user_ids))
        proposal_ids = [row["id"] for row in proposals]
        counts, heavy = comment_plan(spec, proposal_ids, rng)
        for row, count in zip(proposals, counts):
            row["comments_count"] = count
        with engine.begin() as connection:
            for chunk in _chunks(proposals):
                connection.execute(insert(Proposal.__table__), chunk)
        written["proposals"] = len(proposals)
        echo(f"  proposals  {len(proposals):>9,}  {time.perf_counter() - clock:6.1f} s")
        written["votes"] = bulk_insert(engine, Vote.__table__, VOTE_COLUMNS, vote_rows(
            first_vote, proposal_ids, supports, user_ids, rng))
        echo(f"  votes      {written['votes']:>9,}  {time.perf_counter() - clock:6.1f} s")
        written["comments"] = bulk_insert(engine, Comment.__table__, COMMENT_COLUMNS, comment_rows(
            first_comment, proposal_ids, counts, user_ids, rng))
        echo(f"  comments   {written['comments']:>9,}  {time.perf_counter() - clock:6.1f} s")
        reset_sequences(engine, ["user_account", "proposal", "vote", "comment"])
        analyze(engine)
        written.update(heavy_proposal=heavy, seconds=round(time.perf_counter() - clock, 1))
        echo(f"  done in {written['seconds']} s (heavy proposal {heavy})")
    written["roadmap_version"] = publish_bench_roadmap(app, echo)
    return written


ROADMAP_CHANGELOG = {"ar": "النسخة الأولى من خارطة الطريق (اصطناعي).",
                     "fr": "Première version de la feuille de route (synthetic).",
                     "en": "First version of the roadmap (synthetic)."}


def publish_bench_roadmap(app, echo=print) -> int | None:
    """Consolidate the bench consultation and publish version 1 of its roadmap, once.

    Stores one consolidation run (default criteria and parameters, published seed "bench"; no
    evaluations, so the priority is the support score), drafts the roadmap from it (its items
    are ``is_demo`` like the proposals they come from) and publishes it with a "(synthetic)"
    change log, as the command line (no acting user). Does nothing when there is no bench
    consultation or its roadmap is published already, so it also completes data generated
    before it existed::

        .venv/bin/python -c "from bench.generate import prepare, publish_bench_roadmap; \\
            publish_bench_roadmap(prepare('sqlite:////work/main/instance/bench-stress.sqlite3'))"

    Snapshots before consolidation and publication are turned off while it runs (they would
    copy the whole database). Returns the published version's number, or ``None``.
    """
    from roadmap.consultations.models import Consultation
    from roadmap.extensions import db
    from roadmap.ranking import services as ranking
    from roadmap.roadmaps import services as roadmaps
    from roadmap.roadmaps.queries import roadmap_of

    with app.app_context():
        consultation = db.session.get(Consultation, existing_consultation_id(db) or 0)
        roadmap = roadmap_of(consultation) if consultation is not None else None
        if consultation is None or (roadmap is not None and roadmap.published is not None):
            echo("No bench consultation, or its roadmap is published already: nothing to do.")
            return None
        snapshots = app.config.get("ROADMAP_SNAPSHOTS")
        app.config["ROADMAP_SNAPSHOTS"] = False
        try:
            clock = time.perf_counter()
            ranking.ensure_criteria(consultation)
            run, _result = ranking.run_consolidation(
                consultation, None, ranking.parameters_for(consultation, seed=SLUG),
                label="Bench run (synthetic)")
            echo(f"  consolidation run {run.id}  {time.perf_counter() - clock:6.1f} s")
            roadmap = roadmaps.draft_from_run(consultation, run, None)
            version = roadmaps.publish(roadmap, None, ROADMAP_CHANGELOG)
            db.session.commit()
            echo(f"  roadmap v{version.number} published ({len(roadmap.items)} items)  "
                 f"{time.perf_counter() - clock:6.1f} s")
            return version.number
        finally:
            app.config["ROADMAP_SNAPSHOTS"] = snapshots


def main(argv=None) -> None:
    """Generate the data set named by ``--size`` into ``--database``."""
    args = parse_args(argv)
    app = prepare(args.database)
    print(f"Generating {args.size} (seed {args.seed}) into "
          f"{args.database.rsplit('@', 1)[-1]}")
    generate(app, args.size, args.seed)
    with app.app_context():
        from roadmap.extensions import db

        db.engine.dispose()


if __name__ == "__main__":
    main()
