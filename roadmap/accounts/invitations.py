"""Invitations of officials and organisers: invite by email, resend, revoke, accept.

An invitation carries the role (help-desk officer, moderator, organiser or admin), the
stakeholder type, the organisation, the home commune, a display name and the language of the
mail. Its link holds a
random token whose SHA-256 alone is stored; it works once, until ``expires_at``
(``ROADMAP_INVITATION_DAYS``, 7 by default). Resending makes a new token and a new expiry, so the
old link stops working.

Accepting: for a new address the invitee chooses a display name and a password and an account is
created with the invitation's role and profile. When the address already has an account, the
invitee confirms with that account's password (proving they own it, as logging in would), and the
account receives the invitation's role (never a lower one than it has), stakeholder type,
organisation and commune. Either way the caller then signs the account in.

Every function flushes and never commits; errors are :class:`roadmap.accounts.services.AccountError`
subclasses with messages in the reader's language.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from roadmap.accounts.models import ROLES, STAKEHOLDER_TYPES, Invitation, User
from roadmap.accounts.services import (AccountError, InvalidCredentials, _in_language,
                                       authenticate, check_password_strength, hash_password,
                                       normalise_email, user_by_email)
from roadmap.audit.log import record as audit_record
from roadmap.config import LANGUAGES
from roadmap.core.mail import send_mail, site_base_url
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.territory.models import Commune

INVITED_ROLES = ("helpdesk", "moderator", "organiser", "admin")
STATES = ("pending", "accepted", "expired", "revoked")


class InvitationError(AccountError):
    """An invitation cannot be made, sent or accepted; the message says why."""


class InvalidInvitation(InvitationError):
    """The link is unknown, already used, revoked or expired."""


def _hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def state_of(invitation: Invitation, now=None) -> str:
    """``accepted``, ``revoked``, ``expired`` or ``pending``."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= (now or utcnow()):
        return "expired"
    return "pending"


# --- checks shared by the form, the command line and the bulk import --------------------------

