"""Forms of the participation domain: a comment (or a reply) and its edit."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from roadmap.participation.messages import STANCE_LABELS
from roadmap.participation.services import BODY_MAX, BODY_MIN

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples
    def SelectChoice(value, label):  # noqa: N802
        """A ``(value, label)`` choice, as older WTForms expect."""
        return (value, label)


def _strip(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class CommentForm(FlaskForm):
    """A comment or a reply: plain text of 2 to 3000 characters and a stance, or a voice note
    (recorded in the page or chosen from the phone's recorder) with or without text.

    Several comment forms share a page (one per reply), so each gets a ``prefix``: see
    :func:`form_prefix`. The voice note's content is checked by the media service, not here.
    """

    body = TextAreaField(
        _l("Your comment"), filters=[_strip],
        description=_l("Plain text, %(min)d to %(max)d characters.", min=BODY_MIN, max=BODY_MAX),
        validators=[Optional(),
                    Length(min=BODY_MIN, max=BODY_MAX,
                           message=_l("A comment has between %(min)d and %(max)d characters.",
                                      min=BODY_MIN, max=BODY_MAX))])
    stance = RadioField(_l("Your position on this proposal"), default="neutral",
                        choices=[SelectChoice(value, label)
                                 for value, label in STANCE_LABELS.items()],
                        validators=[DataRequired(message=_l("Choose for, against or neutral."))])
    voice = FileField(_l("Voice note (optional)"),
                      description=_l("Up to 3 minutes. Record it here, or choose the recording "
                                     "your phone made."))

    def has_voice(self) -> bool:
        """Whether a file was sent with the form."""
        return bool(getattr(self.voice.data, "filename", None))

    def validate(self, extra_validators=None) -> bool:
        """The fields, and some text unless a voice note was sent."""
        valid = super().validate(extra_validators)
        if not self.body.data and not self.has_voice() and not self.body.errors:
            self.body.errors.append(_l("Write your comment, or record a voice note."))
            valid = False
        return valid


class EditCommentForm(CommentForm):
    """The edit of a comment by its author: its text and stance (its voice note stays; a
    comment with one may lose its text)."""

    voice = None
    may_be_empty = False  # set by the view for a comment that has a voice note

    def validate(self, extra_validators=None) -> bool:
        valid = FlaskForm.validate(self, extra_validators)
        if not self.body.data and not self.may_be_empty and not self.body.errors:
            self.body.errors.append(_l("Write your comment."))
            valid = False
        return valid


def form_prefix(parent_id: int | None = None) -> str:
    """The field prefix of the comment form (top level) or of the reply form to ``parent_id``."""
    return f"reply-{parent_id}" if parent_id else "comment"
