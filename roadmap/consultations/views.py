"""The home page, a consultation's settings, and its workshops."""
from __future__ import annotations

from flask import (Blueprint, abort, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from roadmap.accounts.forms import STAKEHOLDER_CHOICES
from roadmap.accounts.policies import ensure
from roadmap.consultations import services, templating
from roadmap.consultations import territory_usage as _territory_usage  # noqa: F401
from roadmap.consultations.forms import GENDER_CHOICES, SettingsForm, WorkshopForm
from roadmap.consultations.policies import can_configure, can_manage_workshops
from roadmap.consultations.queries import (attendance_totals, consultation_or_404, home_page,
                                           prefecture_communes, visible_consultation_or_404,
                                           workshop_or_404, workshops_of)
from roadmap.core.htmx import render_page_or_fragment
from roadmap.core.i18n import current_language
from roadmap.extensions import db, htmx, login_manager
from roadmap.media.services import attachments_of

bp = Blueprint("consultations", __name__)
templating.register(bp)


@bp.before_app_request
def guard_drafts() -> None:
    """Every URL of a consultation (``/c/<slug>/...``, whatever blueprint serves it) answers
    404 when the visitor may not see it (a draft, but to organisers and admins).

    It runs before the view, so before the page cache (:mod:`roadmap.core.pagecache`) too: a
    kept page is never served for a draft, and a 404 is never kept."""
    rule = request.url_rule
    if rule is not None and rule.rule.startswith("/c/<slug>") and request.view_args:
        visible_consultation_or_404(request.view_args["slug"], current_user)


@bp.get("/")
def home():
    """The consultations: open ones first, then the others, then the archived ones, each with
    its territory, current phase and figures; organisers and admins also see the drafts."""
    return render_template("consultations/home.html", page=home_page(current_user))


# --- Helpers -----------------------------------------------------------------------------------

def _authorize(policy, consultation) -> None:
    """Send anonymous visitors to the login page; answer 403 unless ``policy`` allows."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    ensure(policy(current_user, consultation))


def _form_response(page: str, fragment: str, form, **context):
    """The form's page (or, for htmx, its fragment): 422 once sent with errors, else 200."""
    status = 422 if form.is_submitted() else 200
    return render_page_or_fragment(page, fragment, status, form=form, **context)


def _done(url: str):
    """After a change: redirect (htmx is told to load ``url`` as a full page)."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _show_refusal(form, error: services.ConsultationError) -> None:
    """Put a service's reasons next to the fields they concern."""
    for name, message in error.errors.items():
        if name == "attendance" and hasattr(form, "attendance_errors"):
            form.attendance_errors.append(message)
        elif name and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


# --- Settings ----------------------------------------------------------------------------------

@bp.route("/c/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    """Organisers set the phases' dates, the vote rules and the moderation settings."""
    consultation = consultation_or_404(slug)
    _authorize(can_configure, consultation)
    form = SettingsForm(data=SettingsForm.initial_data(consultation))
    if form.validate_on_submit():
        try:
            services.configure_consultation(consultation, current_user, **form.settings_values())
        except services.ConsultationError as error:
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The settings of the consultation were saved."), "success")
            return _done(url_for(".settings", slug=slug))
    return _form_response("consultations/settings.html", "consultations/_settings_form.html",
                          form, consultation=consultation)


# --- Workshops ---------------------------------------------------------------------------------

def _workshop_context(consultation, **context) -> dict:
    return {"consultation": consultation, "stakeholder_choices": STAKEHOLDER_CHOICES,
            "gender_choices": GENDER_CHOICES, **context}


@bp.get("/c/<slug>/workshops")
def workshops(slug: str):
    """The in-person workshops of a consultation, most recent first."""
    consultation = consultation_or_404(slug)
    items = workshops_of(consultation)
    return render_template("consultations/workshops.html", workshops=items,
                           totals=attendance_totals(items),
                           **_workshop_context(consultation))


@bp.get("/c/<slug>/workshops/<int:workshop_id>")
def workshop(slug: str, workshop_id: int):
    """One workshop: date, place, communes, attendance, minutes and the proposals it made."""
    consultation = consultation_or_404(slug)
    item = workshop_or_404(consultation, workshop_id)
    return render_template("consultations/workshop.html", attachments=attachments_of(
        "workshop_id", item.id, visible_only=True), **_workshop_context(consultation,
                                                                       workshop=item))


def _workshop_form_page(form, consultation, workshop=None):
    return _form_response("consultations/workshop_form.html", "consultations/_workshop_form.html",
                          form, **_workshop_context(consultation, workshop=workshop))


@bp.route("/c/<slug>/workshops/new", methods=["GET", "POST"])
def new_workshop(slug: str):
    """Organisers record a workshop."""
    consultation = consultation_or_404(slug)
    _authorize(can_manage_workshops, consultation)
    form = WorkshopForm(communes=prefecture_communes(consultation))
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():  # a refused file takes the workshop back with it
                item = services.record_workshop(consultation, current_user,
                                                **form.workshop_values())
                services.update_workshop_files(item, current_user, language=current_language(),
                                               **form.file_values())
        except services.ConsultationError as error:
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The workshop was recorded."), "success")
            return _done(url_for(".workshop", slug=slug, workshop_id=item.id))
    return _workshop_form_page(form, consultation)


@bp.route("/c/<slug>/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
def edit_workshop(slug: str, workshop_id: int):
    """Organisers correct a workshop's record."""
    consultation = consultation_or_404(slug)
    item = workshop_or_404(consultation, workshop_id)
    _authorize(can_manage_workshops, consultation)
    form = WorkshopForm(communes=prefecture_communes(consultation),
                        data=WorkshopForm.initial_data(item),
                        attachments=attachments_of("workshop_id", item.id))
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():  # a refused file keeps the record as it was
                services.update_workshop(item, current_user, **form.workshop_values())
                services.update_workshop_files(item, current_user, language=current_language(),
                                               **form.file_values())
        except services.ConsultationError as error:
            db.session.expire(item)
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The workshop was saved."), "success")
            return _done(url_for(".workshop", slug=slug, workshop_id=item.id))
    return _workshop_form_page(form, consultation, item)
