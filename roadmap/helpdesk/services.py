"""What an official does at the help desk, for a resident who is present.

- **Identify** the resident from the residents' list (CNIE number and date of birth) or with
  an in-person code: if that identity already verifies an account, the official continues with
  it; otherwise a *managed account* is opened (a display name the official types, a placeholder
  ``managed-<hex>@managed.invalid`` address that gets no mail, an unusable password,
  ``managed_by_id`` = the official) and verified with the identity.
- **Support**, **withdraw a support**, **propose** on the resident's behalf: the participation
  services with the resident as the actor and the official as ``entered_by`` (the rows are
  marked), each with an audit entry (``helpdesk.support``, ``helpdesk.withdraw_support``,
  ``helpdesk.propose``) whose actor is the official and whose reason says so.
- **Claim**: the official sends the resident a single-use link to an email address; opening it,
  the resident chooses a password and the account takes the address (confirmed). Or, with a
  mobile number, the official has a code sent to it by SMS (:func:`send_claim_code`); the
  resident types it on the desk's screen with the password they choose
  (:func:`claim_with_phone`), and then signs in with the number. A claimed account is no
  longer managed.

Every function flushes and never commits; refusals raise :class:`HelpDeskError` (or the
verification, proposal and participation errors, whose messages the view shows).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from roadmap.accounts.invitations import InvitationError, clean_email
from roadmap.accounts.models import EmailConfirmationToken, User
from roadmap.accounts.services import check_password_strength, hash_password, user_by_email
from roadmap.audit.log import record
from roadmap.core.database import begin_write
from roadmap.core.mail import send_mail
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.helpdesk.policies import can_use_helpdesk
from roadmap.participation.models import Vote
from roadmap.participation.services import ParticipationError, cast_vote, withdraw_vote
from roadmap.proposals import services as proposal_services
from roadmap.proposals.policies import why_not_submit
from roadmap.verification import codes, phone, residents
from roadmap.verification.identity import code_hash, normalise_code
from roadmap.verification.models import VerificationCode
from roadmap.verification.services import VerificationError, identity_in_use

MANAGED_DOMAIN = "managed.invalid"
NAME_LENGTH = (2, 80)


class HelpDeskError(Exception):
    """A help-desk action was refused; ``str(error)`` says why in the reader's language and
    ``field`` names the form field it belongs to, if any."""

    def __init__(self, message, code: str = "refused", field: str | None = None):
        super().__init__(str(message))
        self.code = code
        self.field = field


@dataclass
class Identified:
    """The resident the official now acts for, and whether their account was just opened."""

    resident: User
    created: bool


def managed_email() -> str:
    """A unique placeholder address for an account without email (no mail is sent to it)."""
    return f"managed-{secrets.token_hex(12)}@{MANAGED_DOMAIN}"


def audit_reason(official) -> str:
    """The reason the audit log keeps for an action entered at the help desk (in English, as
    the log keeps its actions and labels)."""
    return f"entered at the help desk by {official.display_name}"


def _check_official(official) -> None:
    if not can_use_helpdesk(official):
        raise HelpDeskError(_l("Only help-desk officers can act for a resident."), "forbidden")


def _clean_name(display_name) -> str | None:
    name = " ".join((display_name or "").split())
    return name if NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1] else None


# --- identifying the resident who is present -------------------------------------------------

def identify_by_list(official, cnie_raw, birth_raw, *, display_name=None) -> Identified:
    """The resident with this CNIE number and date of birth on the residents' lists.

    Raises :class:`~roadmap.verification.identity.InvalidIdentity` (malformed),
    :class:`~roadmap.verification.services.VerificationError` (not on a list) or
    :class:`HelpDeskError` (a new account needs a name; a deactivated account).
    """
    _check_official(official)
    entry = residents.find_resident(cnie_raw, birth_raw)
    if entry is None:
        raise VerificationError(residents.NOT_ON_LIST, "not_on_list")
    return _identify(official, entry.identity_hash, display_name, lambda user: (
        residents.verify_with_resident_list(user, cnie_raw, birth_raw, entered_by=official)))


def identify_by_code(official, code_raw, *, display_name=None) -> Identified:
    """The resident who holds this in-person code: the account it verified, or a new one that
    it verifies now. Raises as :func:`identify_by_list` (and for an unknown, withdrawn,
    expired or used code)."""
    _check_official(official)
    identity = code_hash(normalise_code(code_raw))
    if db.session.scalar(select(VerificationCode.id).where(
            VerificationCode.code_hash == identity)) is None:
        raise VerificationError(_l("This code is not valid. Check it on your slip."),
                                "code_unknown")
    return _identify(official, identity, display_name, lambda user: (
        codes.verify_with_code(user, code_raw, entered_by=official)))


def _identify(official, identity_hash: str, display_name, verify) -> Identified:
    begin_write()
    holder = identity_in_use(identity_hash)
    if holder is not None:
        resident = holder.user
        if not resident.active or resident.deleted_at is not None:
            raise HelpDeskError(_l("The account of this resident is deactivated: ask an "
                                   "administrator."), "inactive")
        return Identified(resident, False)
    name = _clean_name(display_name)
    if name is None:
        raise HelpDeskError(_l("This resident has no account yet: type their name (a first "
                               "name is enough) to open one."), "name_needed", "display_name")
    with db.session.begin_nested():  # a refused verification leaves no account behind
        resident = open_managed_account(official, name)
        verify(resident)
    return Identified(resident, True)


def open_managed_account(official, display_name: str) -> User:
    """A participant account for a resident without email, managed by ``official``: a
    placeholder address, a password that matches nothing. Audit-logged. Flushes."""
    resident = User(email=managed_email(), password_hash="!managed-" + secrets.token_hex(16),
                    display_name=display_name, role="participant", stakeholder_type="citizen",
                    managed_by_id=official.id)
    db.session.add(resident)
    db.session.flush()
    record(official, "helpdesk.open_account", resident, reason=audit_reason(official))
    return resident


# --- acting on the resident's behalf ---------------------------------------------------------

def _check_resident(official, resident) -> None:
    _check_official(official)
    if resident is None or not resident.active or resident.deleted_at is not None:
        raise HelpDeskError(_l("This resident's account can no longer be used."), "inactive")


def _for_the_official(error: ParticipationError, proposal, resident) -> ParticipationError:
    """The refusal reworded for the official at the desk: the participation services say
    "You already support this proposal" to the person who acts, and at the desk that person
    is not the resident. Refusals that are not about the resident are kept as they are."""
    name = resident.display_name
    commune = proposal.commune.name if proposal.commune is not None else ""
    messages = {
        "already": _l("%(name)s already supports this proposal.", name=name),
        "already_identity": _l("%(name)s already supports this proposal, from another account "
                               "verified with the same identity.", name=name),
        "not_supported": _l("%(name)s does not support this proposal.", name=name),
        "limit": _l("%(name)s has already given every support this consultation allows: "
                    "withdraw one to support another proposal.", name=name),
        "home_commune": _l("Only residents of %(commune)s can support this proposal, and "
                           "%(name)s is not a resident of it.", commune=commune, name=name),
        "resident": _l("Only verified residents of %(commune)s can support this proposal, and "
                       "%(name)s is not verified as one.", commune=commune, name=name),
    }
    message = messages.get(error.code)
    return error if message is None else type(error)(str(message), error.code)


def support_for(proposal, resident, official) -> Vote:
    """``resident`` supports ``proposal``, entered by ``official``: the vote is marked and
    ``helpdesk.support`` is logged. Raises the participation errors (phase, requirement,
    limit, already supported), worded for the official."""
    _check_resident(official, resident)
    try:
        vote = cast_vote(proposal, resident, entered_by=official)
    except ParticipationError as error:
        raise _for_the_official(error, proposal, resident) from None
    record(official, "helpdesk.support", vote, reason=audit_reason(official),
           consultation=proposal.consultation_id,
           after={"user_id": resident.id, "proposal_id": proposal.id})
    return vote


def withdraw_support_for(proposal, resident, official) -> None:
    """Withdraw ``resident``'s support of ``proposal`` (entered by ``official``); logs
    ``helpdesk.withdraw_support``. Raises the participation errors (phase, no support)."""
    _check_resident(official, resident)
    vote = db.session.scalar(select(Vote).where(Vote.user_id == resident.id,
                                                Vote.proposal_id == proposal.id))
    try:
        withdraw_vote(proposal, resident)
    except ParticipationError as error:
        raise _for_the_official(error, proposal, resident) from None
    record(official, "helpdesk.withdraw_support", vote, reason=audit_reason(official),
           consultation=proposal.consultation_id,
           before={"user_id": resident.id, "proposal_id": proposal.id,
                   "entered_by_id": vote.entered_by_id})


def propose_for(consultation, resident, official, *, by_voice: bool = False, **fields):
    """Make a proposal in ``resident``'s name, entered by ``official`` (marked, and logged as
    ``helpdesk.propose``). ``fields``: those of :data:`roadmap.proposals.services.FIELDS`;
    ``by_voice``: the resident's voice note comes with it (the official typed only the title).
    Raises :class:`~roadmap.proposals.services.ProposalError` (phase, requirement, fields)."""
    _check_resident(official, resident)
    commune = proposal_services.checked_values(consultation, body_optional=by_voice,
                                               **fields)["commune"]
    reason = why_not_submit(resident, consultation, commune)  # the commune a resident rule needs
    if reason:
        raise proposal_services.ActionClosed(reason)
    proposal = proposal_services.submit_proposal(consultation, resident, entered_by=official,
                                                 by_voice=by_voice, **fields)
    record(official, "helpdesk.propose", proposal, reason=audit_reason(official),
           after={"author_id": resident.id, "status": proposal.status})
    return proposal


# --- claiming the account --------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def _claim_hours() -> int:
    return current_app.config.get("ROADMAP_CONFIRMATION_HOURS", 48)


def _check_claimable(official, resident) -> None:
    _check_resident(official, resident)
    if not resident.is_managed:
        raise HelpDeskError(_l("This account already belongs to its resident: they sign in "
                               "with their own address or number."), "not_managed")


def send_claim_link(resident, email: str, official) -> EmailConfirmationToken:
    """Mail ``email`` a single-use link (valid ``ROADMAP_CONFIRMATION_HOURS``) with which the
    resident makes the managed account their own. Earlier claim links stop working. Only the
    link's SHA-256 is stored, with the address it is for. Needs a request context. Flushes."""
    _check_claimable(official, resident)
    try:
        email = clean_email(email)
    except InvitationError as error:
        raise HelpDeskError(error.args[0], "email_invalid", "email") from None
    if user_by_email(email) is not None:
        raise HelpDeskError(_l("This address cannot be used for this account: choose another "
                               "one, or claim the account with a phone number."),
                            "email_taken", "email")
    now = utcnow()
    _end_claim_links(resident, now)
    token = secrets.token_urlsafe(32)
    hours = _claim_hours()
    link_row = EmailConfirmationToken(user_id=resident.id, email=email,
                                      token_hash=_token_hash(token),
                                      expires_at=now + timedelta(hours=hours))
    db.session.add(link_row)
    db.session.flush()
    link = url_for("helpdesk.claim", token=token, _external=True)
    subject = gettext("Your account on the participatory roadmap")
    body = gettext(
        "Hello %(name)s,\n\nAt the help desk of your commune office, %(official)s opened an "
        "account for you on the participatory roadmap. To make it yours, open this link within "
        "%(hours)s hours and choose a password:\n\n%(link)s\n\nThe link works once. You will "
        "then sign in with this address. If you did not ask for this, ignore this message.",
        name=resident.display_name, official=official.display_name, hours=hours, link=link)
    send_mail(email, subject, body)
    record(official, "helpdesk.claim_sent", resident, reason=audit_reason(official),
           after={"channel": "email"})
    return link_row


