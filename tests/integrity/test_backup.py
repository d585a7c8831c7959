"""Backups restore every row: each table's checksum after restore equals the one at backup."""
from __future__ import annotations

from sqlalchemy import delete, update

from roadmap.accounts.models import User
from roadmap.extensions import db
from roadmap.ops import backup as backups
from roadmap.participation.models import Vote
from roadmap.proposals.models import Proposal
from roadmap.participation.services import cast_vote
from tests.integrity.conftest import seed_voting


def test_backup_then_restore_gives_back_every_table_unchanged(committed_app, rows, tmp_path):
    consultation, _, people, items = seed_voting(rows)
    for person in people:
        cast_vote(items[0], person)
    db.session.commit()
    before = backups.table_checksums()
    counts = backups.row_counts()
    assert counts["vote"] >= 3 and counts["proposal"] >= 2

    path = tmp_path / f"copy{backups.SUFFIXES[backups.dialect()]}"
    result = committed_app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0

    db.session.execute(delete(Vote))
    db.session.execute(update(Proposal).where(Proposal.id == items[1].id)
                       .values(title="Changed after the backup"))
    rows.user()
    db.session.commit()
    changed = backups.table_checksums()
    assert {"vote", "proposal", User.__tablename__} <= {t for t in before if before[t] != changed[t]}

    result = committed_app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert backups.table_checksums() == before
    assert backups.row_counts() == counts


def test_backup_without_a_path_goes_to_the_instance_folder(committed_app):
    result = committed_app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    written = sorted((tmp := backups.default_path().parent).glob("*"))
    # The database's copy and, beside it, the uploaded files (tests/integrity/test_backup_files.py).
    assert len(written) == 2 and str(tmp) in result.output
    assert written[1] == backups.files_archive_path(written[0])


def test_restore_refuses_a_missing_file(committed_app, tmp_path):
    result = committed_app.test_cli_runner().invoke(
        args=["restore", str(tmp_path / "nothing.dump"), "--yes"])
    assert result.exit_code != 0
