"""Attachments in a form: the file fields, what a post of them does, and the transcript form.

A form with attachments (a proposal's) carries the files already sent as hidden ``attachment``
tokens, so that a form shown again (a field to correct, the similar proposals to read) keeps
them: nothing the author sent is lost. :func:`handle_uploads` stages the files chosen in this
post, and performs the buttons of the attachments' fieldset (add, remove, use a photo's place),
which show the form again without submitting it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from roadmap.media import services
from roadmap.media.services import TRANSCRIPT_MAX
from roadmap.media.models import Attachment
from roadmap.media.policies import can_remove_attachment

ACTIONS = ("add", "remove", "use_place")
FILE_FIELDS = ("voice", "photo", "photo_alt", "document")


class AttachmentFields:
    """The fields of a voice note, one photo and one document (mixed into a FlaskForm)."""

    voice = FileField(
        _l("Voice note (optional)"), validators=[Optional()],
        description=_l("Up to 3 minutes. Record it here, or choose the recording your phone "
                       "made."))
    photo = FileField(
        _l("Add a photo"), validators=[Optional()],
        description=_l("Optional. JPEG, PNG, WebP or HEIC, 4 photos at most. The photo's "
                       "hidden details (camera, place) are removed before it is shown."),
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"})
    photo_alt = StringField(
        _l("What the photo shows"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Optional()],
        description=_l("Required with a photo: a short description for those who cannot see "
                       "it."), render_kw={"maxlength": 300, "dir": "auto"})
    document = FileField(
        _l("Add a document (PDF)"), validators=[Optional()],
        description=_l("Optional. A study or a letter, as a PDF, 2 documents at most."),
        render_kw={"accept": "application/pdf"})


@dataclass
class Uploads:
    """The attachments of a form being filled: those already attached (editing), those staged,
    and what the post asked for."""

    attached: list[Attachment] = field(default_factory=list)
    staged: list[Attachment] = field(default_factory=list)
    action: str | None = None  # one of ACTIONS when a fieldset button was pressed
    place: tuple[float, float] | None = None  # a photo's place the author chose to use
    offer: tuple[Attachment, object] | None = None  # (photo, its commune) offered to the author
    failed: bool = False  # a file was refused (its message is on its field)

    @property
    def all(self) -> list[Attachment]:
        return [*self.attached, *self.staged]

    @property
    def has_voice(self) -> bool:
        """A voice note comes with the form: its description may be left empty."""
        return any(a.kind == "voice" for a in self.all)

    def offer_place(self, has_point: bool, locate) -> None:
        """Offer the place of the first staged photo that has one inside the prefecture
        (``locate(latitude, longitude)`` gives its commune), when the form has no point yet.
        Never applied: the author chooses (the ``use_place`` button)."""
        if has_point:
            return
        for photo in self.staged:
            if photo.offered_latitude is not None:
                commune = locate(photo.offered_latitude, photo.offered_longitude)
                if commune is not None:
                    self.offer = (photo, commune)
                    return


def handle_uploads(form, user, attached=()) -> Uploads:
    """Stage the files of this post and act on the attachments' buttons; flushes.

    A refused file puts its message on its field (``uploads.failed``); the others are kept.
    """
    uploads = Uploads(attached=list(attached))
    if not form.is_submitted():
        return uploads
    uploads.staged = services.staged_for(user, request.form.getlist("attachment"))
    language = str(get_locale() or "") or None
    stagers = [  # (field, stage it): each refused file's message goes on its own field
        ("voice", lambda: services.stage_voice(form.voice.data, user, language,
                                               existing=uploads.all)),
        ("photo", lambda: services.stage_photo(form.photo.data, user, form.photo_alt.data,
                                               language, existing=uploads.all)),
        ("document", lambda: services.stage_document(form.document.data, user, language,
                                                     existing=uploads.all)),
    ]
    for name, stage in stagers:
        if name not in form:
            continue
        try:
            staged = stage()
        except services.MediaError as error:
            _field_error(form, error)
            uploads.failed = True
            continue
        if staged is not None:
            uploads.staged.append(staged)
            if name == "photo":
                form.photo_alt.data = ""  # the next photo gets its own description
    _act(uploads, user, request.form.get("media_action", ""))
    return uploads


def _act(uploads: Uploads, user, value: str) -> None:
    name, _, token = value.partition(":")
    if name not in ACTIONS:
        return
    uploads.action = name
    target = next((a for a in uploads.all if a.token == token), None)
    if name == "remove" and target is not None and can_remove_attachment(user, target):
        services.remove(target)
        uploads.attached = [a for a in uploads.attached if a is not target]
        uploads.staged = [a for a in uploads.staged if a is not target]
    elif name == "use_place" and target is not None and target.offered_latitude is not None:
        uploads.place = (target.offered_latitude, target.offered_longitude)


def _field_error(form, error: services.MediaError) -> None:
    target = form[error.field] if error.field in form else form.photo
    target.errors = [*(target.errors or []), error.message]


def _strip_text(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class TranscriptForm(FlaskForm):
    """What a voice note says, typed by its author or a moderator (empty: no transcript)."""

    transcript = TextAreaField(
        _l("Transcript"), filters=[_strip_text],
        description=_l("Type what the voice note says, for those who cannot listen to it; "
                       "the search reads it too."),
        validators=[Length(max=TRANSCRIPT_MAX, message=_l(
            "Write at most %(max)d characters.", max=TRANSCRIPT_MAX))])
