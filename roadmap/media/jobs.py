"""The background job that re-encodes a voice note (:mod:`roadmap.media.audio`).

The upload is kept as its ``upload`` file while the attachment is ``processing``; the job reads
the row by id (it may run in another process, on another machine sharing the upload folder),
writes the ``audio`` file, records the duration and size and marks the attachment ``ready``,
then deletes the upload. A file it cannot encode marks the attachment ``failed`` with the
reason in ``error`` (the uploader is told; nothing is served) and the upload is deleted too.
"""
from __future__ import annotations

from flask import current_app

from roadmap.core.jobs import BackgroundJob, job_handler, start_job
from roadmap.extensions import db
from roadmap.media import storage
from roadmap.media.audio import CONTENT_TYPE, EXTENSION, encode_voice
from roadmap.media.checks import UploadRefused
from roadmap.media.models import Attachment

KIND = "media.voice"
UPLOAD = ("upload", "raw")  # variant and extension of the file as it was sent


def max_voice_seconds() -> float:
    """The longest voice note accepted (``ROADMAP_VOICE_MAX_SECONDS``, default 180)."""
    return float(current_app.config.get("ROADMAP_VOICE_MAX_SECONDS", 180))


def start_encoding(attachment: Attachment, *, by=None) -> BackgroundJob:
    """Queue the re-encoding of a ``processing`` voice note; flushes (queued at commit)."""
    return start_job(KIND, {"attachment_id": attachment.id}, by=by)


def _delete_upload(token: str) -> None:
    storage.path_for(token, *UPLOAD).unlink(missing_ok=True)


@job_handler(KIND, priority=5)
def _encode(job: BackgroundJob, progress) -> dict:
    """Re-encode the voice note of ``job.payload["attachment_id"]`` (see the module docs)."""
    attachment = db.session.get(Attachment, (job.payload or {}).get("attachment_id"))
    if attachment is None or attachment.kind != "voice" or attachment.state != "processing":
        return {"encoded": False}  # removed meanwhile, or done by an earlier run
    token = attachment.token
    upload = storage.path_for(token, *UPLOAD)
    try:
        if not upload.is_file():
            raise UploadRefused("the uploaded file is missing")
        encoded = encode_voice(upload.read_bytes(), max_voice_seconds())
    except Exception as error:  # noqa: BLE001 - anything the decoder says: the note failed
        attachment.state = "failed"
        attachment.error = f"{type(error).__name__}: {getattr(error, 'message', error)}"[:2000]
        progress(1.0)  # commits the failure (the worker) before the file goes
        _delete_upload(token)
        return {"encoded": False, "error": attachment.error}
    storage.write(token, "audio", EXTENSION, encoded.data)
    attachment.state, attachment.error = "ready", None
    attachment.content_type, attachment.extension = CONTENT_TYPE, EXTENSION
    attachment.size, attachment.duration_seconds = len(encoded.data), encoded.duration
    progress(1.0)  # commits: the new file is served from now on, the upload is not needed
    _delete_upload(token)
    return {"encoded": True, "size": len(encoded.data), "duration": encoded.duration}
