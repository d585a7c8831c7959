"""The shape of organiser input on the roadmap: the draft from a run, an item, a move with
its justification, grouping, indicators, publication and progress updates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, FloatField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from roadmap.proposals.labels import SDG_NAMES
from roadmap.roadmaps.models import BENEFICIARY_GROUPS, ITEM_STATUSES, LEAD_BODIES, SEXES
from roadmap.roadmaps.services import LANGS, RoadmapError, parse_area

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples
    def SelectChoice(value, label):  # noqa: N802
        """A ``(value, label)`` choice, as older WTForms expect."""
        return (value, label)

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
NOT_A_DATE = _l("Enter a date, such as 2025-05-30.")
NOT_A_NUMBER = _l("Enter a whole number, such as 3.")
LANGUAGE_LABELS = {"ar": _l("in Arabic"), "fr": _l("in French"), "en": _l("in English")}
STATUS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done"),
                 "delayed": _l("Delayed"), "cancelled": _l("Cancelled")}
LEAD_BODY_LABELS = {"commune": _l("Commune"), "prefecture": _l("Prefecture"),
                    "region": _l("Region"), "ministry": _l("Ministry"), "agency": _l("Agency")}
GENDER_MARKER_LABELS = {
    0: _l("0 · Not targeted"),
    1: _l("1 · Significant: gender equality is an important and deliberate objective"),
    2: _l("2 · Principal: gender equality is the main objective"),
}
# The markers' short names, for charts and table headings.
GENDER_MARKER_SHORT = {0: _l("0 · Not targeted"), 1: _l("1 · Significant"), 2: _l("2 · Principal")}
BENEFICIARY_LABELS = {"women": _l("Women"), "men": _l("Men"), "girls": _l("Girls"),
                      "boys": _l("Boys")}
SEX_LABELS = {"women": _l("Women"), "men": _l("Men")}


def choices(pairs) -> list:
    """``(value, label)`` pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _i18n(form, prefix: str) -> dict:
    return {lang: form[f"{prefix}_{lang}"].data or "" for lang in LANGS}


class DraftForm(FlaskForm):
    """Create (or replace) the draft from a consolidation run."""

    run_id = SelectField(_l("Consolidation run"), coerce=int,
                         validators=[InputRequired(message=_l("Choose a run."))])


