"""Codes sent by SMS to a Moroccan mobile number: verifying an account with it, or (purpose
``claim``, the help desk) proving that a resident holds the number of a managed account.

:func:`start_challenge` sends a 6-digit code, :func:`check_challenge` checks what the person
typed; :func:`verify_with_sms` verifies the account with the number. Only keyed hashes are
stored: the number's (``phone_hash``, the identity, also what logging in by phone looks up)
and the code's; the SMS itself keeps a masked recipient (see :mod:`roadmap.core.sms`).

Limits, all from the settings:

- ``ROADMAP_SMS_LIMITS`` (``"3 per hour;6 per day"``): codes sent per account and, apart,
  per number, counted from the ``sms_challenge`` rows (whatever the purpose);
- ``ROADMAP_SMS_CODE_MINUTES`` (10): how long a code is valid;
- :data:`MAX_TRIES` (5) wrong codes end a challenge. Each try is counted by one conditional
  ``UPDATE ... SET attempts = attempts + 1 WHERE attempts < 5``, so that parallel tries cannot
  pass the limit. A wrong try raises :class:`VerificationError` whose ``code`` is in
  :data:`COUNTED_TRIES`: the caller commits then (the try must stay counted) and rolls back
  on any other refusal.

They flush, never commit; they never read ``current_user``.
"""
from __future__ import annotations

import hmac
import math
import secrets
from datetime import timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from roadmap.accounts.models import User
from roadmap.core.database import begin_write
from roadmap.core.i18n import FORMAT_LOCALES, current_language
from roadmap.core.keys import keyed_hash
from roadmap.core.models import utcnow
from roadmap.core.sms import send_sms
from roadmap.extensions import db
from roadmap.verification.identity import (InvalidIdentity, normalise_code, normalise_phone,
                                           phone_hash)
from roadmap.verification.models import SMS_PURPOSES, SmsChallenge, Verification
from roadmap.verification.services import VerificationError, identity_in_use, verify_account

CODE_DIGITS = 6
MAX_TRIES = 5
DEFAULT_LIMITS = "3 per hour;6 per day"
SMS_LANGUAGES = ("ar", "fr")
# Refusals of check_challenge that counted a try: the caller commits them.
COUNTED_TRIES = ("sms_code_wrong", "sms_code_exhausted")

NUMBER_TAKEN = _l("This phone number is already used by another account. If it is yours, "
                   "sign in with it; otherwise ask your commune office.")


# --- settings ----------------------------------------------------------------------------------

def code_minutes() -> int:
    """How long an SMS code is valid, in minutes (``ROADMAP_SMS_CODE_MINUTES``)."""
    return int(current_app.config.get("ROADMAP_SMS_CODE_MINUTES") or 10)


def sending_limits() -> list[tuple[int, int]]:
    """``(count, seconds)`` of ``ROADMAP_SMS_LIMITS`` (``"3 per hour;6 per day"``), each the
    most codes an account, and a number, may receive in that many seconds."""
    from limits import parse_many

    value = current_app.config.get("ROADMAP_SMS_LIMITS") or DEFAULT_LIMITS
    return [(item.amount, item.get_expiry()) for item in parse_many(value)]


# --- hashes and the message ----------------------------------------------------------------------

def sms_code_hash(number_hash: str, code: str) -> str:
    """The keyed hash of an SMS code, bound to the number it was sent to."""
    return keyed_hash("sms-code", f"{number_hash}|{code}")


def new_code() -> str:
    """A random code of :data:`CODE_DIGITS` digits (``secrets``)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def sms_language(user) -> str:
    """The language of the SMS: the user's (Arabic or French), else the page's, else French."""
    for language in (getattr(user, "preferred_language", None),
                     current_language() if has_request_context() else None):
        if language in SMS_LANGUAGES:
            return language
    return "fr"


def sms_text(user, code: str, minutes: int) -> str:
    """The SMS: short, in the user's language, naming the platform and how long it is valid."""
    with force_locale(FORMAT_LOCALES[sms_language(user)]):
        return gettext("%(platform)s: your code is %(code)s. Valid %(minutes)d min. Never give "
                       "it to anyone.", platform=gettext("Participatory roadmap"), code=code,
                       minutes=minutes)


# --- sending -----------------------------------------------------------------------------------

