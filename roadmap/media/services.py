"""Verbs on attachments: stage an upload, attach the staged ones to what they belong to, remove.

Services flush (never commit) and raise :class:`MediaError` with a message for the uploader.
Files are written before the row is flushed and deleted only once a removal is committed
(:func:`roadmap.media.storage.delete_after_commit`).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from roadmap.audit.log import record
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.media import storage
from roadmap.media.audio import CONTENT_TYPE as VOICE_CONTENT_TYPE
from roadmap.media.audio import EXTENSION as VOICE_EXTENSION
from roadmap.media.audio import probe_voice
from roadmap.media.checks import UploadRefused, check_common
from roadmap.media.documents import clean_name, process_document
from roadmap.media.images import process_photo
from roadmap.media.jobs import UPLOAD, max_voice_seconds, start_encoding
from roadmap.media.models import SUBJECTS, Attachment
from roadmap.media.signals import transcript_changed
from roadmap.media.policies import can_transcribe

# How many of each kind one subject may carry.
LIMITS = {"photo": 4, "document": 2, "voice": 1}
ALT_TEXT_LENGTH = (3, 300)
TRANSCRIPT_MAX = 5000
STAGED_HOURS = 24


class MediaError(Exception):
    """An attachment was refused; ``message`` says why, ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def max_bytes() -> int:
    """The size limit of one file (``ROADMAP_UPLOAD_MAX_MB``, default 10 MB)."""
    return int(float(current_app.config.get("ROADMAP_UPLOAD_MAX_MB", 10)) * 1024 * 1024)


def read_upload(upload) -> bytes | None:
    """The bytes of a form's ``FileStorage`` (``None`` when no file was chosen), at most the
    limit plus one byte (so that a larger one is seen as such without reading it whole)."""
    if upload is None or not getattr(upload, "filename", None):
        return None
    data = upload.stream.read(max_bytes() + 1)
    return data


def check_alt_text(alt_text: str | None, field: str = "photo_alt") -> str:
    """A photo's description, trimmed; :class:`MediaError` if missing or too long."""
    alt_text = " ".join((alt_text or "").split())
    low, high = ALT_TEXT_LENGTH
    if len(alt_text) < low:
        raise MediaError(_("Describe the photo in a few words, for those who cannot see it "
                           "(for example: \"The flooded track before the school\")."), field)
    if len(alt_text) > high:
        raise MediaError(_("Write at most %(max)d characters.", max=high), field)
    return alt_text


def stage_photo(upload, by, alt_text: str | None, language: str | None = None, *,
                field: str = "photo", existing=()) -> Attachment | None:
    """Check, re-encode and keep a photo for ``by`` until its form is accepted; flushes.

    ``None`` when no file was chosen. ``existing``: the attachments already on (or staged for)
    the same subject, counted against :data:`LIMITS`. Raises :class:`MediaError` (nothing is
    stored).
    """
    data = read_upload(upload)
    if data is None:
        return None
    check_counts(existing, ["photo"])
    return store_photo(data, by, check_alt_text(alt_text, f"{field}_alt"), language,
                       field=field)


def _checked(data: bytes, process, field: str):
    """``process(data)`` once the checks every upload passes are passed; a refusal becomes a
    :class:`MediaError` on ``field``."""
    try:
        check_common(data, max_bytes())
        return process(data)
    except UploadRefused as refused:
        raise MediaError(refused.message, field) from None


def store_photo(data: bytes, by, alt_text: str, language: str | None = None, *,
                field: str = "photo", is_demo: bool = False) -> Attachment:
    """Check and re-encode a photo's bytes and keep it, staged, for ``by``; flushes."""
    return keep_photo(_checked(data, process_photo, field), by, alt_text, language,
                      is_demo=is_demo)


def keep_photo(photo, by, alt_text: str, language: str | None = None, *,
               is_demo: bool = False) -> Attachment:
    """Keep a photo already checked and re-encoded (:func:`roadmap.media.images.process_photo`)
    as a staged attachment of ``by``; flushes."""
    token = storage.new_token()
    storage.write(token, "thumb", "webp", photo.thumb)
    storage.write(token, "screen", "webp", photo.screen)
    latitude, longitude = photo.position or (None, None)
    attachment = Attachment(token=token, kind="photo", state="ready",
                            uploaded_by_id=getattr(by, "id", None), alt_text=alt_text,
                            language=language, content_type="image/webp", extension="webp",
                            size=len(photo.screen), width=photo.width, height=photo.height,
                            offered_latitude=latitude, offered_longitude=longitude,
                            is_demo=is_demo)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def stage_document(upload, by, language: str | None = None, *,
                   field: str = "document", existing=()) -> Attachment | None:
    """Check and keep a PDF for ``by`` until its form is accepted; flushes (or ``None``)."""
    data = read_upload(upload)
    if data is None:
        return None
    check_counts(existing, ["document"])
    document = _checked(data, process_document, field)
    token = storage.new_token()
    storage.write(token, "file", "pdf", document.data)
    attachment = Attachment(token=token, kind="document", state="ready", uploaded_by_id=by.id,
                            original_name=clean_name(upload.filename, "pdf"), language=language,
                            content_type="application/pdf", extension="pdf",
                            size=len(document.data), pages=document.pages)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def stage_voice(upload, by, language: str | None = None, *,
                field: str = "voice", existing=()) -> Attachment | None:
    """Check a voice note by its content and keep it for ``by``, ``processing``; flushes.

    The check is done now (not audio, no sound, too long: :class:`MediaError`, nothing is
    stored); the file as sent is kept as the ``upload`` variant and a job of the task queue
    (:mod:`roadmap.media.jobs`, queued when the caller commits) re-encodes it and marks the
    attachment ``ready`` (or ``failed``). ``None`` when no file was chosen.
    """
    data = read_upload(upload)
    if data is None:
        return None
    check_counts(existing, ["voice"])
    probe = _checked(data, lambda raw: probe_voice(raw, max_voice_seconds()), field)
    token = storage.new_token()
    storage.write(token, *UPLOAD, data)
    attachment = Attachment(token=token, kind="voice", state="processing", uploaded_by_id=by.id,
                            language=language, content_type=VOICE_CONTENT_TYPE,
                            extension=VOICE_EXTENSION, size=0,
                            duration_seconds=probe.duration)
    db.session.add(attachment)
    db.session.flush()
    start_encoding(attachment, by=by)
    return attachment


