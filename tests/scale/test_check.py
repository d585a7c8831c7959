"""``flask --app roadmap check``: OK on a consistent database, reports what is wrong otherwise."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from roadmap.extensions import db
from tests.conftest import make_test_app, temporary_postgres_database


def _proposal_with_support(factory):
    consultation = factory.consultation("voting")
    proposal = factory.proposal(consultation, factory.commune())
    from roadmap.participation.services import cast_vote

    cast_vote(proposal, factory.user())
    db.session.flush()
    return proposal


def test_check_passes_on_a_consistent_database(runner, factory):
    _proposal_with_support(factory)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "OK   database connection" in result.output
    assert "OK   migrations" in result.output
    assert "OK   counters" in result.output
    assert "All checks passed" in result.output


def test_check_reports_a_counter_that_disagrees_with_its_rows(runner, factory):
    proposal = _proposal_with_support(factory)
    db.session.execute(text("UPDATE proposal SET supports_count = 7 WHERE id = :id"),
                       {"id": proposal.id})
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert f"proposal {proposal.id} supports_count = 7, rows say 1" in result.output
    assert "FAIL counters" in result.output


def test_check_shows_the_database_url_without_its_password(app):
    from roadmap.ops.check import safe_database_url

    shown = safe_database_url("postgresql+psycopg://roadmap:s3cret@db.example:5432/roadmap")
    assert "s3cret" not in shown and "db.example:5432/roadmap" in shown


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_check_reports_pending_migrations_on_an_unupgraded_database(kind, tmp_path):
    if kind == "sqlite":
        _run_on_empty(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)
    else:
        with temporary_postgres_database() as url:
            _run_on_empty(url, tmp_path)


def _run_on_empty(url, tmp_path):
    app = make_test_app(url, tmp_path / "instance")
    try:
        result = app.test_cli_runner().invoke(args=["check"])
        assert result.exit_code == 1
        assert "FAIL migrations" in result.output
        assert "database at none (empty database)" in result.output
        assert "OK   database connection" in result.output
    finally:
        with app.app_context():
            db.engine.dispose()


def test_check_says_where_the_verification_key_comes_from(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'key.sqlite3'}", tmp_path / "instance")
    try:
        with app.app_context():
            from roadmap.ops.check import verification_key_source

            assert verification_key_source().startswith("ROADMAP_VERIFICATION_KEY (configured)")
            app.config["ROADMAP_VERIFICATION_KEY"] = None
            assert verification_key_source().startswith("none yet")
            from roadmap.core.keys import keyed_hash

            keyed_hash("cnie", "AB123456")  # the first use makes the instance file
            assert (tmp_path / "instance" / "verification_key").exists()
            assert "back it up" in verification_key_source()
    finally:
        with app.app_context():
            db.engine.dispose()


def test_check_reports_attachments_whose_files_this_server_does_not_have(runner, factory, app):
    import io

    from roadmap.media import services, storage
    from tests.media.files import png_bytes

    class Upload:
        filename, stream = "p.png", io.BytesIO(png_bytes())

    with app.test_request_context():
        photo = services.stage_photo(Upload(), factory.user(), "A photo")
    result = runner.invoke(args=["check"])
    assert "OK   uploads" in result.output and "the files of 1 attachments" in result.output
    storage.delete_files(photo.token)  # as on a server that does not mount the shared folder
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "FAIL uploads" in result.output and "1 of 1 attachments have no file" in result.output
