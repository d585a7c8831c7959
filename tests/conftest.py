"""Shared fixtures: the app on SQLite and on PostgreSQL, one rolled-back transaction per test.

Every test that uses ``app`` (or ``client``, ``runner``, ``session``) runs twice: once on a
migrated SQLite file and once on a migrated PostgreSQL database created for this run at
``ROADMAP_TEST_POSTGRES_URL`` (default: the local server, database ``test``).
"""
from __future__ import annotations

import os
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from flask_sqlalchemy.session import Session as FlaskSession

from roadmap import create_app
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
              "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": None}
    config.update(overrides)
    return create_app(config)


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
        connection = db.engine.connect()
        outer = connection.begin()
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
