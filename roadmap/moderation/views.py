"""Moderation pages: reporting, the review queue and its decisions, blocking, merging, the
audit log. Each form works without JavaScript (POST, then redirect) and with htmx (the queue
row is replaced by its new state)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.accounts.policies import can_manage_people
from roadmap.accounts.redirects import safe_next
from roadmap.consultations.models import Consultation
from roadmap.consultations.policies import can_view_consultation, can_view_drafts
from roadmap.consultations.queries import visible_to
from roadmap.core.htmx import render_page_or_fragment
from roadmap.extensions import db, htmx
from roadmap.media.models import Attachment
from roadmap.media.policies import can_view_attachment
from roadmap.moderation.attachments import page_url
from roadmap.moderation import queries, services
from roadmap.moderation.forms import (REASON_LABELS, DecisionForm, MergeForm, ReportForm,
                                      SelectChoice, reason_label)
from roadmap.moderation.models import ProposalMerge
from roadmap.moderation.policies import (TEMPLATE_POLICIES, can_merge, can_moderate,
                                         can_read_audit, report_link_refusal, report_refusal,
                                         shows_report_link)
from roadmap.participation.models import Comment
from roadmap.proposals.models import Proposal
from roadmap.territory.models import Commune

bp = Blueprint("moderation", __name__)
KINDS = {"proposal": Proposal, "comment": Comment, "attachment": Attachment}


@bp.app_context_processor
def _template_helpers() -> dict:
    """Moderation policies and helpers for every template (report links, merge notices)."""
    return {**TEMPLATE_POLICIES, "reason_label": reason_label,
            "active_merge_of": queries.active_merge_of, "co_authors": queries.co_authors,
            "merges_into": queries.merges_into, "attachment_page_url": page_url}


@bp.app_template_global("attachment_report_link")
def attachment_report_link(attachment) -> dict | None:
    """The "Report" link of one attachment for the current user: ``{"url", "form"}`` (``form``:
    the form can be swapped in; otherwise the page explains what is missing), or ``None``."""
    if not current_user.is_authenticated:
        return None
    url = url_for("moderation.report", kind="attachment", item_id=attachment.id)
    if shows_report_link(current_user, attachment):
        return {"url": url, "form": True}
    if report_link_refusal(current_user, attachment):
        return {"url": url, "form": False}
    return None


# --- helpers -------------------------------------------------------------------------------

def _subject(kind: str, item_id: int):
    model = KINDS.get(kind)
    subject = db.session.get(model, item_id) if model else None
    if subject is None:
        abort(404)
    if isinstance(subject, Attachment) and (subject.is_staged
                                            or not can_view_attachment(current_user, subject)):
        abort(404)  # a file one may not be sent is unknown to them
    consultation = services.consultation_of(subject)
    if consultation is None or not can_view_consultation(current_user, consultation):
        abort(404)  # a draft's content, as its pages: unknown but to organisers and admins
    return subject


def _proposal_url(subject) -> str:
    if isinstance(subject, Attachment):
        return page_url(subject) or url_for("consultations.home")
    proposal = subject if isinstance(subject, Proposal) else subject.proposal
    anchor = None if isinstance(subject, Proposal) else f"comment-{subject.id}"
    return url_for("proposals.show", slug=proposal.consultation.slug, proposal_id=proposal.id,
                   _anchor=anchor)


def _require_moderator() -> None:
    if not can_moderate(current_user):
        abort(403)


def _back(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), default)


def _row(kind: str, subject, message: str | None = None, status: int = 200):
    """The queue row of ``subject`` (htmx fragment)."""
    item = queries.queue_item(kind, subject)
    return render_template("moderation/_queue_row.html", item=item, message=message), status


def _failed(error: services.ModerationError, kind: str, subject):
    subject_id = subject.id
    db.session.rollback()
    if htmx:
        return _row(kind, db.session.get(KINDS[kind], subject_id), str(error.message),
                    error.status)
    flash(error.message, "error")
    return redirect(_back(url_for("moderation.queue")), 303)


# --- reporting -----------------------------------------------------------------------------

@bp.route("/report/<kind>/<int:item_id>", methods=["GET", "POST"])
@login_required
def report(kind: str, item_id: int):
    """Report a proposal, a comment or an attachment (a reason and an optional note)."""
    subject = _subject(kind, item_id)
    context = {"kind": kind, "subject": subject, "back": _proposal_url(subject),
               "consultation": services.consultation_of(subject)}
    refusal = report_refusal(current_user, subject)
    if refusal:
        return render_page_or_fragment("moderation/report.html", "moderation/_report_done.html",
                                       403, message=refusal, **context)
    form = ReportForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_page_or_fragment("moderation/report.html", "moderation/_report_form.html",
                                       status, form=form, **context)
    try:
        services.report(subject, current_user, form.reason.data, form.note.data)
    except services.ModerationError as error:
        db.session.rollback()
        return render_page_or_fragment("moderation/report.html", "moderation/_report_done.html",
                                       error.status, message=error.message, **context)
    db.session.commit()
    message = _("Thank you: the moderators will look at your report.")
    if htmx:
        return render_template("moderation/_report_done.html", message=message, **context)
    flash(message, "success")
    return redirect(context["back"], 303)


# --- the review queue ----------------------------------------------------------------------

def _listed_consultations() -> list:
    """The consultations of the filters' menus: those the reader may see."""
    return list(db.session.scalars(select(Consultation).where(visible_to(current_user))
                                   .order_by(Consultation.id)))


