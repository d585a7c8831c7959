"""Identities as keyed hashes, and the normalisation of what residents type.

Law 09-08: the platform needs to know that two verifications are the same person, not who the
person is. A CNIE number, an in-person code and a phone number are therefore stored only as
HMAC-SHA256 under the *verification key*: a secret kept outside the database, like the session
key (``ROADMAP_VERIFICATION_KEY``, else ``instance/verification_key``, made once). Without the
key a copy of the database cannot be searched for a known number. Losing the key makes the
residents' lists useless (upload them again) and lets every identity verify once more: back it
up apart from the database.

What a person types is normalised first: NFKC, Arabic-Indic and Eastern Arabic-Indic digits to
ASCII, case, spaces and dashes. :class:`InvalidIdentity` carries a message in the reader's
language for anything that cannot be read.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from roadmap.core.keys import keyed_hash, seal, unseal, verification_key  # noqa: F401
from roadmap.core.phones import (InvalidIdentity, ascii_digits, mask_phone,  # noqa: F401
                                  normalise_phone, phone_hash)

# A CNIE (carte nationale d'identité électronique) number: one or two letters, then digits.
CNIE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9]{1,6}$")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y")
OLDEST_BIRTH_YEAR = 1900


def compact(value: str) -> str:
    """ASCII digits, upper case, without spaces, dashes, dots or slashes."""
    return re.sub(r"[\s\-./_]+", "", ascii_digits(value)).upper()


# --- the hashes ----------------------------------------------------------------------------

def cnie_hash(cnie: str) -> str:
    """The identity of a residents' list entry: the keyed hash of the normalised CNIE."""
    return keyed_hash("cnie", cnie)


def cnie_check_hash(cnie: str, born_on: date) -> str:
    """What a resident proves: the keyed hash of the CNIE number with the date of birth."""
    return keyed_hash("cnie-birth", f"{cnie}|{born_on.isoformat()}")


def code_hash(code: str) -> str:
    """The keyed hash of a normalised in-person or SMS code."""
    return keyed_hash("code", code)


def address_hash(address: str | None) -> str | None:
    """The keyed hash of a network address (the suspicious-activity view groups by it)."""
    return keyed_hash("ip", address) if address else None


# --- what residents type -----------------------------------------------------------------------

def normalise_cnie(raw) -> str:
    """A CNIE number as stored before hashing: ``"ab 123 456"`` and ``"AB١٢٣٤٥٦"`` give
    ``"AB123456"``. Raises :class:`InvalidIdentity`."""
    value = compact(str(raw) if raw is not None else "")
    if not value:
        raise InvalidIdentity(_l("Enter the number of your national identity card (CNIE)."),
                              "cnie_missing")
    if not CNIE_PATTERN.match(value):
        raise InvalidIdentity(_l("This is not a national identity card (CNIE) number: one or "
                                 "two Latin letters followed by digits, for example AB123456."),
                              "cnie_malformed")
    return value


def parse_birth_date(raw, *, today: date | None = None) -> date:
    """A date of birth from a form or a list cell: ISO, day/month/year with ``/``, ``-`` or ``.``,
    Arabic-Indic digits, or a date a spreadsheet gives. Raises :class:`InvalidIdentity` for a
    date that cannot be read, does not exist, is in the future or before 1900."""
    today = today or date.today()
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    else:
        text_value = ascii_digits(str(raw or "")).strip()
        if not text_value:
            raise InvalidIdentity(_l("Enter your date of birth."), "birth_missing")
        text_value = text_value.split(" ")[0].split("T")[0]  # "1990-05-01 00:00:00"
        value = None
        for pattern in DATE_FORMATS:
            try:
                value = datetime.strptime(text_value, pattern).date()
                break
            except ValueError:
                continue
        if value is None:
            if re.fullmatch(r"\d{1,4}[/\-.]\d{1,2}[/\-.]\d{1,4}", text_value):
                raise InvalidIdentity(_l("This date does not exist."), "birth_impossible")
            raise InvalidIdentity(_l("Enter the date of birth as day/month/year, for example "
                                     "25/03/1990."), "birth_malformed")
    if value > today:
        raise InvalidIdentity(_l("A date of birth cannot be in the future."), "birth_future")
    if value.year < OLDEST_BIRTH_YEAR:
        raise InvalidIdentity(_l("This date of birth is not possible."), "birth_impossible")
    return value


def normalise_code(raw) -> str:
    """An in-person or SMS code as typed: digits only (Arabic-Indic accepted), no spaces or
    dashes. Raises :class:`InvalidIdentity` if anything but digits is left."""
    value = compact(str(raw or ""))
    if not value:
        raise InvalidIdentity(_l("Enter the code."), "code_missing")
    if not value.isdigit() or not value.isascii():
        raise InvalidIdentity(_l("A code is made of digits only."), "code_malformed")
    return value
