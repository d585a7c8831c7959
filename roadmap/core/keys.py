"""The verification key: identities (CNIE numbers, codes, phone numbers, addresses) are kept
as HMAC-SHA256 under it, and the few values a job must read back (a phone number an SMS must
still reach) are sealed with a key derived from it. It lives outside the database, like the
session key: ``ROADMAP_VERIFICATION_KEY``, else ``instance/verification_key`` (made once)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from flask import current_app


# --- the key and the hashes --------------------------------------------------------------------

def _key_from_instance(instance_path: Path) -> str:
    key_file = instance_path / "verification_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def verification_key() -> bytes:
    """The secret under which identities are hashed (see the module's docstring)."""
    config = current_app.config
    key = config.get("ROADMAP_VERIFICATION_KEY")
    if not key:
        key = _key_from_instance(Path(current_app.instance_path))
        config["ROADMAP_VERIFICATION_KEY"] = key
        config["ROADMAP_VERIFICATION_KEY_FILE"] = True  # for ``flask check``: not configured
    return key.encode()


def keyed_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 of ``kind:value`` under the verification key, as 64 hex digits.

    ``kind`` keeps the identities of different methods apart (``cnie``, ``code``, ``phone``).
    """
    message = f"{kind}:{value}".encode()
    return hmac.new(verification_key(), message, hashlib.sha256).hexdigest()


def _fernet():
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(b"roadmap-seal:" + verification_key()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> str:
    """``value`` encrypted under a key derived from the verification key (a phone number an
    SMS job must still dial); :func:`unseal` reads it back. Erase it once it served."""
    return _fernet().encrypt(value.encode()).decode()


def unseal(token: str) -> str:
    """The value :func:`seal` encrypted."""
    return _fernet().decrypt(token.encode()).decode()


def unseal_or_none(token) -> str | None:
    """The value :func:`seal` encrypted, or None when ``token`` is missing or cannot be read
    (sealed under another key, or damaged in a cookie)."""
    if not token or not isinstance(token, str):
        return None
    try:
        return unseal(token)
    except Exception:  # noqa: BLE001 - InvalidToken, a damaged value: nothing to read back
        return None
