"""Security set-up of the application: headers (Flask-Talisman, with a strict Content-Security-
Policy), session cookie flags, the reverse-proxy fix, the rate limits of the write routes and the
refusal of NUL characters and of values the database cannot store (400, not 500).

:func:`init_security` is called once by :func:`roadmap.create_app`, after the blueprints are
registered: it decorates the view functions named in :data:`RATE_LIMITED` by endpoint name, so
that no domain's views need to know about rate limits. This module imports no domain module.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_talisman import Talisman
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from roadmap.core.api import PREFIX
from roadmap.core.errors import render_error
from roadmap.extensions import db, limiter

# The POST endpoints that are rate limited, and the config key holding each one's limit.
RATE_LIMITED = {
    "accounts.register": "ROADMAP_RATELIMIT_REGISTER",
    "accounts.resend_confirmation": "ROADMAP_RATELIMIT_CONFIRMATION",
    "proposals.new": "ROADMAP_RATELIMIT_PROPOSAL",
    "participation.comment": "ROADMAP_RATELIMIT_COMMENT",
    "participation.vote": "ROADMAP_RATELIMIT_VOTE",
    "participation.unvote": "ROADMAP_RATELIMIT_VOTE",
    "moderation.report": "ROADMAP_RATELIMIT_REPORT",
    "verification.residents": "ROADMAP_RATELIMIT_VERIFY",
    "verification.code": "ROADMAP_RATELIMIT_VERIFY",
    "verification.phone": "ROADMAP_RATELIMIT_SMS",
    "verification.phone_code": "ROADMAP_RATELIMIT_VERIFY",
    "verification.reset_phone": "ROADMAP_RATELIMIT_SMS",
    "verification.reset_phone_code": "ROADMAP_RATELIMIT_VERIFY",
}
# Endpoints limited per client address as well as per user (guessing identities: many
# accounts from one address count together).
ADDRESS_LIMITED = {
    "verification.residents": "ROADMAP_RATELIMIT_VERIFY",
    "verification.code": "ROADMAP_RATELIMIT_VERIFY",
    "verification.reset_phone_code": "ROADMAP_RATELIMIT_VERIFY",
}
REFERRER_POLICY = "strict-origin-when-cross-origin"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _Talisman(Talisman):
    """Talisman that keeps a Referrer-Policy a view set itself (pages whose URL holds a
    token answer ``no-referrer``)."""

    def _set_referrer_policy_headers(self, headers):
        headers.setdefault("Referrer-Policy", self.referrer_policy)


def tile_source(tile_url: str | None) -> str | None:
    """The CSP source of a Leaflet tile URL template (``https://{s}.tile.x.org/...`` ->
    ``https://*.tile.x.org``), or None without a tile layer."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(tile_url: str | None = None) -> dict[str, str]:
    """The Content-Security-Policy: nothing inline, everything from this site.

    Leaflet positions map panes and markers through the CSSOM (``element.style``), which a
    ``style-src 'self'`` policy allows; only ``style=""`` attributes and ``<style>`` blocks
    are refused.
    """
    images = " ".join(filter(None, ("'self'", "data:", tile_source(tile_url))))
    return {
        "default-src": "'self'",
        "img-src": images,
        "style-src": "'self'",
        "script-src": "'self'",
        "connect-src": "'self'",
        "font-src": "'self'",
        # Voice notes: played from this site, and a recording heard before it is sent (blob:).
        "media-src": "'self' blob:",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'self'",
    }


def secure_cookies(app: Flask) -> bool:
    """Whether cookies carry the Secure flag: ``ROADMAP_SECURE_COOKIES`` when set (1 or 0),
    otherwise on exactly when ``ROADMAP_FORCE_HTTPS`` is on.

    Not on by default: ``make run``, the benchmark and scripted HTTP clients talk plain HTTP,
    and clients other than browsers drop Secure cookies there (so CSRF tokens fail)."""
    configured = app.config.get("SESSION_COOKIE_SECURE")
    if configured is None:
        return bool(app.config.get("ROADMAP_FORCE_HTTPS"))
    return bool(configured)


def address_key() -> str:
    """A rate limit that counts the client address, signed in or not."""
    return f"address:{get_remote_address()}"


def rate_limit_key() -> str:
    """Who a rate limit counts: the logged-in user, else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{get_remote_address()}"


@lru_cache(maxsize=None)
def _limit_of(config_key: str):
    """A callable giving the limit string of ``config_key`` at request time.

    One callable per key, so that creating several apps (tests do) registers each limit once
    with the shared limiter instead of once per app (which would count every hit N times).
    """
    return lambda: current_app.config[config_key]


def apply_rate_limits(app: Flask, limits: dict[str, str] = RATE_LIMITED,
                      by_address: dict[str, str] = ADDRESS_LIMITED) -> None:
    """Wrap each registered view of ``limits`` (endpoint -> config key) in a POST limit per
    user (else address), and each of ``by_address`` in one per client address."""
    for endpoint, config_key in limits.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        app.view_functions[endpoint] = limiter.limit(
            _limit_of(config_key), key_func=rate_limit_key, methods=["POST"])(view)
    for endpoint, config_key in by_address.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        app.view_functions[endpoint] = limiter.limit(
            _limit_of(config_key), key_func=address_key, methods=["POST"],
            scope=f"{endpoint}/address")(view)


def apply_api_rate_limit(app: Flask) -> None:
    """One limit per client address (``ROADMAP_RATELIMIT_API``) shared by every route under
    ``/api/v1/`` (the JSON API and the GeoJSON layers); its 429 is JSON there."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.rule.startswith(PREFIX)}
    shared = limiter.shared_limit(_limit_of("ROADMAP_RATELIMIT_API"), scope="api",
                                  key_func=address_key)
    for endpoint in endpoints:
        app.view_functions[endpoint] = shared(app.view_functions[endpoint])


def _has_nul(values) -> bool:
    """True if a key or a value of a request MultiDict holds a NUL character."""
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def refuse_nul_bytes() -> None:
    """Answer 400 to a request whose path, query or form holds a NUL character.

    No text here may contain one, and PostgreSQL refuses them in text columns (a query with one
    would fail with a 500 instead of a clear refusal).
    """
    if "\x00" in request.path or _has_nul(request.args) or (
            request.method != "GET" and request.mimetype in FORM_TYPES and _has_nul(request.form)):
        abort(400)


def refuse_invalid_value(error: DataError):
    """A value the database refuses for its column (an id beyond the integer range, say):
    roll back and answer 400 instead of 500. Logged, so that the form can learn to check it."""
    db.session.rollback()
    current_app.logger.warning("database refused a request value: %s", error.orig)
    return render_error(BadRequest())


def init_security(app: Flask) -> None:
    """Install the security headers, cookie flags, proxy fix and rate limits on ``app``."""
    if app.config.get("ROADMAP_PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    secure = secure_cookies(app)
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.extensions["talisman"] = _Talisman(
        app,
        force_https=app.config.get("ROADMAP_FORCE_HTTPS", False),
        frame_options="DENY",
        content_security_policy=content_security_policy(app.config.get("ROADMAP_TILE_URL")),
        referrer_policy=REFERRER_POLICY,
        session_cookie_secure=secure,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
    )
    app.before_request(refuse_nul_bytes)
    app.register_error_handler(DataError, refuse_invalid_value)
    apply_rate_limits(app)
    apply_api_rate_limit(app)
