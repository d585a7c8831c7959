"""Account pages: register, log in and out, password reset, profile, language, mail outbox."""
from __future__ import annotations

import json

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from roadmap.accounts import auth as _auth  # noqa: F401  (sets up Flask-Login)
from roadmap.accounts import invitations, personal_data, services, sessions
from roadmap.accounts.forms import (ROLE_LABELS, STAKEHOLDER_CHOICES, AcceptInvitationForm,
                                    AcceptWithAccountForm, ConfirmEmailForm, DeleteAccountForm,
                                    LoginForm, ProfileForm, RegistrationForm,
                                    ResendConfirmationForm, ResetPasswordForm, ResetRequestForm)
from roadmap.accounts.policies import (TEMPLATE_POLICIES, awaits_confirmation,
                                       can_delete_account, can_edit_profile, can_export_data,
                                       can_register, can_view_outbox, ensure, requires)
from roadmap.accounts.queries import latest_outbox_messages, latest_sms_messages
from roadmap.accounts.redirects import is_safe_path, safe_next, without_query_param
from roadmap.core.i18n import current_language
from roadmap.core.keys import keyed_hash
from roadmap.extensions import db, limiter

bp = Blueprint("accounts", __name__)
bp.before_app_request(sessions.check_current_session)
COMMON_PASSWORD = _l("This password is too common: it appears in lists of leaked passwords. "
                     "Choose another one.")


@bp.app_context_processor
def _policies() -> dict:
    """Templates call the account policies by name: ``{% if can_view_outbox(current_user) %}``."""
    return TEMPLATE_POLICIES


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _failed(response) -> bool:
    return response.status_code != 302


def _home() -> str:
    return url_for("consultations.home")


