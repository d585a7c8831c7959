"""The forms of the SMS verification pages (the rules are in roadmap.verification.phone)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length


class PhoneForm(FlaskForm):
    """The mobile number a code is sent to (read by ``normalise_phone``)."""

    phone = StringField(
        _l("Mobile phone number"),
        description=_l("A Moroccan mobile number, for example 06 12 34 56 78 or "
                       "+212 6 12 34 56 78."),
        validators=[InputRequired(_l("Enter your mobile phone number.")), Length(max=40)],
        render_kw={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"})


class ResendForm(FlaskForm):
    """Send a new code to the number of the last one (kept sealed in the browser's session)."""

    resend = HiddenField(default="1")


class PhoneCodeForm(FlaskForm):
    """The code received by SMS."""

    code = StringField(
        _l("Code received by SMS"),
        description=_l("The 6 digits of the SMS."),
        validators=[InputRequired(_l("Enter the code.")), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"})
