"""The help desk's pages (``/helpdesk``).

An official (help-desk officer, moderator, organiser, admin) chooses the consultation and
identifies the resident who is present; the *managed participation* is then held in the
official's session (the resident, the consultation, the official, the last activity) until
they end it or it stays idle ``ROADMAP_HELPDESK_IDLE_MINUTES`` (30). The resident's page shows
what the consultation requires and its proposals, to support (or withdraw) on their behalf; a
proposal is recorded on their behalf on its own page. ``/helpdesk/claim/<token>`` is the
resident's own page, opened from the link mailed to them. Where SMS is on, the account can be
claimed at the desk with a phone number instead: ``/helpdesk/claim/phone/send`` sends the
resident a code, which they type at ``/helpdesk/claim/phone`` with the password they choose
(the number, for "send a new code", is kept sealed in the session; only masked on screen).
"""
from __future__ import annotations

import time
from functools import wraps

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadmap.accounts.redirects import safe_next
from roadmap.accounts.services import (MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH,
                                      PasswordTooCommon, PasswordTooShort)
from roadmap.core.keys import seal, unseal_or_none
from roadmap.core.phones import mask_phone
from roadmap.extensions import db, limiter
from roadmap.helpdesk import queries, services
from roadmap.helpdesk.forms import (METHOD_LABELS, REQUIREMENT_ACTIONS, REQUIREMENT_LEVELS,
                                    ClaimEmailForm, ClaimForm, ClaimPhoneCodeForm,
                                    ClaimPhoneForm, IdentifyForm)
from roadmap.helpdesk.policies import TEMPLATE_POLICIES, can_use_helpdesk
from roadmap.participation.queries import supported_ids
from roadmap.participation.services import ParticipationError
from roadmap.media import services as media
from roadmap.media.forms import handle_uploads
from roadmap.proposals.forms import ProposalForm
from roadmap.proposals.queries import consultation_communes, proposal_in
from roadmap.proposals.services import ProposalError
from roadmap.verification import phone
from roadmap.verification.identity import InvalidIdentity
from roadmap.verification.phone_forms import ResendForm
from roadmap.verification.policies import method_enabled
from roadmap.verification.services import VerificationError

bp = Blueprint("helpdesk", __name__, url_prefix="/helpdesk")
DESK_KEY = "helpdesk"
CLAIM_NUMBER_KEY = "helpdesk_claim_number"  # sealed E.164 number of the last claim code


@bp.app_context_processor
def _policies() -> dict:
    """``can_use_helpdesk`` for every template (the menu link)."""
    return TEMPLATE_POLICIES


