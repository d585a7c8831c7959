"""Committed databases (SQLite file and PostgreSQL) for tests that back up, restore or crash.

The shared ``app`` fixture runs each test in a rolled-back transaction, which a backup taken by
another connection, a restore or a killed server process cannot see. These fixtures commit.
"""
from __future__ import annotations

import itertools

import pytest
from flask_migrate import upgrade

from roadmap.extensions import db
from tests.conftest import Factory, make_test_app, temporary_postgres_database

_numbers = itertools.count(1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def committed_url(request, tmp_path_factory):
    """The URL of a migrated database of each kind, whose rows tests really commit."""
    folder = tmp_path_factory.mktemp("integrity")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'integrity.sqlite3'}"
        _migrate(url, folder)
        yield url
        return
    with temporary_postgres_database() as url:
        _migrate(url, folder)
        yield url


def _migrate(url: str, folder) -> None:
    app = make_test_app(url, folder / "instance")
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture
def committed_app(committed_url, tmp_path):
    """An app on the committed database, with its instance folder in ``tmp_path``."""
    app = make_test_app(committed_url, tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def rows():
    """A :class:`Factory` whose codes, slugs and e-mails never repeat across tests."""
    factory = Factory()
    factory._n = next(_numbers) * 1000
    return factory


def seed_voting(rows, users: int = 3, proposals: int = 2):
    """A consultation in its voting phase, a commune, ``users`` users and ``proposals`` proposals."""
    consultation = rows.consultation("voting")
    commune = rows.commune()
    people = [rows.user() for _ in range(users)]
    items = [rows.proposal(consultation, commune, author=people[0]) for _ in range(proposals)]
    return consultation, commune, people, items