def clean_email(email: str) -> str:
    """The normalised address, or :class:`InvitationError` if it is not a valid address."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise InvitationError(_l("This is not a valid email address.")) from None
    return email


def check_role(role: str) -> str:
    """``role`` if it may be given by invitation, else :class:`InvitationError`."""
    if role == "participant":
        raise InvitationError(_l("Participants register themselves: invite help-desk officers, "
                                 "moderators, organisers or administrators."))
    if role not in INVITED_ROLES:
        raise InvitationError(_l("Unknown role."))
    return role


def check_stakeholder_type(value: str) -> str:
    """``value`` if it is a known stakeholder type, else :class:`InvitationError`."""
    if value not in STAKEHOLDER_TYPES:
        raise InvitationError(_l("Unknown stakeholder type."))
    return value


def find_commune(reference) -> Commune | None:
    """The commune of an id, a code, or a French or Arabic name (case-insensitive); None if
    ``reference`` is empty. Raises :class:`InvitationError` when nothing matches."""
    if reference in (None, ""):
        return None
    if isinstance(reference, Commune):
        return reference
    if isinstance(reference, int):
        found = db.session.get(Commune, reference)
    else:
        text = str(reference).strip()
        found = db.session.scalar(select(Commune).where(Commune.code == text))
        if found is None:
            lowered = text.lower()
            for commune in db.session.scalars(select(Commune).order_by(Commune.id)):
                if lowered in (commune.name_fr.lower(), commune.name_ar.strip(),
                               (commune.hcp_code or "").lower()):
                    found = commune
                    break
    if found is None:
        raise InvitationError(_l("Unknown commune."))
    return found


def pending_invitation(email: str) -> Invitation | None:
    """The pending invitation of ``email`` (normalised), or None."""
    now = utcnow()
    return db.session.scalar(select(Invitation).where(
        Invitation.email == normalise_email(email), Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.id.desc()).limit(1))


def check_new_invitation(email: str, role: str) -> None:
    """Raise :class:`InvitationError` if ``email`` has a pending invitation, or an account
    that already holds ``role``."""
    if pending_invitation(email) is not None:
        raise InvitationError(_l("This address already has a pending invitation: resend it "
                                 "from the list of invitations."))
    user = user_by_email(email)
    if user is not None and user.role == role:
        raise InvitationError(_l("This account already has this role."))
    if user is not None and user.deleted_at is not None:
        raise InvitationError(_l("This account was deleted."))


# --- invite, resend, revoke -------------------------------------------------------------------

def invite(email: str, role: str, by: User | None, *, stakeholder_type: str = "public_service",
           organisation: str | None = None, commune=None, display_name: str | None = None,
           language: str | None = None) -> tuple[Invitation, str]:
    """Invite ``email`` to take ``role`` and mail the link; returns the invitation and its link.

    ``by`` is the acting admin (None from the command line); ``commune`` an id, code, name or
    :class:`Commune`. Raises :class:`InvitationError` for a bad address, a participant or
    unknown role, an unknown stakeholder type, commune or language, a pending invitation of the
    same address, or an account that already has the role. Flushes.
    """
    email = clean_email(email)
    check_role(role)
    check_stakeholder_type(stakeholder_type)
    commune = find_commune(commune)
    if language in ("", None):
        language = None
    elif language not in LANGUAGES:
        raise InvitationError(_l("Unknown language."))
    check_new_invitation(email, role)
    invitation = Invitation(
        email=email, role=role, stakeholder_type=stakeholder_type,
        organisation=(organisation or "").strip()[:200] or None,
        commune_id=commune.id if commune is not None else None,
        display_name=(display_name or "").strip()[:80] or None, preferred_language=language,
        invited_by_id=getattr(by, "id", None), send_count=0, token_hash="", expires_at=utcnow())
    db.session.add(invitation)
    link = _send(invitation)
    audit_record(by, "invitation.create", invitation, after={
        "email": email, "role": role, "stakeholder_type": stakeholder_type,
        "organisation": invitation.organisation, "commune_id": invitation.commune_id,
        "language": language})
    return invitation, link


def resend(invitation: Invitation, by: User | None) -> str:
    """Mail a new link with a new expiry; the old link stops working. Returns the new link.

    Raises :class:`InvitationError` for an accepted or revoked invitation (an expired one may be
    resent). Flushes.
    """
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationError(_l("This invitation was already accepted or revoked."))
    before = {"expires_at": invitation.expires_at, "send_count": invitation.send_count}
    link = _send(invitation)
    audit_record(by, "invitation.resend", invitation, before=before, after={
        "expires_at": invitation.expires_at, "send_count": invitation.send_count})
    return link


def revoke(invitation: Invitation, by: User | None) -> Invitation:
    """Revoke a pending or expired invitation: its link stops working. Flushes.

    Raises :class:`InvitationError` if it was already accepted; revoked already: nothing changes.
    """
    if invitation.accepted_at is not None:
        raise InvitationError(_l("This invitation was already accepted."))
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit_record(by, "invitation.revoke", invitation, after={"revoked_at": invitation.revoked_at})
    return invitation


def _send(invitation: Invitation) -> str:
    """Give ``invitation`` a new token and expiry, mail its link; returns the link."""
    token = secrets.token_urlsafe(32)
    days = current_app.config.get("ROADMAP_INVITATION_DAYS", 7)
    now = utcnow()
    invitation.token_hash = _hash(token)
    invitation.expires_at = now + timedelta(days=days)
    invitation.sent_at = now
    invitation.send_count = (invitation.send_count or 0) + 1
    db.session.flush()
    link = invitation_link(token)
    _mail_invitation(invitation, link, days)
    return link



def invitation_link(token: str) -> str:
    """The absolute URL of the accept page of ``token`` (``ROADMAP_BASE_URL`` outside requests)."""
    if has_request_context():
        return url_for("accounts.accept_invitation", token=token, _external=True)
    with current_app.test_request_context(base_url=site_base_url()):
        return url_for("accounts.accept_invitation", token=token, _external=True)


ROLE_NAMES = {"helpdesk": _l("help-desk officer"), "moderator": _l("moderator"),
              "organiser": _l("organiser"), "admin": _l("administrator")}


def _mail_invitation(invitation: Invitation, link: str, days: int) -> None:
    with _in_language(invitation):
        role = str(ROLE_NAMES[invitation.role])
        if invitation.organisation:
            role = "%s (%s)" % (role, invitation.organisation)
        greeting = (gettext("Hello %(name)s,", name=invitation.display_name)
                    if invitation.display_name else gettext("Hello,"))
        subject = gettext("You are invited to the participatory roadmap")
        body = gettext(
            "%(greeting)s\n\nYou are invited to take part in the participatory roadmap as "
            "%(role)s.\n\nTo accept, open this link within %(days)s days:\n\n%(link)s\n\n"
            "The link works once. If you did not expect this invitation, ignore this message.",
            greeting=greeting, role=role, days=days, link=link)
    send_mail(invitation.email, subject, body)


# --- accept -----------------------------------------------------------------------------------

def invitation_for_token(token: str) -> Invitation | None:
    """The pending invitation whose link holds ``token``, or None (unknown, used, revoked,
    expired)."""
    if not token:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or state_of(invitation) != "pending":
        return None
    return invitation


def existing_account(invitation: Invitation) -> User | None:
    """The account that already uses the invitation's address, or None."""
    return user_by_email(invitation.email)


