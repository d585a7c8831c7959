"""Account actions: passwords, registration, login, password reset, profile and roles.

Every function here flushes and never commits; the caller (a view or a CLI command) commits once.
Failures raise an :class:`AccountError` subclass, which the caller turns into a message.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from contextlib import nullcontext
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from roadmap.audit.log import record as audit_record
from roadmap.accounts.models import (AGE_BANDS, GENDERS, ROLES, STAKEHOLDER_TYPES,
                                     EmailConfirmationToken, PasswordResetToken, User)
from roadmap.accounts.policies import awaits_confirmation
from roadmap.accounts.sessions import revoke_all_sessions
from roadmap.config import LANGUAGES
from roadmap.core.i18n import FORMAT_LOCALES
from roadmap.core.mail import send_mail
from roadmap.core.phones import InvalidIdentity, normalise_phone, phone_hash
from roadmap.core.models import utcnow
from roadmap.extensions import db

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16,
                        type=Type.ID)
PROFILE_FIELDS = ("display_name", "stakeholder_type", "organisation", "home_commune_id",
                  "preferred_language", "gender", "age_band")
_ALLOWED = {"stakeholder_type": STAKEHOLDER_TYPES, "preferred_language": LANGUAGES,
            "gender": GENDERS, "age_band": AGE_BANDS}
_NULLABLE = {"organisation", "home_commune_id", "preferred_language", "gender", "age_band"}
_dummy_hash: str | None = None
log = logging.getLogger(__name__)


class AccountError(Exception):
    """Base class of the errors the account services raise."""


class InvalidCredentials(AccountError):
    """The email or the password is wrong, or the account is disabled (never says which)."""


class PasswordTooShort(AccountError):
    """The password is shorter than :data:`MIN_PASSWORD_LENGTH` characters."""


class PasswordTooCommon(AccountError):
    """The password is in the bundled list of common and breached passwords."""


class InvalidResetToken(AccountError):
    """The password-reset token is unknown, already used or expired."""


class InvalidConfirmationToken(AccountError):
    """The confirmation link is unknown, already used, expired, or for a former address."""


class EmailAlreadyRegistered(AccountError):
    """An account already uses this email address."""


class UnknownRole(AccountError):
    """The role is not one of :data:`roadmap.accounts.models.ROLES`."""


class InvalidProfileValue(AccountError):
    """A profile field was given a value outside its allowed choices."""


class LastAdmin(AccountError):
    """The change would leave the platform without an active admin."""


class OwnAccount(AccountError):
    """An admin tried to change their own role or deactivate their own account."""


class AccountDeleted(AccountError):
    """The account was deleted: its role and state no longer change."""


# --- passwords -------------------------------------------------------------------------------

def normalise_email(email: str) -> str:
    """The canonical form of an email address: stripped and lower-cased."""
    return (email or "").strip().lower()


COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled common and breached passwords, lower-cased (see data/README.md)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def is_common_password(password: str) -> bool:
    """True if ``password`` (ignoring case and surrounding spaces) is in the bundled list."""
    return (password or "").strip().lower() in common_passwords()


def check_password_strength(password: str) -> None:
    """Raise :class:`PasswordTooShort` unless ``password`` has at least 12 characters, and
    :class:`PasswordTooCommon` if it is a common or breached password."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if is_common_password(password):
        raise PasswordTooCommon("This password is too common.")


def hash_password(password: str) -> str:
    """Hash ``password`` with argon2id at the platform's parameters (``$argon2id$...``)."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; False for a wrong or unusable hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    """A hash of a random password, so unknown emails cost as much as known ones."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    return _dummy_hash


# --- lookups ---------------------------------------------------------------------------------

