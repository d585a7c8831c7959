"""Shared fixtures: the app on SQLite and on PostgreSQL, one rolled-back transaction per test.

Every test that uses ``app`` (or ``client``, ``runner``, ``session``) runs twice: once on a
migrated SQLite file and once on a migrated PostgreSQL database created for this run at
``ROADMAP_TEST_POSTGRES_URL`` (default: the local server, database ``test``).
"""
from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from contextlib import contextmanager
import threading
from pathlib import Path

import psycopg
import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from flask_sqlalchemy.session import Session as FlaskSession

from roadmap import create_app
from roadmap.core.models import utcnow
from roadmap.extensions import db

POSTGRES_URL = os.environ.get("ROADMAP_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).resolve().parent.parent / "roadmap" / "territory" / "data"


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _ensure_postgres(url) -> None:
    """Start the local PostgreSQL cluster if nothing answers (as the machines' notes say)."""
    for attempt in range(20):
        try:
            psycopg.connect(_libpq(url), connect_timeout=3).close()
            return
        except psycopg.OperationalError:
            if attempt == 0 and url.host in ("127.0.0.1", "localhost"):
                versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir(
                    "/etc/postgresql") else []
                if versions:
                    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1],
                                    "main", "start"], check=False)
            time.sleep(0.5)
    raise RuntimeError(f"PostgreSQL does not answer at {url.render_as_string()}")


@contextmanager
def temporary_postgres_database():
    """Create a PostgreSQL database for a test run and drop it afterwards; yields its URL."""
    admin = make_url(POSTGRES_URL)
    _ensure_postgres(admin)
    name = f"roadmap_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL database made for this test run, dropped at the end."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """The URL of a fresh database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def make_test_app(database_url: str, instance: Path, **overrides):
    """Create an app for tests on ``database_url`` with its instance folder in ``instance``."""
    os.environ["ROADMAP_INSTANCE_PATH"] = str(instance)
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": None,
              "ROADMAP_MAP_FIGURES_MIN_AGE": 0, "ROADMAP_MAP_POINTS_MIN_AGE": 0,
              "ROADMAP_MAP_PARTICIPANTS_MIN_AGE": 0,
              # Pages kept for visitors: tests/core/test_page_cache.py; the others read fresh.
              "ROADMAP_PAGE_CACHE_SECONDS": 0,
              # Jobs run when their transaction commits, in this process (live servers too);
              # tests/scale and tests/integrity start real workers on real queues.
              "ROADMAP_TASK_QUEUE": "immediate",
              # Every verification method on, under a fixed key (tests read hashes back).
              "ROADMAP_VERIFICATION_METHODS": "residents_list,code,sms",
              "ROADMAP_VERIFICATION_KEY": "test-verification-key"}
    config.update(overrides)
    app = create_app(config)

    def _fresh_request_globals():
        # Tests keep an app context open around their requests, and a request reuses an open
        # context: clear ``g`` so that no request sees the locale or user cached by another.
        g.__dict__.clear()

    # First of all, before the app's own hooks (which may read the user: guard_drafts).
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)

    return app


@pytest.fixture(scope="session")
def migrated_app(database_url, tmp_path_factory):
    """An app whose database was built by the Alembic migrations."""
    app = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class _BoundSession(FlaskSession):
    """A Flask-SQLAlchemy session that always uses the connection it was given."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def app(migrated_app):
    """The app inside one transaction that is rolled back after the test.

    Commits made by the code under test become savepoints of that transaction.
    """
    with migrated_app.app_context():
        # Ids come back after a rollback: no fragment kept by an earlier test may show.
        if migrated_app.extensions.get("fragment_cache") is not None:
            migrated_app.extensions["fragment_cache"].clear()
        connection = db.engine.connect()
        outer = connection.begin()
        if connection.dialect.name == "sqlite":
            # pysqlite sends no BEGIN before a SAVEPOINT, and releasing a savepoint that opened
            # the transaction commits it: open the real transaction now, so commits stay inside.
            connection.exec_driver_sql("BEGIN")
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": _BoundSession, "bind": connection,
             "join_transaction_mode": "create_savepoint"})
        try:
            yield migrated_app
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    """A test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of :func:`app`."""
    return app.test_cli_runner()


@pytest.fixture
def marrakech_geojson() -> Path:
    """The 19 real communes and arrondissements of the Prefecture of Marrakech."""
    return DATA / "marrakech_communes.geojson"


# --- Factories ---------------------------------------------------------------------------------
# Small real rows for tests that do not need the whole demo. Communes get a square boundary
# around a given point, so they need no GIS import; the demo (``load_demo``) has the real ones.