def _end_claim_links(resident, now) -> None:
    db.session.execute(update(EmailConfirmationToken).where(
        EmailConfirmationToken.user_id == resident.id, EmailConfirmationToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))


def claim_link(token: str) -> EmailConfirmationToken | None:
    """The unused, unexpired claim link of ``token`` for a managed account, or None."""
    if not token:
        return None
    row = db.session.scalar(select(EmailConfirmationToken).where(
        EmailConfirmationToken.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    user = row.user
    if not user.is_managed or not user.active or user.deleted_at is not None:
        return None
    return row


def _make_theirs(user, password: str, name: str | None, now, **login) -> None:
    """The managed account becomes its resident's, in a savepoint: its login (``email`` and
    ``email_confirmed_at``, or ``phone_hash``), the password, ``claimed_at`` and, if given, the
    name. Raises IntegrityError (rolled back to the savepoint) if the login was taken since."""
    with db.session.begin_nested():
        for attribute, value in login.items():
            setattr(user, attribute, value)
        user.password_hash = hash_password(password)
        user.claimed_at = now
        if name:
            user.display_name = name
        db.session.flush()


def claim_with_link(token: str, *, password: str, display_name: str | None = None) -> User:
    """The resident makes the managed account theirs: the link's address becomes the
    account's (confirmed), ``password`` its password, ``claimed_at`` is set. Raises
    :class:`HelpDeskError` (the link does not work, the address was taken meanwhile) or the
    password errors of :func:`roadmap.accounts.services.check_password_strength`. Flushes."""
    row = claim_link(token)
    if row is None:
        raise HelpDeskError(_l("This link does not work: it was used, replaced or has "
                               "expired. Ask the help desk for a new one."), "invalid_link")
    check_password_strength(password)
    user, now = row.user, utcnow()
    name = _clean_name(display_name) if display_name else None
    try:
        _make_theirs(user, password, name, now, email=row.email, email_confirmed_at=now)
    except IntegrityError:  # the address was registered since the link was sent
        raise HelpDeskError(_l("This address is now used by another account. Ask the help "
                               "desk to send the link to another address."),
                            "email_taken") from None
    _end_claim_links(user, now)
    db.session.flush()
    record(user, "helpdesk.claim", user, after={"channel": "email",
                                                "managed_by_id": user.managed_by_id})
    return user


# --- claiming with a phone number --------------------------------------------------------------

def send_claim_code(resident, number, official):
    """Send a code by SMS to ``number`` (as typed), to prove that the resident present holds
    it: :func:`roadmap.verification.phone.start_challenge` with the purpose ``claim`` (its
    checks, limits and refusals: :class:`InvalidIdentity`, :class:`VerificationError`). Logs
    ``helpdesk.claim_sent`` (channel ``sms``). The challenge's ``number`` is the E.164 number,
    for the caller to show masked. Flushes."""
    _check_claimable(official, resident)
    challenge = phone.start_challenge(resident, number, purpose="claim")
    record(official, "helpdesk.claim_sent", resident, reason=audit_reason(official),
           after={"channel": "sms"})
    return challenge


def claim_with_phone(resident, code, official, *, password: str,
                     display_name: str | None = None) -> User:
    """The resident makes the managed account theirs with the SMS code they received: the
    number becomes the account's login (``phone_hash``), ``password`` its password,
    ``claimed_at`` is set; pending claim links by email stop working.

    The password is checked first (a weak one costs no try). Raises the password errors, what
    :func:`roadmap.verification.phone.check_challenge` raises (a wrong code counts a try:
    ``code`` in ``phone.COUNTED_TRIES``, the caller commits then), and
    :class:`VerificationError` when the number now logs in, or verifies, another account.
    Logs ``helpdesk.claim`` (channel ``sms``) with the official as actor. Flushes."""
    _check_claimable(official, resident)
    check_password_strength(password)
    name = _clean_name(display_name) if display_name else None
    challenge = phone.check_challenge(resident, code, purpose="claim")
    number_hash = challenge.phone_hash
    if phone.number_taken(resident, number_hash):
        raise VerificationError(phone.NUMBER_TAKEN, "phone_used")
    now = utcnow()
    try:
        _make_theirs(resident, password, name, now, phone_hash=number_hash)
    except IntegrityError:  # the number logged in another account meanwhile
        raise VerificationError(phone.NUMBER_TAKEN, "phone_used") from None
    _end_claim_links(resident, now)
    db.session.flush()
    record(official, "helpdesk.claim", resident, reason=audit_reason(official),
           after={"channel": "sms", "managed_by_id": resident.managed_by_id})
    return resident