def discard_staged(attachments) -> None:
    """Delete the files of attachments whose rows are about to be rolled back (a form
    refused after its files were staged), so that nothing is left behind."""
    for attachment in attachments:
        if attachment is not None:
            storage.delete_files(attachment.token)


def set_transcript(attachment: Attachment, text: str | None, by,
                   language: str | None = None) -> Attachment:
    """Set (or, with an empty ``text``, clear) the transcript of a voice note; flushes.

    By the author of what it is attached to, a moderator or an organiser
    (:func:`~roadmap.media.policies.can_transcribe`); records who typed it and writes the
    audit log. The transcript of a proposal's voice note is part of its ``search_text``, so
    that the list search and the similar proposals find it. Raises :class:`MediaError`.
    """
    if not can_transcribe(by, attachment):
        raise MediaError(_("You cannot write the transcript of this voice note."), "transcript")
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > TRANSCRIPT_MAX:
        raise MediaError(_("Write at most %(max)d characters.", max=TRANSCRIPT_MAX),
                         "transcript")
    before = attachment.transcript
    attachment.transcript = text or None
    attachment.transcribed_by_id = by.id if text else None
    attachment.language = (language or attachment.language) if text else attachment.language
    db.session.flush()
    transcript_changed.send(None, attachment=attachment)
    proposal = attachment.proposal or attachment.comment.proposal
    record(by, "attachment.transcript" if text else "attachment.transcript_clear", attachment,
           before={"transcript": before}, after={"transcript": attachment.transcript},
           consultation=proposal.consultation_id)
    return attachment


def staged_for(user, tokens) -> list[Attachment]:
    """The staged attachments of ``user`` among ``tokens`` (anything else is ignored)."""
    tokens = [t for t in dict.fromkeys(tokens or ()) if storage.TOKEN.fullmatch(str(t))]
    if not tokens or not getattr(user, "id", None):
        return []
    rows = db.session.scalars(select(Attachment).where(
        Attachment.token.in_(tokens), Attachment.uploaded_by_id == user.id,
        *(getattr(Attachment, name).is_(None) for name in SUBJECTS))).all()
    order = {token: index for index, token in enumerate(tokens)}
    return sorted(rows, key=lambda a: order[a.token])


def attachments_of(subject_column: str, subject_id: int, *, visible_only: bool = False):
    """The attachments of one subject, in gallery order."""
    query = select(Attachment).where(getattr(Attachment, subject_column) == subject_id)
    if visible_only:
        query = query.where(Attachment.hidden_at.is_(None), Attachment.state == "ready")
    return db.session.scalars(query.order_by(Attachment.position, Attachment.id)).all()


def check_counts(existing, adding) -> None:
    """Refuse more than :data:`LIMITS` of a kind on one subject. ``existing``: attachments;
    ``adding``: attachments or kinds."""
    kinds = [a.kind for a in existing] + [getattr(a, "kind", a) for a in adding]
    for kind, limit in LIMITS.items():
        if kinds.count(kind) > limit:
            field = kind
            raise MediaError({
                "photo": ngettext("You can attach %(num)d photo at most.",
                                  "You can attach %(num)d photos at most.", limit),
                "document": ngettext("You can attach %(num)d document at most.",
                                     "You can attach %(num)d documents at most.", limit),
                "voice": ngettext("You can attach %(num)d voice note at most.",
                                  "You can attach %(num)d voice notes at most.", limit),
            }[kind], field)


def attach(attachments, subject_column: str, subject_id: int) -> list[Attachment]:
    """Attach staged ``attachments`` to one subject, in order; forgets the photos' positions.

    Raises :class:`MediaError` (nothing attached) beyond :data:`LIMITS`. Flushes.
    """
    if subject_column not in SUBJECTS:
        raise ValueError(subject_column)
    attachments = [a for a in attachments if a.is_staged]
    existing = attachments_of(subject_column, subject_id)
    check_counts(existing, attachments)
    position = max((a.position for a in existing), default=-1)
    for attachment in attachments:
        position += 1
        setattr(attachment, subject_column, subject_id)
        attachment.position = position
        attachment.offered_latitude = attachment.offered_longitude = None
    db.session.flush()
    return attachments


def remove(attachment: Attachment) -> None:
    """Delete an attachment; its files go once the deletion is committed. Flushes."""
    storage.delete_after_commit([attachment.token])
    db.session.delete(attachment)
    db.session.flush()


def remove_all(attachments) -> int:
    """Delete many attachments (an account's, say) and their files once committed."""
    count = 0
    for attachment in attachments:
        remove(attachment)
        count += 1
    return count


def purge_staged(hours: float = STAGED_HOURS) -> int:
    """Delete the staged attachments older than ``hours`` (a form never sent back). Flushes."""
    cutoff = utcnow() - timedelta(hours=hours)
    rows = db.session.scalars(select(Attachment).where(
        Attachment.created_at < cutoff,
        *(getattr(Attachment, name).is_(None) for name in SUBJECTS))).all()
    return remove_all(rows)