def official_required(view):
    """Signed in (else the login page) as someone who may use the help desk (else 403)."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not can_use_helpdesk(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def _official():
    return current_user._get_current_object()


# --- the managed participation held in the official's session --------------------------------

def _open_desk(resident, consultation) -> None:
    session[DESK_KEY] = {"official": current_user.id, "resident": resident.id,
                         "consultation": consultation.id, "seen": int(time.time())}


def _desk():
    """``(resident, consultation)`` of the participation the official holds open, or None. An
    idle one ends (and says so); each use keeps it open."""
    data = session.get(DESK_KEY)
    if not isinstance(data, dict):
        return None
    idle = current_app.config.get("ROADMAP_HELPDESK_IDLE_MINUTES", 30) * 60
    resident = queries.desk_resident(data.get("resident"))
    consultation = queries.desk_consultation(data.get("consultation"))
    if data.get("official") != current_user.id or resident is None or consultation is None:
        session.pop(DESK_KEY, None)
        return None
    if time.time() - data.get("seen", 0) > idle:
        session.pop(DESK_KEY, None)
        flash(_("The help-desk session had been idle too long and has ended. Identify the "
                "resident again."), "info")
        return None
    session[DESK_KEY] = {**data, "seen": int(time.time())}
    return resident, consultation


def _no_desk():
    flash(_("No resident is open at the help desk: identify the resident first."), "error")
    return redirect(url_for("helpdesk.index"))


def _resident_url() -> str:
    return url_for("helpdesk.resident")


def _back() -> str:
    return safe_next(request.form.get("next"), _resident_url())


# --- identifying ------------------------------------------------------------------------------

@bp.route("", methods=["GET", "POST"])
@official_required
def index():
    """Choose the consultation and identify the resident who is present."""
    desk = _desk()
    form = IdentifyForm()
    if not form.is_submitted():
        form.consultation_id.data = desk[1].id if desk else request.args.get("consultation",
                                                                             type=int)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("helpdesk/index.html", form=form, desk=desk), status
    consultation = queries.desk_consultation(form.consultation_id.data)
    if consultation is None:
        form.consultation_id.errors = [_("Choose the consultation.")]
        return render_template("helpdesk/index.html", form=form, desk=desk), 422
    try:
        if form.method.data == "code":
            found = services.identify_by_code(_official(), form.code.data,
                                              display_name=form.display_name.data)
        else:
            found = services.identify_by_list(_official(), form.cnie.data, form.birth_date.data,
                                              display_name=form.display_name.data)
    except (InvalidIdentity, VerificationError, services.HelpDeskError) as error:
        db.session.rollback()
        _place_error(form, error)
        return render_template("helpdesk/index.html", form=form, desk=desk), 422
    db.session.commit()
    _open_desk(found.resident, consultation)
    if found.created:
        flash(_("An account was opened for %(name)s and verified. You now act on their behalf.",
                name=found.resident.display_name), "success")
    else:
        flash(_("%(name)s already has a verified account. You now act on their behalf.",
                name=found.resident.display_name), "success")
    return redirect(_resident_url())


def _place_error(form, error) -> None:
    """Show a refusal next to the field it concerns, else above the form."""
    field = getattr(error, "field", None)
    if isinstance(error, InvalidIdentity):
        code = error.code
        field = ("birth_date" if code.startswith("birth") else
                 "code" if code.startswith("code") else "cnie")
    if field and field in form:
        form[field].errors = list(form[field].errors) + [str(error)]
    else:
        form.form_errors.append(str(error))


@bp.post("/end")
@official_required
def end():
    """End the managed participation (the resident leaves)."""
    session.pop(DESK_KEY, None)
    flash(_("The help-desk session has ended."), "info")
    return redirect(url_for("helpdesk.index"))


# --- the resident's page ---------------------------------------------------------------------

@bp.get("/resident")
@official_required
def resident():
    """The resident the official acts for: requirements, proposals to support, claim."""
    desk = _desk()
    if desk is None:
        return _no_desk()
    return _resident_page(*desk)


def _resident_page(person, consultation, claim_form=None, status: int = 200,
                   phone_form=None):
    commune_id = request.args.get("commune", type=int)
    page = queries.desk_proposals(consultation, person, commune_id=commune_id,
                                  page=request.args.get("page", 1, type=int))
    return render_template(
        "helpdesk/resident.html", resident=person, consultation=consultation, page=page,
        requirements=queries.requirements(consultation, person),
        supported=supported_ids(person, page.items), communes=consultation_communes(consultation),
        commune_id=commune_id, claim_form=claim_form or ClaimEmailForm(),
        phone_form=phone_form or ClaimPhoneForm(), phone_claim=method_enabled("sms"),
        method_labels=METHOD_LABELS, requirement_actions=REQUIREMENT_ACTIONS,
        requirement_levels=REQUIREMENT_LEVELS), status


def _desk_proposal(consultation, proposal_id: int):
    proposal = proposal_in(consultation, proposal_id)
    if proposal is None or proposal.status != "published" or proposal.hidden_at is not None:
        abort(404)
    return proposal


def _on_proposal(proposal_id: int, service, done_message: str):
    """Call ``service(proposal, resident, official)`` on a proposal of the open participation,
    then go back with ``done_message`` (``%(name)s``, ``%(title)s``) or the refusal."""
    desk = _desk()
    if desk is None:
        return _no_desk()
    person, consultation = desk
    proposal = _desk_proposal(consultation, proposal_id)
    try:
        service(proposal, person, _official())
    except (ParticipationError, services.HelpDeskError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_back())
    db.session.commit()
    flash(done_message % {"name": person.display_name, "title": proposal.title}, "success")
    return redirect(_back())


@bp.post("/proposals/<int:proposal_id>/support")
@official_required
def support(proposal_id: int):
    """Support a proposal on the resident's behalf."""
    return _on_proposal(proposal_id, services.support_for,
                        _("Support recorded for %(name)s: %(title)s"))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@official_required
