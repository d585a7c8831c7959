"""The ``territory.import`` background job: write a checked upload, then its census figures.

Imported when the application is created (``roadmap/territory/__init__.py``), so that a worker
knows the handler. The payload: ``path`` (the upload, relative to the instance folder),
``fields`` (commune attribute -> the file's column), ``prefecture_code`` (or None),
``filename`` (as the admin sent it), ``by`` (``id``, ``role``, ``display_name`` of the admin,
for the audit log).
"""
from __future__ import annotations

from types import SimpleNamespace

from roadmap.audit.log import record
from roadmap.core.jobs import job_handler
from roadmap.territory import census, uploads
from roadmap.territory.queries import prefectures_by_code
from roadmap.territory.services import (Message, TerritoryImportError, check_communes,
                                        write_communes)

KIND = "territory.import"


def message_data(message) -> dict:
    """A message as JSON (``msgid`` and ``params``), to be translated when a page shows it."""
    if isinstance(message, Message):
        return {"msgid": message.msgid, "params": message.params}
    return {"msgid": str(message), "params": {}}


def message_from(data: dict) -> Message:
    """The :class:`Message` of :func:`message_data`'s output."""
    return Message(data["msgid"], **(data.get("params") or {}))


@job_handler(KIND)
def run_territory_import(job, progress) -> dict:
    """Check the upload again (the database may have changed), write it, import the census.

    A source refused by the checks writes nothing; the result then lists the problems.
    """
    payload = job.payload
    path = uploads.resolve(payload["path"])
    progress(0.02)
    try:
        checked = check_communes(path, fields=payload.get("fields") or {},
                                 prefecture_code=payload.get("prefecture_code") or None,
                                 progress=lambda fraction: progress(0.02 + 0.68 * fraction))
    except TerritoryImportError as error:
        return {"problems": [message_data(message) for message in error.messages]}
    # The writing is one transaction, without progress in between: a worker commits each
    # progress report, and a half-written import must never be committed.
    summary = _write(job, checked)
    uploads.discard(path)
    return summary


def _write(job, checked) -> dict:
    """Write the checked source and record it in the audit log; the job's result."""
    payload = job.payload
    result = write_communes(checked)
    matched = sum(1 for r in checked.records if r.hcp_code and census.figures(r.hcp_code))
    codes = checked.prefecture_codes
    summary = {"communes": len(checked.records), "created": result.created,
               "updated": result.updated, "unchanged": result.unchanged,
               "prefectures_created": result.prefectures_created,
               "indicators": result.indicators, "census_matched": matched,
               "prefectures": codes, "filename": payload.get("filename"),
               "warnings": [message_data(warning) for warning in result.warnings]}
    actor = SimpleNamespace(**payload["by"]) if payload.get("by") else None
    for prefecture in prefectures_by_code(codes).values():
        record(actor, "territory.import", prefecture,
               after={key: summary[key] for key in ("filename", "communes", "created",
                                                    "updated", "census_matched")})
    return summary

