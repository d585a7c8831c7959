"""What a consultation requires of a participant, and why someone falls short of it.

Levels, from least to most: a *confirmed* email, *verified* by any method (residents' list,
in-person code, SMS), verified *resident* of the commune concerned. A verified account counts
as confirmed (an account opened at the help desk has no address to confirm). Each consultation
sets the level per action (``propose``, ``support``, ``comment``); reports need a confirmed
email everywhere. A refusal names what is missing and links to the way to get it: the page
that sends the confirmation link again (``accounts.resend_confirmation``) or the verification
page (``verification.start``).
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from roadmap.core.refusals import Refusal

CONFIRM_LINK = ("accounts.resend_confirmation", _l("Send the confirmation link again"))
VERIFY_LINK = ("verification.start", _l("Verify your account"))
METHOD_SETTING = "ROADMAP_VERIFICATION_METHODS"
ALL_METHODS = ("residents_list", "code", "sms")

_UNCONFIRMED = {
    "propose": _l("Confirm your email address to make a proposal: open the link we sent you."),
    "support": _l("Confirm your email address to support proposals: open the link we sent you."),
    "comment": _l("Confirm your email address to comment: open the link we sent you."),
    "report": _l("Confirm your email address to report content: open the link we sent you."),
}
_UNVERIFIED = {
    "propose": _l("In this consultation only verified residents can make proposals: verify "
                  "your account first."),
    "support": _l("In this consultation only verified residents can support proposals: verify "
                  "your account first."),
    "comment": _l("In this consultation only verified residents can comment: verify your "
                  "account first."),
}
_NO_COMMUNE = {
    "propose": _l("In this consultation only verified residents of the commune can make "
                  "proposals: verify with the residents' list or a code from your commune "
                  "office, which vouch for your commune."),
    "support": _l("In this consultation only verified residents of the commune can support its "
                  "proposals: verify with the residents' list or a code from your commune "
                  "office, which vouch for your commune."),
    "comment": _l("In this consultation only verified residents of the commune can comment on "
                  "its proposals: verify with the residents' list or a code from your commune "
                  "office, which vouch for your commune."),
}


def _other_commune(action: str, commune):
    """The "only verified residents of <commune>" message for ``action``, translated when read."""
    name = commune.name
    if action == "propose":
        return _l("Only verified residents of %(commune)s can make proposals for it.",
                  commune=name)
    if action == "support":
        return _l("Only verified residents of %(commune)s can support this proposal.",
                  commune=name)
    return _l("Only verified residents of %(commune)s can comment on this proposal.",
              commune=name)


def enabled_methods() -> tuple[str, ...]:
    """The verification methods this installation switched on (``ROADMAP_VERIFICATION_METHODS``)."""
    value = current_app.config.get(METHOD_SETTING)
    if value is None:
        return ("residents_list", "code")
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    return tuple(method for method in ALL_METHODS if method in value)


def method_enabled(method: str) -> bool:
    """True if ``method`` (``residents_list``, ``code``, ``sms``) is switched on here."""
    return method in enabled_methods()


def confirmation_refusal(user, action: str) -> Refusal | None:
    """Refuse ``action`` to a signed-in ``user`` whose address is not confirmed yet."""
    if user.email_confirmed_at is not None or user.verified_at is not None:
        return None
    return Refusal("unconfirmed", _UNCONFIRMED[action], CONFIRM_LINK)


def requirement_refusal(user, consultation, action: str, commune=None) -> Refusal | None:
    """Why signed-in ``user`` falls short of what ``consultation`` requires for ``action``.

    ``commune`` is the commune concerned (the proposal's, or the one chosen for a new one);
    for a ``resident`` requirement without one (the proposal form before a commune is chosen)
    any verified commune is enough here, and the service checks again with the chosen one.
    """
    refusal = confirmation_refusal(user, action)
    if refusal:
        return refusal
    required = consultation.requirement(action)
    if required == "confirmed":
        return None
    if user.verified_at is None:
        return Refusal("unverified", _UNVERIFIED[action], VERIFY_LINK)
    if required == "verified":
        return None
    if user.verified_commune_id is None:
        return Refusal("resident", _NO_COMMUNE[action], VERIFY_LINK)
    if commune is not None and user.verified_commune_id != commune.id:
        return Refusal("resident", _other_commune(action, commune))
    return None


def can_manage_verification(user, subject=None) -> bool:
    """Organisers and admins upload residents' lists and print code batches."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_role("organiser"))


def can_verify(user, subject=None) -> bool:
    """A signed-in account verifies itself once its address is confirmed (an account opened
    at the help desk has no address to confirm: it may too)."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and (user.email_confirmed_at is not None or user.is_managed))
