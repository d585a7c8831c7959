"""Backups, restores, table checksums and automatic snapshots before risky operations.

SQLite uses the online backup API (``sqlite3.Connection.backup``): a consistent copy taken while
the application runs. PostgreSQL uses ``pg_dump -Fc`` and ``pg_restore --clean --if-exists``; the
password of the database URL goes through ``PGPASSWORD``, never on the command line.

Files: a backup also writes the uploaded files (``ROADMAP_UPLOAD_PATH``: the attachments'
``media/`` folder and the progress photos of older versions) to ``<backup>.files.tar`` beside
the database's copy, after the copy (a file uploaded meanwhile is an orphan in the archive, never
a row without its file, unless a file was deleted in that instant). A restore puts the folder back
as it was, byte for byte: every file of the archive is written back, every file not in it is
deleted; a backup without an archive (from an older version) leaves the folder as it is, and says
so. With several app servers the folder is a shared volume: back it up from any one of them.

Snapshots: the ranking and roadmaps services send the named blinker signals
``roadmap.before_consolidation`` and ``roadmap.before_publication``; :func:`take_snapshot` answers
them by writing ``instance/snapshots/<timestamp>-<reason>.(sqlite3|dump)`` and keeping the last
``ROADMAP_SNAPSHOTS_KEEP`` (default 10). Snapshots are on by default outside ``TESTING``
(``ROADMAP_SNAPSHOTS``). They hold the database only, not the uploaded files: consolidating or
publishing never changes a file, and copying every photo before each run would be heavy.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from blinker import signal
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from roadmap.extensions import db

BEFORE_CONSOLIDATION = signal("roadmap.before_consolidation")
BEFORE_PUBLICATION = signal("roadmap.before_publication")
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}


class BackupError(RuntimeError):
    """A backup or restore could not be made."""


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def dialect() -> str:
    """``"sqlite"`` or ``"postgresql"``: the kind of the configured database."""
    return _url().get_backend_name()


def _sqlite_file() -> str:
    database = _url().database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _pg_command(program: str) -> tuple[list[str], dict]:
    """The program with connection options from the URL, and an environment with its password."""
    url = _url()
    command = [program, "--no-password", "-d", url.database]
    if url.host:
        command += ["-h", url.host]
    if url.port:
        command += ["-p", str(url.port)]
    if url.username:
        command += ["-U", url.username]
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return command, environment


def _run(command: list[str], environment: dict) -> None:
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-1000:]}")


def default_path(reason: str = "manual") -> Path:
    """``instance/backups/<timestamp>-<reason>.<suffix>``."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(current_app.instance_path) / "backups"
    return folder / f"{stamp}-{reason}{SUFFIXES[dialect()]}"


def backup(path: str | Path | None = None, *, files: bool = True) -> Path:
    """Write a consistent copy of the database to ``path`` (default: :func:`default_path`),
    then, unless ``files`` is false, the uploaded files to :func:`files_archive_path`."""
    target = Path(path) if path else default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if dialect() == "sqlite":
        source, copy = sqlite3.connect(_sqlite_file()), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        command, environment = _pg_command("pg_dump")
        _run(command + ["-Fc", "-f", str(target)], environment)
    if files:
        backup_files(files_archive_path(target))
    return target


def restore(path: str | Path) -> None:
    """Replace the database's content with the backup at ``path`` (stop the app servers first);
    the uploaded files are put back by :func:`restore_files`."""
    source_path = Path(path)
    if not source_path.is_file():
        raise BackupError(f"no backup at {source_path}")
    db.session.remove()
    db.engine.dispose()
    if dialect() == "sqlite":
        source, target = sqlite3.connect(source_path), sqlite3.connect(_sqlite_file())
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        command, environment = _pg_command("pg_restore")
        _run(command + ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                        str(source_path)], environment)


# --- the uploaded files -------------------------------------------------------------------------

def files_archive_path(database_backup: str | Path) -> Path:
    """Where the uploaded files of a backup are: ``<backup>.files.tar`` beside it."""
    path = Path(database_backup)
    return path.with_name(path.name + ".files.tar")


def _upload_root() -> Path:
    from roadmap.media.storage import upload_root

    return upload_root()


def _kept_files(root: Path) -> dict[str, Path]:
    """The files under ``root`` by their relative POSIX name, leaving out the temporary files
    and folders (names starting with a dot: a write in progress, a restore's staging)."""
    found = {}
    if not root.is_dir():
        return found
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            found[relative.as_posix()] = path
    return found