class ItemForm(FlaskForm):
    """An item's public fields; the area as GeoJSON (drawn on the map with JavaScript)."""

    axis_id = SelectField(_l("Strategic axis"), coerce=int)
    communes = MultiCheckboxField(_l("Communes"), coerce=int, validators=[
        InputRequired(message=_l("Choose at least one commune."))])
    estimated_cost_mad = IntegerField(_l("Estimated cost (MAD)"), validators=[
        Optional(), NumberRange(min=0, message=_l("Enter 0 or more."))],
        invalid_value_message=NOT_A_NUMBER, render_kw={"min": 0, "inputmode": "numeric"})
    funding_sources = TextAreaField(_l("Funding sources"), filters=[_strip],
                                    validators=[Optional(), Length(max=2000)])
    lead_body = SelectField(_l("Lead body"), choices=choices([("", "—")] + [
        (code, LEAD_BODY_LABELS[code]) for code in LEAD_BODIES]))
    lead_body_name = StringField(_l("Name of the lead body"), filters=[_strip],
                                 validators=[Optional(), Length(max=200)])
    partners = TextAreaField(_l("Partners"), filters=[_strip],
                             validators=[Optional(), Length(max=2000)])
    starts_on = DateField(_l("Starts on"), format=DATE_FORMATS, validators=[Optional()],
                          invalid_value_message=NOT_A_DATE)
    ends_on = DateField(_l("Ends on"), format=DATE_FORMATS, validators=[Optional()],
                        invalid_value_message=NOT_A_DATE)
    geometry = TextAreaField(
        _l("Intervention area (GeoJSON)"), filters=[_strip],
        description=_l("A GeoJSON point, line or polygon inside the prefecture. Leave empty: "
                       "the communes' boundaries stand for the area."))

    def __init__(self, *args, axes=(), communes=(), bbox=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.axis_id.choices = choices((a.id, a.title) for a in axes)
        self.communes.choices = choices((c.id, c.name) for c in communes)
        self.bbox = bbox
        self.area = None

    def validate_geometry(self, field):
        """The area must be valid GeoJSON inside the prefecture."""
        try:
            self.area = parse_area(field.data, self.bbox)
        except RoadmapError as error:
            raise ValidationError(str(error)) from error

    def validate_ends_on(self, field):
        """The end comes after the start."""
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must come after the start date."))

    def values(self, communes_by_id: dict) -> dict:
        """Keyword arguments for :func:`roadmap.roadmaps.services.edit_item`."""
        return {"title_i18n": _i18n(self, "title"), "description_i18n": _i18n(self, "description"),
                "axis_id": self.axis_id.data, "geometry": self.area,
                "communes": [communes_by_id[i] for i in self.communes.data],
                **{name: self[name].data for name in (
                    "estimated_cost_mad", "funding_sources", "lead_body", "lead_body_name",
                    "partners", "starts_on", "ends_on")}}

    @staticmethod
    def initial(item) -> dict:
        """The form's data for an item as it is."""
        data = {name: getattr(item, name) for name in (
            "axis_id", "estimated_cost_mad", "funding_sources", "lead_body", "lead_body_name",
            "partners", "starts_on", "ends_on", "geometry")}
        data["communes"] = [c.id for c in item.communes]
        for lang in LANGS:
            data[f"title_{lang}"] = (item.title_i18n or {}).get(lang, "")
            data[f"description_{lang}"] = (item.description_i18n or {}).get(lang, "")
        return data


for _lang in LANGS:
    setattr(ItemForm, f"title_{_lang}", StringField(
        _l("Title (%(language)s)", language=LANGUAGE_LABELS[_lang]), filters=[_strip],
        validators=[DataRequired(message=_l("Give the item a title."))] if _lang == "ar"
        else [Optional()]))
    setattr(ItemForm, f"description_{_lang}", TextAreaField(
        _l("Description (%(language)s)", language=LANGUAGE_LABELS[_lang]), filters=[_strip],
        validators=[Optional(), Length(max=10000)]))


def _marker(value):
    """The select's value as a marker: ``None`` (not assessed), or the number."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # refused by the choices' check, with its message


class MarkerField(SelectField):
    """The gender equality marker; a value off the scale gets a clear message."""

    def pre_validate(self, form):
        if self.data not in {value for value, *_rest in self.iter_choices()}:
            raise ValidationError(_l("Choose a gender equality marker: 0, 1 or 2."))


class TargetsField(MultiCheckboxField):
    """The SDG targets, as checkboxes grouped by goal; an unknown code gets a clear message."""

    def pre_validate(self, form):
        known = {value for value, *_rest in self.iter_choices()}
        for value in self.data or ():
            if value not in known:
                raise ValidationError(_l("%(code)s is not a target of the Sustainable "
                                         "Development Goals.", code=value))


class MarkersForm(FlaskForm):
    """The item's gender equality marker (OECD DAC), beneficiaries by sex and SDGs."""

    gender_marker = MarkerField(
        _l("Gender equality marker"), coerce=_marker,
        choices=choices([(None, _l("Not assessed yet"))] + list(GENDER_MARKER_LABELS.items())),
        description=_l("The OECD DAC scale: 2 when gender equality is the item's main "
                       "objective, 1 when it is an important and deliberate one, 0 when the "
                       "item does not target it."))
    gender_justification = TextAreaField(
        _l("Justification of the marker"), filters=[_strip],
        validators=[Optional(), Length(max=2000)],
        description=_l("Required for a marker 1 or 2: how the item serves gender equality "
                       "(who benefits, which gap it closes). Public."))
    sdg_goals = MultiCheckboxField(_l("Sustainable Development Goals"), coerce=int)
    sdg_targets = TargetsField(
        _l("Targets"), description=_l("The goals of the targets you choose are added to the "
                                      "goals."))

    def __init__(self, *args, **kwargs):
        from roadmap.core import sdg

        super().__init__(*args, **kwargs)
        self.sdg_goals.choices = choices((n, f"{n}. {SDG_NAMES[n]}") for n in sdg.GOALS)
        self.sdg_targets.choices = choices(sdg.target_choices())

    def beneficiary_fields(self) -> list:
        """The fields of the beneficiaries, women, men, girls, boys."""
        return [self[f"beneficiaries_{group}"] for group in BENEFICIARY_GROUPS]

    def targets_by_goal(self) -> list[tuple[int, object, list]]:
        """``[(goal, goal name, [checkbox subfields of its targets])]``, goal order."""
        from roadmap.core import sdg

        groups: dict[int, list] = {goal: [] for goal in sdg.GOALS}
        for option in self.sdg_targets:
            groups[sdg.goal_of(option.data)].append(option)
        return [(goal, SDG_NAMES[goal], options) for goal, options in groups.items()]

    def values(self) -> dict:
        """Keyword arguments for :func:`roadmap.roadmaps.services.set_markers`."""
        return {"gender_marker": self.gender_marker.data,
                "gender_justification": self.gender_justification.data,
                "beneficiaries": {group: self[f"beneficiaries_{group}"].data
                                  for group in BENEFICIARY_GROUPS},
                "sdg_goals": self.sdg_goals.data or [], "sdg_targets": self.sdg_targets.data or []}

    @staticmethod
    def initial(item) -> dict:
        """The form's data for an item as it is."""
        return {"gender_marker": item.gender_marker,
                "gender_justification": item.gender_justification,
                "sdg_goals": list(item.sdg_goals or []),
                "sdg_targets": list(item.sdg_targets or []),
                **{f"beneficiaries_{group}": getattr(item, f"beneficiaries_{group}")
                   for group in BENEFICIARY_GROUPS}}


for _group in BENEFICIARY_GROUPS:
    setattr(MarkersForm, f"beneficiaries_{_group}", IntegerField(
        BENEFICIARY_LABELS[_group], invalid_value_message=NOT_A_NUMBER,
        validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more."))],
        render_kw={"min": 0, "inputmode": "numeric"}))


class MoveForm(FlaskForm):
    """Override the computed order, with a public justification."""

    rank = IntegerField(_l("New rank in its axis"), invalid_value_message=NOT_A_NUMBER,
                        validators=[InputRequired(message=NOT_A_NUMBER),
                                    NumberRange(min=1, message=_l("Enter 1 or more."))])
    justification = TextAreaField(
        _l("Public justification"), filters=[_strip],
        validators=[DataRequired(message=_l("Explain publicly why the order is changed.")),
                    Length(max=2000)],
        description=_l("Shown to everyone beside the item and in its explanation."))


class GroupForm(FlaskForm):
    """Add proposals (from any commune) to an item's lineage."""

    proposal_ids = MultiCheckboxField(_l("Proposals to group into this item"), coerce=int,
                                      validators=[InputRequired(
                                          message=_l("Choose at least one proposal."))])

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal_ids.choices = choices((p.id, f"#{p.id} {p.title} ({p.commune.name})")
                                            for p in proposals)


class IndicatorForm(FlaskForm):
    """A new indicator of an item."""

    unit = StringField(_l("Unit"), filters=[_strip], validators=[Optional(), Length(max=40)])
    baseline = FloatField(_l("Baseline"), validators=[Optional()],
                          invalid_value_message=_l("Enter a number."))
    target = FloatField(_l("Target"), validators=[Optional()],
                        invalid_value_message=_l("Enter a number."))
    by_sex = BooleanField(_l("Measured for women and for men"),
                          description=_l("Progress updates then record the value for women and "
                                         "for men as well as the total."))

    def sex_fields(self) -> list:
        """The women's and men's baseline and target fields."""
        return [self[f"{what}_{sex}"] for sex in SEXES for what in ("baseline", "target")]

    def values(self) -> dict:
        """Keyword arguments for :func:`roadmap.roadmaps.services.add_indicator` (the values
        for women and men only for an indicator measured by sex)."""
        by_sex = bool(self.by_sex.data)
        return {"name_i18n": _i18n(self, "name"), "unit": self.unit.data,
                "baseline": self.baseline.data, "target": self.target.data, "by_sex": by_sex,
                **{f"{what}_by_sex": {sex: self[f"{what}_{sex}"].data for sex in SEXES}
                   if by_sex else None for what in ("baseline", "target")}}


SEX_VALUE_LABELS = {("baseline", "women"): _l("Baseline for women"),
                    ("target", "women"): _l("Target for women"),
                    ("baseline", "men"): _l("Baseline for men"),
                    ("target", "men"): _l("Target for men")}
for (_what, _sex), _label in SEX_VALUE_LABELS.items():
    setattr(IndicatorForm, f"{_what}_{_sex}", FloatField(
        _label, validators=[Optional()], invalid_value_message=_l("Enter a number.")))


for _lang in LANGS:
    setattr(IndicatorForm, f"name_{_lang}", StringField(
        _l("Name (%(language)s)", language=LANGUAGE_LABELS[_lang]), filters=[_strip],
        validators=[DataRequired(message=_l("Give the indicator a name."))] if _lang == "ar"
        else [Optional(), Length(max=200)]))


class PublishForm(FlaskForm):
    """The public change log of a new version (required from version 2 on)."""

    def __init__(self, *args, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required

    def validate(self, extra_validators=None) -> bool:
        """From version 2 on, at least one language of the change log is required."""
        valid = super().validate(extra_validators)
        if self.required and not any(self.changelog().values()):
            self.changelog_ar.errors.append(
                _l("Describe the changes of this version in the change log."))
            valid = False
        return valid

    def changelog(self) -> dict:
        """The change log per language."""
        return _i18n(self, "changelog")


for _lang in LANGS:
    setattr(PublishForm, f"changelog_{_lang}", TextAreaField(
        _l("Change log (%(language)s)", language=LANGUAGE_LABELS[_lang]), filters=[_strip],
        validators=[Optional(), Length(max=5000)]))


def progress_form(item, *args, **kwargs) -> FlaskForm:
    """A progress form for ``item``, with one value field per indicator."""

    class ProgressForm(FlaskForm):
        reported_on = DateField(_l("Date of the report"), format=DATE_FORMATS,
                                invalid_value_message=NOT_A_DATE,
                                validators=[InputRequired(message=NOT_A_DATE)])
        progress = IntegerField(_l("Progress (%)"), invalid_value_message=NOT_A_NUMBER,
                                validators=[InputRequired(message=NOT_A_NUMBER), NumberRange(
                                    min=0, max=100, message=_l("Enter 0 to 100."))],
                                render_kw={"min": 0, "max": 100, "inputmode": "numeric"})
        status = SelectField(_l("Status"),
                             choices=choices((s, STATUS_LABELS[s]) for s in ITEM_STATUSES))
        spent_mad = IntegerField(_l("Amount spent so far (MAD)"),
                                 invalid_value_message=NOT_A_NUMBER,
                                 validators=[Optional(), NumberRange(
                                     min=0, message=_l("Enter 0 or more."))])
        photo = FileField(_l("Photo of the site (optional)"),
                          description=_l("A JPEG, PNG, WebP or HEIC photo. Its metadata (the "
                                         "camera, the place) is removed."))
        photo_alt = StringField(
            _l("Description of the photo"), filters=[_strip],
            description=_l("Required with a photo: what it shows, for those who cannot see it."),
            validators=[Optional(), Length(max=300)])

        def validate_photo_alt(self, field) -> None:
            """A photo needs its description (the service checks its length again)."""
            if getattr(self.photo.data, "filename", None) and len(field.data or "") < 3:
                raise ValidationError(_l("Describe the photo in a few words, for those who "
                                         "cannot see it."))

        def indicator_fields(self) -> list:
            """``[(indicator, field)]``."""
            return [(i, self[f"indicator_{i.id}"]) for i in item.indicators]

        def indicator_values(self) -> dict:
            """``{indicator id: value}`` for the values given."""
            return {i.id: f.data for i, f in self.indicator_fields() if f.data is not None}

        def sex_fields(self, indicator) -> list:
            """The women's and men's value fields of an indicator measured by sex."""
            if not indicator.by_sex:
                return []
            return [self[f"indicator_{indicator.id}_{sex}"] for sex in SEXES]

        def values_by_sex(self) -> dict:
            """``{indicator id: {"women": value, "men": value}}`` for the values given."""
            found = {}
            for indicator in item.indicators:
                given = {sex: self[f"indicator_{indicator.id}_{sex}"].data for sex in SEXES
                         if indicator.by_sex
                         and self[f"indicator_{indicator.id}_{sex}"].data is not None}
                if given:
                    found[indicator.id] = given
            return found

        def note(self) -> dict:
            """The note per language."""
            return _i18n(self, "note")

    for lang in LANGS:
        setattr(ProgressForm, f"note_{lang}", TextAreaField(
            _l("Note (%(language)s)", language=LANGUAGE_LABELS[lang]), filters=[_strip],
            validators=[Optional(), Length(max=5000)]))
    for indicator in item.indicators:
        setattr(ProgressForm, f"indicator_{indicator.id}", FloatField(
            indicator.name + (f" ({indicator.unit})" if indicator.unit else ""),
            validators=[Optional()], invalid_value_message=_l("Enter a number.")))
        if indicator.by_sex:
            for sex in SEXES:
                setattr(ProgressForm, f"indicator_{indicator.id}_{sex}", FloatField(
                    f"{indicator.name} · {SEX_LABELS[sex]}", validators=[Optional()],
                    invalid_value_message=_l("Enter a number.")))
    return ProgressForm(*args, **kwargs)