def _queue_filters() -> dict:
    args = request.args
    consultation = db.session.scalar(select(Consultation).where(
        Consultation.slug == args.get("consultation"))) if args.get("consultation") else None
    commune = db.session.scalar(select(Commune).where(Commune.code == args.get("commune"))) \
        if args.get("commune") else None
    reason = args.get("reason") if args.get("reason") in REASON_LABELS else None
    sort = args.get("sort") if args.get("sort") in queries.QUEUE_SORTS else "newest"
    return {"consultation": consultation, "commune": commune, "reason": reason, "sort": sort}


@bp.route("/moderation")
@login_required
def queue():
    """Pending and reported content, newest or most reported first, with filters."""
    _require_moderator()
    filters = _queue_filters()
    items = queries.review_queue(
        consultation_id=filters["consultation"].id if filters["consultation"] else None,
        commune_id=filters["commune"].id if filters["commune"] else None,
        reason=filters["reason"], sort=filters["sort"], drafts=can_view_drafts(current_user))
    consultations = _listed_consultations()
    communes = list(db.session.scalars(select(Commune).order_by(Commune.name_fr)))
    return render_page_or_fragment(
        "moderation/queue.html", "moderation/_queue_rows.html", items=items, filters=filters,
        consultations=consultations, communes=communes, reasons=REASON_LABELS)


@bp.get("/moderation/suspicious")
@login_required
def suspicious():
    """Bursts of new accounts from one address and of supports by new accounts on one
    proposal (thresholds in :mod:`roadmap.moderation.queries`), for moderators to look at."""
    _require_moderator()
    return render_template(
        "moderation/suspicious.html", account_bursts=queries.account_bursts(),
        support_bursts=queries.support_bursts(drafts=can_view_drafts(current_user)),
        thresholds=queries.suspicious_thresholds(),
        can_open_accounts=can_manage_people(current_user))


@bp.get("/moderation/transcripts")
@login_required
def transcripts():
    """The voice notes of proposals and comments waiting for a transcript, each with a form
    to type it (posted to ``media.transcript``, which comes back here)."""
    _require_moderator()
    return render_template("moderation/transcripts.html",
                           items=queries.voice_notes_to_transcribe(
                               drafts=can_view_drafts(current_user)))


@bp.route("/moderation/<kind>/<int:item_id>/<action>", methods=["POST"])
@login_required
def decide(kind: str, item_id: int, action: str):
    """Approve, hide, restore, reject or dismiss the reports of one item (a proposal, a
    comment or an attachment)."""
    _require_moderator()
    subject = _subject(kind, item_id)
    if action not in services.DECISIONS:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _failed(services.InvalidInput(_("The reason is too long.")), kind, subject)
    try:
        services.decide(subject, current_user, action, form.reason.data)
    except services.ModerationError as error:
        return _failed(error, kind, subject)
    db.session.commit()
    if htmx:
        return _row(kind, subject, _("Decision recorded."))
    flash(_("Decision recorded."), "success")
    return redirect(_back(url_for("moderation.queue")), 303)


