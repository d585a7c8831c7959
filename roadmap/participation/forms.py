"""Forms of the participation domain: a comment (or a reply) and its edit."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

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
    """A comment or a reply: plain text of 2 to 3000 characters and a stance.

    Several comment forms share a page (one per reply), so each gets a ``prefix``: see
    :func:`form_prefix`.
    """

    body = TextAreaField(
        _l("Your comment"), filters=[_strip],
        description=_l("Plain text, %(min)d to %(max)d characters.", min=BODY_MIN, max=BODY_MAX),
        validators=[DataRequired(message=_l("Write your comment.")),
                    Length(min=BODY_MIN, max=BODY_MAX,
                           message=_l("A comment has between %(min)d and %(max)d characters.",
                                      min=BODY_MIN, max=BODY_MAX))])
    stance = RadioField(_l("Your position on this proposal"), default="neutral",
                        choices=[SelectChoice(value, label)
                                 for value, label in STANCE_LABELS.items()],
                        validators=[DataRequired(message=_l("Choose for, against or neutral."))])


class EditCommentForm(CommentForm):
    """The edit of a comment by its author (same fields)."""


def form_prefix(parent_id: int | None = None) -> str:
    """The field prefix of the comment form (top level) or of the reply form to ``parent_id``."""
    return f"reply-{parent_id}" if parent_id else "comment"
