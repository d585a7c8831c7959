"""Backups keep the uploaded files: a restore puts ROADMAP_UPLOAD_PATH back byte for byte (the
attachments' files and the progress photos of older versions), and deletes what came after."""
from __future__ import annotations

import hashlib
import tarfile

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.media import storage
from roadmap.media.models import Attachment
from roadmap.ops import backup as backups
from tests.integrity.conftest import seed_voting
from tests.media.helpers import attach_document, attach_photo

LEGACY = "0123456789abcdef0123456789abcdef.jpg"  # a progress photo of an older version


def _digests() -> dict[str, str]:
    root = storage.upload_root()
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def uploads(committed_app, rows):
    """Two photos and a document on a proposal, and a legacy progress photo, committed."""
    with committed_app.test_request_context():
        _consultation, _commune, people, items = seed_voting(rows)
        photos = [attach_photo("proposal_id", items[0].id, people[0], color=(n * 40, 90, 20))
                  for n in range(2)]
        document = attach_document("proposal_id", items[0].id, people[1])
        (storage.upload_root() / LEGACY).write_bytes(b"\xff\xd8\xff legacy progress photo")
        db.session.commit()
    return photos, document


def test_backup_and_restore_keep_the_files_byte_for_byte(committed_app, uploads, tmp_path):
    photos, document = uploads
    before = _digests()
    assert LEGACY in before and len(before) >= 6
    path = tmp_path / f"copy{backups.SUFFIXES[backups.dialect()]}"
    result = committed_app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    archive = backups.files_archive_path(path)
    assert archive.is_file() and str(archive) in result.output
    with tarfile.open(archive) as tar:
        assert set(tar.getnames()) == set(before)

    # After the backup: a file deleted with its row, one overwritten, one added.
    count = db.session.scalar(select(func.count(Attachment.id)))
    gone = db.session.get(Attachment, photos[0].id)
    with committed_app.test_request_context():
        from roadmap.media.services import remove
        remove(gone)
        db.session.commit()
    storage.path_for(document.token, "file", "pdf").write_bytes(b"%PDF-1.4 tampered")
    (storage.upload_root() / "media" / ("f" * 32 + "-screen.webp")).write_bytes(b"later")
    assert _digests() != before

    result = committed_app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "1 not in the backup deleted" in result.output
    assert _digests() == before
    assert db.session.scalar(select(func.count(Attachment.id))) == count


def test_a_backup_without_files_archive_leaves_the_files_and_says_so(committed_app, uploads,
                                                                     tmp_path):
    path = tmp_path / f"old{backups.SUFFIXES[backups.dialect()]}"
    backups.backup(path, files=False)
    before = _digests()
    result = committed_app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "No uploaded files restored" in result.output and _digests() == before


def test_an_archive_with_a_path_outside_the_folder_is_refused(committed_app, tmp_path):
    path = tmp_path / "evil.tar"
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    with tarfile.open(path, "w") as tar:
        tar.add(outside, arcname="../outside.txt")
    with pytest.raises(backups.BackupError):
        backups.restore_files(path)
