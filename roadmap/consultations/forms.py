"""The shape of organiser input: a consultation's settings and a workshop's record."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, ColorField, DateField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from roadmap.accounts.forms import STAKEHOLDER_CHOICES
from roadmap.consultations.models import DATA_LICENCES, DEFAULT_DATA_LICENCE, PHASES
from roadmap.consultations.services import (REQUIREMENT_FIELDS, RULES, WOMEN_SHARE_RANGE,
                                            WORKSHOP_GENDERS, attendance_errors,
                                            phase_date_errors)
from roadmap.config import LANGUAGES
from roadmap.core.forms import AmountField, choices

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
NOT_A_DATE = _l("Enter a date, such as 2025-05-30.")
NOT_A_NUMBER = _l("Enter a whole number, such as 3.")
GENDER_CHOICES = [("woman", _l("Women")), ("man", _l("Men")),
                  ("not_recorded", _l("Gender not recorded"))]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _date_field(label) -> DateField:
    return DateField(label, validators=[Optional()], format=DATE_FORMATS,
                     invalid_value_message=NOT_A_DATE)


def _count_field(label) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(
        min=0, message=_l("Enter 0 or more."))], invalid_value_message=NOT_A_NUMBER,
        render_kw={"min": 0, "inputmode": "numeric"})


# The levels an organiser may require per action, weakest first (Consultation.requirement).
REQUIREMENT_CHOICES = [
    ("confirmed", _l("A confirmed email address")),
    ("verified", _l("A verified account (any verification method)")),
    ("resident", _l("A verified resident of the commune concerned")),
]
REQUIREMENT_HELP = _l(
    "Confirmed: the participant opened the link sent to their email address. Verified: the "
    "participant proved who they are with the residents' list, an in-person code or an SMS "
    "code. Resident: verified by the residents' list or a code bound to a commune, and only "
    "for the proposals of that commune.")


def _requirement_field(label, description) -> SelectField:
    return SelectField(label, choices=choices(REQUIREMENT_CHOICES), default="confirmed",
                       validate_choice=True, description=description)


class SettingsForm(FlaskForm):
    """Phase dates (``<kind>_starts_on``, ``<kind>_ends_on``), vote rules, who may take part
    (``<action>_requirement``) and moderation."""

    vote_limit = AmountField(
        _l("Supports per participant"), validators=[Optional(), NumberRange(
            min=1, message=_l("Enter 1 or more, or leave empty for no limit."))],
        invalid_value_message=NOT_A_NUMBER, render_kw={"min": 1, "inputmode": "numeric"},
        description=_l("How many proposals each participant may support. Empty: no limit."))
    votes_home_commune_only = BooleanField(
        _l("Participants support only proposals of their home commune"))
    voting_during_proposals = BooleanField(
        _l("Voting is also open during the proposals phase"))
    premoderation = BooleanField(
        _l("Pre-moderation: moderators approve each proposal and comment before it is shown"))
    report_threshold = AmountField(
        _l("Reports before hiding"), default=3,
        validators=[InputRequired(message=_l("Enter 1 or more.")),
                    NumberRange(min=1, message=_l("Enter 1 or more."))],
        invalid_value_message=NOT_A_NUMBER, render_kw={"min": 1, "inputmode": "numeric"},
        description=_l("A contribution reported this many times is hidden until a moderator "
                       "looks at it."))
    women_share_threshold = AmountField(
        _l("Women's share of participants below which a commune is flagged (%)"), default=35,
        validators=[Optional(), NumberRange(min=0, max=100, message=WOMEN_SHARE_RANGE)],
        invalid_value_message=WOMEN_SHARE_RANGE,
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
        description=_l("On the monitoring page and the dashboard, organisers see the communes "
                       "where women are fewer than this share of the participants who declared "
                       "their gender, with what can be done about it. Empty: unchanged (35 for "
                       "a new consultation)."))
    data_licence = SelectField(
        _l("Licence of the contributions' open data"),
        choices=choices([(code, f"{name} ({code})")
                         for code, (name, _uri) in DATA_LICENCES.items()]),
        default=DEFAULT_DATA_LICENCE, validate_choice=True,
        description=_l("The licence under which the public exports, the open data API and the "
                       "data catalogue publish the proposals, supports, comments and the "
                       "roadmap. The communes' boundaries stay under the ODbL (OpenStreetMap) "
                       "and the census figures are the HCP's."))
    propose_requirement = _requirement_field(
        _l("Who can make proposals"),
        _l("The least a participant needs to make a proposal."))
    support_requirement = _requirement_field(
        _l("Who can support proposals"),
        _l("The least a participant needs to support a proposal. Supports already given stay "
           "if you raise it later."))
    comment_requirement = _requirement_field(
        _l("Who can comment"),
        _l("The least a participant needs to comment on a proposal."))
    confirm_requirement_change = BooleanField(
        _l("I understand: change the requirements while voting is open"))

    requirement_help = REQUIREMENT_HELP

    def requirement_fields(self) -> list:
        """The three requirement fields (propose, support, comment), in order."""
        return [self[name] for name in REQUIREMENT_FIELDS]

    def phase_fields(self, kind: str) -> tuple:
        """The start and end date fields of a phase."""
        return self[f"{kind}_starts_on"], self[f"{kind}_ends_on"]

    def phase_dates(self) -> dict:
        """``{kind: (starts_on, ends_on)}`` as typed (``None`` where empty)."""
        return {kind: tuple(f.data for f in self.phase_fields(kind)) for kind in PHASES}

    def validate(self, extra_validators=None) -> bool:
        """Check each field, then the phases against each other (order, no overlap)."""
        valid = super().validate(extra_validators)
        typed = {kind: dates for kind, dates in self.phase_dates().items()
                 if not any(f.errors for f in self.phase_fields(kind))}
        for name, message in phase_date_errors(typed).items():
            self[name].errors.append(message)
            valid = False
        return valid

    def settings_values(self) -> dict:
        """Keyword arguments for :func:`roadmap.consultations.services.configure_consultation`."""
        return {"phases": self.phase_dates(), "vote_limit": self.vote_limit.data,
                "votes_home_commune_only": self.votes_home_commune_only.data,
                "voting_during_proposals": self.voting_during_proposals.data,
                "premoderation": self.premoderation.data,
                "report_threshold": self.report_threshold.data,
                "women_share_threshold": self.women_share_threshold.data,
                "data_licence": self.data_licence.data,
                **{name: self[name].data for name in REQUIREMENT_FIELDS},
                "confirm_requirement_change": self.confirm_requirement_change.data}

    @staticmethod
    def initial_data(consultation) -> dict:
        """The form's values for a consultation as it is."""
        data = {name: getattr(consultation, name) for name in RULES}
        for phase in consultation.phases:
            data[f"{phase.kind}_starts_on"] = phase.starts_on
            data[f"{phase.kind}_ends_on"] = phase.ends_on
        return data


