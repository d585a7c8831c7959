"""The consultations back office (``/admin/consultations``): create, edit, axes, lifecycle.

Organisers and admins list every consultation (drafts too), create a draft, edit its details,
arrange its strategic axes, publish and archive it. Each view is thin: the services in
:mod:`roadmap.consultations.services` check again, change and write the audit log.
"""
from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from roadmap.consultations import services
from roadmap.consultations.forms import (AxisForm, ConsultationDetailsForm, MoveAxisForm,
                                         NewConsultationForm)
from roadmap.consultations.policies import can_create_consultation, can_manage_consultation
from roadmap.consultations.queries import (axis_or_404, communes_by_prefecture,
                                           consultation_by_slug, consultation_or_404,
                                           copy_sources, every_consultation, prefecture_choices,
                                           prefecture_communes)
from roadmap.consultations.views import _authorize, _done, _form_response, _show_refusal
from roadmap.core.admin import add_admin_section
from roadmap.core.htmx import render_page_or_fragment
from roadmap.extensions import db
from roadmap.territory.models import Prefecture

bp = Blueprint("consultations_admin", __name__, url_prefix="/admin/consultations")
add_admin_section(bp, "consultations_admin.index", _l("Consultations"), can_create_consultation)


@bp.get("")
def index():
    """Every consultation, drafts too, with its status, territory and current phase."""
    _authorize(can_create_consultation, None)
    return render_page_or_fragment("consultations/admin/index.html",
                                   "consultations/admin/index.html",
                                   consultations=every_consultation())


def _new_form() -> NewConsultationForm:
    grouped = communes_by_prefecture()
    copied = consultation_by_slug(request.args.get("copy", ""))
    data = {"communes": [cid for _p, communes in grouped for cid, _name in communes]}
    if copied is not None:  # "copy this one" from the list: its rules and axes, pre-filled
        data |= {name: getattr(copied, name) for name in services.RULES}
        data |= {"axes": f"copy:{copied.slug}", "prefecture": copied.prefecture_id}
    return NewConsultationForm(data=data, prefectures=prefecture_choices(),
                               grouped_communes=grouped, sources=copy_sources())


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Create a draft consultation: address, titles, territory, communes, axes, phases, rules."""
    _authorize(can_create_consultation, None)
    form = _new_form()
    if form.validate_on_submit():
        source_slug = form.axes_source()[1]
        try:
            consultation = services.create_consultation(
                db.session.get(Prefecture, form.prefecture.data), current_user,
                copy_from=consultation_by_slug(source_slug or ""), **form.creation_values())
        except services.ConsultationError as error:
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The consultation was created as a draft: only organisers and admins see "
                    "it until it is published."), "success")
            return _done(url_for(".edit", slug=consultation.slug))
    return _form_response("consultations/admin/new.html", "consultations/admin/_new_form.html",
                          form)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    """A consultation's page in the back office: details, status, links to manage it."""
    consultation = consultation_or_404(slug)
    _authorize(can_manage_consultation, consultation)
    choices = prefecture_communes(consultation)
    form = ConsultationDetailsForm(communes=choices, data=ConsultationDetailsForm.initial_data(
        consultation, [cid for cid, _name in choices]))
    if form.validate_on_submit():
        try:
            services.update_consultation(consultation, current_user, **form.details_values())
        except services.ConsultationError as error:
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The consultation was saved."), "success")
            return _done(url_for(".edit", slug=slug))
    return _form_response("consultations/admin/edit.html", "consultations/admin/_edit_form.html",
                          form, consultation=consultation)


def _lifecycle(slug: str, service, done_message: str):
    consultation = consultation_or_404(slug)
    _authorize(can_manage_consultation, consultation)
    try:
        service(consultation, current_user)
    except services.ConsultationError as error:
        for message in error.errors.values():
            flash(str(message), "error")
    else:
        db.session.commit()
        flash(done_message, "success")
    return _done(url_for(".edit", slug=slug))


@bp.post("/<slug>/publish")
def publish(slug: str):
    """Publish a draft: everyone sees it from now on."""
    return _lifecycle(slug, services.publish_consultation,
                      _("The consultation is published: everyone can see it."))


@bp.post("/<slug>/archive")
def archive(slug: str):
    """Archive a published consultation: it stays public, read-only."""
    return _lifecycle(slug, services.archive_consultation,
                      _("The consultation is archived: it stays public and read-only."))


# --- Strategic axes ----------------------------------------------------------------------------

def _axes_page(consultation, add_form=None, forms=None, errors=(), status=None):
    """The axes page: one form per axis, the add form, and any refusal."""
    forms = forms or {}
    for axis in consultation.axes:
        forms.setdefault(axis.id, AxisForm(prefix=f"axis-{axis.id}", formdata=None,
                                           data=AxisForm.initial_data(axis)))
    add_form = add_form or AxisForm(prefix="new", formdata=None)
    code = status or (422 if request.method == "POST" else 200)
    return render_page_or_fragment("consultations/admin/axes.html",
                                   "consultations/admin/axes.html", code,
                                   consultation=consultation, axis_forms=forms,
                                   add_form=add_form, errors=list(errors))


@bp.route("/<slug>/axes", methods=["GET", "POST"])
def axes(slug: str):
    """The strategic axes of a consultation; POST adds one."""
    consultation = consultation_or_404(slug)
    _authorize(can_manage_consultation, consultation)
    if request.method == "GET":
        return _axes_page(consultation)
    form = AxisForm(prefix="new")
    if form.validate_on_submit():
        try:
            services.add_axis(consultation, current_user, **form.axis_values())
        except services.ConsultationError as error:
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The axis was added."), "success")
            return _done(url_for(".axes", slug=slug))
    return _axes_page(consultation, add_form=form)


@bp.post("/<slug>/axes/<int:axis_id>")
def update_axis(slug: str, axis_id: int):
    """Rename an axis per language and set its colour."""
    consultation = consultation_or_404(slug)
    axis = axis_or_404(consultation, axis_id)
    _authorize(can_manage_consultation, consultation)
    form = AxisForm(prefix=f"axis-{axis.id}")
    if form.validate_on_submit():
        try:
            services.update_axis(axis, current_user, **form.axis_values())
        except services.ConsultationError as error:
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The axis was saved."), "success")
            return _done(url_for(".axes", slug=slug))
    return _axes_page(consultation, forms={axis.id: form})


@bp.post("/<slug>/axes/<int:axis_id>/move")
def move_axis(slug: str, axis_id: int):
    """Move an axis up or down (buttons that work without JavaScript)."""
    consultation = consultation_or_404(slug)
    axis = axis_or_404(consultation, axis_id)
    _authorize(can_manage_consultation, consultation)
    form = MoveAxisForm()
    if form.validate_on_submit():
        services.move_axis(axis, current_user, form.direction.data)
        db.session.commit()
        return _done(url_for(".axes", slug=slug) + f"#axis-{axis.id}")
    return _axes_page(consultation, errors=form.direction.errors)


@bp.post("/<slug>/axes/<int:axis_id>/remove")
def remove_axis(slug: str, axis_id: int):
    """Remove an axis no proposal uses (otherwise say how many use it)."""
    consultation = consultation_or_404(slug)
    axis = axis_or_404(consultation, axis_id)
    _authorize(can_manage_consultation, consultation)
    try:
        services.remove_axis(axis, current_user)
    except services.ConsultationError as error:
        return _axes_page(consultation, errors=error.errors.values())
    db.session.commit()
    flash(_("The axis was removed."), "success")
    return _done(url_for(".axes", slug=slug))