class Factory:
    """Builds users, communes, consultations and proposals in the test's transaction."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def prefecture(self):
        """The test prefecture (created once)."""
        from sqlalchemy import select

        from roadmap.territory.models import Prefecture

        found = db.session.scalar(select(Prefecture).where(Prefecture.code == "99.999"))
        if found is None:
            found = Prefecture(code="99.999", name_ar="عمالة الاختبار", name_fr="Préfecture test")
            db.session.add(found)
            db.session.flush()
        return found

    def commune(self, code: str | None = None, *, lon: float = -7.99, lat: float = 31.63,
                size: float = 0.01, population: int = 10_000, **fields):
        """A commune whose boundary is a square of ``size`` degrees centred on (lon, lat)."""
        import json

        from roadmap.territory.models import Commune

        n = self._next()
        half = size / 2
        ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
                [lon - half, lat + half], [lon - half, lat - half]]
        commune = Commune(
            prefecture=self.prefecture(), code=code or f"test-commune-{n}",
            name_ar=fields.pop("name_ar", f"جماعة {n}"), name_fr=fields.pop("name_fr", f"Commune {n}"),
            kind=fields.pop("kind", "rural"), population_2024=population, area_km2=1.0,
            geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
            min_lon=lon - half, min_lat=lat - half, max_lon=lon + half, max_lat=lat + half,
            centroid_lon=lon, centroid_lat=lat, **fields)
        db.session.add(commune)
        db.session.flush()
        return commune

    def user(self, role: str = "participant", *, password: str = "a long test passphrase",
             **fields):
        """A user with ``role``; their password is ``password``."""
        from roadmap.accounts.models import User
        from roadmap.accounts.services import hash_password

        n = self._next()
        fields.setdefault("email_confirmed_at", utcnow())  # "unconfirmed": pass None
        user = User(email=fields.pop("email", f"user{n}@example.org"),
                    password_hash=hash_password(password),
                    display_name=fields.pop("display_name", f"User {n}"), role=role, **fields)
        db.session.add(user)
        db.session.flush()
        return user

    def consultation(self, phase: str | None = "proposals", *, slug: str | None = None,
                     **fields):
        """A consultation with the four demo axes whose current phase (today) is ``phase``.

        The phases follow each other in their order, each 10 days long, placed so that today
        falls in ``phase`` (``None``: every phase is in the future).
        """
        from datetime import timedelta

        from roadmap.consultations.models import (PHASES, Consultation, ConsultationPhase,
                                                  StrategicAxis)
        from roadmap.consultations.phases import today

        n = self._next()
        consultation = Consultation(
            slug=slug or f"test-consultation-{n}", prefecture=self.prefecture(),
            title_i18n={"ar": f"استشارة {n}", "fr": f"Consultation {n}", "en": f"Consultation {n}"},
            **{"status": "published", **fields})
        for position, code in enumerate(("employment", "social-services", "water",
                                         "territorial-upgrading"), start=1):
            consultation.axes.append(StrategicAxis(
                code=code, position=position,
                title_i18n={"ar": f"محور {position}", "fr": f"Axe {position}",
                            "en": f"Axis {position}"}))
        index = PHASES.index(phase) if phase else -1
        start = today() - timedelta(days=10 * index + 5) if phase else today() + timedelta(days=5)
        for position, kind in enumerate(PHASES):
            begins = start + timedelta(days=10 * position)
            consultation.phases.append(ConsultationPhase(
                kind=kind, starts_on=begins, ends_on=begins + timedelta(days=9)))
        db.session.add(consultation)
        db.session.flush()
        return consultation

    def proposal(self, consultation, commune, author=None, **fields):
        """A published proposal (through the model, not the service)."""
        from roadmap.proposals.models import Proposal

        n = self._next()
        proposal = Proposal(
            consultation=consultation, commune=commune, axis=consultation.axes[0],
            author=author, title=fields.pop("title", f"Proposal number {n}"),
            body=fields.pop("body", "A test proposal."), status=fields.pop("status", "published"),
            **fields)
        db.session.add(proposal)
        db.session.flush()
        return proposal


@pytest.fixture
def factory(app):
    """A :class:`Factory` working in the test's rolled-back transaction."""
    return Factory()


@pytest.fixture
def english_request(request):
    """Tests on the ``app`` run inside an English request (the services translate messages)."""
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").test_request_context("/?lang=en"):
        yield


def login(client, user) -> None:
    """Log ``user`` in on ``client`` through Flask-Login's session keys."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def last_sms_code() -> str:
    """The 6-digit code of the newest SMS in the outbox (what the resident's phone shows)."""
    from sqlalchemy import select

    from roadmap.core.sms import SmsMessage

    body = db.session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc())).first().body
    return re.search(r"\b\d{6}\b", body).group()


# --- Browser tests -----------------------------------------------------------------------------
# Playwright cannot download its own browser here: every browser test drives Debian's Chromium.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium with the flags that keep it off the network."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@contextmanager
def serve(app):
    """Serve ``app`` on 127.0.0.1 in a daemon thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
