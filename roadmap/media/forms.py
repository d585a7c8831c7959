"""Forms of the media package: the transcript of a voice note."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from roadmap.media.services import TRANSCRIPT_MAX


def _strip(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class TranscriptForm(FlaskForm):
    """What a voice note says, typed by its author or a moderator (empty: no transcript)."""

    transcript = TextAreaField(
        _l("Transcript"), filters=[_strip],
        description=_l("Type what the voice note says, for those who cannot listen to it; "
                       "the search reads it too."),
        validators=[Length(max=TRANSCRIPT_MAX, message=_l(
            "Write at most %(max)d characters.", max=TRANSCRIPT_MAX))])