def backup_files(archive: str | Path) -> int:
    """Write every file under ``ROADMAP_UPLOAD_PATH`` to the tar ``archive`` (uncompressed: the
    photos and recordings are compressed already); returns how many."""
    archive = Path(archive)
    archive.parent.mkdir(parents=True, exist_ok=True)
    files = _kept_files(_upload_root())
    temporary = archive.with_name(f".{archive.name}.{secrets.token_hex(4)}")
    with tarfile.open(temporary, "w") as tar:
        for name, path in files.items():
            tar.add(path, arcname=name, recursive=False)
    os.replace(temporary, archive)
    return len(files)


def _safe_member(member: tarfile.TarInfo) -> bool:
    name = Path(member.name)
    return member.isfile() and not name.is_absolute() and ".." not in name.parts \
        and not any(part.startswith(".") for part in name.parts)


def restore_files(archive: str | Path) -> tuple[int, int]:
    """Make ``ROADMAP_UPLOAD_PATH`` hold exactly the files of ``archive``, byte for byte: each is
    written back (to a staging folder, then renamed into place), and every file not in the
    archive is deleted. Returns ``(written, deleted)``. Raises :class:`BackupError` for an
    archive that holds anything but plain files with relative names."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no files archive at {archive}")
    root = _upload_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".restore-{secrets.token_hex(4)}"
    try:
        with tarfile.open(archive, "r") as tar:
            members = tar.getmembers()
            if not all(_safe_member(m) for m in members):
                raise BackupError(f"{archive} holds something other than plain files")
            for member in members:
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as source, open(target, "wb") as copy:
                    shutil.copyfileobj(source, copy)
        restored = _kept_files(staging)
        deleted = 0
        for name, path in _kept_files(root).items():
            if name not in restored:
                path.unlink()
                deleted += 1
        for name, path in restored.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    except tarfile.TarError as error:
        raise BackupError(f"{archive} is not a readable tar archive: {error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(restored), deleted


def _normalise(value) -> str:
    """A row value as text that reads the same from SQLite and PostgreSQL."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    return repr(value)


def table_checksums() -> dict[str, str]:
    """For every table of the models: SHA-256 of all its rows ordered by primary key."""
    sums = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            for row in connection.execute(select(table).order_by(*order)):
                digest.update("\x1f".join(_normalise(v) for v in row).encode())
                digest.update(b"\x1e")
            sums[table.name] = digest.hexdigest()
    return sums


def row_counts() -> dict[str, int]:
    """The number of rows of every table of the models."""
    with db.engine.connect() as connection:
        return {table.name: connection.execute(
            text(f'SELECT COUNT(*) FROM "{table.name}"')).scalar_one()
            for table in db.metadata.sorted_tables}


# --- snapshots ------------------------------------------------------------------------------------

def snapshots_enabled() -> bool:
    """``ROADMAP_SNAPSHOTS`` if set, else on outside ``TESTING`` (never for in-memory SQLite)."""
    if dialect() == "sqlite" and _url().database in (None, "", ":memory:"):
        return False
    configured = current_app.config.get("ROADMAP_SNAPSHOTS")
    if configured is None:
        configured = os.environ.get("ROADMAP_SNAPSHOTS")
    if configured is None:
        return not current_app.testing
    return str(configured).lower() not in ("0", "false", "no", "off", "")


def snapshot_folder() -> Path:
    """``instance/snapshots``."""
    return Path(current_app.instance_path) / "snapshots"


def take_snapshot(reason: str) -> Path:
    """Back up to ``instance/snapshots/<timestamp>-<reason>.<suffix>`` and prune old snapshots."""
    safe = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "snapshot"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = backup(snapshot_folder() / f"{stamp}-{safe}{SUFFIXES[dialect()]}", files=False)
    prune_snapshots(int(current_app.config.get("ROADMAP_SNAPSHOTS_KEEP")
                        or os.environ.get("ROADMAP_SNAPSHOTS_KEEP") or 10))
    return path


def prune_snapshots(keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest snapshots; returns the deleted paths."""
    found = sorted(p for p in snapshot_folder().glob("*") if p.suffix in SUFFIXES.values())
    doomed = found[:-keep] if keep > 0 else found
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def _on_before_consolidation(sender, **_kwargs) -> None:
    if snapshots_enabled():
        take_snapshot("consolidation")


def _on_before_publication(sender, **_kwargs) -> None:
    if snapshots_enabled():
        take_snapshot("publication")


BEFORE_CONSOLIDATION.connect(_on_before_consolidation)
BEFORE_PUBLICATION.connect(_on_before_publication)
