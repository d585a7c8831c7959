"""Supports, comments, likes, follows and notifications: each form works with htmx and without.

With htmx a view answers with the fragment to swap (and the counters out of band); without
JavaScript it redirects back with a flash message. A refusal answers 422 to htmx (the base
htmx configuration swaps 422), carrying the fragment with the reason next to the control.
"""
from __future__ import annotations

from flask import (Blueprint, abort, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadmap.accounts.redirects import safe_next
from roadmap.consultations.policies import can_view_consultation
from roadmap.consultations.queries import consultation_by_slug
from roadmap.core.htmx import render_page_or_fragment
from roadmap.core.database import commit_keeping_loaded
from roadmap.extensions import db, htmx
from roadmap.media.services import MediaError, discard_staged, stage_voice
from roadmap.participation import queries, receivers  # noqa: F401  (connects the receivers)
from roadmap.participation import services
from roadmap.participation.forms import CommentForm, EditCommentForm, form_prefix
from roadmap.participation.markup import TEMPLATE_MARKUP
from roadmap.participation.messages import (notification_text, notification_url, stance_label,
                                            status_label)
from roadmap.participation.models import Comment
from roadmap.participation.policies import (TEMPLATE_POLICIES, comment_edit_window,
                                            edit_comment_refusal)
from roadmap.participation.services import ParticipationError
from roadmap.proposals.models import Proposal

bp = Blueprint("participation", __name__)
PROPOSAL = "/c/<slug>/proposals/<int:proposal_id>"


@bp.app_context_processor
def _template_helpers() -> dict:
    """Policies and reads the templates of every domain use (see the module docs)."""
    return {
        **TEMPLATE_POLICIES,
        **TEMPLATE_MARKUP,
        "supported_ids": lambda proposals: queries.supported_ids(current_user, proposals),
        "unread_notifications_count": lambda: queries.unread_count(current_user),
        "is_following": lambda proposal: queries.is_following(current_user, proposal),
        "has_supported": lambda proposal: queries.has_supported(current_user, proposal),
        "votes_left": _votes_left,
        "comment_page": _comment_page,
        "comment_form": _comment_form,
        "stance_label": stance_label,
        "notification_text": notification_text,
        "notification_url": notification_url,
        "participation_status_label": status_label,
    }


def _votes_left(consultation) -> int | None:
    """How many supports the current user may still give (None: no limit or not signed in)."""
    if consultation.vote_limit is None or not current_user.is_authenticated:
        return None
    return max(0, consultation.vote_limit - queries.votes_used(current_user.id, consultation.id))


def _comment_page(proposal, sort: str = "oldest", page: int = 1):
    return queries.comment_page(proposal.id, sort=sort, page=page, viewer=current_user)


def _comment_form(parent=None):
    """A fresh comment form (or reply form to ``parent``) that ignores the request's data."""
    return CommentForm(formdata=None, prefix=form_prefix(parent.id if parent else None))


# --- helpers -----------------------------------------------------------------------------------

def _is_htmx() -> bool:
    return bool(htmx) and not htmx.boosted


def _load(slug: str, proposal_id: int):
    consultation = consultation_by_slug(slug) or abort(404)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.consultation_id != consultation.id:
        abort(404)
    return consultation, proposal


def _load_comment(comment_id: int):
    comment = db.session.get(Comment, comment_id) or abort(404)
    if not can_view_consultation(current_user, comment.proposal.consultation):
        abort(404)  # a draft's comment, as the draft's pages
    return comment.proposal.consultation, comment.proposal, comment


def _proposal_url(consultation, proposal, anchor: str | None = None) -> str:
    return url_for("proposals.show", slug=consultation.slug, proposal_id=proposal.id,
                   _anchor=anchor)


def _back(consultation, proposal, anchor: str | None = None) -> str:
    """The safe ``next`` of the form, else the proposal page (at ``anchor``)."""
    return safe_next(request.form.get("next"), _proposal_url(consultation, proposal, anchor))


def _login_first(target: str):
    """Send a visitor to the login page, then back to ``target`` (HX-Redirect for htmx)."""
    flash(_("Log in to take part."), "info")
    login = url_for("accounts.login", next=target)
    if _is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = login
        return response
    return redirect(login, 303)


def _done(message: str, target: str):
    flash(message, "success")
    return redirect(target, 303)


def _refused(error: ParticipationError, target: str, fragment: str, **context):
    """Answer a refused action: the fragment with the reason (422) or a flash and redirect."""
    db.session.rollback()
    if _is_htmx():
        return render_template(fragment, message=error.shown, **context), 422
    flash(error.shown, "error")
    return redirect(target, 303)


# --- supports ------------------------------------------------------------------------------------

def _vote_view(slug: str, proposal_id: int, action, done: str):
    consultation, proposal = _load(slug, proposal_id)
    target, on_page = _back(consultation, proposal), bool(request.form.get("on_page"))
    if not current_user.is_authenticated:
        return _login_first(target)
    try:
        action(proposal, current_user)
    except ParticipationError as error:
        return _refused(error, target, "participation/_vote_response.html",
                        proposal=proposal, consultation=consultation, on_page=on_page,
                        voted=queries.has_supported(current_user, proposal), next_url=target)
    commit_keeping_loaded(db.session)  # the answer shows the consultation and reader read above
    if _is_htmx():
        return render_template("participation/_vote_response.html", proposal=proposal,
                               consultation=consultation, voted=action is services.cast_vote,
                               notice=done, next_url=target, on_page=on_page)
    return _done(done, target)


@bp.post(f"{PROPOSAL}/vote")
def vote(slug: str, proposal_id: int):
    """Support a proposal (one support per person; limit and home commune rules apply)."""
    return _vote_view(slug, proposal_id, services.cast_vote, _("Your support was recorded."))


@bp.post(f"{PROPOSAL}/unvote")
def unvote(slug: str, proposal_id: int):
    """Withdraw one's support while voting is open."""
    return _vote_view(slug, proposal_id, services.withdraw_vote, _("Your support was withdrawn."))


# --- follows -----------------------------------------------------------------------------------

def _follow_view(slug: str, proposal_id: int, action, done: str):
    consultation, proposal = _load(slug, proposal_id)
    target = _back(consultation, proposal)
    if not current_user.is_authenticated:
        return _login_first(target)
    try:
        action(proposal, current_user)
    except ParticipationError as error:
        return _refused(error, target, "participation/_follow_button.html", proposal=proposal,
                        consultation=consultation, next_url=target)
    db.session.commit()
    if _is_htmx():
        return render_template("participation/_follow_button.html", proposal=proposal,
                               consultation=consultation, notice=done, next_url=target)
    return _done(done, target)


@bp.post(f"{PROPOSAL}/follow")
def follow(slug: str, proposal_id: int):
    """Follow a proposal: be notified of its comments and changes."""
    return _follow_view(slug, proposal_id, services.follow,
                        _("You follow this proposal: you will be notified of its news."))


@bp.post(f"{PROPOSAL}/unfollow")
def unfollow(slug: str, proposal_id: int):
    """Stop following a proposal."""
    return _follow_view(slug, proposal_id, services.unfollow,
                        _("You no longer follow this proposal."))


# --- comments ----------------------------------------------------------------------------------

def _sort_and_page() -> tuple[str, int]:
    sort = request.values.get("sort", "oldest")
    return (sort if sort in queries.COMMENT_SORTS else "oldest",
            request.values.get("page", 1, type=int) or 1)


@bp.get(f"{PROPOSAL}/comments")
def comments(slug: str, proposal_id: int):
    """The comments of a proposal, sorted and paginated (the list fragment for htmx)."""
    consultation, proposal = _load(slug, proposal_id)
    if not proposal.is_public and proposal.status != "withdrawn":
        abort(404)
    sort, page = _sort_and_page()
    return render_page_or_fragment(
        "participation/comments.html", "participation/_comment_threads.html",
        consultation=consultation, proposal=proposal,
        thread_page=_comment_page(proposal, sort, page))


def _parent() -> Comment | None:
    parent_id = request.form.get("parent_id", type=int)
    return (db.session.get(Comment, parent_id) or abort(404)) if parent_id else None


def _comment_form_error(form, consultation, proposal, parent, message: str | None = None):
    """The form again with its errors and what was typed, answered 422."""
    if message:
        form.form_errors.append(message)
    db.session.rollback()
    context = {"consultation": consultation, "proposal": proposal, "form": form,
               "parent": parent}
    if _is_htmx():
        return render_template("participation/_comment_form.html", **context), 422
    sort, page = _sort_and_page()
    return render_template("participation/comments.html", **context,
                           thread_page=_comment_page(proposal, sort, page)), 422


@bp.post(f"{PROPOSAL}/comments")
def comment(slug: str, proposal_id: int):
    """Post a comment or a reply (htmx: the fresh form, and the comment inserted out of band)."""
    consultation, proposal = _load(slug, proposal_id)
    if not current_user.is_authenticated:
        return _login_first(_back(consultation, proposal, "comments"))
    parent = _parent()
    form = CommentForm(prefix=form_prefix(parent.id if parent else None))
    if not form.validate():
        return _comment_form_error(form, consultation, proposal, parent)
    voice = None
    try:
        voice = stage_voice(form.voice.data, current_user, str(get_locale()),
                            field=form.voice.name)
        posted = services.post_comment(proposal, current_user, form.body.data, form.stance.data,
                                       parent, voice=voice)
    except MediaError as error:
        discard_staged([voice])
        form.voice.errors = [*form.voice.errors, error.message]
        return _comment_form_error(form, consultation, proposal, parent)
    except ParticipationError as error:
        discard_staged([voice])
        return _comment_form_error(form, consultation, proposal, parent, error.shown)
    db.session.commit()  # a voice note's re-encoding is queued now
    if _is_htmx():
        return render_template("participation/_comment_posted.html", consultation=consultation,
                               proposal=proposal, parent=parent, comment=posted,
                               sort=request.form.get("sort", "oldest"))
    return _done(_("Your comment was published."),
                 _proposal_url(consultation, proposal, f"comment-{posted.id}"))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    """Edit one's comment within the edit window (htmx: the form in place of the comment)."""
    consultation, proposal, item = _load_comment(comment_id)
    target = _proposal_url(consultation, proposal, f"comment-{item.id}")
    refusal = edit_comment_refusal(current_user, item)
    if refusal:
        return _refused(services.Refused(refusal.message, refusal.code, refusal), target,
                        "participation/_comment.html", comment=item, proposal=proposal,
                        consultation=consultation)
    form = EditCommentForm(obj=item, prefix=f"edit-{item.id}")
    form.may_be_empty = bool(item.voice_notes)
    if form.validate_on_submit():
        try:
            services.edit_comment(item, current_user, form.body.data, form.stance.data)
        except ParticipationError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            if _is_htmx():
                return render_template("participation/_comment.html", comment=item,
                                       proposal=proposal, consultation=consultation)
            return _done(_("Your comment was changed."), target)
    return render_page_or_fragment(
        "participation/edit_comment.html", "participation/_comment_edit_form.html",
        status=422 if form.is_submitted() else 200, form=form, comment=item, proposal=proposal,
        consultation=consultation, window=comment_edit_window())


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id: int):
    """Delete one's comment: its text goes, its replies stay."""
    consultation, proposal, item = _load_comment(comment_id)
    target = _proposal_url(consultation, proposal, f"comment-{item.id}")
    if not current_user.is_authenticated:
        return _login_first(target)
    try:
        services.delete_comment(item, current_user)
    except ParticipationError as error:
        return _refused(error, target, "participation/_comment.html", comment=item,
                        proposal=proposal, consultation=consultation)
    db.session.commit()
    if _is_htmx():
        return render_template("participation/_comment_deleted.html", comment=item,
                               proposal=proposal, consultation=consultation)
    return _done(_("Your comment was deleted."), target)


