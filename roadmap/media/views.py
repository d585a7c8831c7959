"""The files of attachments: ``/media/<token>/<variant>``.

Photos are sent inline (``screen``, ``thumb``), voice notes inline (``audio``), documents always
as a download (``Content-Disposition: attachment``); every answer has ``nosniff`` and the site's
CSP (see :mod:`roadmap.core.security`) and a type decided here, never by the upload.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import (Blueprint, abort, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from roadmap.accounts.redirects import safe_next
from roadmap.extensions import db, htmx
from roadmap.media import services, storage
from roadmap.media.audio import duration_label
from roadmap.media.forms import TranscriptForm
from roadmap.media.jobs import max_voice_seconds
from roadmap.media.models import Attachment
from roadmap.media.policies import can_transcribe, can_view_attachment

bp = Blueprint("media", __name__)


@bp.app_template_filter("human_size")
def _human_size(size) -> str:
    """``{{ attachment.size | human_size }}``: ``850 KB``, ``2.4 MB`` in the reader's language."""
    from roadmap.media.checks import human_size

    return human_size(int(size or 0))


@bp.app_context_processor
def _voice_helpers() -> dict:
    """What the media partials use, in every template (``media/_voice.html``...)."""
    return {"can_view_attachment": can_view_attachment, "can_transcribe": can_transcribe,
            "transcript_form": lambda note: TranscriptForm(
                formdata=None, prefix=f"transcript-{note.id}", transcript=note.transcript)}


# Globals, not context: the recorder is a macro imported without the template's context.
bp.add_app_template_global(duration_label, "duration_label")
bp.add_app_template_global(max_voice_seconds, "voice_max_seconds")

# variant -> (kinds it exists for, extension, content type; None: the attachment's own)
VARIANTS = {
    "thumb": (("photo",), "webp", "image/webp"),
    "screen": (("photo",), "webp", "image/webp"),
    "file": (("document",), "pdf", "application/pdf"),
    "audio": (("voice",), None, None),
}


@bp.get("/media/<token>/<variant>")
def file(token: str, variant: str):
    """One file of an attachment, to those who may see it; 404 for anyone else."""
    if not storage.TOKEN.fullmatch(token) or variant not in VARIANTS:
        abort(404)
    attachment = db.session.scalar(select(Attachment).where(Attachment.token == token))
    kinds, extension, content_type = VARIANTS[variant]
    if attachment is None or attachment.kind not in kinds \
            or not can_view_attachment(current_user, attachment):
        abort(404)
    path = storage.path_for(token, variant, extension or attachment.extension)
    if not path.is_file():
        abort(404)
    public = attachment.hidden_at is None and not attachment.is_staged
    response = send_file(path, mimetype=content_type or attachment.content_type,
                         conditional=True, max_age=3600 if public else 0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = public
    response.cache_control.private = not public
    if attachment.kind == "document":
        name = attachment.original_name or "document.pdf"
        ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}")
    return response


@bp.record_once
def _template_helpers(state) -> None:
    """Attachments' helpers for every template (globals: imported macros see them too)."""
    from functools import partial

    from roadmap.media import queries
    from roadmap.media.checks import human_size
    from roadmap.media.services import attachments_of, max_bytes

    state.app.jinja_env.globals.update(
        human_size=human_size, max_upload_bytes=max_bytes, card_photos=queries.card_photos,
        visible_attachments=partial(attachments_of, visible_only=True), media_url=media_url)


def media_url(attachment, variant: str) -> str:
    """The URL of one of ``attachment``'s files."""
    return url_for("media.file", token=attachment.token, variant=variant)


def _subject_url(attachment: Attachment) -> str:
    """The page showing what ``attachment`` belongs to, at the voice note."""
    if attachment.comment is not None:
        proposal, anchor = attachment.comment.proposal, f"comment-{attachment.comment_id}"
    else:
        proposal, anchor = attachment.proposal, f"attachment-{attachment.id}"
    return url_for("proposals.show", slug=proposal.consultation.slug, proposal_id=proposal.id,
                   _anchor=anchor)


@bp.post("/media/<token>/transcript")
def transcript(token: str):
    """Set or clear a voice note's transcript: its subject's author, a moderator or an
    organiser (htmx: the voice note again; without JavaScript: back to the page)."""
    attachment = db.session.scalar(select(Attachment).where(Attachment.token == token)) \
        if storage.TOKEN.fullmatch(token) else None
    if attachment is None or attachment.kind != "voice" or attachment.is_staged:
        abort(404)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path), 303)
    if not can_transcribe(current_user, attachment):
        abort(403)
    form = TranscriptForm(prefix=f"transcript-{attachment.id}")
    back = safe_next(request.form.get("next"), _subject_url(attachment))
    if form.validate():
        try:
            services.set_transcript(attachment, form.transcript.data, current_user,
                                    attachment.language)
        except services.MediaError as error:
            form.transcript.errors = [*form.transcript.errors, error.message]
        else:
            db.session.commit()
            if htmx:
                return render_template("media/_voice.html", note=attachment, next_url=back)
            flash(_("The transcript was saved.") if attachment.transcript
                  else _("The transcript was removed."), "success")
            return redirect(back, 303)
    db.session.rollback()
    if htmx:
        return render_template("media/_voice.html", note=attachment, form=form,
                               next_url=back), 422
    return render_template("media/transcript.html", note=attachment, form=form,
                           next_url=back), 422
