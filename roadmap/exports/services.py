"""Building export files, and background export jobs that report their progress.

A background export is a job of kind ``export`` (:mod:`roadmap.core.jobs`): its
``background_job`` row holds the payload (``format``, ``variant``, ``language``), the state and
the progress; the file it built is its ``job_file`` row. Both are in the database, so any app
server shows the progress and sends the file, whichever worker built it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app, has_request_context, request
from flask_babel import force_locale

from roadmap.core.jobs import BackgroundJob, JobFile, job_by_id, job_handler, start_job
from roadmap.core.mail import site_base_url
from roadmap.exports import geo, tables
from roadmap.extensions import db
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


def export_tables(consultation, variant: str, language: str) -> list:
    """The tables of the workbook and of the CSV archive: the data tables, then the gender and
    SDG monitoring's (labels in ``language``)."""
    from roadmap.exports.monitoring import monitoring_sheets

    with force_locale(language):
        return tables.build_tables(consultation, variant) + monitoring_sheets(
            consultation, variant, language)


def build_export(consultation, fmt: str, *, variant: str = "public", language: str = "ar",
                 part: str | None = None,
                 progress: Callable[[float], None] | None = None) -> ExportFile:
    """Build one export file. ``part`` is a table (csv) or a layer (geojson); see FORMATS."""
    slug = consultation.slug
    suffix = "" if variant == "public" else "-full"
    if fmt == "xlsx":
        body = workbook_bytes(export_tables(consultation, variant, language), progress)
        return ExportFile(body, "xlsx", f"{slug}{suffix}.xlsx")
    if fmt == "csv" and part:
        return ExportFile(table_csv(tables.build_table(consultation, part, variant)), "csv",
                          f"{slug}-{part}{suffix}.csv")
    if fmt == "csv":  # the public archive also holds the photos' thumbnails
        from roadmap.exports.queries import public_thumbnails

        thumbnails = public_thumbnails(consultation) if variant == "public" else ()
        body = tables_zip(export_tables(consultation, variant, language), progress, thumbnails)
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

def start_export(consultation, fmt: str, variant: str, language: str, *, by) -> BackgroundJob:
    """Queue the building of an export (a job of kind ``export``); flushes, the caller commits.

    Raises ``KeyError`` for an unknown format, variant or language.
    """
    if fmt not in FORMATS or variant not in tables.VARIANTS or language not in LANGUAGES:
        raise KeyError(fmt)
    payload = {"format": fmt, "variant": variant, "language": language}
    if has_request_context():  # the files' URLs in the export use the address it was asked on
        payload["base_url"] = request.host_url
    return start_job("export", payload, by=by, consultation=consultation)


def export_job(consultation, job_id: str) -> BackgroundJob | None:
    """The export job ``job_id`` of ``consultation``, or ``None``."""
    job = job_by_id(job_id)
    if job is None or job.kind != "export" or job.consultation_id != consultation.id:
        return None
    return job


def export_file(job: BackgroundJob) -> JobFile | None:
    """The file a finished export job built, or ``None`` while it runs or if it failed."""
    if job.state != "done":
        return None
    return db.session.get(JobFile, job.id)


@job_handler("export")
def _build_in_background(job: BackgroundJob, progress) -> dict:
    """Build the export of ``job.payload`` and keep the file in ``job_file`` (any app server
    sends it)."""
    from roadmap.consultations.models import Consultation

    consultation = db.session.get(Consultation, job.consultation_id)
    if consultation is None:
        raise ExportError("The consultation no longer exists.")
    payload = job.payload
    with current_app.test_request_context("/", base_url=payload.get("base_url")
                                          or site_base_url()):
        built = build_export(consultation, payload["format"], variant=payload["variant"],
                             language=payload["language"],
                             progress=lambda fraction: progress(min(0.99, fraction)))
    db.session.merge(JobFile(job_id=job.id, filename=built.filename, mimetype=built.mimetype,
                             size=len(built.body), data=built.body))
    return {"filename": built.filename, "ext": built.ext, "size": len(built.body)}
