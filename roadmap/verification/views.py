"""The verification pages a participant opens (``/verify``): the methods this installation
switched on, the account's current verification, and the residents' list and in-person code
forms (rate-limited per user and per address: ``ROADMAP_RATELIMIT_VERIFY``)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadmap.accounts.redirects import safe_next
from roadmap.extensions import db
from roadmap.verification.codes import verify_with_code
from roadmap.verification.forms import CodeForm, ResidentsForm
from roadmap.verification.identity import InvalidIdentity
from roadmap.verification.policies import can_verify, enabled_methods, method_enabled
from roadmap.verification.residents import verify_with_resident_list
from roadmap.verification.services import VerificationError, active_verification

bp = Blueprint("verification", __name__)


def _resend_url() -> str | None:
    """The page that sends the confirmation link again (another module's), if it exists."""
    if "accounts.resend_confirmation" in current_app.view_functions:
        return url_for("accounts.resend_confirmation")
    return None


def _method_links() -> list[tuple[str, str]]:
    """(method, URL) of each method switched on whose page exists here."""
    endpoints = {"residents_list": "verification.residents", "code": "verification.code",
                 "sms": "verification.phone"}
    return [(method, url_for(endpoints[method], next=request.args.get("next") or None))
            for method in enabled_methods() if endpoints[method] in current_app.view_functions]


@bp.get("/verify")
@login_required
def start():
    """How to verify one's account here, and whether it is verified already."""
    user = current_user._get_current_object()
    return render_template("verification/start.html", methods=_method_links(),
                           verification=active_verification(user), allowed=can_verify(user),
                           resend_url=_resend_url())


@bp.route("/verify/residents", methods=["GET", "POST"])
@login_required
def residents():
    """Verify with the CNIE number and the date of birth, against the residents' lists."""
    return _verify_page("residents_list", ResidentsForm(), "verification/residents.html",
                        lambda user, form: verify_with_resident_list(
                            user, form.cnie.data, form.birth_date.data),
                        {"cnie": "cnie", "birth": "birth_date"})


@bp.route("/verify/code", methods=["GET", "POST"])
@login_required
def code():
    """Verify with an in-person code from a printed slip."""
    return _verify_page("code", CodeForm(), "verification/code.html",
                        lambda user, form: verify_with_code(user, form.code.data),
                        {"code": "code"})


def _verify_page(method: str, form, template: str, verify, fields: dict):
    """The form of ``method``: verify on a valid POST (commit, flash, go to a safe ``next``),
    or show the service's message on the form (422, nothing written)."""
    if not method_enabled(method):
        abort(404)
    user = current_user._get_current_object()
    target = safe_next(request.values.get("next"), url_for(".start"))
    if not can_verify(user):
        return render_template(template, form=None, next=target, refused=True,
                               resend_url=_resend_url()), 403
    if form.validate_on_submit():
        try:
            verification = verify(user, form)
        except InvalidIdentity as error:
            db.session.rollback()
            name = next((f for prefix, f in fields.items() if error.code.startswith(prefix)),
                        None)
            (getattr(form, name).errors if name else form.form_errors).append(str(error))
        except VerificationError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Your account is verified.") + (" " + _(
                "Verified commune: %(commune)s.", commune=verification.commune.name)
                if verification.commune else ""), "success")
            return redirect(target, code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, next=target, refused=False), status


# The SMS pages register their routes on ``bp`` (their own module, their own tests).
from roadmap.verification import phone_views  # noqa: E402,F401