def user_by_email(email: str) -> User | None:
    """The account with this email address (normalised), or None."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def user_by_login(identifier: str) -> User | None:
    """The account an email address, or a Moroccan mobile number, names (or None).

    A number is looked up by its keyed hash (``phone_hash``, set when a help-desk account was
    claimed by phone): the number itself is stored nowhere. Anything else that is not an
    address names no account.
    """
    text = (identifier or "").strip()
    if "@" in text or not text:
        return user_by_email(text)
    try:
        e164 = normalise_phone(text)
    except InvalidIdentity:
        return None
    return db.session.scalar(select(User).where(User.phone_hash == phone_hash(e164)))


# --- registration and login ------------------------------------------------------------------

def register_user(email: str, password: str, display_name: str, *,
                  signup_ip_hash: str | None = None, **profile) -> User | None:
    """Create an unconfirmed participant account and mail it its confirmation link; flushes.

    If the address is already registered, no account is created: the owner of the address is
    mailed a notice instead and None is returned, so the caller can answer exactly as for a new
    account (the page never reveals whether an address is registered). ``profile`` takes the
    fields of :data:`PROFILE_FIELDS` except ``display_name``; ``signup_ip_hash`` is the keyed
    hash of the address the request came from (never the address). Needs a request context to
    build the link.
    """
    email = normalise_email(email)
    check_password_strength(password)
    password_hash = hash_password(password)  # hashed in both cases: same work, same timing
    existing = user_by_email(email)
    if existing is None:
        user = User(email=email, password_hash=password_hash, role="participant",
                    signup_ip_hash=signup_ip_hash)
        _apply_profile(user, dict(profile, display_name=display_name))
        try:
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:  # registered at the same moment by another request
            existing = user_by_email(email)
        else:
            send_confirmation(user)
            return user
    _mail_already_registered(existing)
    return None


def authenticate(email: str, password: str) -> User:
    """Return the active account matching ``email`` (an address, or a mobile number: see
    :func:`user_by_login`) and ``password`` and record the login.

    Unknown emails and numbers cost one argon2 verification too, and fail the same way. Updates ``last_login_at`` and rehashes the
    password when the hashing parameters changed. Raises :class:`InvalidCredentials`.
    """
    user = user_by_login(email)
    if user is None:
        verify_password(_dummy(), password or "")
        raise InvalidCredentials("email or password incorrect")
    if not verify_password(user.password_hash, password or "") or not user.active:
        raise InvalidCredentials("email or password incorrect")
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


# --- single-use links ------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Single-use, expiring links (password reset, email confirmation): only the SHA-256 of the
# token is stored, a used link has ``used_at``.

def _issue_link(model, user: User, hours: int, endpoint: str, **fields):
    """A new link record of ``model`` for ``user``, valid ``hours``, and its address (the
    token is in the address only). Needs a request context."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = model(user=user, token_hash=_token_hash(token), created_at=now,
                   expires_at=now + timedelta(hours=hours), **fields)
    db.session.add(record)
    return record, url_for(endpoint, token=token, _external=True)


def _usable_link(model, token: str):
    """The unused, unexpired link record of ``model`` matching ``token``, or None."""
    record = db.session.scalar(select(model).where(model.token_hash == _token_hash(token or "")))
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    return record


def _unused_links(model, user: User):
    return db.session.scalars(select(model).where(model.user_id == user.id,
                                                  model.used_at.is_(None)))


def _use_up(records) -> None:
    now = utcnow()
    for record in records:
        record.used_at = now


# --- email confirmation ----------------------------------------------------------------------

def send_confirmation(user: User) -> EmailConfirmationToken:
    """Mail ``user`` a fresh single-use link that confirms their address; flushes.

    Only the SHA-256 of the token is stored; the link expires after
    ``ROADMAP_CONFIRMATION_HOURS``. The user's older links stop working. Needs a request
    context to build the link.
    """
    _use_up(_unused_links(EmailConfirmationToken, user))
    hours = current_app.config["ROADMAP_CONFIRMATION_HOURS"]
    record, link = _issue_link(EmailConfirmationToken, user, hours, "accounts.confirm_email",
                               email=user.email)
    _mail_confirmation_link(user, link, hours)
    db.session.flush()
    return record


def resend_confirmation(email: str) -> EmailConfirmationToken | None:
    """Mail a fresh confirmation link to the account of ``email`` if it still needs one.

    For an unknown, disabled or already confirmed address nothing happens and None is
    returned: callers answer the same in every case (no account enumeration).
    """
    user = user_by_email(email)
    if user is None or not user.active or not awaits_confirmation(user):
        return None
    return send_confirmation(user)


def valid_confirmation(token: str) -> EmailConfirmationToken | None:
    """The unused, unexpired confirmation link matching ``token`` for an active account that
    still has the address it was sent to, or None."""
    record = _usable_link(EmailConfirmationToken, token)
    if record is None:
        return None
    user = record.user
    if not user.active or user.deleted_at is not None or user.email != record.email:
        return None
    return record


