"""Account enumeration: login and password reset answer the same for known and unknown
addresses (status, and page modulo the CSRF token and the address typed)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import make_test_app

KNOWN, UNKNOWN = "known@example.org", "unknown@example.org"
# A signed CSRF token (itsdangerous: payload.timestamp.signature), in fields and hx-headers.
TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{16,}")


@pytest.fixture
def csrf_app(app, database_url, tmp_path, factory):
    """An app with CSRF on, in the transaction of ``app``, with one known account."""
    factory.user(email=KNOWN, password="the known user's passphrase")
    return make_test_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)


def _normalise(html: str, email: str) -> str:
    html = TOKEN.sub("TOKEN", html)
    return html.replace(email, "EMAIL")


def _post(app, path: str, data: dict, follow: bool = False):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(path, data=dict(data, csrf_token=token), follow_redirects=follow)
    return response.status_code, _normalise(response.get_data(as_text=True), data["email"])


@pytest.mark.parametrize("password", ["the known user's passphrase!", "short"])
def test_login_answers_the_same_for_known_and_unknown_addresses(csrf_app, password):
    known = _post(csrf_app, "/login", {"email": KNOWN, "password": password})
    unknown = _post(csrf_app, "/login", {"email": UNKNOWN, "password": password})
    assert known[0] == unknown[0] == 422
    assert known[1] == unknown[1]


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(csrf_app):
    known = _post(csrf_app, "/password/forgot", {"email": KNOWN}, follow=True)
    unknown = _post(csrf_app, "/password/forgot", {"email": UNKNOWN}, follow=True)
    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1]
    assert "EMAIL" not in known[1]  # the address typed is not echoed either


def test_the_reset_request_without_redirects_is_the_same_too(csrf_app):
    known = _post(csrf_app, "/password/forgot", {"email": KNOWN})
    unknown = _post(csrf_app, "/password/forgot", {"email": UNKNOWN})
    assert known == unknown and known[0] == 302