for _kind in PHASES:
    setattr(SettingsForm, f"{_kind}_starts_on", _date_field(_l("Starts on")))
    setattr(SettingsForm, f"{_kind}_ends_on", _date_field(_l("Ends on")))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (easier on a phone than a list box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WorkshopForm(FlaskForm):
    """An in-person workshop: when, where, for which communes, who came, what was said."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)],
                        filters=[_strip])
    held_on = DateField(_l("Date"), format=DATE_FORMATS, invalid_value_message=NOT_A_DATE,
                        validators=[InputRequired(message=_l("Enter the date of the workshop."))])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)],
                        filters=[_strip],
                        description=_l("For example: the commune's meeting hall."))
    communes = MultiCheckboxField(_l("Communes concerned"), coerce=int, validate_choice=True,
                                  validators=[InputRequired(
                                      message=_l("Choose at least one commune."))])
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=20000)],
                            description=_l("Plain text. Leave a blank line between paragraphs."))
    photo = FileField(_l("Add a photo (optional)"),
                      description=_l("A JPEG, PNG, WebP or HEIC photo. Its metadata (the "
                                     "camera, the place) is removed. Ask the people shown "
                                     "before publishing it."))
    photo_alt = StringField(_l("Description of the photo"), filters=[_strip],
                            description=_l("Required with a photo: what it shows, for those "
                                           "who cannot see it."),
                            validators=[Optional(), Length(max=300)])
    document = FileField(_l("Add a PDF document (optional)"),
                         description=_l("The attendance sheet, a presentation, a report: a "
                                        "PDF without scripts or password."))
    remove_attachments = MultiCheckboxField(_l("Remove"), validate_choice=False)

    def __init__(self, *args, communes=(), attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.communes.choices = list(communes)
        self.attendance_errors: list[str] = []
        self.attachments = list(attachments)  # the workshop's files, to keep or remove
        self.remove_attachments.choices = [(a.token, a.original_name or a.alt_text or a.token)
                                           for a in self.attachments]

    def validate_photo_alt(self, field) -> None:
        """A photo needs its description (the service checks its length again)."""
        from wtforms.validators import ValidationError

        if getattr(self.photo.data, "filename", None) and len(field.data or "") < 3:
            raise ValidationError(_l("Describe the photo in a few words, for those who "
                                     "cannot see it."))

    def file_values(self) -> dict:
        """Keyword arguments for :func:`services.update_workshop_files`."""
        return {"photo": self.photo.data, "photo_alt": self.photo_alt.data,
                "document": self.document.data,
                "remove_tokens": list(self.remove_attachments.data or [])}

    def stakeholder_fields(self) -> list:
        """The attendance field of each stakeholder type, in order."""
        return [self[f"stakeholder_{code}"] for code, _label in STAKEHOLDER_CHOICES]

    def gender_fields(self) -> list:
        """The attendance field of each gender count, in order."""
        return [self[f"gender_{code}"] for code in WORKSHOP_GENDERS]

    def attendance(self) -> tuple[dict, dict]:
        """``(by_stakeholder, by_gender)`` with only the counts that were given."""
        return ({f.name.removeprefix("stakeholder_"): f.data
                 for f in self.stakeholder_fields() if f.data is not None},
                {f.name.removeprefix("gender_"): f.data
                 for f in self.gender_fields() if f.data is not None})

    def validate(self, extra_validators=None) -> bool:
        """Check each field, then that both attendance totals agree when both are given."""
        valid = super().validate(extra_validators)
        if any(f.errors for f in self.stakeholder_fields() + self.gender_fields()):
            return False
        self.attendance_errors = list(attendance_errors(*self.attendance()).values())
        return valid and not self.attendance_errors

    def workshop_values(self) -> dict:
        """Keyword arguments for the workshop services."""
        by_stakeholder, by_gender = self.attendance()
        return {"title": self.title.data, "held_on": self.held_on.data,
                "place": self.place.data, "commune_ids": self.communes.data,
                "attendance_by_stakeholder": by_stakeholder,
                "attendance_by_gender": by_gender, "minutes": self.minutes.data or ""}

    @staticmethod
    def initial_data(workshop) -> dict:
        """The form's values for a recorded workshop."""
        data = {"title": workshop.title, "held_on": workshop.held_on, "place": workshop.place,
                "minutes": workshop.minutes, "communes": [c.id for c in workshop.communes]}
        for code, count in (workshop.attendance_by_stakeholder or {}).items():
            data[f"stakeholder_{code}"] = count
        for code, count in (workshop.attendance_by_gender or {}).items():
            data[f"gender_{code}"] = count
        return data


for _code, _label in STAKEHOLDER_CHOICES:
    setattr(WorkshopForm, f"stakeholder_{_code}", _count_field(_label))
for _code, _label in GENDER_CHOICES:
    setattr(WorkshopForm, f"gender_{_code}", _count_field(_label))


# --- The back office: creating a consultation, its details, its axes ------------------------------

LANGUAGE_LABELS = {"ar": _l("Arabic"), "fr": _l("French"), "en": _l("English")}


def _add_text_fields(form_class, name: str, label, field_class=StringField, **kwargs) -> None:
    """Fields ``<name>_ar``, ``<name>_fr``, ``<name>_en`` (one language is enough)."""
    for lang in LANGUAGES:
        setattr(form_class, f"{name}_{lang}", field_class(
            _l("%(field)s (%(language)s)", field=label, language=LANGUAGE_LABELS[lang]),
            validators=[Optional()], filters=[_strip],
            render_kw={"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"}, **kwargs))


def texts(form, name: str) -> dict:
    """``{language: text}`` of the fields ``<name>_<language>`` of ``form``."""
    return {lang: form[f"{name}_{lang}"].data or "" for lang in LANGUAGES}


def _rules_of(form) -> dict:
    """The rules typed in ``form``; an empty threshold is left out (unchanged or default)."""
    rules = {name: form[name].data for name in RULES}
    if rules["women_share_threshold"] is None:
        del rules["women_share_threshold"]
    return rules


class ConsultationDetailsForm(FlaskForm):
    """A consultation's titles and descriptions per language, its communes and its rules."""

    communes = MultiCheckboxField(_l("Communes taking part"), coerce=int, validate_choice=True)
    vote_limit = SettingsForm.vote_limit
    votes_home_commune_only = SettingsForm.votes_home_commune_only
    voting_during_proposals = SettingsForm.voting_during_proposals
    premoderation = SettingsForm.premoderation
    report_threshold = SettingsForm.report_threshold
    women_share_threshold = SettingsForm.women_share_threshold
    data_licence = SettingsForm.data_licence
    propose_requirement = SettingsForm.propose_requirement
    support_requirement = SettingsForm.support_requirement
    comment_requirement = SettingsForm.comment_requirement
    confirm_requirement_change = SettingsForm.confirm_requirement_change
    requirement_fields = SettingsForm.requirement_fields
    requirement_help = REQUIREMENT_HELP

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.communes.choices = list(communes)

    def title_fields(self) -> list:
        """The title field of each language."""
        return [self[f"title_{lang}"] for lang in LANGUAGES]

    def description_fields(self) -> list:
        """The description field of each language."""
        return [self[f"description_{lang}"] for lang in LANGUAGES]

    def details_values(self) -> dict:
        """Keyword arguments for :func:`~roadmap.consultations.services.update_consultation`."""
        return {"title": texts(self, "title"), "description": texts(self, "description"),
                "commune_ids": self.communes.data or [], "rules": _rules_of(self),
                "confirm_requirement_change": self.confirm_requirement_change.data}

    @staticmethod
    def initial_data(consultation, commune_ids) -> dict:
        """The form's values for a consultation as it is (``commune_ids``: all, if none set)."""
        data = {name: getattr(consultation, name) for name in RULES}
        for lang in LANGUAGES:
            data[f"title_{lang}"] = (consultation.title_i18n or {}).get(lang, "")
            data[f"description_{lang}"] = (consultation.description_i18n or {}).get(lang, "")
        data["communes"] = [c.id for c in consultation.communes] or list(commune_ids)
        return data


class NewConsultationForm(SettingsForm):
    """A new consultation: web address, titles, territory, communes, axes, phases and rules."""

    slug = StringField(
        _l("Web address"), filters=[_strip],
        validators=[DataRequired(message=_l(
            "Enter the web address of the consultation, such as marrakech-2026."))],
        description=_l("Lowercase Latin letters, digits and hyphens, 3 to 80 characters: the "
                       "consultation will be at /c/<address>. It cannot be changed later."),
        render_kw={"dir": "ltr", "autocapitalize": "off", "spellcheck": "false"})
    prefecture = SelectField(_l("Prefecture or province"), coerce=int, validate_choice=True)
    communes = MultiCheckboxField(_l("Communes taking part"), coerce=int, validate_choice=True,
                                  description=_l("All of them by default. Only the communes of "
                                                 "the chosen prefecture or province count."))
    axes = SelectField(_l("Strategic axes"), validate_choice=True,
                       description=_l("Copying a consultation copies its axes, evaluation "
                                      "criteria and rules, never its proposals or votes."))

    def __init__(self, *args, prefectures=(), grouped_communes=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.prefecture.choices = choices(prefectures)
        self.grouped_communes = list(grouped_communes)  # [(prefecture, [(id, name)...])...]
        self.communes.choices = [c for _p, communes in self.grouped_communes for c in communes]
        self.axes.choices = choices([("national", _l("The four national axes")),
                                     ("none", _l("No axis (I will add them)"))] + [
            (f"copy:{slug}", _l("Copy of: %(title)s", title=title)) for slug, title in sources])

    def title_fields(self) -> list:
        """The title field of each language."""
        return [self[f"title_{lang}"] for lang in LANGUAGES]

    def description_fields(self) -> list:
        """The description field of each language."""
        return [self[f"description_{lang}"] for lang in LANGUAGES]

    def axes_source(self) -> tuple[str, str | None]:
        """``(mode, slug of the consultation to copy or None)``."""
        mode, _sep, slug = (self.axes.data or "").partition(":")
        return mode, slug or None

    def creation_values(self) -> dict:
        """Keyword arguments for :func:`~roadmap.consultations.services.create_consultation`
        (all but the prefecture and the consultation to copy). Of the communes ticked, only
        those of the chosen prefecture count."""
        own = {cid for prefecture, communes in self.grouped_communes
               if prefecture.id == self.prefecture.data for cid, _name in communes}
        return {"slug": self.slug.data or "", "title": texts(self, "title"),
                "description": texts(self, "description"),
                "commune_ids": [cid for cid in self.communes.data or () if cid in own],
                "axes": self.axes_source()[0], "phases": self.phase_dates(),
                "rules": _rules_of(self)}


for _form_class in (ConsultationDetailsForm, NewConsultationForm):
    _add_text_fields(_form_class, "title", _l("Title"))
    _add_text_fields(_form_class, "description", _l("Description"), TextAreaField)


class AxisForm(FlaskForm):
    """A strategic axis: its title per language and its colour on the maps."""

    color = ColorField(_l("Colour on the maps"), validators=[Optional()], default="#1b9e77")
    palette_color = BooleanField(_l("Use the map's usual colour"), default=True)

    def title_fields(self) -> list:
        """The title field of each language."""
        return [self[f"title_{lang}"] for lang in LANGUAGES]

    def axis_values(self) -> dict:
        """Keyword arguments for the axis services."""
        return {"title": texts(self, "title"),
                "color": None if self.palette_color.data else self.color.data}

    @staticmethod
    def initial_data(axis) -> dict:
        """The form's values for an axis as it is."""
        data = {f"title_{lang}": (axis.title_i18n or {}).get(lang, "") for lang in LANGUAGES}
        data["color"] = axis.color or "#1b9e77"
        data["palette_color"] = axis.color is None
        return data


_add_text_fields(AxisForm, "title", _l("Title"))


class MoveAxisForm(FlaskForm):
    """Which way an axis moves in the order."""

    direction = SelectField(choices=choices([("up", _l("Up")), ("down", _l("Down"))]),
                            validate_choice=True, validators=[InputRequired(
                                message=_l("Choose up or down."))])