def _form_page(template: str, form, **context):
    """The page of ``form``: 422 once it was sent with errors, 200 the first time."""
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def _restart_session(language: str | None) -> None:
    """Drop everything the session held, except the chosen language."""
    session.clear()
    if language:
        session["lang"] = language


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account. The answer is the same whether the address was free or not."""
    if not can_register(current_user):
        return redirect(_home())
    form = RegistrationForm()
    if not form.validate_on_submit():
        return _form_page("accounts/register.html", form)
    try:
        services.register_user(form.email.data, form.password.data,
                               signup_ip_hash=_address_hash(), **form.profile_values())
    except services.PasswordTooCommon:
        form.password.errors.append(str(COMMON_PASSWORD))
        return render_template("accounts/register.html", form=form), 422
    db.session.commit()
    flash(_("Thank you. We sent a message to this address: check your mailbox and open its "
            "link to confirm your address. You can log in meanwhile."), "success")
    return redirect(url_for("accounts.login"))


def _address_hash() -> str | None:
    """The keyed hash of the client's address (the suspicious-activity view groups by it)."""
    return keyed_hash("ip", request.remote_addr) if request.remote_addr else None


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm one's address with the mailed link: a page with a button (the POST confirms,
    so that mail scanners which open links confirm nothing)."""
    if services.valid_confirmation(token) is None:
        return _private(render_template("accounts/confirm_invalid.html"), 404)
    form = ConfirmEmailForm()
    if not form.validate_on_submit():
        return _private(render_template("accounts/confirm_email.html", form=form), 200)
    try:
        services.confirm_email(token)
    except services.InvalidConfirmationToken:  # used by another request meanwhile
        db.session.rollback()
        return _private(render_template("accounts/confirm_invalid.html"), 404)
    db.session.commit()
    if current_user.is_authenticated:
        flash(_("Thank you: your address is confirmed. You can now take part."), "success")
    else:
        flash(_("Thank you: your address is confirmed. Log in to take part."), "success")
    return redirect(_home())


@bp.route("/confirm/resend", methods=["GET", "POST"])
def resend_confirmation():
    """A fresh confirmation link (older ones stop working): signed-in users press a button;
    visitors give the address, and the answer is the same whether it has an account or not."""
    signed_in = current_user.is_authenticated
    if signed_in and not awaits_confirmation(current_user):
        flash(_("Your address is already confirmed."), "info")
        return redirect(_home())
    form = ResendConfirmationForm()
    if signed_in:
        del form.email
    if not form.validate_on_submit():
        return _form_page("accounts/resend_confirmation.html", form)
    if signed_in:
        services.send_confirmation(current_user._get_current_object())
        message = _("We sent you a new confirmation link. Earlier links no longer work.")
    else:
        services.resend_confirmation(form.email.data)
        message = _("If an account at this address waits for its confirmation, we sent it a "
                    "new link. Earlier links no longer work.")
    db.session.commit()
    flash(message, "info")
    return redirect(_home() if signed_in else url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login():
    """Log in with email and password, in a fresh session, then go to a safe ``next``."""
    target = request.values.get("next")
    next_field = target if is_safe_path(target) else ""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(target, _home()))
    form = LoginForm()
    if not form.validate_on_submit():
        return _form_page("accounts/login.html", form, next=next_field)
    try:
        user = services.authenticate(form.email.data, form.password.data)
    except services.InvalidCredentials:
        form.form_errors.append(_("Email or password incorrect."))
        return render_template("accounts/login.html", form=form, next=next_field), 422
    _sign_in(user)
    db.session.commit()
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(safe_next(target, _home()))


def _sign_in(user) -> None:
    """Log ``user`` in, in a fresh session recorded on the server (the caller commits)."""
    _restart_session(session.get("lang"))
    login_user(user)
    sessions.start_session(user)


@bp.post("/logout")
def logout():
    """End the session (POST with a CSRF token), keeping the page language."""
    language = session.get("lang")
    if current_user.is_authenticated:
        language = current_user.preferred_language or language
    sessions.revoke_current_session()
    db.session.commit()
    logout_user()
    _restart_session(language)
    flash(_("You are logged out."), "info")
    return redirect(_home())


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link. The answer never says whether the address has an account."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return _form_page("accounts/forgot_password.html", form)
    services.request_password_reset(form.email.data)
    db.session.commit()
    flash(_("If an account exists for this address, we sent it a link to choose a new "
            "password."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with a single-use link."""
    if services.valid_reset_token(token) is None:
        return _private(render_template("accounts/reset_invalid.html"), 404)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _private(*_form_page("accounts/reset_password.html", form))
    try:
        services.reset_password(token, form.password.data)
    except services.InvalidResetToken:  # used by another request meanwhile
        return _private(render_template("accounts/reset_invalid.html"), 404)
    except services.PasswordTooCommon:
        form.password.errors.append(str(COMMON_PASSWORD))
        return _private(render_template("accounts/reset_password.html", form=form), 422)
    db.session.commit()
    flash(_("Your password was changed. Log in with the new one."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def accept_invitation(token: str):
    """Accept an invitation: choose a name and a password (or confirm with the password of the
    account the address already has), receive the role, and be signed in."""
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        return _private(render_template("accounts/invitation_invalid.html"), 404)
    existing = invitations.existing_account(invitation)
    if existing is not None:
        form = AcceptWithAccountForm()
    else:
        form = AcceptInvitationForm(display_name=invitation.display_name or "")
    context = {"invitation": invitation, "existing": existing is not None, "form": form,
               "role_labels": ROLE_LABELS, "stakeholder_labels": dict(STAKEHOLDER_CHOICES)}
    if not form.validate_on_submit():
        return _private(*_form_page("accounts/accept_invitation.html", **context))
    try:
        user = invitations.accept(token, password=form.password.data, display_name=(
            form.display_name.data if existing is None else None))
    except invitations.InvalidInvitation:
        db.session.rollback()
        return _private(render_template("accounts/invitation_invalid.html"), 404)
    except services.InvalidCredentials:
        db.session.rollback()
        form.password.errors.append(_("This password is not correct."))
        return _private(render_template("accounts/accept_invitation.html", **context), 422)
    except services.PasswordTooCommon:
        db.session.rollback()
        form.password.errors.append(str(COMMON_PASSWORD))
        return _private(render_template("accounts/accept_invitation.html", **context), 422)
    except services.AccountError as error:
        db.session.rollback()
        form.form_errors.append(str(error.args[0]))
        return _private(render_template("accounts/accept_invitation.html", **context), 422)
    _sign_in(user)
    db.session.commit()
    flash(_("Welcome, %(name)s. You are now %(role)s.", name=user.display_name,
            role=ROLE_LABELS[user.role]), "success")
    return redirect(_home())


def _private(body, status: int):
    """A response that must not leak its URL (which holds a token) to other sites."""
    response = current_app.make_response((body, status))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """See and change one's profile."""
    user = current_user._get_current_object()
    ensure(can_edit_profile(user, user))
    form = ProfileForm(obj=user)
    if form.preferred_language.data is None:
        form.preferred_language.data = current_language()
    if not form.validate_on_submit():
        return _form_page("accounts/profile.html", form, user=user, role_labels=ROLE_LABELS)
    services.update_profile(user, **form.profile_values())
    db.session.commit()
    flash(_("Your profile was saved."), "success")
    return redirect(url_for("accounts.profile"))


@bp.get("/admin/outbox")
@requires(can_view_outbox)
def outbox():
    """The mails and text messages the platform wrote (admins only), newest first."""
    return render_template("accounts/outbox.html", messages=latest_outbox_messages(),
                           sms_messages=latest_sms_messages())


@bp.post("/language")
def set_language():
    """Remember the chosen language (session, and profile when logged in); go back."""
    language = request.form.get("language")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = language
    if current_user.is_authenticated:
        services.set_preferred_language(current_user._get_current_object(), language)
        db.session.commit()
    target = safe_next(request.form.get("next"), _home())
    return redirect(without_query_param(target, "lang"))


# --- personal data: download one's data, delete one's account ---------------------------------

@bp.app_context_processor
def _author_name() -> dict:
    """Templates show an author with ``author_name(user)`` ("Deleted user" once deleted)."""
    return {"author_name": personal_data.author_name}


@bp.get("/profile/data.json")
@requires(can_export_data)
def export_data():
    """Download what the platform holds about the current user, as a JSON attachment."""
    data = personal_data.export_personal_data(current_user._get_current_object())
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True),
        mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/delete", methods=["GET", "POST"])
@requires(can_delete_account)
def delete_account():
    """Confirm with one's password, then delete one's account and log out."""
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _form_page("accounts/delete_account.html", form)
    if not services.verify_password(user.password_hash, form.password.data):
        form.password.errors.append(_("This password is not correct."))
        return render_template("accounts/delete_account.html", form=form), 422
    personal_data.delete_account(user, by=user)
    sessions.revoke_all_sessions(user)
    db.session.commit()
    logout_user()
    _restart_session(session.get("lang"))
    flash(_("Your account was deleted. Your contributions stay, shown as by a deleted user."),
          "info")
    return redirect(_home())
