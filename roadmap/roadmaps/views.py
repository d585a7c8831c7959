"""Roadmap pages: the public roadmap and its items, the organisers' workbench (draft from a
run, edit, move with a justification, group, indicators), publication and progress updates.

Every form is a plain POST that redirects on success and shows the form again with 422.
"""
from __future__ import annotations

import re

from flask import (Blueprint, abort, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from roadmap.consultations.queries import consultation_by_slug
from roadmap.core.i18n import current_language
from roadmap.extensions import db, htmx
from roadmap.proposals.models import Proposal
from roadmap.roadmaps import queries, services
from roadmap.roadmaps import receivers  # noqa: F401  (connects the receivers)
from roadmap.roadmaps.forms import (BENEFICIARY_LABELS, GENDER_MARKER_LABELS,
                                    GENDER_MARKER_SHORT, LEAD_BODY_LABELS, SEX_LABELS,
                                    STATUS_LABELS, DraftForm, GroupForm,
                                    IndicatorForm, ItemForm, MarkersForm, MoveForm, PublishForm,
                                    choices, progress_form)
from roadmap.roadmaps.policies import (TEMPLATE_POLICIES, can_edit_roadmap, can_post_progress,
                                       can_publish)
from roadmap.roadmaps.services import RoadmapError

bp = Blueprint("roadmaps", __name__)
PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


@bp.app_context_processor
def _template_helpers() -> dict:
    """Roadmap policies, labels and ``roadmap_item_of(proposal)`` for every template."""
    return {**TEMPLATE_POLICIES, "item_status_label": lambda s: STATUS_LABELS.get(s, s),
            "lead_body_label": lambda s: LEAD_BODY_LABELS.get(s, s) if s else "",
            "gender_marker_label": lambda m: GENDER_MARKER_LABELS.get(m, ""),
            "gender_marker_short": lambda m: GENDER_MARKER_SHORT.get(m, ""),
            "beneficiary_label": lambda g: BENEFICIARY_LABELS.get(g, g),
            "sex_label": lambda s: SEX_LABELS.get(s, s),
            "roadmap_item_of": queries.published_item_of}


# -- helpers -------------------------------------------------------------------------------

def _consultation(slug: str):
    return consultation_by_slug(slug) or abort(404)


def _organiser_only(policy, subject=None) -> None:
    if not policy(current_user, subject):
        abort(403)


def _draft_item(consultation, item_id: int):
    return queries.item_in(queries.roadmap_of(consultation), item_id) or abort(404)


def _workbench_url(consultation, item=None) -> str:
    if item is None:
        return url_for("roadmaps.draft", slug=consultation.slug)
    return url_for("roadmaps.edit_item", slug=consultation.slug, item_id=item.id)


def _refused(error: RoadmapError, page, status=422, **context):
    db.session.rollback()
    flash(str(error), "error")
    return page(status=status, **context)


# -- public pages ------------------------------------------------------------------------------

@bp.get("/c/<slug>/roadmap")
def show(slug: str):
    """The latest published version: axes, ranked items, per-commune view, change logs."""
    consultation = _consultation(slug)
    roadmap = queries.roadmap_of(consultation)
    version = roadmap.published if roadmap else None
    view = "communes" if request.args.get("view") == "communes" else "axes"
    context = {"consultation": consultation, "roadmap": roadmap, "version": version, "view": view}
    if version is not None:
        context.update(axes=queries.public_axes(version),
                       communes=queries.public_by_commune(version),
                       shares=queries.commune_shares(consultation, version),
                       by_axis=queries.progress_by_axis(roadmap),
                       by_commune=queries.progress_by_commune(roadmap))
    return render_template("roadmaps/show.html", **context)


@bp.get("/c/<slug>/roadmap/items/<int:item_id>")
def item(slug: str, item_id: int):
    """A published item: details, lineage, indicators, timeline, justification."""
    consultation = _consultation(slug)
    roadmap = queries.roadmap_of(consultation)
    version = roadmap.published if roadmap else None
    entry = queries.public_item(version, item_id) if version else None
    if entry is None:
        abort(404)
    proposals = [db.session.get(Proposal, pid) for pid in entry.data["proposal_ids"]]
    return render_template("roadmaps/item.html", consultation=consultation, version=version,
                           item=entry, proposals=[p for p in proposals if p is not None])


@bp.get("/c/<slug>/roadmap/photos/<name>")
def photo(slug: str, name: str):
    """A progress photo (random name; JPEG or PNG)."""
    _consultation(slug)
    if not PHOTO_NAME.match(name):
        abort(404)
    return send_from_directory(services.photo_folder(), name)


# -- workbench ---------------------------------------------------------------------------------

def _draft_page(consultation, status=200, draft_form=None):
    roadmap = queries.roadmap_of(consultation)
    runs = queries.runs_of(consultation)
    form = draft_form or DraftForm()
    form.run_id.choices = choices((r.id, _run_label(r)) for r in runs)
    return render_template("roadmaps/draft.html", consultation=consultation, roadmap=roadmap,
                           groups=queries.items_by_axis(roadmap) if roadmap else [],
                           draft_form=form, runs=runs), status


def _run_label(run) -> str:
    return "#%d %s %s" % (run.id, run.label or run.method_version,
                          run.created_at.strftime("%Y-%m-%d %H:%M"))


@bp.get("/c/<slug>/roadmap/draft")
def draft(slug: str):
    """The organisers' workbench: the draft items, ready to edit, move and group."""
    consultation = _consultation(slug)
    _organiser_only(can_edit_roadmap, consultation)
    return _draft_page(consultation)


@bp.post("/c/<slug>/roadmap/draft")
def create_draft(slug: str):
    """Create (or replace) the draft from a consolidation run."""
    consultation = _consultation(slug)
    _organiser_only(can_edit_roadmap, consultation)
    form = DraftForm()
    form.run_id.choices = choices((r.id, _run_label(r)) for r in queries.runs_of(consultation))
    if not form.validate_on_submit():
        return _draft_page(consultation, 422, form)
    try:
        services.draft_from_run(consultation, queries.run_in(consultation, form.run_id.data),
                                current_user)
    except RoadmapError as error:
        return _refused(error, lambda status: _draft_page(consultation, status, form))
    db.session.commit()
    flash(_("The draft was made from the consolidation run."), "success")
    return redirect(_workbench_url(consultation))


def _item_page(consultation, item, status=200, **forms):
    roadmap = item.roadmap
    forms.setdefault("item_form", ItemForm(
        data=ItemForm.initial(item), axes=consultation.axes,
        communes=queries.prefecture_communes(consultation)))
    forms.setdefault("move_form", MoveForm(data={"rank": item.rank}))
    forms.setdefault("group_form", GroupForm(proposals=_groupable(consultation, item)))
    forms.setdefault("indicator_form", IndicatorForm())
    forms.setdefault("markers_form", MarkersForm(data=MarkersForm.initial(item)))
    return render_template("roadmaps/edit_item.html", consultation=consultation, roadmap=roadmap,
                           item=item, **forms), status


def _groupable(consultation, item) -> list:
    """Proposals of the consultation not yet in this item's lineage."""
    return [p for p in db.session.scalars(
        db.select(Proposal).where(Proposal.consultation_id == consultation.id)
        .order_by(Proposal.id)) if p not in item.proposals and p.is_public]


def _item_form(consultation):
    return ItemForm(axes=consultation.axes, communes=queries.prefecture_communes(consultation),
                    bbox=queries.prefecture_bbox(consultation))


@bp.route("/c/<slug>/roadmap/draft/items/<int:item_id>", methods=["GET", "POST"])
def edit_item(slug: str, item_id: int):
    """Edit an item's public fields (and draw or paste its area)."""
    consultation = _consultation(slug)
    _organiser_only(can_edit_roadmap, consultation)
    item = _draft_item(consultation, item_id)
    if request.method == "GET":
        return _item_page(consultation, item)
    form = _item_form(consultation)
    if not form.validate_on_submit():
        return _item_page(consultation, item, 422, item_form=form)
    communes = {c.id: c for c in queries.prefecture_communes(consultation)}
    try:
        services.edit_item(item, current_user, **form.values(communes))
    except RoadmapError as error:
        return _refused(error, lambda status: _item_page(consultation, item, status,
                                                         item_form=form))
    db.session.commit()
    flash(_("The item was saved."), "success")
    return redirect(_workbench_url(consultation, item))


@bp.post("/c/<slug>/roadmap/draft/items/<int:item_id>/move")
def move_item(slug: str, item_id: int):
    """Move an item to another rank in its axis, with a public justification."""
    consultation = _consultation(slug)
    _organiser_only(can_edit_roadmap, consultation)
    item = _draft_item(consultation, item_id)
    form = MoveForm()
    error = None if form.validate_on_submit() else _first_error(form)
    if error is None:
        try:
            services.move_item(item, form.rank.data, current_user, form.justification.data)
        except RoadmapError as refused:
            db.session.rollback()
            error = str(refused)
            form.rank.errors = [error]
    if error is not None:
        if htmx:
            return _draft_items(consultation, 422, {item.id: error},
                                {item.id: form.justification.data or ""})
        return _item_page(consultation, item, 422, move_form=form)
    db.session.commit()
    if htmx:
        return _draft_items(consultation)
    flash(_("The item was moved; the justification is public."), "success")
    return redirect(_workbench_url(consultation))


def _first_error(form) -> str:
    return next(iter(e for errors in form.errors.values() for e in errors), _("Check the form."))


def _draft_items(consultation, status=200, move_errors=None, move_typed=None):
    """The fragment of the draft items (htmx answer of a move)."""
    roadmap = queries.roadmap_of(consultation)
    response = render_template("roadmaps/_draft_items.html", consultation=consultation,
                               groups=queries.items_by_axis(roadmap), move_errors=move_errors,
                               move_typed=move_typed)
    return response, status, {"Vary": "HX-Request"}


@bp.post("/c/<slug>/roadmap/draft/items/<int:item_id>/group")
def group(slug: str, item_id: int):
    """Group other proposals into this item (their items, left empty, disappear)."""
    consultation = _consultation(slug)
    _organiser_only(can_edit_roadmap, consultation)
    item = _draft_item(consultation, item_id)
    form = GroupForm(proposals=_groupable(consultation, item))
    if not form.validate_on_submit():
        return _item_page(consultation, item, 422, group_form=form)
    try:
        services.group_proposals(item.roadmap, item, form.proposal_ids.data, current_user)
    except RoadmapError as error:
        form.proposal_ids.errors = [str(error)]
        return _item_page(consultation, item, 422, group_form=form)
    db.session.commit()
    flash(_("The proposals were grouped into this item."), "success")
    return redirect(_workbench_url(consultation, item))


@bp.post("/c/<slug>/roadmap/draft/items/<int:item_id>/indicators")
def add_indicator(slug: str, item_id: int):
    """Add an indicator (baseline, target) to an item."""
    consultation = _consultation(slug)
    _organiser_only(can_edit_roadmap, consultation)
    item = _draft_item(consultation, item_id)
    form = IndicatorForm()
    if not form.validate_on_submit():
        return _item_page(consultation, item, 422, indicator_form=form)
    services.add_indicator(item, current_user, **form.values())
    db.session.commit()
    flash(_("The indicator was added."), "success")
    return redirect(_workbench_url(consultation, item))


@bp.post("/c/<slug>/roadmap/draft/items/<int:item_id>/markers")
def markers(slug: str, item_id: int):
    """Set the item's gender equality marker, beneficiaries by sex and SDG goals and targets."""
    consultation = _consultation(slug)
    _organiser_only(can_edit_roadmap, consultation)
    item = _draft_item(consultation, item_id)
    form = MarkersForm()
    if not form.validate_on_submit():
        return _item_page(consultation, item, 422, markers_form=form)
    try:
        services.set_markers(item, current_user, **form.values())
    except RoadmapError as error:
        db.session.rollback()
        form[error.field if error.field in form else "gender_marker"].errors = [str(error)]
        return _item_page(consultation, item, 422, markers_form=form)
    db.session.commit()
    flash(_("The gender equality marker and the SDGs were saved."), "success")
    return redirect(_workbench_url(consultation, item) + "#markers-title")


# -- publication and tracking ------------------------------------------------------------------

def _publish_page(consultation, roadmap, form, status=200):
    return render_template("roadmaps/publish.html", consultation=consultation, roadmap=roadmap,
                           form=form), status


@bp.route("/c/<slug>/roadmap/publish", methods=["GET", "POST"])
def publish(slug: str):
    """Publish the draft as the next version, with its change log."""
    consultation = _consultation(slug)
    _organiser_only(can_publish, consultation)
    roadmap = queries.roadmap_of(consultation) or abort(404)
    form = PublishForm(required=bool(roadmap.versions))
    if request.method == "GET":
        return _publish_page(consultation, roadmap, form)
    if not form.validate_on_submit():
        return _publish_page(consultation, roadmap, form, 422)
    try:
        version = services.publish(roadmap, current_user, form.changelog())
    except RoadmapError as error:
        return _refused(error, lambda status: _publish_page(consultation, roadmap, form, status))
    db.session.commit()
    flash(_("Version %(number)s of the roadmap is published.", number=version.number), "success")
    return redirect(url_for("roadmaps.show", slug=slug))


@bp.route("/c/<slug>/roadmap/items/<int:item_id>/progress", methods=["GET", "POST"])
def progress(slug: str, item_id: int):
    """Post a dated progress update on an item."""
    consultation = _consultation(slug)
    _organiser_only(can_post_progress)
    item = _draft_item(consultation, item_id)
    form = progress_form(item)
    if request.method == "GET":
        return _progress_page(consultation, item, form)
    if not form.validate_on_submit():
        return _progress_page(consultation, item, form, 422)
    try:
        with db.session.begin_nested():  # a refused photo takes the update back with it
            services.post_progress(item, current_user, form.reported_on.data,
                                   form.progress.data, form.status.data, form.spent_mad.data,
                                   form.indicator_values(), form.note(), form.photo.data,
                                   photo_alt=form.photo_alt.data, language=current_language(),
                                   values_by_sex=form.values_by_sex())
    except RoadmapError as error:
        form[error.field if error.field in ("photo", "photo_alt") else "photo"].errors = [
            str(error)]
        return _progress_page(consultation, item, form, 422)
    db.session.commit()
    flash(_("The progress update was posted."), "success")
    return redirect(url_for("roadmaps.item", slug=slug, item_id=item.id))


def _progress_page(consultation, item, form, status=200):
    return render_template("roadmaps/progress.html", consultation=consultation, item=item,
                           form=form), status