def withdraw_support(proposal_id: int):
    """Withdraw the resident's support of a proposal."""
    return _on_proposal(proposal_id, services.withdraw_support_for,
                        _("Support withdrawn for %(name)s: %(title)s"))


@bp.route("/propose", methods=["GET", "POST"])
@official_required
def propose():
    """Record a proposal on the resident's behalf (the proposal form)."""
    desk = _desk()
    if desk is None:
        return _no_desk()
    person, consultation = desk
    form = ProposalForm(consultation)
    if not form.is_submitted():
        form.commune_id.data = person.residence_commune_id
    valid = form.validate_on_submit()
    # The official records the resident's voice note, photos and documents with the form.
    uploads = handle_uploads(form, _official())
    if form.is_submitted():
        db.session.commit()  # what was sent is kept while the form comes back
        valid = form.require_body(uploads.has_voice) and valid
    context = {"consultation": consultation, "resident": person, "uploads": uploads}
    if uploads.action or uploads.failed or not valid:
        status = 422 if form.is_submitted() and (uploads.failed or not uploads.action) else 200
        return render_template("helpdesk/propose.html", form=form, **context), status
    try:
        proposal = services.propose_for(consultation, person, _official(),
                                        by_voice=uploads.has_voice, **form.proposal_values())
        media.attach(uploads.staged, "proposal_id", proposal.id)
        for attachment in uploads.staged:  # the resident's words and pictures, not the desk's
            attachment.uploaded_by_id = person.id
    except media.MediaError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return render_template("helpdesk/propose.html", form=form, **context), 422
    except (ProposalError, services.HelpDeskError) as error:
        db.session.rollback()
        field = getattr(error, "field", None)
        if field and field in form:
            form[field].errors = list(form[field].errors) + [str(error)]
        else:
            form.form_errors.append(str(error))
        return render_template("helpdesk/propose.html", form=form, **context), 422
    db.session.commit()
    if proposal.status == "pending":
        flash(_("The proposal of %(name)s is recorded; it will be published once a moderator "
                "has checked it.", name=person.display_name), "success")
    else:
        flash(_("The proposal of %(name)s is recorded and published.",
                name=person.display_name), "success")
    return redirect(_resident_url())


# --- claiming the account ---------------------------------------------------------------------

@bp.post("/claim")
@official_required
def send_claim():
    """Send the resident a link to claim their account with an email address."""
    desk = _desk()
    if desk is None:
        return _no_desk()
    person, consultation = desk
    form = ClaimEmailForm()
    if not form.validate_on_submit():
        return _resident_page(person, consultation, form, 422)
    try:
        services.send_claim_link(person, form.email.data, _official())
    except services.HelpDeskError as error:
        db.session.rollback()
        form.email.errors = list(form.email.errors) + [str(error)]
        return _resident_page(person, consultation, form, 422)
    db.session.commit()
    flash(_("A link was sent to this address. The resident opens it to choose a password."),
          "success")
    return redirect(_resident_url())


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _private(body, status: int):
    """A response that must not leak its URL (which holds a token) to other sites."""
    response = current_app.make_response((body, status))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/claim/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def claim(token: str):
    """The resident makes the account opened at the help desk their own: a password (and a
    display name); the account then signs in with the address the link was sent to."""
    row = services.claim_link(token)
    if row is None:
        return _private(render_template("helpdesk/claim_invalid.html"), 404)
    form = ClaimForm(display_name=row.user.display_name)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _private(render_template("helpdesk/claim.html", form=form, email=row.email),
                        status)
    try:
        user = services.claim_with_link(token, password=form.password.data,
                                        display_name=form.display_name.data)
    except PasswordTooCommon:
        db.session.rollback()
        form.password.errors = [_("This password is too common: it appears in lists of "
                                  "leaked passwords. Choose another one.")]
        return _private(render_template("helpdesk/claim.html", form=form, email=row.email), 422)
    except (PasswordTooShort, services.HelpDeskError) as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _private(render_template("helpdesk/claim.html", form=form, email=row.email), 422)
    db.session.commit()
    flash(_("Your account is yours now. Log in with %(email)s and your new password.",
            email=user.email), "success")
    return redirect(url_for("accounts.login"))


