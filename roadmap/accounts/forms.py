"""The shape of account input: registration, login, password reset and profile forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from roadmap.accounts.queries import communes_for_choice
from roadmap.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PROFILE_FIELDS
from roadmap.core.i18n import current_language
from roadmap.core.templating import LANGUAGE_NAMES

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples
    def SelectChoice(value, label):  # noqa: N802
        """A ``(value, label)`` choice, as older WTForms expect."""
        return (value, label)

NOT_SPECIFIED = _l("Not specified")
ROLE_LABELS = {
    "participant": _l("Participant"),
    "helpdesk": _l("Help-desk officer"),
    "moderator": _l("Moderator"),
    "organiser": _l("Organiser"),
    "admin": _l("Administrator"),
}
STAKEHOLDER_CHOICES = [
    ("citizen", _l("Citizen")),
    ("association", _l("Association")),
    ("economic_actor", _l("Economic actor")),
    ("elected_official", _l("Elected official")),
    ("public_service", _l("Public service")),
    ("other", _l("Other")),
]
GENDER_CHOICES = [
    ("", NOT_SPECIFIED),
    ("woman", _l("Woman")),
    ("man", _l("Man")),
    ("prefer_not_to_say", _l("Prefer not to say")),
]
AGE_BAND_CHOICES = [
    ("", NOT_SPECIFIED),
    ("under_18", _l("Under 18")),
    ("18_24", _l("18 to 24")),
    ("25_34", _l("25 to 34")),
    ("35_49", _l("35 to 49")),
    ("50_64", _l("50 to 64")),
    ("65_plus", _l("65 and over")),
    ("prefer_not_to_say", _l("Prefer not to say")),
]
LANGUAGE_CHOICES = list(LANGUAGE_NAMES.items())
STATISTICS_HINT = _l("Optional. Used only for anonymous participation statistics.")


def _select_choices(pairs) -> list:
    """``(value, label)`` pairs as the choices of a select field."""
    return [SelectChoice(value, label) for value, label in pairs]


def _optional_int(value):
    """Coerce a select value to an int, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _optional_str(value):
    """Coerce a select value to a string, or None for the empty choice."""
    return value or None


def _strip(value):
    """Drop surrounding spaces from typed text."""
    return value.strip() if isinstance(value, str) else value


def _email_field(autocomplete: str, check_format: bool = True, description=None) -> EmailField:
    validators = [DataRequired(), Length(max=254)] + ([Email()] if check_format else [])
    return EmailField(_l("Email address"), filters=[_strip], validators=validators,
                      description=description, render_kw={"autocomplete": autocomplete})


def _password_field(label) -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                               message=_l("Use between %(min)d and %(max)d characters."))],
        description=_l("At least 12 characters. A few words make a good passphrase."),
        render_kw={"autocomplete": "new-password"})


