"""Files uploaded for a territory import, kept under the instance folder until imported.

Each upload lives in ``<instance>/territory-imports/<token>/<file name>``; the token (32 hex
digits) names it in URLs and in the import job's payload. With several app servers and
workers, the instance folder must be shared (a network volume), as README.md says.
"""
from __future__ import annotations

import re
import shutil
import time
import uuid
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

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
    return token, path


def upload_path(token: str) -> Path | None:
    """The uploaded file of ``token``, or ``None`` (unknown or malformed token)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    target_folder = folder() / token
    files = sorted(target_folder.iterdir()) if target_folder.is_dir() else []
    return files[0] if files else None


def relative(path: Path) -> str:
    """``path`` relative to the instance folder, as a job's payload keeps it."""
    return str(Path(path).relative_to(current_app.instance_path))


def resolve(relative_path: str) -> Path:
    """The absolute path of a payload's file, refusing paths outside the uploads folder."""
    path = (Path(current_app.instance_path) / relative_path).resolve()
    if folder().resolve() not in path.parents:
        raise ValueError(f"not an upload: {relative_path}")
    return path


def discard(token_or_path) -> None:
    """Remove an upload (after its import, or when it cannot be read)."""
    path = Path(token_or_path)
    target_folder = path.parent if path.is_file() else folder() / str(token_or_path)
    if target_folder.parent.resolve() == folder().resolve():
        shutil.rmtree(target_folder, ignore_errors=True)


def remove_stale() -> None:
    """Remove the uploads older than a day that were never imported."""
    limit = time.time() - KEEP_SECONDS
    for entry in folder().iterdir():
        if entry.is_dir() and TOKEN.fullmatch(entry.name) and entry.stat().st_mtime < limit:
            shutil.rmtree(entry, ignore_errors=True)
