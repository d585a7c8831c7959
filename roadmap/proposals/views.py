"""Proposal pages: consultation overview, list, submission, proposal page, commune page.

Every form works without JavaScript (POST, then redirect or the form again with 422) and
with htmx (the list and the similar proposals answer with fragments on the same URLs).
"""
from __future__ import annotations

import secrets

from flask import (Blueprint, abort, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from roadmap.consultations.models import Workshop
from roadmap.consultations.phases import is_open
from roadmap.consultations.queries import consultation_by_slug
from roadmap.core.htmx import render_page_or_fragment
from roadmap.core.models import utcnow
from roadmap.core.pagecache import cached_for_visitors
from roadmap.extensions import db, htmx
from roadmap.media import services as media
from roadmap.media.forms import FILE_FIELDS, handle_uploads
from roadmap.proposals import labels, services
from roadmap.proposals import receivers  # noqa: F401  (connects the receivers)
from roadmap.proposals.forms import ProposalFilterForm, ProposalForm, WorkshopProposalForm
from roadmap.proposals.policies import (TEMPLATE_POLICIES, can_view, owns, submission_refusal,
                                        why_not_edit, why_not_enter_workshop_proposals)
from roadmap.proposals.queries import (SEED_MAX, SORTS, commune_at, commune_participation,
                                       consultation_commune, consultation_communes,
                                       consultation_figures, filtered_proposals,
                                       latest_proposals, proposal_in, similar_proposals,
                                       workshop_proposals)

bp = Blueprint("proposals", __name__)
SEED_KEY = "proposals_seed"
RANDOM_ORDERS = 100
ORGANISATION_TYPES = ("association", "economic_actor", "public_service", "elected_official",
                      "other")


@bp.app_context_processor
def _template_helpers() -> dict:
    """Proposal policies, labels and the workshop's proposals, for every template."""
    return {**TEMPLATE_POLICIES, "workshop_proposals": workshop_proposals,
            "sdg_name": labels.sdg_name, "origin_label": labels.origin_label,
            "status_label": labels.status_label, "stakeholder_label": labels.stakeholder_label,
            "attribution": labels.attribution, "workshop_url": workshop_url,
            "optional_url": optional_url, "proposals_open": proposals_open}


def proposals_open(consultation) -> bool:
    """True while proposals can be made in ``consultation``."""
    return is_open(consultation, "propose")


def optional_url(endpoint: str, **values) -> str | None:
    """``url_for(endpoint, **values)``, or ``None`` when no such page exists (yet)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


# -- helpers -------------------------------------------------------------------------------

def _consultation(slug: str):
    return consultation_by_slug(slug) or abort(404)


def _visible_proposal(consultation, proposal_id: int):
    """The proposal if the current user may see it; 404 otherwise (hidden ones included)."""
    proposal = proposal_in(consultation, proposal_id)
    if proposal is None or not can_view(current_user, proposal):
        abort(404)
    return proposal


def _show_url(proposal) -> str:
    return url_for("proposals.show", slug=proposal.consultation.slug, proposal_id=proposal.id)


def workshop_url(workshop) -> str | None:
    """The workshop's page (consultations domain), or ``None`` if it has none yet."""
    return optional_url("consultations.workshop", slug=workshop.consultation.slug,
                        workshop_id=workshop.id)


def _refused(message, target: str, status: int = 409):
    """Refuse an action: the message (a string, or a Refusal shown with its link) with
    ``status`` for htmx, else flash and redirect."""
    if htmx:
        return render_template("proposals/_refusal.html", message=message), status
    flash(message, "error")
    return redirect(target)


def _form_page(template: str, form, status: int | None = None, **context):
    """The page of ``form``: 422 once it was sent with errors, 200 the first time."""
    if status is None:
        status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def _service_error(error: services.ProposalError, form, template: str, target: str, **context):
    """Show a refused service call: next to its field (422), or as a refusal."""
    if error.status == 403:
        abort(403)
    if error.field and error.field in form:
        form[error.field].errors = list(form[error.field].errors) + [error.message]
        return _form_page(template, form, 422, **context)
    return _refused(error.message, target, error.status)


def _visitor_seed() -> int:
    """The visitor's seed for the random order, kept in their session.

    New visitors get one of RANDOM_ORDERS orders (any seed up to SEED_MAX is honoured), so
    that the pages of visitors who share an order can come from the page cache.
    """
    seed = session.get(SEED_KEY)
    if not isinstance(seed, int) or not 1 <= seed <= SEED_MAX:
        seed = secrets.randbelow(RANDOM_ORDERS) + 1
        session[SEED_KEY] = seed
    return seed


def _list_variant():
    """What a kept list page depends on beyond its URL: the order of a random sort (an
    unknown ``sort`` falls back to the random order, as the filter form does)."""
    sort = request.args.get("sort")
    return session.get(SEED_KEY) if sort not in SORTS or sort == "random" else None


list_cache = cached_for_visitors(vary=_list_variant, before=_visitor_seed)


def page_url(number: int) -> str:
    """The current list's URL at page ``number``, keeping its filters."""
    args = {key: values for key, values in request.args.to_dict(flat=False).items()
            if key not in request.view_args and key != "_external"}
    args["page"] = [str(number)]
    return url_for(request.endpoint, **request.view_args, **args)


def _list_response(page: str, fragment: str, **context):
    """The list page, or its results fragment for htmx (never on a history restore)."""
    if htmx and htmx.history_restore_request:
        fragment = page
    return render_page_or_fragment(page, fragment, page_url=page_url, **context)


def _proposal_form(consultation, user, proposal=None):
    """The form for a proposal; the organisation field only for those who speak for one."""
    if proposal is not None and proposal.origin == "workshop":
        return WorkshopProposalForm(consultation)
    form = ProposalForm(consultation)
    speaks_for = (user.stakeholder_type in ORGANISATION_TYPES or user.organisation
                  or (proposal is not None and proposal.organisation))
    if not speaks_for:
        del form.organisation
    elif proposal is None and not form.is_submitted():
        form.organisation.data = user.organisation
    return form


# -- consultation, list, commune -----------------------------------------------------------

@bp.get("/c/<slug>")
@cached_for_visitors()
def consultation(slug: str):
    """A consultation: its phases, axes, figures, communes and latest proposals."""
    item = _consultation(slug)
    return render_template("proposals/consultation.html", consultation=item,
                           figures=consultation_figures(item.id),
                           proposals=latest_proposals(item.id),
                           communes=consultation_communes(item))


@bp.get("/c/<slug>/proposals")
@list_cache
def index(slug: str):
    """The proposals, filtered, sorted and paginated by the query string (a shareable URL)."""
    item = _consultation(slug)
    communes = consultation_communes(item)
    form = ProposalFilterForm(item, request.args, communes)
    results = filtered_proposals(item, form.filters(), form.sort_order(), _visitor_seed(),
                                 request.args.get("page", 1, type=int))
    return _list_response("proposals/index.html", "proposals/_results.html", consultation=item,
                          form=form, results=results)


@bp.get("/c/<slug>/communes/<code>")
@list_cache
def commune(slug: str, code: str):
    """A commune within a consultation: census figures, its proposals, its participation."""
    item = _consultation(slug)
    place = consultation_commune(item, code) or abort(404)
    form = ProposalFilterForm(item, request.args)
    results = filtered_proposals(item, form.filters().with_commune(code), form.sort_order(),
                                 _visitor_seed(), request.args.get("page", 1, type=int))
    context = {"consultation": item, "commune": place, "form": form, "results": results}
    if not htmx or htmx.history_restore_request:
        context |= _commune_figures(item, place)
    return _list_response("proposals/commune.html", "proposals/_results.html", **context)


def _commune_figures(consultation, place) -> dict:
    """The commune page's figures: participation and census indicators."""
    from roadmap.territory import queries as territory

    indicators = territory.indicator_rows(place)
    years = sorted({year for row in indicators for year in row.values}, reverse=True)
    return {"participation": commune_participation(consultation, place),
            "indicators": indicators, "years": years,
            "missing": territory.missing_indicators(place),
            "sources": territory.indicator_sources(place)}


# -- submitting ----------------------------------------------------------------------------

@bp.route("/c/<slug>/proposals/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    """Make a proposal: the form, then the similar proposals once, then publish."""
    item = _consultation(slug)
    refusal = submission_refusal(current_user, item)
    if refusal:
        return _refused(refusal, url_for("proposals.consultation", slug=slug))
    form = _proposal_form(item, current_user)
    if not form.is_submitted():
        form.commune_id.data = (request.args.get("commune_id", type=int)
                                or _default_commune_id(item, current_user))
    valid = form.validate_on_submit()
    uploads = _uploads(item, form)
    valid = form.require_body(uploads.has_voice) and valid if form.is_submitted() else valid
    context = {"consultation": item, "uploads": uploads}
    if uploads.action or uploads.failed:
        return _attachments_answer("proposals/new.html", form, uploads, context)
    if not valid:
        return _form_page("proposals/new.html", form, **context)
    if not form.confirmed.data:
        similar = similar_proposals(item, form.title.data, form.body.data, form.commune_id.data)
        if similar:
            form.confirmed.data = "1"
            return _form_page("proposals/new.html", form, 200, similar=similar, checked=True,
                              **context)
    return _publish(item, form, uploads)


def _uploads(consultation, form, proposal=None):
    """The attachments of the proposal form: stage this post's files (committed, so that a
    form shown again keeps them) and act on the attachments' buttons."""
    attached = media.attachments_of("proposal_id", proposal.id) if proposal else ()
    uploads = handle_uploads(form, current_user, attached)
    if form.is_submitted():
        db.session.commit()
    if uploads.place:
        form.use_place(uploads.place)
    uploads.offer_place(form.point() not in (None, False),
                        lambda lat, lon: commune_at(consultation, lat, lon))
    return uploads


def _attachments_answer(template: str, form, uploads, context: dict, error=None):
    """The form again after an attachments' button or a refused file, the proposal not sent:
    the attachments' fieldset for htmx, else the page (errors only on the files' fields)."""
    for name, field in form._fields.items():
        if name not in FILE_FIELDS:
            field.errors = []
    if error is not None:
        uploads.failed = True
        field = form[error.field] if error.field in form else form.photo
        field.errors = [*field.errors, error.message]
    status = 422 if uploads.failed else 200
    if htmx and not htmx.history_restore_request:
        return render_template("proposals/_attachments.html", form=form, **context), status
    return _form_page(template, form, status, **context)


def _default_commune_id(consultation, user) -> int | None:
    """Where only verified residents of the commune may propose, their verified commune."""
    if consultation.requirement("propose") == "resident":
        return user.verified_commune_id
    return None


def _publish(consultation, form, uploads):
    context = {"consultation": consultation, "uploads": uploads}
    try:
        proposal = services.submit_proposal(consultation, current_user, by_voice=uploads.has_voice,
                                            **form.proposal_values())
        media.attach(uploads.staged, "proposal_id", proposal.id)
    except services.ProposalError as error:
        db.session.rollback()
        return _service_error(error, form, "proposals/new.html",
                              url_for("proposals.consultation", slug=consultation.slug),
                              **context)
    except media.MediaError as error:
        db.session.rollback()
        return _attachments_answer("proposals/new.html", form, uploads, context,
                                   error=error)
    db.session.commit()
    if proposal.status == "pending":
        flash(_("Thank you. Your proposal will be published once a moderator has checked it."),
              "success")
    else:
        flash(_("Thank you. Your proposal is published."), "success")
    return redirect(_show_url(proposal))


@bp.get("/c/<slug>/proposals/similar")
def similar(slug: str):
    """Proposals like the title being typed, in the chosen commune (fragment for htmx)."""
    item = _consultation(slug)
    title = request.args.get("title", "")[:300]
    found = similar_proposals(item, title, commune_id=request.args.get("commune_id", type=int),
                              exclude_id=request.args.get("exclude", type=int))
    return render_page_or_fragment("proposals/similar.html", "proposals/_similar.html",
                                   consultation=item, similar=found, checked=bool(title.strip()))


@bp.get("/c/<slug>/proposals/locate")
def locate(slug: str):
    """The commune of the prefecture at ``?lat=&lon=``: JSON ``{id, code, name}``, or 422."""
    item = _consultation(slug)
    lat, lon = request.args.get("lat", type=float), request.args.get("lon", type=float)
    place = commune_at(item, lat, lon) if lat is not None and lon is not None else None
    if place is None:
        return jsonify(error=services.outside_message()), 422
    return jsonify(id=place.id, code=place.code, name=place.name)


# -- one proposal --------------------------------------------------------------------------

@bp.get("/c/<slug>/proposals/<int:proposal_id>")
@cached_for_visitors()
def show(slug: str, proposal_id: int):
    """One proposal with its details, status, participation and the author's actions."""
    item = _consultation(slug)
    proposal = _visible_proposal(item, proposal_id)
    return render_template("proposals/show.html", consultation=item, proposal=proposal)


@bp.route("/c/<slug>/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, proposal_id: int):
    """Edit one's proposal, until it is supported or commented and while proposals are open."""
    item = _consultation(slug)
    proposal = _visible_proposal(item, proposal_id)
    if not owns(current_user, proposal):
        abort(403)
    reason = why_not_edit(current_user, proposal)
    if reason:
        return _refused(reason, _show_url(proposal))
    form = _proposal_form(item, current_user, proposal)
    if not form.is_submitted():
        form.fill_from(proposal)
    valid = form.validate_on_submit()
    uploads = _uploads(item, form, proposal)
    valid = form.require_body(uploads.has_voice) and valid if form.is_submitted() else valid
    context = {"consultation": item, "proposal": proposal, "uploads": uploads}
    if uploads.action or uploads.failed:
        if uploads.action == "remove":
            proposal.updated_at = utcnow()  # the cached card and page show what is left
            db.session.commit()
        return _attachments_answer("proposals/edit.html", form, uploads, context)
    if not valid:
        return _form_page("proposals/edit.html", form, **context)
    try:
        if uploads.staged:  # first, so that a voice note added now lets the body be empty
            media.attach(uploads.staged, "proposal_id", proposal.id)
            proposal.updated_at = utcnow()
        services.edit_proposal(proposal, current_user, **form.proposal_values())
    except services.ProposalError as error:
        db.session.rollback()
        return _service_error(error, form, "proposals/edit.html", _show_url(proposal),
                              **context)
    except media.MediaError as error:
        db.session.rollback()
        return _attachments_answer("proposals/edit.html", form, uploads, context, error=error)
    db.session.commit()
    flash(_("Your changes are saved."), "success")
    return redirect(_show_url(proposal))


@bp.post("/c/<slug>/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(slug: str, proposal_id: int):
    """Withdraw one's proposal; it stays readable, marked as withdrawn."""
    item = _consultation(slug)
    proposal = _visible_proposal(item, proposal_id)
    try:
        services.withdraw_proposal(proposal, current_user)
    except services.NotAllowed:
        abort(403)
    except services.ProposalError as error:
        return _refused(error.message, _show_url(proposal), error.status)
    db.session.commit()
    flash(_("Your proposal is withdrawn. It stays readable, marked as withdrawn."), "success")
    return redirect(_show_url(proposal))


# -- workshops -----------------------------------------------------------------------------

@bp.route("/c/<slug>/workshops/<int:workshop_id>/proposals/new", methods=["GET", "POST"])
@login_required
def new_workshop_proposal(slug: str, workshop_id: int):
    """Organisers enter a proposal a workshop produced, with the hands raised for it there."""
    item = _consultation(slug)
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or workshop.consultation_id != item.id:
        abort(404)
    if not current_user.has_role("organiser"):
        abort(403)
    back = workshop_url(workshop) or url_for("proposals.consultation", slug=slug)
    reason = why_not_enter_workshop_proposals(current_user, workshop)
    if reason:
        return _refused(reason, back)
    form = WorkshopProposalForm(item)
    if not form.is_submitted() and len(workshop.communes) == 1:
        form.commune_id.data = workshop.communes[0].id
    valid = form.validate_on_submit()
    uploads = _uploads(item, form)
    valid = form.require_body(False) and valid if form.is_submitted() else valid
    context = {"consultation": item, "workshop": workshop, "uploads": uploads}
    if uploads.action or uploads.failed:
        return _attachments_answer("proposals/new_workshop.html", form, uploads, context)
    if not valid:
        return _form_page("proposals/new_workshop.html", form, **context)
    try:
        proposal = services.submit_workshop_proposal(workshop, current_user,
                                                     **form.proposal_values())
        media.attach(uploads.staged, "proposal_id", proposal.id)
    except services.ProposalError as error:
        db.session.rollback()
        return _service_error(error, form, "proposals/new_workshop.html", back, **context)
    except media.MediaError as error:
        db.session.rollback()
        return _attachments_answer("proposals/new_workshop.html", form, uploads, context,
                                   error=error)
    db.session.commit()
    flash(_("The workshop's proposal is saved: %(title)s", title=proposal.title), "success")
    if request.form.get("another"):
        return redirect(request.path)
    return redirect(back if workshop_url(workshop) else _show_url(proposal))
