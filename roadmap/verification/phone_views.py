"""The SMS pages, registered on the verification blueprint: verification (``/verify/phone``)
and a new password with an SMS code (``/password/phone``, for accounts that sign in with their
number; see roadmap.verification.phone_reset).

``/verify/phone`` takes the mobile number and sends a code; ``/verify/phone/code`` takes the
code, shows the masked number and offers a new code. Only where the ``sms`` method is on (404
otherwise), for signed-in accounts whose email is confirmed (or managed at the help desk). The
number the last code went to is kept for "send a new code" sealed (encrypted under the
verification key) in the browser's session cookie, never in the database. Rate limits
(``ROADMAP_RATELIMIT_SMS``, ``ROADMAP_RATELIMIT_VERIFY``) are set in roadmap.core.security.
"""
from __future__ import annotations

from flask import (abort, current_app, flash, redirect, render_template, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadmap.accounts.services import (MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH,
                                      PasswordTooCommon, PasswordTooShort)
from roadmap.core.keys import seal, unseal_or_none
from roadmap.core.phones import InvalidIdentity, mask_phone
from roadmap.extensions import db
from roadmap.verification import phone, phone_reset
from roadmap.verification.phone_forms import PhoneCodeForm, PhoneForm, PhoneResetForm, ResendForm
from roadmap.verification.policies import method_enabled
from roadmap.verification.services import VerificationError, active_verification
from roadmap.verification.views import bp

NUMBER_KEY = "sms_number"  # the sealed E.164 number of the last code sent


@bp.app_context_processor
def _sms_enabled() -> dict:
    """``sms_enabled()`` for every template (the forgotten-password page's link)."""
    return {"sms_enabled": lambda: method_enabled("sms")}


def _participant():
    """The signed-in account that may verify by SMS here (404 where SMS is off), or a
    redirect for an account whose email is not confirmed yet."""
    if not method_enabled("sms"):
        abort(404)
    user = current_user._get_current_object()
    if not (user.email_confirmed or user.is_managed):
        flash(_("Confirm your email address first: open the link we sent you. Then verify "
                "your account."), "warning")
        return None
    return user


def _sent_number() -> str | None:
    """The E.164 number the last code went to, from the session (None if absent or unreadable)."""
    return _sealed_number(NUMBER_KEY)


def _sealed_number(key: str) -> str | None:
    """The number sealed in the session under ``key``; an unreadable one is dropped."""
    number = unseal_or_none(session.get(key))
    if number is None:
        session.pop(key, None)
    return number


@bp.route("/verify/phone", methods=["GET", "POST"], endpoint="phone")
@login_required
def phone_page():  # endpoint ``verification.phone``; the name ``phone`` is the service module
    """Send a code by SMS to the mobile number typed (or, "send a new code", to the last one)."""
    user = _participant()
    if user is None:
        return redirect(url_for("verification.start"))
    form = PhoneForm()
    number = form.requested_number(_sent_number())
    if number is None:
        return redirect(url_for("verification.phone")) if form.resending \
            else _phone_form(form, user)
    try:
        challenge = phone.start_challenge(user, number)
    except (InvalidIdentity, VerificationError) as error:  # refused before anything is written
        if form.resending:
            flash(str(error), "error")
            return redirect(url_for("verification.phone_code"))
        form.phone.errors.append(str(error))
        return _phone_form(form, user)
    db.session.commit()
    session[NUMBER_KEY] = seal(challenge.number)
    flash(_("We sent a code by SMS to %(number)s.", number=mask_phone(challenge.number)),
          "success")
    return redirect(url_for("verification.phone_code"), 303)


def _phone_form(form, user):
    status = 422 if form.is_submitted() else 200
    return render_template("verification/phone.html", form=form,
                           verification=active_verification(user)), status


@bp.route("/verify/phone/code", methods=["GET", "POST"])
@login_required
def phone_code():
    """Type the code received by SMS; a right one verifies the account with the number."""
    user = _participant()
    if user is None:
        return redirect(url_for("verification.start"))
    if phone.latest_challenge(user) is None:
        return redirect(url_for("verification.phone"))
    form = PhoneCodeForm()
    if not form.validate_on_submit():
        return _code_form(form, user)
    try:
        phone.verify_with_sms(user, form.code.data)
    except (InvalidIdentity, VerificationError) as error:
        if getattr(error, "code", None) in phone.COUNTED_TRIES:
            db.session.commit()  # the wrong try stays counted
        else:
            db.session.rollback()
        form.code.errors.append(str(error))
        return _code_form(form, user)
    db.session.commit()
    session.pop(NUMBER_KEY, None)
    flash(_("Your account is verified with your phone number. You can also sign in with it."),
          "success")
    return redirect(url_for("verification.start"), 303)


def _code_form(form, user):
    status = 422 if form.is_submitted() else 200
    number = _sent_number()
    challenge = phone.open_challenge(user)
    return render_template("verification/phone_code.html", form=form, resend_form=ResendForm(),
                           masked=mask_phone(number) if number else None, challenge=challenge,
                           minutes_left=phone.minutes_left(challenge) if challenge else 0,
                           tries_left=phone.tries_left(challenge) if challenge else 0), status


# --- a new password with an SMS code (``/password/phone``) -------------------------------------

RESET_NUMBER_KEY = "sms_reset_number"  # the sealed E.164 number a reset code was asked for


def _reset_number() -> str | None:
    return _sealed_number(RESET_NUMBER_KEY)


@bp.route("/password/phone", methods=["GET", "POST"])
def reset_phone():
    """Ask for a code by SMS to choose a new password. The answer never says whether the
    number has an account."""
    if not method_enabled("sms"):
        abort(404)
    form = PhoneForm()
    number = form.requested_number(_reset_number())
    if number is None:
        if form.resending:
            return redirect(url_for("verification.reset_phone"))
        status = 422 if form.is_submitted() else 200
        return render_template("verification/reset_phone.html", form=form), status
    try:
        e164 = phone_reset.send_reset_code(number)
    except InvalidIdentity as error:  # a malformed number: it says nothing about accounts
        db.session.rollback()
        form.phone.errors.append(str(error))
        return render_template("verification/reset_phone.html", form=form), 422
    db.session.commit()
    session[RESET_NUMBER_KEY] = seal(e164)
    flash(_("If an account signs in with %(number)s, we sent it a code by SMS.",
            number=mask_phone(e164)), "info")
    return redirect(url_for("verification.reset_phone_code"), 303)


@bp.route("/password/phone/code", methods=["GET", "POST"])
def reset_phone_code():
    """Type the SMS code and the new password."""
    if not method_enabled("sms"):
        abort(404)
    number = _reset_number()
    if number is None:
        return redirect(url_for("verification.reset_phone"))
    form = PhoneResetForm()
    if not form.validate_on_submit():
        return _reset_code_page(form, number)
    try:
        phone_reset.reset_with_code(number, form.code.data, form.password.data)
    except PasswordTooCommon:
        db.session.rollback()
        form.password.errors.append(_("This password is too common: it appears in lists of "
                                      "leaked passwords. Choose another one."))
        return _reset_code_page(form, number)
    except PasswordTooShort:  # the form's length check comes first; kept for safety
        db.session.rollback()
        form.password.errors.append(_("Use between %(min)d and %(max)d characters.",
                                      min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH))
        return _reset_code_page(form, number)
    except VerificationError as error:
        if error.code in phone.COUNTED_TRIES:
            db.session.commit()  # the wrong try stays counted
        else:
            db.session.rollback()
        form.code.errors.append(str(error))
        return _reset_code_page(form, number)
    db.session.commit()
    session.pop(RESET_NUMBER_KEY, None)
    flash(_("Your password was changed. Log in with the new one."), "success")
    return redirect(url_for("accounts.login"), 303)


def _reset_code_page(form, number: str):
    status = 422 if form.is_submitted() else 200
    response = current_app.make_response((render_template(
        "verification/reset_phone_code.html", form=form, resend_form=ResendForm(),
        masked=mask_phone(number), minutes=phone.code_minutes()), status))
    response.headers["Cache-Control"] = "no-store"
    return response
