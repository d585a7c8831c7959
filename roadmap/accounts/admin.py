"""The back office's people pages (admins only): accounts, roles, deactivation, invitations.

They call the same services as the command line (``flask users ...``) and hold no rule of their
own: a refused action (one's own role, the last admin...) comes back as a message.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from roadmap.accounts import bulk, invitations, services
from roadmap.accounts import jobs as _jobs  # noqa: F401  (registers "invitations.send")
from roadmap.accounts.forms import (ROLE_LABELS, STAKEHOLDER_CHOICES, ActionForm, BulkSendForm,
                                    BulkUploadForm, InvitationForm, RoleForm, UserFilterForm)
from roadmap.accounts.models import Invitation, User
from roadmap.accounts.policies import can_manage_people, requires
from roadmap.accounts.queries import list_invitations, search_users
from roadmap.core.admin import add_admin_section
from roadmap.core.htmx import render_page_or_fragment
from roadmap.core.jobs import job_by_id, start_job
from roadmap.core.models import utcnow
from roadmap.extensions import db

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/users")
add_admin_section(bp, "accounts_admin.index", _l("People"), can_manage_people)
STATE_LABELS = {"pending": _l("Pending"), "accepted": _l("Accepted"), "expired": _l("Expired"),
                "revoked": _l("Revoked")}
BULK_SALT = "accounts.invitations.bulk"
BULK_MAX_AGE = 3600  # seconds between the preview and the send


@bp.context_processor
def _labels() -> dict:
    return {"role_labels": ROLE_LABELS, "stakeholder_labels": dict(STAKEHOLDER_CHOICES),
            "state_labels": STATE_LABELS, "invitation_state": invitations.state_of}


def _acting() -> User:
    return current_user._get_current_object()


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    return user


def _invitation_or_404(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _page_url(page: int) -> str:
    """The current URL with another page number (the filters kept)."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# --- accounts -------------------------------------------------------------------------------

@bp.get("")
@requires(can_manage_people)
def index():
    """Search and filter the accounts (deleted ones are never listed), a page at a time."""
    form = UserFilterForm(request.args)
    people = search_users(**form.filters(), page=_page_number())
    return render_page_or_fragment("accounts/admin/index.html", "accounts/admin/_people.html",
                                   form=form, people=people, page_url=_page_url)


@bp.get("/<int:user_id>")
@requires(can_manage_people)
def user(user_id: int):
    """One account: its profile, its role, and whether it may log in."""
    person = _user_or_404(user_id)
    return render_template("accounts/admin/user.html", person=person,
                           role_form=RoleForm(role=person.role), action_form=ActionForm())


def _refused(error: services.AccountError, user_id: int):
    db.session.rollback()
    flash(str(error.args[0]), "error")
    return redirect(url_for("accounts_admin.user", user_id=user_id))


@bp.post("/<int:user_id>/role")
@requires(can_manage_people)
def set_role(user_id: int):
    """Give an account a role (not one's own; never away from the last admin)."""
    person = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return render_template("accounts/admin/user.html", person=person, role_form=form,
                               action_form=ActionForm()), 422
    try:
        services.set_role(person, form.role.data, by=_acting())
    except services.AccountError as error:
        return _refused(error, user_id)
    db.session.commit()
    flash(_("%(name)s is now %(role)s.", name=person.display_name,
            role=ROLE_LABELS[person.role]), "success")
    return redirect(url_for("accounts_admin.user", user_id=user_id))


@bp.post("/<int:user_id>/deactivate")
@requires(can_manage_people)
def deactivate(user_id: int):
    """Deactivate an account: its sessions end and it can no longer log in."""
    person = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.deactivate_user(person, by=_acting())
    except services.AccountError as error:
        return _refused(error, user_id)
    db.session.commit()
    flash(_("The account of %(name)s is deactivated.", name=person.display_name), "success")
    return redirect(url_for("accounts_admin.user", user_id=user_id))


@bp.post("/<int:user_id>/reactivate")
@requires(can_manage_people)
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    person = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.reactivate_user(person, by=_acting())
    except services.AccountError as error:
        return _refused(error, user_id)
    db.session.commit()
    flash(_("The account of %(name)s is active again.", name=person.display_name), "success")
    return redirect(url_for("accounts_admin.user", user_id=user_id))


# --- invitations ----------------------------------------------------------------------------