@bp.post("/comments/<int:comment_id>/like")
def like_comment(comment_id: int):
    """Like a comment, or take the like back (a toggle)."""
    consultation, proposal, item = _load_comment(comment_id)
    target = _back(consultation, proposal, f"comment-{item.id}")
    if not current_user.is_authenticated:
        return _login_first(target)
    try:
        liked = services.toggle_like(item, current_user)
    except ParticipationError as error:
        return _refused(error, target, "participation/_like_button.html", comment=item,
                        liked=queries.has_liked(current_user, item), proposal=proposal,
                        consultation=consultation)
    db.session.commit()
    if _is_htmx():
        return render_template("participation/_like_button.html", comment=item, liked=liked,
                               proposal=proposal, consultation=consultation)
    return _done(_("You like this comment.") if liked else _("You no longer like this comment."),
                 target)


# --- notifications -----------------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def notifications():
    """The signed-in user's notifications, newest first."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    items, has_more = queries.notifications_of(current_user.id, page=page)
    items = [item for item in items if item.proposal is None
             or can_view_consultation(current_user, item.proposal.consultation)]
    return render_template("participation/notifications.html", notifications=items, page=page,
                           has_more=has_more)


@bp.post("/notifications/read")
@login_required
def read_notifications():
    """Mark all one's notifications as read."""
    services.mark_notifications_read(current_user)
    db.session.commit()
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("participation.notifications"), 303)