# --- claiming the account with a phone number, at the desk -------------------------------------

def _phone_desk():
    """The open participation, for claiming by phone (404 where SMS is off), or None."""
    if not method_enabled("sms"):
        abort(404)
    return _desk()


def _claim_number(resident) -> str | None:
    """The E.164 number the resident's last claim code went to, from the session."""
    data = session.get(CLAIM_NUMBER_KEY)
    if not isinstance(data, dict) or data.get("resident") != resident.id:
        return None
    number = unseal_or_none(data.get("number"))
    if number is None:  # another key, a damaged cookie: type the number again
        session.pop(CLAIM_NUMBER_KEY, None)
    return number


@bp.post("/claim/phone/send")
@official_required
def send_claim_code():
    """Send the resident a code by SMS to the number typed (or, "send a new code", the last)."""
    desk = _phone_desk()
    if desk is None:
        return _no_desk()
    person, consultation = desk
    form = ClaimPhoneForm()
    number = form.requested_number(_claim_number(person))
    if number is None:
        return redirect(_resident_url()) if form.resending \
            else _resident_page(person, consultation, status=422, phone_form=form)
    try:
        challenge = services.send_claim_code(person, number, _official())
    except (InvalidIdentity, VerificationError, services.HelpDeskError) as error:
        db.session.rollback()
        if form.resending:
            flash(str(error), "error")
            return redirect(url_for("helpdesk.claim_phone"))
        form.phone.errors = list(form.phone.errors) + [str(error)]
        return _resident_page(person, consultation, status=422, phone_form=form)
    db.session.commit()
    session[CLAIM_NUMBER_KEY] = {"resident": person.id, "number": seal(challenge.number)}
    flash(_("A code was sent by SMS to %(number)s.", number=mask_phone(challenge.number)),
          "success")
    return redirect(url_for("helpdesk.claim_phone"), 303)


@bp.route("/claim/phone", methods=["GET", "POST"])
@official_required
def claim_phone():
    """On the desk's screen, the resident types the SMS code and chooses a password."""
    desk = _phone_desk()
    if desk is None:
        return _no_desk()
    person = desk[0]
    if not person.is_managed:
        return redirect(_resident_url())
    if phone.latest_challenge(person, "claim") is None:
        return redirect(_resident_url())
    form = ClaimPhoneCodeForm(display_name=person.display_name)
    if not form.validate_on_submit():
        return _claim_phone_page(form, person)
    try:
        services.claim_with_phone(person, form.code.data, _official(),
                                  password=form.password.data,
                                  display_name=form.display_name.data)
    except PasswordTooCommon:
        db.session.rollback()
        form.password.errors = [_("This password is too common: it appears in lists of "
                                  "leaked passwords. Choose another one.")]
        return _claim_phone_page(form, person)
    except PasswordTooShort:  # the form's length check comes first; kept for safety
        db.session.rollback()
        form.password.errors = [_("Use between %(min)d and %(max)d characters.",
                                  min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)]
        return _claim_phone_page(form, person)
    except (InvalidIdentity, VerificationError, services.HelpDeskError) as error:
        if getattr(error, "code", None) in phone.COUNTED_TRIES:
            db.session.commit()  # the wrong try stays counted
        else:
            db.session.rollback()
        form.code.errors = list(form.code.errors) + [str(error)]
        return _claim_phone_page(form, person)
    number = _claim_number(person)
    db.session.commit()
    session.pop(CLAIM_NUMBER_KEY, None)
    flash(_("The account is the resident's now: they sign in with %(number)s and their "
            "password.", number=mask_phone(number) if number else _("their phone number")),
          "success")
    return redirect(_resident_url(), 303)


def _claim_phone_page(form, person):
    status = 422 if form.is_submitted() else 200
    number = _claim_number(person)
    challenge = phone.open_challenge(person, "claim")
    return _private(render_template(
        "helpdesk/claim_phone.html", form=form, resident=person, resend_form=ResendForm(),
        masked=mask_phone(number) if number else None, challenge=challenge,
        minutes_left=phone.minutes_left(challenge) if challenge else 0,
        tries_left=phone.tries_left(challenge) if challenge else 0), status)
