"""Login attempts are rate-limited per client address; the 429 page speaks the user's language."""
from __future__ import annotations

import pytest

from roadmap.extensions import db, limiter
from tests.conftest import make_test_app


@pytest.fixture
def limited_app(migrated_app, database_url, tmp_path):
    """An app with rate limiting on (10 login failures a minute), on the migrated database."""
    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True,
                        RATELIMIT_LOGIN="10 per minute")
    yield app
    # The limiter is one object shared by every app of the test run: switch it off again.
    limiter.enabled = False
    with app.app_context():
        db.engine.dispose()


def _fail(client):
    return client.post("/login", data={"email": "nobody@example.org",
                                       "password": "not the password"})


def test_eleventh_failed_login_gets_429_in_the_users_language(limited_app):
    client = limited_app.test_client()
    client.post("/language", data={"language": "fr", "next": "/"})
    assert [_fail(client).status_code for _ in range(10)] == [422] * 10
    blocked = _fail(client)
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429
    assert '<html lang="fr" dir="ltr">' in html and "Trop de requêtes" in html
    assert client.get("/login").status_code == 200  # only POST is limited

    arabic = limited_app.test_client()  # same address, another browser
    arabic.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar"
    blocked = _fail(arabic)
    assert blocked.status_code == 429
    assert '<html lang="ar" dir="rtl">' in blocked.get_data(as_text=True)
    assert "طلبات كثيرة جدا" in blocked.get_data(as_text=True)


def test_the_limit_is_off_when_disabled(client):
    assert {_fail(client).status_code for _ in range(12)} == {422}
