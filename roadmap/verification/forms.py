"""The verification forms: what a resident types, and the back office's uploads and batches."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from roadmap.verification.codes import MAX_BATCH


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ResidentsForm(FlaskForm):
    """A resident's CNIE number and date of birth (checked by the service, which explains)."""

    cnie = StringField(_l("National identity card (CNIE) number"),
                       filters=[_strip], validators=[Length(max=40)],
                       description=_l("As printed on your card: one or two letters, then digits, "
                                      "for example AB123456."),
                       render_kw={"autocomplete": "off", "spellcheck": "false",
                                  "autocapitalize": "characters"})
    birth_date = StringField(_l("Date of birth"), filters=[_strip], validators=[Length(max=40)],
                             description=_l("Day/month/year, for example 25/03/1990. Arabic "
                                            "digits are accepted."),
                             render_kw={"autocomplete": "bday", "inputmode": "numeric"})


class CodeForm(FlaskForm):
    """An in-person code, as printed on a slip (spaces, dashes, Arabic digits accepted)."""

    code = StringField(_l("Code"), filters=[_strip], validators=[Length(max=60)],
                       description=_l("The twelve digits printed on your slip, for example "
                                      "1234 5678 9012."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})


class ResidentListForm(FlaskForm):
    """A residents' list to check (and, when asked and without problems, to store)."""

    file = FileField(_l("Residents' list (CSV or XLSX)"), validators=[FileRequired(
        _l("Choose the file to send."))],
        description=_l("Columns cnie, birth_date and commune (the commune's code); CSV "
                       "separated by commas or semicolons, UTF-8, or XLSX."))
    label = StringField(_l("Name of the list"), filters=[_strip],
                        validators=[DataRequired(_l("Give the list a name.")), Length(max=200)],
                        description=_l("For example: Extract of the civil register of Tassoultante, "
                                       "March 2026."))
    replacing = SelectField(_l("New list or replacement"), coerce=int, default=0,
                            validate_choice=False)
    store = BooleanField(_l("Store the list if it has no problems"),
                         description=_l("Unchecked: the file is only checked, nothing is stored. "
                                        "The file itself is never kept: only keyed hashes of "
                                        "the numbers are stored."))

    def validate_replacing(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a list from the menu."))


class BatchForm(FlaskForm):
    """A batch of in-person codes to print."""

    consultation = SelectField(_l("Consultation"), coerce=int, validate_choice=False)
    count = IntegerField(_l("Number of codes"), validators=[
        DataRequired(_l("Enter how many codes to print.")),
        NumberRange(min=1, max=MAX_BATCH, message=_l("From 1 to %(max)d codes.", max=MAX_BATCH))],
        invalid_value_message=_l("Enter a whole number, such as 3."),
        render_kw={"min": 1, "max": MAX_BATCH, "inputmode": "numeric"})
    commune = SelectField(_l("Commune (optional)"), coerce=int, default=0, validate_choice=False,
                          description=_l("A code bound to a commune verifies a resident of it."))
    expires_on = DateField(_l("Valid until (optional)"), validators=[Optional()],
                           invalid_value_message=_l("Enter a date, such as 2026-03-25."))
    label = StringField(_l("Label (optional)"), filters=[_strip], validators=[Length(max=200)],
                        description=_l("For example: Workshop of 12 March, commune office."))

    def validate_consultation(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a consultation from the menu."))

    def validate_commune(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a commune from the menu."))

    def validate_expires_on(self, field):
        if field.data is not None and field.data < date.today():
            raise ValidationError(_l("The expiry must be in the future."))
