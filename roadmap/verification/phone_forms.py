"""The forms of the SMS pages: verification, and a new password with an SMS code (the rules are
in roadmap.verification.phone and roadmap.verification.phone_reset)."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from roadmap.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class PhoneForm(FlaskForm):
    """The mobile number a code is sent to (read by ``normalise_phone``)."""

    phone = StringField(
        _l("Mobile phone number"),
        description=_l("A Moroccan mobile number, for example 06 12 34 56 78 or "
                       "+212 6 12 34 56 78."),
        validators=[InputRequired(_l("Enter your mobile phone number.")), Length(max=40)],
        render_kw={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"})

    @property
    def resending(self) -> bool:
        """True when the request is "send a new code" (a :class:`ResendForm`) to the last number."""
        return request.method == "POST" and request.form.get("resend") == "1"

    def requested_number(self, last_number: str | None) -> str | None:
        """The number a code is asked for: ``last_number`` on "send a new code", else the number
        typed if the form validates; None when there is none (the caller shows the form again,
        or, resending, the page to type a number)."""
        if self.resending:
            return last_number
        return self.phone.data if self.validate_on_submit() else None


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


class PhoneResetForm(PhoneCodeForm):
    """The code received by SMS and the new password, twice."""

    password = PasswordField(
        _l("New password"), validators=[
            InputRequired(_l("Choose a new password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                   message=_l("Use between %(min)d and %(max)d characters."))],
        description=_l("At least 12 characters. A few words make a good passphrase."),
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Confirm the password"), validators=[
        InputRequired(_l("Confirm the password.")),
        EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})
