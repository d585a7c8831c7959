"""The shape of proposal input: the proposal form, the workshop proposal form, list filters."""
from __future__ import annotations

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (Form, HiddenField, SearchField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from roadmap.accounts.forms import STAKEHOLDER_CHOICES
from roadmap.core.forms import AmountField, choices  # noqa: F401  (AmountField: moved to core)
from roadmap.media.forms import AttachmentFields
from roadmap.proposals.labels import LISTED_STATUSES, ORIGIN_LABELS, SDG_NAMES, SORT_LABELS, \
    STATUS_LABELS
from roadmap.proposals.queries import (DEFAULT_SORT, ProposalFilters, commune_at,
                                       commune_choices)
from roadmap.proposals.services import (BODY_LENGTH, MAX_COST_MAD, TITLE_LENGTH,
                                        outside_message)

def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProposalForm(AttachmentFields, FlaskForm):
    """A proposal: what, where (commune, or a point on the map), optional details, photos and
    documents (see :mod:`roadmap.media.forms`)."""

    title = StringField(
        _l("Title"), filters=[_strip],
        validators=[DataRequired(), Length(*TITLE_LENGTH)],
        description=_l("10 to 140 characters: what should be done, and where."))
    body = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Length(max=BODY_LENGTH[1])],
        description=_l("Plain text, 30 to 5,000 characters: the need, what to do, who it helps. "
                       "Line breaks are kept. With a voice note, it may stay empty."))
    commune_id = SelectField(
        _l("Commune"), coerce=_optional_int, validators=[Optional()],
        description=_l("Choose it in the list, or pick the place on the map: the commune is then "
                       "filled in."))
    axis_id = SelectField(_l("Strategic axis"), coerce=_optional_int,
                          validators=[DataRequired(message=_l("Choose the strategic axis."))])
    latitude = HiddenField()
    longitude = HiddenField()
    estimated_cost_mad = AmountField(
        _l("Estimated cost (MAD)"), validators=[Optional(), NumberRange(0, MAX_COST_MAD)],
        description=_l("Optional. A whole number of dirhams, if you have an idea."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    beneficiaries = StringField(
        _l("Beneficiaries"), filters=[_strip], validators=[Optional(), Length(max=300)],
        description=_l("Optional. Who would benefit, and roughly how many people."))
    sdg_goals = MultiCheckboxField(
        _l("Sustainable Development Goals"), coerce=int, validators=[Optional()],
        description=_l("Optional. The goals of the 2030 Agenda this proposal serves."))
    organisation = StringField(
        _l("Organisation you speak for"), filters=[_strip],
        validators=[Optional(), Length(max=200)],
        description=_l("Optional. Leave empty if you make this proposal in your own name."))
    # Set once the author has seen the similar proposals: the next post publishes.
    confirmed = HiddenField()

    def __init__(self, consultation, *args, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.commune_id.choices = choices([("", _("Choose the commune"))] + commune_choices(
            consultation, communes))
        self.axis_id.choices = choices([("", _("Choose the axis"))] + [
            (axis.id, axis.title) for axis in consultation.axes])
        # Built per request: the goals' names are translated into the reader's language.
        self.sdg_goals.choices = choices((number, f"{number}. {name}")
                                         for number, name in SDG_NAMES.items())
        self.located = None

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then the place: a point inside the prefecture, or a commune."""
        valid = super().validate(extra_validators)
        return self._validate_place() and valid

    def _validate_place(self) -> bool:
        point = self.point()
        if point is False:
            self.latitude.errors.append(_("The point on the map could not be read. Pick it "
                                          "again, or remove it and choose the commune."))
            return False
        if point is None:
            if self.commune_id.data is None:
                self.commune_id.errors.append(_("Choose the commune, or pick the place on the "
                                                "map."))
                return False
            return True
        self.located = commune_at(self.consultation, *point)
        if self.located is None:
            self.latitude.errors.append(outside_message())
            return False
        self.commune_id.data = self.located.id
        return True

    def point(self):
        """``(latitude, longitude)``, ``None`` when no point was given, ``False`` if unreadable."""
        raw = (self.latitude.data or "").strip(), (self.longitude.data or "").strip()
        if not any(raw):
            return None
        try:
            latitude, longitude = float(raw[0]), float(raw[1])
        except ValueError:
            return False
        if not (math.isfinite(latitude) and math.isfinite(longitude)
                and -90 <= latitude <= 90 and -180 <= longitude <= 180):
            return False
        return latitude, longitude

    def require_body(self, by_voice: bool) -> bool:
        """The description is required (30 characters at least) unless a voice note says it."""
        body = self.body.data or ""
        if by_voice and not body:
            return True
        if len(body) < BODY_LENGTH[0]:
            self.body.errors = [*self.body.errors, _(
                "Write between %(min)d and %(max)d characters, or record a voice note.",
                min=BODY_LENGTH[0], max=BODY_LENGTH[1])]
            return False
        return True

    def use_place(self, place) -> None:
        """Put the point the author chose (a photo's place) in the form."""
        self.latitude.data, self.longitude.data = (str(place[0]), str(place[1]))
        self.latitude.errors = []
        self._validate_place()

    def proposal_values(self) -> dict:
        """The fields as keyword arguments for :mod:`roadmap.proposals.services`."""
        point = self.point() or (None, None)
        values = {"title": self.title.data, "body": self.body.data,
                  "commune_id": self.commune_id.data, "axis_id": self.axis_id.data,
                  "latitude": point[0], "longitude": point[1],
                  "estimated_cost_mad": self.estimated_cost_mad.data,
                  "beneficiaries": self.beneficiaries.data, "sdg_goals": self.sdg_goals.data}
        if "organisation" in self:
            values["organisation"] = self.organisation.data
        return values

    def fill_from(self, proposal) -> None:
        """Put a proposal's values in the form (to edit it)."""
        self.title.data, self.body.data = proposal.title, proposal.body
        self.commune_id.data, self.axis_id.data = proposal.commune_id, proposal.axis_id
        if proposal.latitude is not None and proposal.longitude is not None:
            self.latitude.data, self.longitude.data = (str(proposal.latitude),
                                                       str(proposal.longitude))
        self.estimated_cost_mad.data = proposal.estimated_cost_mad
        self.beneficiaries.data = proposal.beneficiaries
        self.sdg_goals.data = list(proposal.sdg_goals or [])
        if "organisation" in self:
            self.organisation.data = proposal.organisation


class WorkshopProposalForm(ProposalForm):
    """A proposal a workshop produced, with the hands raised for it there."""

    show_of_hands = AmountField(
        _l("Hands raised at the workshop"), validators=[Optional(), NumberRange(0, 10**7)],
        description=_l("Optional. How many participants supported it by a show of hands. It is "
                       "shown apart and never added to the online supports."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(consultation, *args, **kwargs)
        del self.organisation
        del self.voice  # a workshop's proposal is written down by the organiser

    def proposal_values(self) -> dict:
        """The fields, with the show-of-hands count."""
        return super().proposal_values() | {"show_of_hands": self.show_of_hands.data}

    def fill_from(self, proposal) -> None:
        """Put a workshop proposal's values in the form."""
        super().fill_from(proposal)
        self.show_of_hands.data = proposal.show_of_hands


class ProposalFilterForm(Form):
    """The filters and sort of a proposal list, read from the query string (a GET form)."""

    q = SearchField(_l("Search"), filters=[_strip],
                    description=_l("Words of the title or description, in any language."))
    commune = SelectField(_l("Commune"))
    axis = SelectField(_l("Strategic axis"))
    status = SelectField(_l("Status"), default="published")
    stakeholder = SelectField(_l("Proposed by"))
    origin = SelectField(_l("Origin"))
    sort = SelectField(_l("Sort by"), default=DEFAULT_SORT)

    def __init__(self, consultation, formdata, communes=None):
        super().__init__(formdata)
        everything = [("", _("All"))]
        self.commune.choices = choices(everything + [(c.code, c.name) for c in communes or []])
        self.axis.choices = choices(everything + [(a.code, a.title) for a in consultation.axes])
        self.status.choices = choices((s, STATUS_LABELS[s]) for s in LISTED_STATUSES)
        self.stakeholder.choices = choices(everything + list(STAKEHOLDER_CHOICES))
        self.origin.choices = choices(everything + list(ORIGIN_LABELS.items()))
        self.sort.choices = choices(SORT_LABELS.items())

    @staticmethod
    def _chosen(field) -> str | None:
        """The field's value if it is one of its choices (unknown values are ignored)."""
        values = {str(next(iter(choice))) for choice in field.choices}
        return field.data if field.data in values else None

    def filters(self) -> ProposalFilters:
        """The valid filters; unknown values count as no filter."""
        return ProposalFilters(
            commune=self._chosen(self.commune) or None, axis=self._chosen(self.axis) or None,
            status=self._chosen(self.status) or "published",
            stakeholder=self._chosen(self.stakeholder) or None,
            origin=self._chosen(self.origin) or None, q=(self.q.data or "")[:200])

    def sort_order(self) -> str:
        """The chosen sort, or the default one."""
        return self._chosen(self.sort) or DEFAULT_SORT
