"""Settings read from the environment (``ROADMAP_*``), with safe defaults for a laptop."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

LANGUAGES = ("ar", "fr", "en")
DEFAULT_LANGUAGE = "ar"


def _secret_key(instance_path: Path) -> str:
    """Return ``ROADMAP_SECRET_KEY``, or a key generated once and kept in ``instance/``."""
    env = os.environ.get("ROADMAP_SECRET_KEY")
    if env:
        return env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _flag(value: str | None) -> bool | None:
    """``"1"`` -> True, ``"0"`` -> False, unset or empty -> None (let the code decide)."""
    return None if not value else value == "1"


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping from the process environment."""
    instance = Path(instance_path)
    env = os.environ.get
    default_db = f"sqlite:///{instance / 'roadmap.sqlite3'}"
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": env("ROADMAP_DATABASE_URL", default_db),
        "ROADMAP_TILE_URL": env("ROADMAP_TILE_URL") or None,
        "ROADMAP_TILE_ATTRIBUTION": env("ROADMAP_TILE_ATTRIBUTION", ""),
        "ROADMAP_TERRITORY_UPLOAD_MAX_MB": float(env("ROADMAP_TERRITORY_UPLOAD_MAX_MB", "50")),
        # No request body may be larger (uploads included): past it, a 413 page, nothing kept.
        # Photos, documents and voice notes (one folder that several app servers mount).
        "ROADMAP_UPLOAD_PATH": env("ROADMAP_UPLOAD_PATH") or str(Path(instance_path) / "uploads"),
        "ROADMAP_UPLOAD_MAX_MB": float(env("ROADMAP_UPLOAD_MAX_MB", "10")),
        "ROADMAP_VOICE_MAX_SECONDS": int(env("ROADMAP_VOICE_MAX_SECONDS", "180")),
        "MAX_CONTENT_LENGTH": int(float(env("ROADMAP_MAX_REQUEST_MB", "64")) * 1024 * 1024),
        "MAIL_SERVER": env("ROADMAP_MAIL_SERVER") or None,
        "MAIL_PORT": int(env("ROADMAP_MAIL_PORT", "587")),
        "MAIL_USERNAME": env("ROADMAP_MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("ROADMAP_MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env("ROADMAP_MAIL_USE_TLS", "1") == "1",
        "MAIL_SENDER": env("ROADMAP_MAIL_SENDER", "roadmap@localhost"),
        # Background jobs: sqlite (instance/tasks.sqlite3) | redis | immediate (tests' default).
        "ROADMAP_TASK_QUEUE": env("ROADMAP_TASK_QUEUE") or None,
        "ROADMAP_TASK_QUEUE_NAME": env("ROADMAP_TASK_QUEUE_NAME", "roadmap"),
        "ROADMAP_TASK_QUEUE_FILE": env("ROADMAP_TASK_QUEUE_FILE") or None,
        "ROADMAP_REDIS_URL": env("ROADMAP_REDIS_URL") or None,
        "ROADMAP_JOB_STALE_SECONDS": float(env("ROADMAP_JOB_STALE_SECONDS", "120")),
        "ROADMAP_JOB_MAX_ATTEMPTS": int(env("ROADMAP_JOB_MAX_ATTEMPTS", "3")),
        "ROADMAP_JOB_RETRY_SECONDS": float(env("ROADMAP_JOB_RETRY_SECONDS", "30")),
        "RATELIMIT_STORAGE_URI": env("ROADMAP_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env("ROADMAP_RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_LOGIN": env("ROADMAP_RATELIMIT_LOGIN", "10 per minute;50 per hour"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Unset: Secure only with ROADMAP_FORCE_HTTPS=1 (decided in roadmap.core.security).
        "SESSION_COOKIE_SECURE": _flag(env("ROADMAP_SECURE_COOKIES")),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "ROADMAP_PAGE_CACHE_SECONDS": float(env("ROADMAP_PAGE_CACHE_SECONDS", "10")),
        "ROADMAP_FRAGMENT_CACHE_SIZE": int(env("ROADMAP_FRAGMENT_CACHE_SIZE", "5000")),
        "ROADMAP_MAP_POINTS_MIN_AGE": float(env("ROADMAP_MAP_POINTS_MIN_AGE", "2")),
        "ROADMAP_MAP_PARTICIPANTS_MIN_AGE": float(env("ROADMAP_MAP_PARTICIPANTS_MIN_AGE", "300")),
        "ROADMAP_MAP_FIGURES_MIN_AGE": float(env("ROADMAP_MAP_FIGURES_MIN_AGE", "10")),
        "ROADMAP_SNAPSHOTS": env("ROADMAP_SNAPSHOTS") or None,
        "ROADMAP_SNAPSHOTS_KEEP": int(env("ROADMAP_SNAPSHOTS_KEEP", "10")),
        "COMMENT_EDIT_MINUTES": int(env("ROADMAP_COMMENT_EDIT_MINUTES", "15")),
        "ROADMAP_BASE_URL": env("ROADMAP_BASE_URL") or None,
        "PASSWORD_RESET_HOURS": int(env("ROADMAP_PASSWORD_RESET_HOURS", "2")),
        "ROADMAP_INVITATION_DAYS": int(env("ROADMAP_INVITATION_DAYS", "7")),
        # Email confirmation links expire after this many hours.
        "ROADMAP_CONFIRMATION_HOURS": int(env("ROADMAP_CONFIRMATION_HOURS", "48")),
        # Verification (roadmap.verification): the methods switched on, comma-separated, among
        # residents_list, code, sms; and the key identities are hashed under (else made once in
        # instance/verification_key). Keep the key out of the database and back it up apart.
        "ROADMAP_VERIFICATION_METHODS": env("ROADMAP_VERIFICATION_METHODS",
                                            "residents_list,code"),
        "ROADMAP_VERIFICATION_KEY": env("ROADMAP_VERIFICATION_KEY") or None,
        # SMS: "outbox" (kept for admins at /admin/outbox) or "http" (a provider's gateway).
        "ROADMAP_SMS_BACKEND": env("ROADMAP_SMS_BACKEND", "outbox"),
        "ROADMAP_SMS_HTTP_URL": env("ROADMAP_SMS_HTTP_URL") or None,
        "ROADMAP_SMS_HTTP_METHOD": env("ROADMAP_SMS_HTTP_METHOD", "POST"),
        "ROADMAP_SMS_HTTP_HEADERS": env("ROADMAP_SMS_HTTP_HEADERS", "{}"),  # JSON object
        "ROADMAP_SMS_HTTP_BODY": env("ROADMAP_SMS_HTTP_BODY",
                                     '{"to": "{to}", "text": "{message}"}'),
        "ROADMAP_SMS_CODE_MINUTES": int(env("ROADMAP_SMS_CODE_MINUTES", "10")),
        # Codes sent per account and, apart, per number (counted from the sms_challenge rows);
        # the rate limits below count requests to the pages (typing errors included).
        "ROADMAP_SMS_LIMITS": env("ROADMAP_SMS_LIMITS", "3 per hour;6 per day"),
        "ROADMAP_RATELIMIT_SMS": env("ROADMAP_RATELIMIT_SMS", "10 per hour;30 per day"),
        "ROADMAP_RATELIMIT_VERIFY": env("ROADMAP_RATELIMIT_VERIFY", "10 per hour;30 per day"),
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "LANGUAGES": LANGUAGES,
        "WTF_CSRF_TIME_LIMIT": None,
        "ROADMAP_SESSION_IDLE_MINUTES": int(env("ROADMAP_SESSION_IDLE_MINUTES", "60")),
        "ROADMAP_SESSION_MAX_HOURS": int(env("ROADMAP_SESSION_MAX_HOURS", "12")),
        # A help-desk participation (an official acting for a resident) ends after this idle time.
        "ROADMAP_HELPDESK_IDLE_MINUTES": int(env("ROADMAP_HELPDESK_IDLE_MINUTES", "30")),
        "ROADMAP_FORCE_HTTPS": env("ROADMAP_FORCE_HTTPS", "0") == "1",
        "ROADMAP_PROXY_FIX": env("ROADMAP_PROXY_FIX", "0") == "1",
        "ROADMAP_RATELIMIT_REGISTER": env("ROADMAP_RATELIMIT_REGISTER", "5 per hour;20 per day"),
        "ROADMAP_RATELIMIT_CONFIRMATION": env("ROADMAP_RATELIMIT_CONFIRMATION",
                                              "3 per hour;10 per day"),
        "ROADMAP_RATELIMIT_PROPOSAL": env("ROADMAP_RATELIMIT_PROPOSAL", "5 per hour;20 per day"),
        "ROADMAP_RATELIMIT_COMMENT": env("ROADMAP_RATELIMIT_COMMENT", "10 per minute;100 per day"),
        "ROADMAP_RATELIMIT_VOTE": env("ROADMAP_RATELIMIT_VOTE", "60 per minute;1000 per day"),
        # Every GET of /api/v1/ (JSON API and GeoJSON layers) per client address.
        "ROADMAP_RATELIMIT_API": env("ROADMAP_RATELIMIT_API", "600 per minute"),
        "ROADMAP_RATELIMIT_REPORT": env("ROADMAP_RATELIMIT_REPORT", "10 per hour;50 per day"),
    }
