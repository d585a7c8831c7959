"""Server-side sessions: a row per login, revoked at logout, on password change and account
deletion; idle and absolute timeouts; common passwords refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadmap.accounts.models import User, UserSession
from roadmap.accounts.services import (PasswordTooCommon, check_password_strength,
                                       hash_password, is_common_password)
from roadmap.core.models import utcnow
from roadmap.extensions import db

EMAIL, PASSWORD = "sessions@example.org", "a long sessions passphrase"


@pytest.fixture
def user(app):
    account = User(email=EMAIL, display_name="Sessions", role="participant",
                   password_hash=hash_password(PASSWORD))
    db.session.add(account)
    db.session.commit()
    return account


@pytest.fixture
def web(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _log_in(client) -> None:
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302


def _logged_in(client) -> bool:
    return client.get("/profile").status_code == 200


def _rows(user) -> list[UserSession]:
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.id)))


def test_login_records_a_session_and_logout_revokes_it_on_the_server(web, user):
    _log_in(web)
    [row] = _rows(user)
    assert row.revoked_at is None and len(row.token_hash) == 64
    with web.session_transaction() as session:
        token = session["_sid"]
    assert token not in row.token_hash  # only the hash is stored
    stolen = web.get_cookie("session").value
    assert _logged_in(web)
    assert web.post("/logout").status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is not None
    web.set_cookie("session", stolen)  # replaying the cookie of before the logout
    assert not _logged_in(web)


def test_each_login_is_its_own_session(app, user):
    first, second = app.test_client(), app.test_client()
    _log_in(first)
    _log_in(second)
    assert len(_rows(user)) == 2
    first.post("/logout")
    assert not _logged_in(first) and _logged_in(second)


def test_idle_timeout(app, web, user):
    _log_in(web)
    [row] = _rows(user)
    idle = app.config["ROADMAP_SESSION_IDLE_MINUTES"]
    row.last_seen_at = utcnow() - timedelta(minutes=idle - 1)
    db.session.commit()
    assert _logged_in(web)
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)  # touched
    row.last_seen_at = utcnow() - timedelta(minutes=idle + 1)
    db.session.commit()
    assert not _logged_in(web)


def test_absolute_timeout(app, web, user):
    _log_in(web)
    [row] = _rows(user)
    row.created_at = utcnow() - timedelta(hours=app.config["ROADMAP_SESSION_MAX_HOURS"],
                                          minutes=1)
    db.session.commit()
    assert not _logged_in(web)


def test_last_seen_is_written_at_most_once_a_minute(web, user):
    _log_in(web)
    [row] = _rows(user)
    seen = utcnow() - timedelta(seconds=30)
    row.last_seen_at = seen
    db.session.commit()
    assert _logged_in(web)
    db.session.refresh(row)
    assert abs((row.last_seen_at - seen).total_seconds()) < 1


def test_a_session_without_a_server_record_is_refused_in_production(app, web, user):
    app.config["ROADMAP_SESSION_ALLOW_UNTRACKED"] = False
    try:
        with web.session_transaction() as session:  # a cookie signed with the key, no token
            session["_user_id"], session["_fresh"] = user.get_id(), True
        assert not _logged_in(web)
        with web.session_transaction() as session:
            session["_user_id"], session["_sid"] = user.get_id(), "forged-token"
        assert not _logged_in(web)
    finally:
        del app.config["ROADMAP_SESSION_ALLOW_UNTRACKED"]


def test_a_password_reset_revokes_every_session(app, user):
    from roadmap.accounts.services import request_password_reset
    from tests.accounts.conftest import outbox_to, reset_link_path
    phone, laptop = app.test_client(), app.test_client()
    _log_in(phone)
    _log_in(laptop)
    with app.test_request_context():
        request_password_reset(EMAIL)
    db.session.commit()
    link = reset_link_path(outbox_to(EMAIL)[-1])
    new = "another long passphrase of mine"
    assert laptop.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert all(row.revoked_at is not None for row in _rows(user))
    assert not _logged_in(phone)


def test_deleting_the_account_revokes_every_session(app, user):
    phone, laptop = app.test_client(), app.test_client()
    _log_in(phone)
    _log_in(laptop)
    assert laptop.post("/profile/delete", data={"password": PASSWORD}).status_code == 302
    assert all(row.revoked_at is not None for row in _rows(user))
    assert not _logged_in(phone)


def test_common_passwords_are_refused():
    assert is_common_password("q1w2e3r4t5y6") and is_common_password(" Q1W2E3R4T5Y6 ")
    assert not is_common_password("a long sessions passphrase")
    with pytest.raises(PasswordTooCommon):
        check_password_strength("1qaz2wsx3edc")


def test_registration_with_a_common_password_answers_422_and_creates_nothing(app, web):
    count = db.session.scalar(select(func.count(User.id)))
    page = web.get("/register")
    assert page.status_code == 200
    response = web.post("/register", data={
        "email": "common@example.org", "password": "1qaz2wsx3edc", "confirm": "1qaz2wsx3edc",
        "display_name": "Common", "stakeholder_type": "citizen"})
    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == count
