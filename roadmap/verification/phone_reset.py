"""A new password with a code sent by SMS, for an account that signs in with its phone number
(claimed at the help desk by phone, or verified by SMS) and may have no email address at all.

:func:`send_reset_code` sends a code (purpose ``reset``) to the number if an active account
signs in with it, and does nothing otherwise; :func:`reset_with_code` sets the new password
with the code, revoking every session. Neither tells whether the number has an account: the
pages answer the same, and every refusal of a code is the same message (:data:`CODE_REFUSED`),
so that trying numbers teaches nothing. The codes, limits and tries are those of
:mod:`roadmap.verification.phone` (10 minutes, 5 tries, ``ROADMAP_SMS_LIMITS``).

They flush, never commit; a counted wrong try (``code`` in ``phone.COUNTED_TRIES``) must be
committed by the caller.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadmap.accounts.models import User
from roadmap.accounts.services import check_password_strength, hash_password
from roadmap.accounts.sessions import revoke_all_sessions
from roadmap.audit.log import record
from roadmap.extensions import db
from roadmap.verification import phone
from roadmap.verification.identity import InvalidIdentity, normalise_phone, phone_hash
from roadmap.verification.services import VerificationError

PURPOSE = "reset"
CODE_REFUSED = _l("This code is wrong, or no longer works. Check it, or ask for a new code.")


def phone_account(e164: str) -> User | None:
    """The active account that signs in with the number ``e164``, or None."""
    user = db.session.scalar(select(User).where(User.phone_hash == phone_hash(e164)))
    return user if user is not None and user.active and user.deleted_at is None else None


def send_reset_code(raw_number) -> str:
    """Send a reset code to the number typed if an account signs in with it; the E.164 number
    either way (for the caller to keep, sealed, and show masked). Raises only
    :class:`InvalidIdentity` for a malformed or non-Moroccan mobile number (which says nothing
    about accounts); past the sending limits nothing is sent, as for an unknown number."""
    e164 = normalise_phone(raw_number)
    user = phone_account(e164)
    if user is not None:
        try:
            phone.start_challenge(user, e164, purpose=PURPOSE)
        except VerificationError:  # the sending limits: say no more than for anyone else
            return e164
        record(user, "accounts.password_reset_sms_sent", user, after={"channel": "sms"})
    return e164


def reset_with_code(e164: str, code, new_password: str) -> User:
    """Set ``new_password`` on the account of ``e164`` with the code sent to it.

    The password is checked first (a weak one costs no try): the password errors of
    :func:`roadmap.accounts.services.check_password_strength`. Every refusal of the code,
    whether the number has an account or not, is a :class:`VerificationError` with the message
    :data:`CODE_REFUSED` (``code`` in ``phone.COUNTED_TRIES`` when a try was counted). Every
    session of the account is revoked. Flushes.
    """
    check_password_strength(new_password)
    user = phone_account(e164)
    if user is None:
        raise VerificationError(CODE_REFUSED, "sms_no_code")
    try:
        phone.check_challenge(user, code, purpose=PURPOSE)
    except (VerificationError, InvalidIdentity) as error:
        raise VerificationError(CODE_REFUSED, getattr(error, "code", "refused")) from None
    user.password_hash = hash_password(new_password)
    revoke_all_sessions(user)  # flushes
    record(user, "accounts.password_reset", user, after={"channel": "sms"})
    return user