def _confirm_field() -> PasswordField:
    return PasswordField(_l("Confirm the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


def _optional_select(label, choices, description=None) -> SelectField:
    return SelectField(label, choices=_select_choices(choices), coerce=_optional_str,
                       validators=[Optional()],
                       description=description)


class ProfileForm(FlaskForm):
    """The profile fields a user chooses and can change later."""

    display_name = StringField(
        _l("Display name"), filters=[_strip], validators=[DataRequired(), Length(2, 80)],
        description=_l("Shown with your proposals and comments."),
        render_kw={"autocomplete": "nickname"})
    stakeholder_type = SelectField(_l("You take part as"), choices=_select_choices(STAKEHOLDER_CHOICES),
                                   default="citizen")
    organisation = StringField(
        _l("Organisation"), filters=[_strip], validators=[Optional(), Length(max=200)],
        description=_l("Optional: your association, company or service."),
        render_kw={"autocomplete": "organization"})
    home_commune_id = SelectField(_l("Home commune"), coerce=_optional_int,
                                  validators=[Optional()],
                                  description=_l("Optional: the commune where you live."))
    preferred_language = SelectField(_l("Preferred language"), choices=_select_choices(LANGUAGE_CHOICES),
                                     default=current_language)
    gender = _optional_select(_l("Gender"), GENDER_CHOICES, STATISTICS_HINT)
    age_band = _optional_select(_l("Age band"), AGE_BAND_CHOICES, STATISTICS_HINT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.home_commune_id.choices = _select_choices(
            [("", NOT_SPECIFIED)] + [(str(pk), name) for pk, name in communes_for_choice()])

    def profile_values(self) -> dict:
        """The profile fields as keyword arguments for the account services."""
        return {name: getattr(self, name).data for name in PROFILE_FIELDS}


class RegistrationForm(ProfileForm):
    """A new account: email, password twice, and the profile."""

    email = _email_field("email", description=_l(
        "We write to you here. It is never shown to others."))
    password = _password_field(_l("Password"))
    confirm = _confirm_field()


class LoginForm(FlaskForm):
    """Email (or mobile number) and password (no format check: a failure says only
    "incorrect")."""

    email = StringField(_l("Email or phone number"), filters=[_strip],
                        validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "dir": "auto"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class ResetRequestForm(FlaskForm):
    """The address to which a reset link is sent (no format check: the answer is the same)."""

    email = _email_field("email", check_format=False)


class ConfirmEmailForm(FlaskForm):
    """The button that confirms an address (a POST: mail scanners that open links do not)."""


class ResendConfirmationForm(FlaskForm):
    """A fresh confirmation link: signed-in users press the button, visitors give the address
    (no format check: the answer is the same for every address)."""

    email = _email_field("email", check_format=False)


class ResetPasswordForm(FlaskForm):
    """A new password, twice."""

    password = _password_field(_l("New password"))
    confirm = _confirm_field()


class DeleteAccountForm(FlaskForm):
    """The current password, to confirm that one's account is to be deleted."""

    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             description=_l("Type your password to confirm."),
                             render_kw={"autocomplete": "current-password"})


# --- back office: people and invitations -------------------------------------------------------

INVITED_ROLE_CHOICES = [(role, ROLE_LABELS[role])
                        for role in ("helpdesk", "moderator", "organiser", "admin")]
ACTIVE_CHOICES = [("", _l("Active or not")), ("1", _l("Active")), ("0", _l("Deactivated"))]


def _commune_choices(empty_label) -> list:
    return _select_choices([("", empty_label)]
                           + [(str(pk), name) for pk, name in communes_for_choice()])


class UserFilterForm(FlaskForm):
    """The filters of the list of accounts (a GET form: no CSRF token, never invalid)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or email"), filters=[_strip], validators=[Optional(), Length(max=200)],
                    render_kw={"type": "search"})
    role = SelectField(_l("Role"), validators=[Optional()], coerce=_optional_str,
                       choices=_select_choices([("", _l("Every role"))] + list(ROLE_LABELS.items())))
    stakeholder_type = SelectField(_l("Stakeholder type"), validators=[Optional()],
                                   coerce=_optional_str, choices=_select_choices(
                                       [("", _l("Every type"))] + STAKEHOLDER_CHOICES))
    commune = SelectField(_l("Home commune"), coerce=_optional_int, validators=[Optional()])
    active = SelectField(_l("State"), coerce=_optional_str, validators=[Optional()],
                         choices=_select_choices(ACTIVE_CHOICES))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune.choices = _commune_choices(_l("Every commune"))

    def filters(self) -> dict:
        """The filters as keyword arguments of :func:`roadmap.accounts.queries.search_users`;
        a value outside the choices is ignored."""
        self.validate()

        def value(name):
            field = getattr(self, name)
            return None if field.errors else field.data

        return {"text": value("q") or None, "role": value("role"),
                "stakeholder_type": value("stakeholder_type"), "commune_id": value("commune"),
                "active": {"1": True, "0": False}.get(value("active"))}


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (deactivate, reactivate, resend, revoke)."""


class RoleForm(FlaskForm):
    """The role an admin gives an account."""

    role = SelectField(_l("Role"), choices=_select_choices(list(ROLE_LABELS.items())),
                       validators=[DataRequired()])


class InvitationForm(FlaskForm):
    """Invite an official or an organiser by email."""

    email = _email_field("off")
    role = SelectField(_l("Role"), choices=_select_choices(INVITED_ROLE_CHOICES),
                       validators=[DataRequired()])
    stakeholder_type = SelectField(_l("Stakeholder type"), default="public_service",
                                   choices=_select_choices(STAKEHOLDER_CHOICES))
    organisation = StringField(_l("Organisation"), filters=[_strip],
                               validators=[Optional(), Length(max=200)])
    commune_id = SelectField(_l("Home commune"), coerce=_optional_int, validators=[Optional()])
    display_name = StringField(_l("Display name"), filters=[_strip],
                               validators=[Optional(), Length(2, 80)],
                               description=_l("Optional: the invitee can change it."))
    language = SelectField(_l("Language of the invitation"),
                           choices=_select_choices(LANGUAGE_CHOICES), default=current_language)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_id.choices = _commune_choices(NOT_SPECIFIED)


class AcceptInvitationForm(FlaskForm):
    """A new account from an invitation: the display name and a password, twice."""

    display_name = StringField(
        _l("Display name"), filters=[_strip], validators=[DataRequired(), Length(2, 80)],
        description=_l("Shown with your proposals and comments."),
        render_kw={"autocomplete": "nickname"})
    password = _password_field(_l("Password"))
    confirm = _confirm_field()


class AcceptWithAccountForm(FlaskForm):
    """An invitation to an address that has an account: that account's password."""

    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class BulkUploadForm(FlaskForm):
    """A CSV or XLSX list of people to invite."""

    file = FileField(_l("List of people (CSV or XLSX)"),
                     validators=[FileRequired(), FileAllowed(["csv", "xlsx", "txt"],
                                                             _l("Send a .csv or .xlsx file."))],
                     description=_l("Columns: email, name, role, stakeholder_type, "
                                    "organisation, commune (code or name), language."))
    default_role = SelectField(_l("Role when the row gives none"),
                               choices=_select_choices(INVITED_ROLE_CHOICES))


class BulkSendForm(FlaskForm):
    """The checked rows of a preview, signed, to be sent."""

    rows = HiddenField(validators=[DataRequired()])
