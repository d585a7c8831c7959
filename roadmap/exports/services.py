"""Building export files, and background export jobs that report their progress.

A job writes ``instance/exports/<job>.<ext>`` and, next to it, ``<job>.json`` holding
``{"id", "slug", "format", "variant", "language", "progress", "state", "file", "error"}``;
``state`` is ``running``, ``done`` or ``failed``. Jobs run in a daemon thread with their own
application context (``EXPORT_JOBS_THREADED = False`` runs them in the request, for tests).
"""
from __future__ import annotations

import json
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import current_app

from roadmap.exports import geo, tables
from roadmap.exports.csv import table_csv, tables_zip
from roadmap.exports.xlsx import workbook_bytes

FORMATS = ("xlsx", "csv", "geojson", "gpkg", "pdf")
LANGUAGES = ("ar", "fr")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8", "zip": "application/zip",
    "geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3",
    "pdf": "application/pdf",
}
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class ExportError(Exception):
    """An export that cannot be made (e.g. the PDF before the roadmap is published)."""


@dataclass(frozen=True)
class ExportFile:
    """A built export: its bytes, file extension and download name."""

    body: bytes
    ext: str
    filename: str

    @property
    def mimetype(self) -> str:
        """The MIME type of the file."""
        return MIMETYPES[self.ext]


def build_export(consultation, fmt: str, *, variant: str = "public", language: str = "ar",
                 part: str | None = None,
                 progress: Callable[[float], None] | None = None) -> ExportFile:
    """Build one export file. ``part`` is a table (csv) or a layer (geojson); see FORMATS."""
    slug = consultation.slug
    suffix = "" if variant == "public" else "-full"
    if fmt == "xlsx":
        body = workbook_bytes(tables.build_tables(consultation, variant), progress)
        return ExportFile(body, "xlsx", f"{slug}{suffix}.xlsx")
    if fmt == "csv" and part:
        return ExportFile(table_csv(tables.build_table(consultation, part, variant)), "csv",
                          f"{slug}-{part}{suffix}.csv")
    if fmt == "csv":
        body = tables_zip(tables.build_tables(consultation, variant), progress)
        return ExportFile(body, "zip", f"{slug}-tables{suffix}.zip")
    if fmt == "geojson":
        if (part or "proposals") not in geo.LAYERS:
            raise KeyError(part)
        return ExportFile(geo.geojson_bytes(consultation, part or "proposals"), "geojson",
                          f"{slug}-{part or 'proposals'}.geojson")
    if fmt == "gpkg":
        return ExportFile(geo.geopackage_bytes(consultation, progress), "gpkg", f"{slug}.gpkg")
    if fmt == "pdf":
        from roadmap.exports.pdf import roadmap_pdf

        body = roadmap_pdf(consultation, language, progress)
        if body is None:
            raise ExportError("The roadmap is not published yet.")
        return ExportFile(body, "pdf", f"{slug}-roadmap-{language}.pdf")
    raise KeyError(fmt)


# --- background jobs -------------------------------------------------------------------------

def exports_folder() -> Path:
    """``instance/exports``, created if missing."""
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _state_path(folder: Path, job_id: str) -> Path:
    return folder / f"{job_id}.json"


def _write_state(folder: Path, state: dict) -> None:
    path = _state_path(folder, state["id"])
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    os.replace(temporary, path)


def read_job(job_id: str) -> dict | None:
    """The state of job ``job_id``, or ``None`` for an unknown or malformed id."""
    if not JOB_ID.match(job_id or ""):
        return None
    path = _state_path(exports_folder(), job_id)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def job_file(state: dict) -> Path | None:
    """The finished file of a job, or ``None`` while it runs or if it failed."""
    if state.get("state") != "done" or not state.get("file"):
        return None
    path = exports_folder() / state["file"]
    return path if path.exists() else None


def start_job(consultation, fmt: str, variant: str, language: str) -> str:
    """Start building an export in the background; returns the job id."""
    if fmt not in FORMATS or variant not in tables.VARIANTS or language not in LANGUAGES:
        raise KeyError(fmt)
    folder = exports_folder()
    state = {"id": uuid.uuid4().hex, "slug": consultation.slug, "format": fmt,
             "variant": variant, "language": language, "progress": 0, "state": "running",
             "file": None, "error": None}
    _write_state(folder, state)
    app = current_app._get_current_object()
    if app.config.get("EXPORT_JOBS_THREADED", True):
        threading.Thread(target=_run_in_context, args=(app, folder, state, consultation.id),
                         daemon=True).start()
    else:
        _run(folder, state, consultation)
    return state["id"]


def _run_in_context(app, folder: Path, state: dict, consultation_id: int) -> None:
    from roadmap.consultations.models import Consultation
    from roadmap.extensions import db

    with app.app_context():
        try:
            _run(folder, state, db.session.get(Consultation, consultation_id))
        finally:
            db.session.remove()


def _run(folder: Path, state: dict, consultation) -> None:
    def progress(fraction: float) -> None:
        state["progress"] = min(99, int(fraction * 100))
        _write_state(folder, state)

    try:
        built = build_export(consultation, state["format"], variant=state["variant"],
                             language=state["language"], progress=progress)
    except Exception as error:  # noqa: BLE001 - the job reports any failure to the page
        current_app.logger.exception("export job %s failed", state["id"])
        state.update(state="failed", error=type(error).__name__)
    else:
        name = f"{state['id']}.{built.ext}"
        (folder / name).write_bytes(built.body)
        state.update(state="done", progress=100, file=name, filename=built.filename)
    _write_state(folder, state)
