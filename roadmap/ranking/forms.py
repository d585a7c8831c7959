"""Forms of the evaluation and consolidation pages (shape of input only; rules in services)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DecimalField, HiddenField, IntegerField, RadioField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

VERDICT_CHOICES = [("eligible", _l("Eligible")), ("ineligible", _l("Ineligible")),
                   ("unfeasible", _l("Unfeasible"))]
SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


def weight_field_name(code: str) -> str:
    """The form field holding a criterion's weight."""
    return f"weight_{code}"


def _weight_field(criterion, default):
    return IntegerField(criterion.title, default=default,
                        validators=[InputRequired(_l("Give a whole number from 0 to 100.")),
                                    NumberRange(0, 100, _l("Give a whole number from 0 to 100."))])


def criteria_form(criteria, formdata=None):
    """A form with one weight field per criterion (prefilled with the published weights)."""
    class CriteriaForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(CriteriaForm, weight_field_name(criterion.code),
                _weight_field(criterion, criterion.weight))
    return CriteriaForm(formdata=formdata) if formdata is not None else CriteriaForm()


def weights_from(form, criteria) -> dict[str, int]:
    """criterion code -> weight typed in ``form``."""
    return {c.code: form[weight_field_name(c.code)].data for c in criteria}


def evaluation_form(criteria, current: dict):
    """A score (1-5) and a note per criterion; ``current`` maps criterion id -> Evaluation."""
    class EvaluationForm(FlaskForm):
        pass

    for criterion in criteria:
        found = current.get(criterion.id)
        setattr(EvaluationForm, f"score_{criterion.code}", RadioField(
            criterion.title, choices=SCORE_CHOICES, default=str(found.score) if found else None,
            validators=[InputRequired(_l("Give a score from 1 to 5."))]))
        setattr(EvaluationForm, f"note_{criterion.code}", TextAreaField(
            _l("Note on %(criterion)s", criterion=criterion.title),
            default=(found.note or "") if found else "", validators=[Length(max=2000)]))
    return EvaluationForm()


def scores_from(form, criteria) -> dict[str, tuple[int, str]]:
    """criterion code -> (score, note) typed in ``form``."""
    return {c.code: (int(form[f"score_{c.code}"].data), form[f"note_{c.code}"].data or "")
            for c in criteria}


class EligibilityForm(FlaskForm):
    """A verdict on a proposal and its public reason (required unless eligible)."""

    verdict = RadioField(_l("Verdict"), choices=VERDICT_CHOICES,
                         validators=[InputRequired(_l("Choose a verdict."))])
    reason = TextAreaField(_l("Public reason"), validators=[Length(max=2000)],
                           description=_l("Shown on the proposal's explanation page. Required "
                                          "unless the proposal is eligible."))

    def validate_reason(self, field) -> None:
        """A reason is required for an ineligible or unfeasible verdict."""
        from wtforms.validators import ValidationError

        if self.verdict.data in ("ineligible", "unfeasible") and not (field.data or "").strip():
            raise ValidationError(_l("Give the public reason of this decision."))


class AssignForm(FlaskForm):
    """Assign a proposal to an evaluator, or take it back."""

    proposal_id = SelectField(_l("Proposal"), coerce=int, validate_choice=True,
                              validators=[InputRequired(_l("Choose a proposal."))])
    evaluator_id = SelectField(_l("Evaluator"), coerce=int, validate_choice=True,
                               validators=[InputRequired(_l("Choose an evaluator."))])
    action = HiddenField(default="assign")


def run_form(criteria, formdata=None):
    """The workbench's parameters form: one weight field per criterion besides the others."""
    class RunForm(FlaskForm):
        support_weight = DecimalField(
            _l("Weight of citizens' support (w)"), default=0.5, places=2,
            validators=[InputRequired(), NumberRange(0, 1, _l("Give a number from 0 to 1."))],
            description=_l("priority = w × support + (1 − w) × official score"))
        slots_per_axis = IntegerField(
            _l("Priority slots per axis"), default=5,
            validators=[InputRequired(), NumberRange(1, 100, _l("Give a number from 1 to 100."))])
        budget = IntegerField(_l("Budget in MAD (optional)"), validators=[
            Optional(), NumberRange(0, None, _l("Give a positive amount."))])
        workshop_weight = DecimalField(
            _l("Weight of workshop show of hands"), default=0.5, places=2,
            validators=[InputRequired(), NumberRange(0, 1, _l("Give a number from 0 to 1."))])
        seed = StringField(_l("Lottery seed (published)"), default="roadmap",
                           validators=[DataRequired(_l("Give a seed.")), Length(max=80)])
        label = StringField(_l("Label of this run (optional)"), validators=[Length(max=200)])

    for criterion in criteria:
        setattr(RunForm, weight_field_name(criterion.code),
                _weight_field(criterion, criterion.weight))
    return RunForm(formdata=formdata) if formdata is not None else RunForm()


def run_values(form, criteria) -> dict:
    """The consolidation parameters typed in the workbench form."""
    return {"support_weight": float(form.support_weight.data),
            "slots_per_axis": form.slots_per_axis.data,
            "budget": form.budget.data,
            "workshop_weight": float(form.workshop_weight.data),
            "seed": form.seed.data.strip(),
            "criteria_weights": weights_from(form, criteria)}
