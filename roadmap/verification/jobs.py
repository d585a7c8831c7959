"""The background job that prints a code batch's slips (a PDF kept as the job's file).

The plain codes reach the job sealed (:func:`roadmap.core.keys.seal` of their JSON list) in
its payload; once the PDF is written the job erases them from the payload, so that the codes
are left only in the PDF, which the organiser downloads from the batch's row. Revoking the
batch deletes the PDF (and the sealed codes, if the job has not run yet).
"""
from __future__ import annotations

import json

from sqlalchemy import delete

from roadmap.core.jobs import BackgroundJob, JobFile, job_by_id, job_handler, start_job
from roadmap.core.keys import seal, unseal
from roadmap.extensions import db
from roadmap.verification.models import CodeBatch

KIND = "verification.slips"
MIMETYPE = "application/pdf"


def slips_filename(batch: CodeBatch) -> str:
    """The download name of a batch's slips."""
    return f"codes-{batch.consultation.slug}-{batch.id}.pdf"


def start_slips(batch: CodeBatch, plain_codes: list[str], *, by=None) -> BackgroundJob:
    """Queue the printing of ``batch``'s slips; the codes travel sealed. Flushes."""
    job = start_job(KIND, {"batch_id": batch.id, "codes": seal(json.dumps(plain_codes))},
                    by=by, consultation=batch.consultation_id)
    batch.job_id = job.id
    db.session.flush()
    return job


def slips_job(batch: CodeBatch) -> BackgroundJob | None:
    """The job that prints ``batch``'s slips, or None (a batch printed by the command line)."""
    return job_by_id(batch.job_id) if batch.job_id else None


def slips_file(batch: CodeBatch) -> JobFile | None:
    """The PDF of ``batch``'s slips, or None (not ready, failed, revoked, or none made)."""
    if not batch.job_id or batch.revoked_at is not None:
        return None
    return db.session.get(JobFile, batch.job_id)


def erase_codes(job: BackgroundJob) -> None:
    """Remove the sealed codes from ``job``'s payload. Flushes."""
    payload = dict(job.payload or {})
    if "codes" in payload:
        payload.pop("codes")
        payload["codes_erased"] = True
        job.payload = payload
        db.session.flush()


def forget_slips(batch: CodeBatch) -> None:
    """A revoked batch: delete its PDF and any sealed codes its job still holds. Flushes."""
    job = slips_job(batch)
    if job is None:
        return
    db.session.execute(delete(JobFile).where(JobFile.job_id == job.id))
    erase_codes(job)


@job_handler(KIND, retries=2)
def _print_slips(job: BackgroundJob, progress) -> dict:
    """Write the PDF of the batch's slips as the job's file, then erase the sealed codes."""
    from roadmap.verification.slips import slips_pdf

    batch = db.session.get(CodeBatch, (job.payload or {}).get("batch_id"))
    if batch is None or batch.revoked_at is not None or "codes" not in (job.payload or {}):
        erase_codes(job)
        return {"printed": False}
    codes = json.loads(unseal(job.payload["codes"]))
    progress(0.1)
    body = slips_pdf(batch, codes)
    db.session.merge(JobFile(job_id=job.id, filename=slips_filename(batch), mimetype=MIMETYPE,
                             size=len(body), data=body))
    erase_codes(job)
    return {"printed": True, "codes": len(codes), "size": len(body)}
