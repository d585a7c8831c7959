"""Evaluation, need, explanation and consolidation pages (blueprint ``ranking``).

Each form works without JavaScript (POST, then redirect) and with htmx (the form fragment comes
back with its errors and status 422; a success answers ``HX-Redirect``).
"""
from __future__ import annotations

from flask import (Blueprint, abort, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from roadmap.accounts.models import User
from roadmap.accounts.policies import ensure
from roadmap.consultations.policies import can_view_consultation
from roadmap.consultations.queries import consultation_or_404
from roadmap.core.htmx import render_page_or_fragment
from roadmap.extensions import db, htmx, login_manager
from roadmap.proposals.models import Proposal
from roadmap.ranking import forms, queries, services
from roadmap.ranking import receivers  # noqa: F401  (connects the receivers)
from roadmap.ranking.inputs import need_table
from roadmap.ranking.policies import (TEMPLATE_POLICIES, can_evaluate, can_manage_evaluation,
                                      can_run_consolidation, is_assigned, is_evaluator)
from roadmap.ranking.services import EvaluationError

bp = Blueprint("ranking", __name__)
PROPOSAL = "/c/<slug>/proposals/<int:proposal_id>"


@bp.app_context_processor
def _template_helpers() -> dict:
    """Ranking policies and the need table for the commune page's include."""
    return {**TEMPLATE_POLICIES, "need_table": need_table}


# --- helpers -----------------------------------------------------------------------------------

def _authorize(allowed) -> None:
    """Anonymous visitors go to the login page; others need ``allowed``."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    ensure(allowed)


def _proposal(consultation, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.consultation_id != consultation.id:
        abort(404)
    return proposal


def _done(message: str, url: str):
    """Flash ``message`` and go to ``url`` (htmx: ``HX-Redirect``)."""
    flash(message, "success")
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def _show_errors(form, error: EvaluationError, prefix: str = "") -> None:
    """Put a service's reasons next to the fields they concern.

    The services check everything before they change anything, so nothing needs undoing.
    """
    for name, message in error.errors.items():
        key = f"{prefix}{name}" if name else ""
        if key and key in form:
            form[key].errors = [*form[key].errors, message]
        else:
            form.form_errors.append(message)


def _form_page(page: str, fragment: str, form, **context):
    status = 422 if form.is_submitted() else 200
    return render_page_or_fragment(page, fragment, status, form=form, **context)


# --- need and explanation (public) ---------------------------------------------------------------

@bp.get("/c/<slug>/need")
def need(slug: str):
    """The need index of every commune per axis, with the census figures it comes from."""
    consultation = consultation_or_404(slug)
    table = need_table(consultation)
    return render_template("ranking/need.html", consultation=consultation, table=table)


@bp.get(f"{PROPOSAL}/explanation")
def explanation(slug: str, proposal_id: int):
    """Why a proposal is where it is in the consolidation the roadmap was drawn from."""
    consultation = consultation_or_404(slug)
    proposal = _proposal(consultation, proposal_id)
    if not proposal.is_public and not can_manage_evaluation(current_user, consultation):
        abort(404)
    run, published = queries.explanation_run(consultation)
    output = queries.output_of(run) if run else None
    entry = (output or {}).get("proposals", {}).get(str(proposal.id))
    linked = [entry.get("displaced"), entry.get("displaced_by")] if entry else []
    return render_template(
        "ranking/explanation.html", consultation=consultation, proposal=proposal, run=run,
        published=published, output=output, entry=entry, decision=queries.decision_of(proposal),
        titles=queries.titles_of(linked), criteria=services.criteria_of(consultation))


# --- criteria, assignments, evaluation ---------------------------------------------------------

@bp.route("/c/<slug>/criteria", methods=["GET", "POST"])
def criteria(slug: str):
    """Organisers publish the weights of the evaluation criteria."""
    consultation = consultation_or_404(slug)
    _authorize(can_manage_evaluation(current_user, consultation))
    items = services.ensure_criteria(consultation)
    form = forms.criteria_form(items)
    if form.validate_on_submit():
        try:
            services.set_criteria_weights(consultation, current_user,
                                          forms.weights_from(form, items))
        except EvaluationError as error:
            _show_errors(form, error, prefix="weight_")
        else:
            db.session.commit()
            return _done(_("The weights were published."), url_for(".criteria", slug=slug))
    db.session.commit()  # the default criteria, created on first use
    return _form_page("ranking/criteria.html", "ranking/_criteria_form.html", form,
                      consultation=consultation, criteria=items)


def _assign_form(consultation, proposals, people):
    form = forms.AssignForm()
    form.proposal_id.choices = [(p.id, f"#{p.id} {p.title}") for p in proposals]
    form.evaluator_id.choices = [(u.id, u.display_name) for u in people]
    return form


def _apply_assignment(form) -> None:
    proposal = db.session.get(Proposal, form.proposal_id.data)
    evaluator = db.session.get(User, form.evaluator_id.data)
    if form.action.data == "unassign":
        services.unassign_evaluator(proposal, evaluator, current_user)
    else:
        services.assign_evaluator(proposal, evaluator, current_user)


@bp.route("/c/<slug>/evaluations/assign", methods=["GET", "POST"])
def assignments(slug: str):
    """Organisers assign proposals to evaluators and see where evaluators disagree."""
    consultation = consultation_or_404(slug)
    _authorize(can_manage_evaluation(current_user, consultation))
    proposals, people = queries.evaluable_proposals(consultation), queries.evaluators()
    form = _assign_form(consultation, proposals, people)
    if form.validate_on_submit():
        try:
            _apply_assignment(form)
        except EvaluationError as error:
            _show_errors(form, error, prefix="")
        else:
            db.session.commit()
            return _done(_("The assignments were saved."), url_for(".assignments", slug=slug))
    return _form_page(
        "ranking/assignments.html", "ranking/_assign_form.html", form,
        consultation=consultation, proposals=proposals, people={u.id: u for u in people},
        assigned=queries.assigned_evaluators(consultation), spreads=queries.spreads(consultation),
        decisions=queries.decisions_of(consultation), disagreement=queries.DISAGREEMENT)


@bp.get("/evaluations")
def my_evaluations():
    """The proposals assigned to the signed-in evaluator."""
    _authorize(is_evaluator(current_user))
    return render_template("ranking/my_evaluations.html",
                           assignments=[a for a in queries.assignments_of(current_user)
                                        if can_view_consultation(current_user,
                                                                 a.proposal.consultation)],
                           done=queries.evaluated_ids(current_user))


def _evaluate_context(consultation, proposal, **context) -> dict:
    items = services.criteria_of(consultation)
    return {"consultation": consultation, "proposal": proposal, "criteria": items,
            "decision": queries.decision_of(proposal), **context}


@bp.route(f"{PROPOSAL}/evaluate", methods=["GET", "POST"])
def evaluate(slug: str, proposal_id: int):
    """An assigned evaluator scores a proposal 1 to 5 on each criterion, with notes."""
    consultation = consultation_or_404(slug)
    proposal = _proposal(consultation, proposal_id)
    manager = can_manage_evaluation(current_user, consultation)
    _authorize(manager or is_assigned(current_user, proposal))
    items = services.ensure_criteria(consultation)
    form = forms.evaluation_form(items, queries.my_scores(proposal, current_user))
    if request.method == "POST":
        ensure(can_evaluate(current_user, proposal))
        if form.validate_on_submit():
            try:
                services.save_evaluation(proposal, current_user, forms.scores_from(form, items))
            except EvaluationError as error:
                _show_errors(form, error, prefix="score_")
            else:
                db.session.commit()
                return _done(_("Your evaluation was saved."),
                             url_for(".evaluate", slug=slug, proposal_id=proposal.id))
    db.session.commit()
    return _form_page("ranking/evaluate.html", "ranking/_evaluation_form.html", form,
                      eligibility_form=forms.EligibilityForm(formdata=None),
                      **_evaluate_context(consultation, proposal))


@bp.post(f"{PROPOSAL}/eligibility")
def eligibility(slug: str, proposal_id: int):
    """Organisers declare a proposal eligible, ineligible or unfeasible (with a public reason)."""
    consultation = consultation_or_404(slug)
    proposal = _proposal(consultation, proposal_id)
    _authorize(can_manage_evaluation(current_user, consultation))
    form = forms.EligibilityForm()
    if form.validate_on_submit():
        try:
            services.decide_eligibility(proposal, current_user, form.verdict.data,
                                        form.reason.data)
        except EvaluationError as error:
            _show_errors(form, error)
        else:
            db.session.commit()
            return _done(_("The decision was recorded."),
                         url_for(".evaluate", slug=slug, proposal_id=proposal.id))
    return render_page_or_fragment(
        "ranking/evaluate.html", "ranking/_eligibility_form.html", 422,
        eligibility_form=form, form=None, **_evaluate_context(consultation, proposal))


# --- the workbench -----------------------------------------------------------------------------

def _workbench_page(consultation, form, status: int = 200):
    return render_page_or_fragment(
        "ranking/workbench.html", "ranking/_run_form.html", status, form=form,
        consultation=consultation, runs=queries.runs_of(consultation),
        published_id=queries.published_run_id(consultation),
        criteria=services.criteria_of(consultation))


@bp.route("/c/<slug>/consolidation", methods=["GET", "POST"])
def workbench(slug: str):
    """Organisers choose parameters, run the consolidation (stored) and list the runs."""
    consultation = consultation_or_404(slug)
    _authorize(can_run_consolidation(current_user, consultation))
    items = services.ensure_criteria(consultation)
    form = forms.run_form(items)
    if not form.validate_on_submit():
        db.session.commit()
        return _workbench_page(consultation, form, 422 if form.is_submitted() else 200)
    values = forms.run_values(form, items)
    if sum(values["criteria_weights"].values()) != 100:
        form.form_errors.append(_("The weights must add up to 100."))
        return _workbench_page(consultation, form, 422)
    run, _result = services.run_consolidation(
        consultation, current_user, services.parameters_for(consultation, **values),
        label=form.label.data)
    db.session.commit()
    return _done(_("The consolidation ran and was stored."),
                 url_for(".run", slug=slug, run_id=run.id))


@bp.get("/c/<slug>/consolidation/runs/<int:run_id>")
def run(slug: str, run_id: int):
    """One stored run: parameters, selected proposals per axis, flagged disagreements."""
    consultation = consultation_or_404(slug)
    _authorize(can_run_consolidation(current_user, consultation))
    item = queries.run_or_404(consultation, run_id)
    output = queries.output_of(item)
    return render_template("ranking/run.html", consultation=consultation, run=item,
                           output=output, titles=queries.titles_of(
                               int(pid) for pid in output.get("proposals", {})),
                           gender_outcomes=queries.gender_outcomes(item),
                           axis_titles={axis.code: axis.title for axis in consultation.axes})


@bp.get("/c/<slug>/consolidation/compare")
def compare(slug: str):
    """Two runs side by side: per axis, the selected proposals of each and what changed."""
    consultation = consultation_or_404(slug)
    _authorize(can_run_consolidation(current_user, consultation))
    first = queries.run_or_404(consultation, request.args.get("a", type=int))
    second = queries.run_or_404(consultation, request.args.get("b", type=int))
    rows = queries.compare_outputs(queries.output_of(first), queries.output_of(second))
    ids = {pid for row in rows for pid in row["a"] + row["b"]}
    axes = {axis.code: axis.title for axis in consultation.axes}
    return render_template("ranking/compare.html", consultation=consultation, a=first,
                           b=second, rows=rows, titles=queries.titles_of(ids), axes=axes)
