"""A new password with an SMS code, for an account that signs in with its phone number (on
SQLite and PostgreSQL): the pages, the code and its tries, the sessions revoked, the audit log,
and answers that never tell whether a number has an account."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadmap.accounts.services import InvalidCredentials, PasswordTooCommon, authenticate
from roadmap.audit.models import AuditEntry
from roadmap.core.sms import SmsMessage
from roadmap.extensions import db
from roadmap.verification import phone_reset
from roadmap.verification.identity import InvalidIdentity, phone_hash
from roadmap.verification.models import SmsChallenge
from roadmap.verification.services import VerificationError
from tests.conftest import last_sms_code

NUMBER = "+212661234567"
NEW = "a brand new long passphrase"



def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def holder(factory):
    """An account that signs in with its phone number (and a placeholder address)."""
    user = factory.user(password="the old long passphrase", email="managed-x@managed.invalid",
                        preferred_language="fr")
    user.phone_hash = phone_hash(NUMBER)
    db.session.commit()
    return user


def test_the_service_resets_with_the_code_and_revokes_the_sessions(app, holder):
    with app.test_request_context("/?lang=en"):
        assert phone_reset.send_reset_code("06 61 23 45 67") == NUMBER
        assert db.session.scalar(select(SmsChallenge.purpose)) == "reset"
        code = last_sms_code()
        with pytest.raises(PasswordTooCommon):  # a common password costs no try
            phone_reset.reset_with_code(NUMBER, code, "password1234")
        assert db.session.scalar(select(SmsChallenge.attempts)) == 0
        wrong = "000000" if code != "000000" else "111111"
        with pytest.raises(VerificationError) as refused:
            phone_reset.reset_with_code(NUMBER, wrong, NEW)
        assert str(refused.value) == str(phone_reset.CODE_REFUSED)
        user = phone_reset.reset_with_code(NUMBER, code, NEW)
    assert user.id == holder.id
    assert authenticate("0661234567", NEW).id == holder.id
    with pytest.raises(InvalidCredentials):
        authenticate("0661234567", "the old long passphrase")
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"accounts.password_reset_sms_sent", "accounts.password_reset"} <= actions


def test_an_unknown_number_gets_the_same_answers_and_no_sms(app, holder):
    with app.test_request_context("/?lang=en"):
        assert phone_reset.send_reset_code("0698765432") == "+212698765432"
        assert _count(SmsMessage) == _count(SmsChallenge) == 0
        with pytest.raises(VerificationError) as unknown:
            phone_reset.reset_with_code("+212698765432", "123456", NEW)
        phone_reset.send_reset_code(NUMBER)
        with pytest.raises(VerificationError) as known:
            phone_reset.reset_with_code(NUMBER, "000000" if last_sms_code() != "000000" else "1" * 6,
                                        NEW)
        assert str(unknown.value) == str(known.value)
        with pytest.raises(InvalidIdentity):  # a malformed number says nothing about accounts
            phone_reset.send_reset_code("+33 6 12 34 56 78")


def test_a_resident_who_claimed_by_phone_chooses_a_new_password(app, client, holder):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    elsewhere = app.test_client()  # a session on another phone, which the reset ends
    assert elsewhere.post("/login", data={"email": "0661234567",
                                          "password": "the old long passphrase"}).status_code == 302
    assert elsewhere.get("/profile").status_code == 200
    forgot = client.get("/password/forgot").get_data(as_text=True)
    assert 'href="/password/phone"' in forgot
    assert client.get("/password/phone/code").status_code == 302  # no number yet
    bad = client.post("/password/phone", data={"phone": "+33612345678"})
    assert bad.status_code == 422 and "marocains" in bad.get_data(as_text=True)
    sent = client.post("/password/phone", data={"phone": "06 61 23 45 67"})
    assert sent.status_code == 303 and sent.location.endswith("/password/phone/code")
    page = client.get("/password/phone/code")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "+212 6•••••567" in html and "661234567" not in html
    assert page.headers["Cache-Control"] == "no-store"
    code = last_sms_code()
    wrong = client.post("/password/phone/code", data={
        "code": "000000" if code != "000000" else "111111", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 422 and "code" in wrong.get_data(as_text=True).lower()
    assert db.session.scalar(select(SmsChallenge.attempts)) == 1  # the try stays counted
    done = client.post("/password/phone/code", data={"code": code, "password": NEW,
                                                     "confirm": NEW})
    assert done.status_code == 303 and done.location.endswith("/login")
    assert elsewhere.get("/profile").status_code == 302
    assert client.post("/login", data={"email": "06 61 23 45 67",
                                       "password": NEW}).status_code == 302


def test_the_pages_answer_alike_for_a_number_without_account(client, holder):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    answers = []
    for number in ("0698765432", "0661234567"):
        sent = client.post("/password/phone", data={"phone": number}, follow_redirects=True)
        page = sent.get_data(as_text=True)
        answers.append(re.sub(r"\+212 6•••••\d{3}", "NUMBER", page.split("<main")[1]))
    assert answers[0] == answers[1]
    assert _count(SmsMessage) == 1


def test_the_pages_are_hidden_where_sms_is_off(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ROADMAP_VERIFICATION_METHODS", "residents_list,code")
    assert client.get("/password/phone").status_code == 404
    assert "/password/phone" not in client.get("/password/forgot").get_data(as_text=True)