def confirm_email(token: str) -> User:
    """Confirm the address of the account a confirmation link was sent to; the link (and the
    account's other links) stop working. Flushes. Raises :class:`InvalidConfirmationToken`."""
    record = valid_confirmation(token)
    if record is None:
        raise InvalidConfirmationToken("This confirmation link is invalid or has expired.")
    user = record.user
    _use_up(_unused_links(EmailConfirmationToken, user))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.flush()
    return user


# --- password reset --------------------------------------------------------------------------

def request_password_reset(email: str) -> PasswordResetToken | None:
    """Mail a single-use reset link to the account of ``email``; flushes.

    Only the SHA-256 of the token is stored; the link expires after ``PASSWORD_RESET_HOURS``.
    For an unknown or disabled address nothing happens and None is returned (callers answer
    the same in both cases). Needs a request context to build the link.
    """
    user = user_by_email(email)
    if user is None or not user.active:
        return None
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    record, link = _issue_link(PasswordResetToken, user, hours, "accounts.reset_password")
    _mail_reset_link(user, link, hours)
    db.session.flush()
    return record


def valid_reset_token(token: str) -> PasswordResetToken | None:
    """The unused, unexpired reset token matching ``token`` for an active account, or None."""
    record = _usable_link(PasswordResetToken, token)
    return record if record is not None and record.user.active else None


def reset_password(token: str, new_password: str) -> User:
    """Set a new password with a reset token; the token and the user's others become unusable.

    Every session of the user is revoked. Raises :class:`InvalidResetToken`,
    :class:`PasswordTooShort` or :class:`PasswordTooCommon`.
    """
    record = valid_reset_token(token)
    if record is None:
        raise InvalidResetToken("This reset link is invalid or has expired.")
    check_password_strength(new_password)
    user = record.user
    user.password_hash = hash_password(new_password)
    _use_up(_unused_links(PasswordResetToken, user))
    revoke_all_sessions(user)  # flushes
    return user


# --- profile and roles -----------------------------------------------------------------------

def _apply_profile(user: User, values: dict) -> None:
    """Copy the known profile fields of ``values`` onto ``user``, checking their choices."""
    for name, value in values.items():
        if name not in PROFILE_FIELDS:
            raise InvalidProfileValue(f"Unknown profile field: {name}")
        value = value.strip() if isinstance(value, str) else value
        if value in ("", None) and name in _NULLABLE:
            value = None
        elif name in _ALLOWED and value not in _ALLOWED[name]:
            raise InvalidProfileValue(f"{name} cannot be {value!r}")
        elif name == "display_name" and not value:
            raise InvalidProfileValue("display_name cannot be empty")
        setattr(user, name, value)


def update_profile(user: User, **values) -> User:
    """Change the profile fields given in ``values`` (see :data:`PROFILE_FIELDS`); flushes.

    Raises :class:`InvalidProfileValue` for a value outside its choices.
    """
    _apply_profile(user, values)
    db.session.flush()
    return user


def set_preferred_language(user: User, language: str) -> User:
    """Remember ``language`` (ar, fr or en) as the user's preferred language; flushes."""
    return update_profile(user, preferred_language=language)


def _active_admins() -> int:
    return db.session.scalar(select(func.count(User.id))
                             .where(User.role == "admin", User.active.is_(True)))


def _check_acting_on_other(user: User, by: User | None, message) -> None:
    """Refuse an admin acting on their own account, or on a deleted account."""
    if by is not None and by.id == user.id:
        raise OwnAccount(message)
    if user.deleted_at is not None:
        raise AccountDeleted(_l("This account was deleted."))


def set_role(user: User, role: str, by: User | None = None) -> User:
    """Give ``user`` the ``role``; ``by`` is the acting admin (None from the command line).

    Raises :class:`UnknownRole`, :class:`OwnAccount` when ``by`` is ``user`` (another admin
    must do it), :class:`AccountDeleted`, or :class:`LastAdmin` when the last active admin
    would lose the role. Flushes.
    """
    if role not in ROLES:
        raise UnknownRole(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}.")
    if user.role == "admin" and role != "admin" and user.active and _active_admins() <= 1:
        raise LastAdmin(_l("This is the last admin: make another admin first."))
    _check_acting_on_other(user, by, _l("You cannot change your own role: another "
                                        "administrator must do it."))
    previous, user.role = user.role, role
    db.session.flush()
    audit_record(by, "user.set_role", user, before={"role": previous}, after={"role": role})
    log.info("role of user %s changed from %s to %s by %s", user.id, previous, role,
             by.id if by is not None else "the command line")
    return user