def _number_holder(user, number_hash: str) -> User | None:
    """Another account that logs in with this number (``user_account.phone_hash``)."""
    return db.session.scalar(select(User).where(User.phone_hash == number_hash,
                                                User.id != user.id))


def number_taken(user, number_hash: str) -> bool:
    """True if the number (its hash) verifies, or logs in, an account other than ``user``."""
    holder = identity_in_use(number_hash)
    return (holder is not None and holder.user_id != user.id) or \
        _number_holder(user, number_hash) is not None


def _check_sending_limits(user, number_hash: str) -> None:
    """Refuse a new code past ``ROADMAP_SMS_LIMITS`` for the account or for the number."""
    now = utcnow()
    for count, seconds in sending_limits():
        since = now - timedelta(seconds=seconds)
        for condition in (SmsChallenge.user_id == user.id,
                          SmsChallenge.phone_hash == number_hash):
            sent = db.session.execute(
                select(func.count(SmsChallenge.id), func.min(SmsChallenge.created_at))
                .where(condition, SmsChallenge.created_at > since)).one()
            if sent[0] >= count:
                again = sent[1] + timedelta(seconds=seconds)
                if seconds <= 3600:
                    wait = max(1, math.ceil((again - now).total_seconds() / 60))
                    message = ngettext("Too many codes were sent: you can ask for a new one in "
                                       "%(num)d minute.", "Too many codes were sent: you can "
                                       "ask for a new one in %(num)d minutes.", wait)
                else:
                    message = _l("Too many codes were sent today: try again tomorrow, or verify "
                                 "another way.")
                raise VerificationError(message, "sms_limit")


def start_challenge(user, raw_number, purpose: str = "verify") -> SmsChallenge:
    """Send a code by SMS to the number ``raw_number`` (as typed) for ``user``.

    Refuses (:class:`InvalidIdentity`) a malformed, foreign or landline number, and
    (:class:`VerificationError`) a number that verifies or logs in another account, or a code
    past the sending limits. The account's earlier open challenges end ("replaced"). The
    challenge keeps the hashes only; its ``number`` attribute (not stored) is the E.164 number,
    for the caller to show masked or to send again. Flushes.
    """
    if purpose not in SMS_PURPOSES:
        raise ValueError(f"purpose must be one of {SMS_PURPOSES}")
    e164 = normalise_phone(raw_number)
    number_hash = phone_hash(e164)
    begin_write()
    if number_taken(user, number_hash):
        raise VerificationError(NUMBER_TAKEN, "phone_used")
    _check_sending_limits(user, number_hash)
    now = utcnow()
    db.session.execute(
        update(SmsChallenge).where(SmsChallenge.user_id == user.id,
                                   SmsChallenge.used_at.is_(None),
                                   SmsChallenge.failed_reason.is_(None))
        .values(failed_reason="replaced").execution_options(synchronize_session=False))
    code, minutes = new_code(), code_minutes()
    challenge = SmsChallenge(user_id=user.id, purpose=purpose, phone_hash=number_hash,
                             code_hash=sms_code_hash(number_hash, code), created_at=now,
                             expires_at=now + timedelta(minutes=minutes), attempts=0)
    db.session.add(challenge)
    db.session.flush()
    send_sms(e164, sms_text(user, code, minutes))
    challenge.number = e164
    return challenge


# --- checking ----------------------------------------------------------------------------------

def latest_challenge(user, purpose: str = "verify") -> SmsChallenge | None:
    """The account's latest challenge for ``purpose`` that was not replaced by a newer one."""
    return db.session.scalar(
        select(SmsChallenge).where(SmsChallenge.user_id == user.id,
                                   SmsChallenge.purpose == purpose,
                                   SmsChallenge.failed_reason.is_distinct_from("replaced"))
        .order_by(SmsChallenge.created_at.desc(), SmsChallenge.id.desc()).limit(1))


def open_challenge(user, purpose: str = "verify") -> SmsChallenge | None:
    """The challenge a code may still be typed for: not used, not ended, not expired."""
    challenge = latest_challenge(user, purpose)
    if challenge is None or challenge.used_at is not None or challenge.failed_reason \
            or challenge.expires_at <= utcnow():
        return None
    return challenge


def tries_left(challenge: SmsChallenge) -> int:
    """How many codes may still be typed for ``challenge``."""
    return max(0, MAX_TRIES - (challenge.attempts or 0))