def accept(token: str, *, password: str, display_name: str | None = None) -> User:
    """Accept the invitation of ``token``; returns the account to sign in.

    New address: creates the account with ``display_name`` and ``password`` (registration's
    strength rules). Known address: ``password`` must be that account's password; the account
    receives the role (never lowered), stakeholder type, organisation and commune. Other pending
    invitations of the address are revoked. Raises :class:`InvalidInvitation`,
    :class:`InvalidCredentials`, :class:`PasswordTooShort` or :class:`PasswordTooCommon`.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        raise InvalidInvitation(_l("This invitation link does not work."))
    user = existing_account(invitation)
    if user is None:
        check_password_strength(password)
        user = User(email=invitation.email, password_hash=hash_password(password),
                    display_name=(display_name or invitation.display_name or "").strip()[:80],
                    role=invitation.role,
                    email_confirmed_at=utcnow())  # the invitation link proved the address
        if not user.display_name:
            raise InvitationError(_l("Choose a display name."))
        try:
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:  # the address was registered at the same moment
            raise InvalidInvitation(_l("This invitation link does not work.")) from None
        before = None
    else:
        if user.deleted_at is not None:
            raise InvalidInvitation(_l("This invitation link does not work."))
        authenticate(user.email, password)  # InvalidCredentials; records the login
        before = {"role": user.role, "stakeholder_type": user.stakeholder_type,
                  "organisation": user.organisation, "home_commune_id": user.home_commune_id}
        if ROLES.index(invitation.role) > ROLES.index(user.role):
            user.role = invitation.role
    user.stakeholder_type = invitation.stakeholder_type
    if invitation.organisation:
        user.organisation = invitation.organisation
    if invitation.commune_id is not None:
        user.home_commune_id = invitation.commune_id
    if invitation.preferred_language and not user.preferred_language:
        user.preferred_language = invitation.preferred_language
    user.last_login_at = utcnow()
    db.session.flush()
    now = utcnow()
    invitation.accepted_at, invitation.user_id = now, user.id
    for other in db.session.scalars(select(Invitation).where(
            Invitation.email == invitation.email, Invitation.id != invitation.id,
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        other.revoked_at = now
    db.session.flush()
    audit_record(user, "invitation.accept", invitation, before=before, after={
        "user_id": user.id, "role": user.role, "stakeholder_type": user.stakeholder_type,
        "organisation": user.organisation, "home_commune_id": user.home_commune_id})
    return user


__all__ = ["INVITED_ROLES", "STATES", "InvitationError", "InvalidInvitation",
           "InvalidCredentials", "accept", "invite", "resend", "revoke", "state_of",
           "invitation_for_token", "existing_account", "find_commune", "clean_email",
           "check_role", "check_stakeholder_type", "check_new_invitation", "pending_invitation",
           "invitation_link"]