@bp.get("/invitations")
@requires(can_manage_people)
def invitations_list():
    """Every invitation with its state, how often it was sent and when."""
    state = request.args.get("state")
    state = state if state in invitations.STATES else None
    page = list_invitations(state, page=_page_number())
    return render_template("accounts/admin/invitations.html", invitations=page, state=state,
                           action_form=ActionForm(), page_url=_page_url, now=utcnow())


@bp.route("/invitations/new", methods=["GET", "POST"])
@requires(can_manage_people)
def invite():
    """Invite an official or an organiser by email."""
    form = InvitationForm()
    if request.method == "GET" and form.commune_id.data is None:
        form.commune_id.data = _acting().home_commune_id
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/admin/invite.html", form=form), status
    try:
        invitation, _link = invitations.invite(
            form.email.data, form.role.data, _acting(),
            stakeholder_type=form.stakeholder_type.data, organisation=form.organisation.data,
            commune=form.commune_id.data, display_name=form.display_name.data,
            language=form.language.data)
    except invitations.InvitationError as error:
        db.session.rollback()
        form.email.errors.append(str(error.args[0]))
        return render_template("accounts/admin/invite.html", form=form), 422
    db.session.commit()
    flash(_("The invitation was sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("accounts_admin.invitations_list"))


def _invitation_action(invitation_id: int, action, done_message):
    invitation = _invitation_or_404(invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(invitation, _acting())
    except invitations.InvitationError as error:
        db.session.rollback()
        flash(str(error.args[0]), "error")
    else:
        db.session.commit()
        flash(done_message(invitation), "success")
    return redirect(url_for("accounts_admin.invitations_list"))


@bp.post("/invitations/<int:invitation_id>/resend")
@requires(can_manage_people)
def resend(invitation_id: int):
    """Send a new link with a new expiry; the old link stops working."""
    return _invitation_action(invitation_id, invitations.resend, lambda invitation: _(
        "A new link was sent to %(email)s.", email=invitation.email))


@bp.post("/invitations/<int:invitation_id>/revoke")
@requires(can_manage_people)
def revoke(invitation_id: int):
    """Revoke an invitation: its link stops working."""
    return _invitation_action(invitation_id, invitations.revoke, lambda invitation: _(
        "The invitation of %(email)s is revoked.", email=invitation.email))


# --- invite many at once --------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=BULK_SALT)


@bp.route("/invitations/import", methods=["GET", "POST"])
@requires(can_manage_people)
def bulk_import():
    """Upload a CSV or XLSX list; see every row checked, with its problems. Writes nothing."""
    form = BulkUploadForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/admin/import.html", form=form), status
    upload = form.file.data
    try:
        rows = bulk.read_rows(upload.filename, upload.read(bulk.MAX_BYTES + 1))
    except invitations.InvitationError as error:
        form.file.errors.append(str(error.args[0]))
        return render_template("accounts/admin/import.html", form=form), 422
    checked = bulk.check_rows(rows, default_role=form.default_role.data)
    valid = bulk.sendable(checked)
    send_form = BulkSendForm(rows=_serializer().dumps(valid))
    return render_template("accounts/admin/preview.html", rows=checked, valid=valid,
                           send_form=send_form)


@bp.post("/invitations/import/send")
@requires(can_manage_people)
def bulk_send():
    """Invite the rows of a preview, as a background job; show its progress."""
    form = BulkSendForm()
    try:
        rows = _serializer().loads(form.rows.data or "", max_age=BULK_MAX_AGE) \
            if form.validate_on_submit() else None
    except BadSignature:
        rows = None
    if not rows:
        flash(_("Nothing to send: upload the list again."), "error")
        return render_template("accounts/admin/import.html", form=BulkUploadForm()), 422
    job = start_job("invitations.send", {"rows": rows, "by": _acting().id}, by=_acting())
    db.session.commit()
    return redirect(url_for("accounts_admin.job", job_id=job.id))


@bp.get("/invitations/jobs/<job_id>")
@requires(can_manage_people)
def job(job_id: str):
    """A batch of invitations: its progress while it runs, then how many were sent."""
    found = job_by_id(job_id)
    if found is None or found.kind != "invitations.send":
        abort(404)
    return render_page_or_fragment("accounts/admin/job.html", "accounts/admin/_job.html",
                                   job=found)