def minutes_left(challenge: SmsChallenge) -> int:
    """Whole minutes (rounded up) until ``challenge`` expires."""
    seconds = (challenge.expires_at - utcnow()).total_seconds()
    return max(0, math.ceil(seconds / 60))


def _closed_refusal(challenge: SmsChallenge | None) -> VerificationError:
    if challenge is None or challenge.used_at is not None:
        return VerificationError(_l("Ask for a code first: enter your mobile number."),
                                 "sms_no_code")
    if challenge.failed_reason == "attempts" or (challenge.attempts or 0) >= MAX_TRIES:
        return VerificationError(_l("Too many wrong codes: this code no longer works. Ask for a "
                                    "new code."), "sms_code_exhausted_before")
    return VerificationError(_l("This code has expired (it was valid for %(minutes)d minutes). "
                                "Ask for a new code.", minutes=code_minutes()), "sms_expired")


def check_challenge(user, raw_code, purpose: str = "verify") -> SmsChallenge:
    """Check the code ``user`` typed against their latest open challenge for ``purpose``;
    the challenge, now used, if it is right.

    Raises :class:`InvalidIdentity` (not 6 digits: no try counted) or
    :class:`VerificationError`: no code asked, expired, ended by wrong tries, or wrong (the try
    is counted: ``code`` in :data:`COUNTED_TRIES`; the message says how many tries are left).
    Flushes.
    """
    code = normalise_code(raw_code)
    if len(code) != CODE_DIGITS:
        raise InvalidIdentity(_l("The code sent by SMS has %(n)d digits.", n=CODE_DIGITS),
                              "code_malformed")
    begin_write()
    challenge = latest_challenge(user, purpose)
    if challenge is None or challenge.used_at is not None or challenge.failed_reason \
            or challenge.expires_at <= utcnow():
        raise _closed_refusal(challenge)
    table = SmsChallenge.__table__
    counted = db.session.execute(
        update(table).where(table.c.id == challenge.id, table.c.used_at.is_(None),
                            table.c.failed_reason.is_(None), table.c.attempts < MAX_TRIES)
        .values(attempts=table.c.attempts + 1)).rowcount
    db.session.refresh(challenge)
    if not counted:  # a parallel try took the last one, or used the code
        raise _closed_refusal(challenge)
    right = hmac.compare_digest(challenge.code_hash, sms_code_hash(challenge.phone_hash, code))
    if right:
        used = db.session.execute(
            update(table).where(table.c.id == challenge.id, table.c.used_at.is_(None),
                                table.c.failed_reason.is_(None))
            .values(used_at=utcnow())).rowcount
        db.session.refresh(challenge)
        if used:
            return challenge
        raise _closed_refusal(challenge)
    left = tries_left(challenge)
    if left == 0:
        db.session.execute(update(table).where(table.c.id == challenge.id)
                           .values(failed_reason="attempts"))
        db.session.refresh(challenge)
        raise VerificationError(_l("Wrong code, and that was the last try: this code no longer "
                                   "works. Ask for a new code."), "sms_code_exhausted")
    raise VerificationError(ngettext("Wrong code. You have %(num)d try left.",
                                     "Wrong code. You have %(num)d tries left.", left),
                            "sms_code_wrong")


# --- verifying ---------------------------------------------------------------------------------

def verify_with_sms(user, raw_code) -> Verification:
    """Verify ``user`` with the code of their latest ``verify`` challenge: the identity is the
    number's hash, which also becomes the account's phone login (``user.phone_hash``).

    Raises what :func:`check_challenge` raises, and :class:`VerificationError` when the number
    verified, or logs in, another account in the meantime (two accounts racing with one
    number: one wins, the other is told so). Flushes.
    """
    challenge = check_challenge(user, raw_code, "verify")
    number_hash = challenge.phone_hash
    if _number_holder(user, number_hash) is not None:
        raise VerificationError(NUMBER_TAKEN, "phone_used")
    verification = verify_account(user, method="sms", identity_hash=number_hash)
    try:
        with db.session.begin_nested():
            user.phone_hash = number_hash
            db.session.flush()
    except IntegrityError:
        raise VerificationError(NUMBER_TAKEN, "phone_used") from None
    return verification
