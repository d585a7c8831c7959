"""Forms of the moderation domain: a report, a decision's reason, a block, a merge."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

REASON_LABELS = {
    "spam": _l("Spam or advertising"),
    "offensive": _l("Offensive or hateful"),
    "personal_data": _l("Personal data"),
    "off_topic": _l("Off-topic"),
    "duplicate": _l("Duplicate of another proposal"),
    "other": _l("Other"),
}
try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples
    def SelectChoice(value, label):  # noqa: N802
        """A ``(value, label)`` choice, as older WTForms expect."""
        return (value, label)

NOTE_MAX = 1000
REASON_MAX = 1000


def _strip(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def reason_label(reason: str) -> str:
    """The name of a report reason in the reader's language."""
    return str(REASON_LABELS.get(reason, reason))


class ReportForm(FlaskForm):
    """Report a proposal or a comment: a reason and an optional note."""

    reason = RadioField(_l("Why are you reporting this?"),
                        choices=[SelectChoice(value, label)
                                 for value, label in REASON_LABELS.items()],
                        validators=[InputRequired(message=_l("Choose a reason."))])
    note = TextAreaField(_l("Note for the moderators (optional)"), filters=[_strip],
                         validators=[Optional(), Length(max=NOTE_MAX)])


class DecisionForm(FlaskForm):
    """The reason of a moderation decision (required to hide, reject and block)."""

    reason = TextAreaField(_l("Reason (shown to the public and to the author)"),
                           filters=[_strip], validators=[Optional(), Length(max=REASON_MAX)])


class BlockForm(FlaskForm):
    """Block a user: the reason is required."""

    reason = TextAreaField(_l("Reason for blocking"), filters=[_strip],
                           validators=[DataRequired(message=_l("Give a reason.")),
                                       Length(max=REASON_MAX)])


class MergeForm(FlaskForm):
    """Merge: the proposal kept (target) and the duplicates merged into it (sources)."""

    target = SelectField(_l("Proposal to keep"), coerce=int,
                         validators=[InputRequired(message=_l("Choose the proposal to keep."))])
    sources = SelectMultipleField(_l("Duplicates to merge into it"), coerce=int,
                                  validators=[DataRequired(
                                      message=_l("Choose at least one proposal to merge."))])
    reason = TextAreaField(_l("Reason"), filters=[_strip],
                           validators=[Optional(), Length(max=REASON_MAX)])

    def validate_sources(self, field) -> None:
        """The kept proposal cannot be one of the merged ones."""
        from wtforms.validators import ValidationError

        if self.target.data in (field.data or []):
            raise ValidationError(_l("The proposal to keep cannot be merged into itself."))