def deactivate_user(user: User, by: User | None) -> User:
    """Deactivate ``user``: they can no longer log in and every session of theirs ends.

    Raises :class:`OwnAccount` (nobody deactivates themselves), :class:`AccountDeleted`, or
    :class:`LastAdmin` for the last active admin. Already inactive: nothing changes. Flushes.
    """
    _check_acting_on_other(user, by, _l("You cannot deactivate your own account."))
    if not user.active:
        return user
    if user.role == "admin" and _active_admins() <= 1:
        raise LastAdmin(_l("This is the last active administrator: make another administrator "
                           "first."))
    user.active = False
    ended = revoke_all_sessions(user)  # flushes
    audit_record(by, "user.deactivate", user, before={"active": True},
                 after={"active": False, "sessions_ended": ended})
    return user


def reactivate_user(user: User, by: User | None) -> User:
    """Let a deactivated ``user`` log in again; flushes. Already active: nothing changes.

    Raises :class:`OwnAccount` or :class:`AccountDeleted` (a deleted account stays closed).
    """
    _check_acting_on_other(user, by, _l("You cannot reactivate your own account."))
    if user.active:
        return user
    user.active = True
    db.session.flush()
    audit_record(by, "user.reactivate", user, before={"active": False}, after={"active": True})
    return user


def create_admin(email: str, display_name: str, password: str) -> User:
    """Create an active admin account; flushes.

    Raises :class:`EmailAlreadyRegistered` (use :func:`set_role` for an existing account) or
    :class:`PasswordTooShort`.
    """
    email = normalise_email(email)
    check_password_strength(password)
    if user_by_email(email) is not None:
        raise EmailAlreadyRegistered(f"An account already uses {email}: use `users set-role`.")
    user = User(email=email, password_hash=hash_password(password), role="admin",
                stakeholder_type="public_service", email_confirmed_at=utcnow())
    _apply_profile(user, {"display_name": display_name})
    db.session.add(user)
    db.session.flush()
    return user


# --- mails (each rendered in the recipient's preferred language, if they chose one) ------------

def _in_language(user: User):
    """A context in which gettext speaks the user's preferred language, if they chose one."""
    if user.preferred_language in LANGUAGES:
        return force_locale(FORMAT_LOCALES[user.preferred_language])
    return nullcontext()


def _mail_confirmation_link(user: User, link: str, hours: int) -> None:
    with _in_language(user):
        subject = gettext("Confirm your address on the participatory roadmap")
        body = gettext(
            "Hello %(name)s,\n\nYour account on the participatory roadmap was created with "
            "this address. To make proposals, support them and comment, confirm it: open this "
            "link within %(hours)s hours and press the button on the page:\n\n%(link)s\n\n"
            "Until then you can log in and read everything. If you did not register, ignore "
            "this message: the account stays unconfirmed.", name=user.display_name,
            hours=hours, link=link)
    send_mail(user.email, subject, body)


def _mail_already_registered(user: User) -> None:
    with _in_language(user):
        subject = gettext("Someone tried to register with your address")
        body = gettext(
            "Hello %(name)s,\n\nSomeone tried to create an account on the participatory "
            "roadmap with this address, which already has one. No new account was created.\n\n"
            "If it was you, log in, or reset your password if you forgot it. Otherwise you can "
            "ignore this message.", name=user.display_name)
    send_mail(user.email, subject, body)


def _mail_reset_link(user: User, link: str, hours: int) -> None:
    with _in_language(user):
        subject = gettext("Reset your password")
        body = gettext(
            "Hello %(name)s,\n\nTo choose a new password, open this link within %(hours)s "
            "hours:\n\n%(link)s\n\nThe link works once. If you did not ask for it, ignore this "
            "message: your password does not change.", name=user.display_name, hours=hours,
            link=link)
    send_mail(user.email, subject, body)
