"""The Alembic migrations apply, roll back to base and apply again, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from roadmap.extensions import db
from tests.conftest import make_test_app, temporary_postgres_database

TABLES = {"prefecture", "commune", "commune_indicator", "user_account", "password_reset_token",
          "consultation", "strategic_axis", "proposal", "vote", "comment", "outbox_message",
          "consultation_phase", "workshop", "workshop_commune", "comment_like", "follow",
          "notification", "report", "proposal_merge", "audit_entry", "evaluation_criterion",
          "evaluator_assignment", "evaluation", "eligibility_decision", "consolidation_run",
          "roadmap", "roadmap_item", "roadmap_item_commune", "roadmap_item_proposal",
          "item_indicator", "roadmap_version", "progress_update"}


def _round_trip(url, instance):
    app = make_test_app(url, instance)
    with app.app_context():
        upgrade()
        assert TABLES <= set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert TABLES <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_round_trip_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path / "instance")


def test_round_trip_on_postgresql(tmp_path):
    with temporary_postgres_database() as url:
        _round_trip(url, tmp_path / "instance")


def test_models_match_the_migrations(app):
    """Autogenerate finds nothing to add: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.parametrize("pragma, expected", [("journal_mode", "wal"), ("foreign_keys", 1)])
def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path, pragma, expected):
    app = make_test_app(f"sqlite:///{tmp_path / 'w.sqlite3'}", tmp_path / "instance")
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected
        db.engine.dispose()