def _block_view(user_id: int, action):
    _require_moderator()
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    form = DecisionForm()
    form.validate_on_submit()
    row_kind, row_id = request.form.get("row_kind"), request.form.get("row_id", type=int)
    row_subject = db.session.get(KINDS[row_kind], row_id) if row_kind in KINDS and row_id \
        else None
    try:
        action(target, current_user, form.reason.data)
    except services.ModerationError as error:
        if row_subject is not None:
            return _failed(error, row_kind, row_subject)
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_back(url_for("moderation.queue")), 303)
    db.session.commit()
    message = _("User blocked.") if target.blocked_at else _("User unblocked.")
    if htmx and row_subject is not None:
        return _row(row_kind, row_subject, message)
    flash(message, "success")
    return redirect(_back(url_for("moderation.queue")), 303)


@bp.route("/moderation/users/<int:user_id>/block", methods=["POST"])
@login_required
def block(user_id: int):
    """Block a user (reason required): they can no longer post, their content is hidden."""
    return _block_view(user_id, services.block_user)


@bp.route("/moderation/users/<int:user_id>/unblock", methods=["POST"])
@login_required
def unblock(user_id: int):
    """Unblock a user and show again what blocking hid."""
    return _block_view(user_id, services.unblock_user)


# --- merging -------------------------------------------------------------------------------

def _merge_form(proposal: Proposal) -> MergeForm:
    candidates = [proposal] + queries.merge_candidates(proposal)
    choices = [SelectChoice(p.id, f"#{p.id} · {p.title} · {p.commune.name}")
               for p in candidates]
    form = MergeForm()
    form.target.choices = choices
    form.sources.choices = choices
    if not form.is_submitted():
        form.sources.data = [proposal.id]
    return form


@bp.route("/moderation/proposals/<int:proposal_id>/merge", methods=["GET", "POST"])
@login_required
def merge(proposal_id: int):
    """Merge duplicates: choose the proposal kept and the ones merged into it."""
    proposal = _subject("proposal", proposal_id)
    if not can_merge(current_user, proposal):
        abort(403)
    form = _merge_form(proposal)
    context = {"proposal": proposal, "form": form, "consultation": proposal.consultation,
               "merges": queries.merges_into(proposal)}
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("moderation/merge.html", **context), status
    target = db.session.get(Proposal, form.target.data)
    sources = [db.session.get(Proposal, i) for i in form.sources.data]
    try:
        services.merge(target, sources, current_user, form.reason.data or None)
    except services.ModerationError as error:
        db.session.rollback()
        form.sources.errors = [error.message]
        return render_template("moderation/merge.html", **context), error.status
    db.session.commit()
    flash(_("Proposals merged."), "success")
    return redirect(url_for("proposals.show", slug=target.consultation.slug,
                            proposal_id=target.id), 303)


@bp.route("/moderation/merges/<int:merge_id>/undo", methods=["POST"])
@login_required
def undo_merge(merge_id: int):
    """Undo a merge: every support and link back as before."""
    row = db.session.get(ProposalMerge, merge_id)
    if row is None:
        abort(404)
    if not can_merge(current_user):
        abort(403)
    try:
        services.undo_merge(row, current_user, request.form.get("reason") or None)
    except services.ModerationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_back(url_for("moderation.queue")), 303)
    db.session.commit()
    flash(_("The merge was undone."), "success")
    return redirect(url_for("proposals.show", slug=row.source.consultation.slug,
                            proposal_id=row.source_id), 303)


# --- the audit log -------------------------------------------------------------------------

@bp.route("/admin/audit")
@login_required
def audit():
    """The audit log, newest first, filtered by consultation, action and actor."""
    if not can_read_audit(current_user):
        abort(403)
    args = request.args
    consultation = db.session.scalar(select(Consultation).where(
        Consultation.slug == args.get("consultation"))) if args.get("consultation") else None
    page = queries.audit_entries(
        consultation_id=consultation.id if consultation else None,
        action=args.get("action") or None, actor=args.get("actor") or None,
        page=args.get("page", 1, type=int))
    consultations = _listed_consultations()
    return render_page_or_fragment(
        "moderation/audit.html", "moderation/_audit_rows.html", entries=page,
        consultations=consultations, actions=queries.audit_actions(),
        filters={"consultation": args.get("consultation", ""), "action": args.get("action", ""),
                 "actor": args.get("actor", "")})
