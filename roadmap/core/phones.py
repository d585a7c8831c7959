"""Moroccan mobile numbers: read from what a person types, normalised to E.164 with the
``phonenumbers`` library, and kept only as a keyed hash (login by phone, SMS verification)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from roadmap.core.keys import keyed_hash


class InvalidIdentity(ValueError):
    """What a person typed (a phone number here; a CNIE number, a date or a code in
    roadmap.verification.identity) cannot be read; ``str(error)`` says why in their language."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(str(message))
        self.code = code


def ascii_digits(value: str) -> str:
    """``value`` with Arabic-Indic digits as ASCII digits, after NFKC (full-width forms too)."""
    import unicodedata

    table = {code: str(code - base) for base in (0x0660, 0x06F0)
             for code in range(base, base + 10)}
    return unicodedata.normalize("NFKC", value or "").translate(table)


def phone_hash(e164: str) -> str:
    """The identity of a phone number (E.164), also used to log in with it."""
    return keyed_hash("phone", e164)


def normalise_phone(raw) -> str:
    """A Moroccan mobile number in E.164 (``+2126XXXXXXXX`` or ``+2127XXXXXXXX``), from what a
    person types (``06 12 34 56 78``, ``+212 6...``, ``00212...``, Arabic-Indic digits), checked
    with the ``phonenumbers`` library. Raises :class:`InvalidIdentity`."""
    import phonenumbers

    value = ascii_digits(str(raw or "")).strip()
    if not value:
        raise InvalidIdentity(_l("Enter your mobile phone number."), "phone_missing")
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, "MA")
    except phonenumbers.NumberParseException:
        raise InvalidIdentity(_l("This is not a phone number."), "phone_malformed") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentity(_l("This is not a valid phone number."), "phone_malformed")
    if phonenumbers.region_code_for_number(number) != "MA":
        raise InvalidIdentity(_l("Only Moroccan mobile numbers (+212) can receive the code."),
                              "phone_not_moroccan")
    if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidIdentity(_l("This is not a mobile number: the code is sent by SMS."),
                              "phone_not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """``+212612345678`` -> ``+212 6•••••678``: enough to recognise one's number, no more."""
    return f"{e164[:4]} {e164[4]}{'•' * (len(e164) - 8)}{e164[-3:]}"
