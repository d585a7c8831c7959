"""The shape of help-desk input: identifying a resident, sending a claim, claiming (by the
emailed link, or with the code sent by SMS)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from roadmap.accounts.forms import AcceptInvitationForm, _select_choices, _strip
from roadmap.helpdesk.queries import desk_consultations
from roadmap.verification.phone_forms import PhoneCodeForm, PhoneForm
from roadmap.verification.policies import enabled_methods

METHOD_LABELS = {"residents_list": _l("Residents' list (CNIE number and date of birth)"),
                 "code": _l("In-person code")}
MISSING = _l("Fill in this field.")
REQUIREMENT_ACTIONS = {"propose": _l("Make proposals"), "support": _l("Support proposals"),
                       "comment": _l("Comment")}
REQUIREMENT_LEVELS = {"confirmed": _l("a confirmed email address, or a verified account"),
                      "verified": _l("a verified account"),
                      "resident": _l("a verified resident of the commune concerned")}


def _coerce_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class IdentifyForm(FlaskForm):
    """The consultation, and the identity of the resident who is present."""

    consultation_id = SelectField(_l("Consultation"), coerce=_coerce_id,
                                  validators=[DataRequired(_l("Choose the consultation."))])
    method = RadioField(_l("How the resident is identified"), default="residents_list",
                        validators=[DataRequired(_l("Choose how the resident is identified."))])
    cnie = StringField(_l("CNIE number"), filters=[_strip], validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "off", "dir": "ltr"})
    birth_date = StringField(_l("Date of birth"), filters=[_strip],
                             validators=[Optional(), Length(max=40)],
                             description=_l("For example 25/03/1990."),
                             render_kw={"autocomplete": "off", "dir": "ltr"})
    code = StringField(_l("In-person code"), filters=[_strip],
                       validators=[Optional(), Length(max=40)],
                       description=_l("The twelve digits printed on the resident's slip."),
                       render_kw={"autocomplete": "off", "inputmode": "numeric", "dir": "ltr"})
    display_name = StringField(
        _l("Resident's name"), filters=[_strip], validators=[Optional(), Length(2, 80)],
        description=_l("Only for a resident who has no account yet: a first name is enough. "
                       "It is shown with their proposals."),
        render_kw={"autocomplete": "off", "dir": "auto"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation_id.choices = _select_choices(
            [("", _l("Choose the consultation"))]
            + [(str(item.id), item.title) for item in desk_consultations()])
        self.method.choices = _select_choices(
            [(method, METHOD_LABELS[method]) for method in enabled_methods()
             if method in METHOD_LABELS])

    def validate(self, extra_validators=None) -> bool:
        """The fields, then those the chosen method needs."""
        valid = super().validate(extra_validators)
        needed = {"residents_list": (self.cnie, self.birth_date), "code": (self.code,)}
        for field in needed.get(self.method.data, ()):
            if not field.data:
                field.errors = list(field.errors) + [str(MISSING)]
                valid = False
        return valid


class ClaimEmailForm(FlaskForm):
    """The address to which the claim link is sent."""

    email = EmailField(_l("Resident's email address"), filters=[_strip],
                       validators=[DataRequired(), Length(max=254)],
                       description=_l("The resident receives a link to choose a password; the "
                                      "account then signs in with this address."),
                       render_kw={"autocomplete": "off", "dir": "ltr"})


class ClaimForm(AcceptInvitationForm):
    """The resident claims their account: a display name and a password, twice."""


class ClaimPhoneForm(PhoneForm):
    """The resident's mobile number, to which a claim code is sent."""

    phone = StringField(
        _l("Resident's mobile number"), filters=[_strip],
        description=_l("The resident receives a code by SMS on this phone, types it here and "
                       "chooses a password; the account then signs in with this number."),
        validators=[DataRequired(_l("Enter the resident's mobile number.")), Length(max=40)],
        render_kw={"inputmode": "tel", "autocomplete": "off", "dir": "ltr"})


class ClaimPhoneCodeForm(ClaimForm):
    """On the desk's screen, the resident types the SMS code, a display name and a password."""

    code = PhoneCodeForm.code
