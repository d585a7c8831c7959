"""Files uploaded for a territory import, kept until imported (at most a day).

An upload is a :class:`~roadmap.territory.models.TerritoryUpload` row (its bytes, so that
every app server and worker can read it) and, on each machine that reads it, a copy in
``<instance>/territory-imports/<token>/<file name>`` (GDAL reads files), made from the row
when missing. The token (32 hex digits) names it in URLs and in the import job's payload.
The caller commits the row (the upload view does, before the preview).
"""
from __future__ import annotations

import re
import shutil
import time
import uuid
from pathlib import Path

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete
from werkzeug.utils import secure_filename

from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.territory.models import TerritoryUpload

#: The file name endings the import reads (GeoJSON, GeoPackage, zipped Shapefile).
EXTENSIONS = (".geojson", ".json", ".gpkg", ".zip")
TOKEN = re.compile(r"[0-9a-f]{32}")
CHUNK = 64 * 1024
KEEP_SECONDS = 24 * 3600  # uploads never imported are removed after a day


class UploadTooLarge(Exception):
    """The upload is larger than the limit; nothing was kept."""


def folder() -> Path:
    """The folder holding the uploads (created when missing)."""
    path = Path(current_app.instance_path) / "territory-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_megabytes() -> float:
    """The largest upload accepted in MB: ``ROADMAP_TERRITORY_UPLOAD_MAX_MB`` (default 50)."""
    return float(current_app.config.get("ROADMAP_TERRITORY_UPLOAD_MAX_MB", 50))


def max_bytes() -> int:
    """The largest upload accepted, in bytes."""
    return int(max_megabytes() * 1024 * 1024)


def save_upload(stream, filename: str) -> tuple[str, Path]:
    """Copy ``stream`` to a new upload folder; returns ``(token, path)``.

    Raises :class:`UploadTooLarge` (and keeps nothing) past :func:`max_bytes`.
    """
    remove_stale()
    token = uuid.uuid4().hex
    name = secure_filename(filename) or "upload"
    target_folder = folder() / token
    target_folder.mkdir()
    path, limit, size = target_folder / name, max_bytes(), 0
    with path.open("wb") as output:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            output.write(chunk)
    if size > limit:
        shutil.rmtree(target_folder, ignore_errors=True)
        raise UploadTooLarge(limit)
    db.session.add(TerritoryUpload(token=token, filename=name, size=size,
                                   data=path.read_bytes()))
    db.session.flush()
    return token, path


def upload_path(token: str) -> Path | None:
    """The uploaded file of ``token``, or ``None`` (unknown or malformed token)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    target_folder = folder() / token
    files = sorted(target_folder.iterdir()) if target_folder.is_dir() else []
    if files:
        return files[0]
    row = db.session.get(TerritoryUpload, token)
    if row is None:  # never uploaded, imported already, or removed after a day
        return None
    # Uploaded through another app server: this machine's copy, from the database.
    target_folder.mkdir(exist_ok=True)
    path = target_folder / row.filename
    temporary = target_folder / f".{row.filename}.part"
    temporary.write_bytes(row.data)
    temporary.replace(path)
    return path


def relative(path: Path) -> str:
    """``path`` relative to the instance folder, as a job's payload keeps it."""
    return str(Path(path).relative_to(current_app.instance_path))


def resolve(relative_path: str) -> Path:
    """The absolute path of a payload's file, refusing paths outside the uploads folder."""
    path = (Path(current_app.instance_path) / relative_path).resolve()
    if folder().resolve() not in path.parents:
        raise ValueError(f"not an upload: {relative_path}")
    if not path.exists():  # queued by another app server: copy it from the database
        path = upload_path(path.parent.name) or path
    return path


def discard(token_or_path) -> None:
    """Remove an upload (after its import, or when it cannot be read)."""
    path = Path(token_or_path)
    target_folder = path.parent if path.is_file() else folder() / str(token_or_path)
    if target_folder.parent.resolve() == folder().resolve():
        shutil.rmtree(target_folder, ignore_errors=True)
        db.session.execute(delete(TerritoryUpload)
                           .where(TerritoryUpload.token == target_folder.name))


def remove_stale() -> None:
    """Remove the uploads older than a day that were never imported."""
    limit = time.time() - KEEP_SECONDS
    db.session.execute(delete(TerritoryUpload).where(
        TerritoryUpload.created_at < utcnow() - timedelta(seconds=KEEP_SECONDS)))
    for entry in folder().iterdir():
        if entry.is_dir() and TOKEN.fullmatch(entry.name) and entry.stat().st_mtime < limit:
            shutil.rmtree(entry, ignore_errors=True)
