"""Security headers (Flask-Talisman), cookie flags and the reverse-proxy fix."""
from __future__ import annotations

import re
from pathlib import Path

from roadmap.core.security import content_security_policy, secure_cookies, tile_source
from tests.conftest import make_test_app

ROOT = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, str]:
    directives = [part.strip().split(" ", 1) for part in
                  response.headers["Content-Security-Policy"].split(";") if part.strip()]
    return {name: value for name, value in directives}


def test_every_page_sends_the_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_tests_and_development_are_not_forced_to_https(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_the_tile_host_is_allowed_for_images_only():
    assert tile_source(None) is None
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == \
        "https://*.tile.example.org"
    policy = content_security_policy("https://tiles.example.org/{z}/{x}/{y}.png")
    assert policy["img-src"] == "'self' data: https://tiles.example.org"
    assert all("tiles.example.org" not in value
               for name, value in policy.items() if name != "img-src")


def test_session_cookie_flags(app, client, factory):
    from roadmap.accounts.models import User
    from roadmap.accounts.services import hash_password
    from roadmap.extensions import db
    db.session.add(User(email="cookie@example.org", display_name="Cookie", role="participant",
                        password_hash=hash_password("a long cookie passphrase")))
    db.session.commit()
    response = client.post("/login", data={"email": "cookie@example.org",
                                           "password": "a long cookie passphrase"})
    assert response.status_code == 302
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP; see test_cookies_are_secure_when_asked...


def test_cookies_are_secure_when_asked_or_when_https_is_forced(tmp_path, database_url):
    plain = make_test_app(database_url, tmp_path / "a", TESTING=False)
    assert secure_cookies(plain) is False and plain.config["SESSION_COOKIE_SECURE"] is False
    forced = make_test_app(database_url, tmp_path / "b", ROADMAP_FORCE_HTTPS=True)
    assert forced.config["SESSION_COOKIE_SECURE"] is True
    assert forced.config["REMEMBER_COOKIE_SECURE"] is True
    asked = make_test_app(database_url, tmp_path / "c", SESSION_COOKIE_SECURE=True)
    assert asked.config["SESSION_COOKIE_SECURE"] is True
    refused = make_test_app(database_url, tmp_path / "d", ROADMAP_FORCE_HTTPS=True,
                            SESSION_COOKIE_SECURE=False)
    assert refused.config["SESSION_COOKIE_SECURE"] is False


def test_force_https_and_proxy_fix(tmp_path, database_url):
    app = make_test_app(database_url, tmp_path / "a", ROADMAP_FORCE_HTTPS=True,
                        ROADMAP_PROXY_FIX=True)
    seen = {}

    @app.get("/_l1_remote")
    def _remote():
        from flask import request
        seen["address"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    client = app.test_client()
    plain = client.get("/_l1_remote")
    assert plain.status_code == 302 and plain.location.startswith("https://")
    seen.clear()

    behind_proxy = client.get("/_l1_remote", headers={"X-Forwarded-For": "203.0.113.7",
                                                      "X-Forwarded-Proto": "https"})
    assert behind_proxy.status_code == 200
    assert seen == {"address": "203.0.113.7", "scheme": "https"}
    assert "max-age=" in behind_proxy.headers["Strict-Transport-Security"]


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"<style\b", text):
            offenders.append(str(path.relative_to(ROOT)))
        for match in re.finditer(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not offenders, offenders


# style="" attributes are refused by the policy (style-src 'self'). The one left is helper K's
# SVG chart, where it only sets the direction of numbers: reported to the lead, to be replaced
# by the SVG presentation attributes direction="ltr" unicode-bidi="embed".
KNOWN_STYLE_ATTRIBUTES: set[str] = set()


def test_templates_have_no_style_attributes():
    offenders = sorted(str(path.relative_to(ROOT / "templates"))
                       for path in (ROOT / "templates").rglob("*.html")
                       if re.search(r"\sstyle\s*=", path.read_text(encoding="utf-8")))
    assert set(offenders) <= KNOWN_STYLE_ATTRIBUTES, offenders


def test_scripts_never_put_text_into_inner_html():
    """``innerHTML`` may only be read (to escape text through a text node), never assigned."""
    offenders = []
    for path in (ROOT / "static" / "js").rglob("*.js"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(innerHTML|outerHTML)\s*\+?=(?!=)|insertAdjacentHTML|document\.write",
                         line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_nul_characters_in_a_request_are_refused_with_400(client):
    assert client.get("/communes?q=a%00b").status_code == 400
    assert client.get("/communes/a%00b").status_code == 400
    assert client.post("/login", data={"email": "\x00", "password": "x"}).status_code == 400
    assert client.post("/login", data={"email": "a@b.c", "pass\x00word": "x"}).status_code == 400
    assert client.get("/communes?q=ab").status_code == 200


def test_an_id_beyond_the_integer_range_is_refused_not_a_500(app, client, factory):
    from tests.conftest import login
    commune = factory.commune()
    consultation = factory.consultation("voting")
    author = factory.user()
    proposal = factory.proposal(consultation, commune, author)
    login(client, author)
    response = client.post(f"/c/{consultation.slug}/proposals/{proposal.id}/comments",
                           data={"parent_id": str(2**40), "comment-body": "A reply",
                                 "comment-stance": "for"})
    assert response.status_code in (400, 404)  # 400 on PostgreSQL, 404 (no such comment) on SQLite
    from sqlalchemy import func, select
    from roadmap.extensions import db
    from roadmap.participation.models import Comment
    assert db.session.scalar(select(func.count(Comment.id))) == 0
