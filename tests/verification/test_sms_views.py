"""The SMS pages through HTTP (on SQLite and PostgreSQL): the number, the code, a new code, the
masked number shown; refusals as 422 pages in the reader's language with nothing written; the
pages exist only where SMS is on, for confirmed or managed accounts; rate limits."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from roadmap.core.sms import SmsMessage
from roadmap.extensions import db
from roadmap.verification.identity import phone_hash
from roadmap.verification.models import SmsChallenge, Verification
from tests.conftest import last_sms_code, login

NUMBER = "+212661234567"



def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def signed_in(client, factory):
    user = factory.user(preferred_language="fr")
    login(client, user)
    return user


def test_a_resident_verifies_with_the_code_received(client, signed_in):
    page = client.get("/verify/phone")
    assert page.status_code == 200 and 'name="phone"' in page.get_data(as_text=True)
    sent = client.post("/verify/phone", data={"phone": "06 61 23 45 67"})
    assert sent.status_code == 303 and sent.location.endswith("/verify/phone/code")
    code_page = client.get("/verify/phone/code").get_data(as_text=True)
    assert "+212 6•••••567" in code_page and NUMBER not in code_page
    assert 'name="code"' in code_page and 'name="resend"' in code_page
    done = client.post("/verify/phone/code", data={"code": last_sms_code()})
    assert done.status_code == 303 and done.location.endswith("/verify")
    assert signed_in.verification_method == "sms"
    assert signed_in.phone_hash == phone_hash(NUMBER)


def test_a_new_code_goes_to_the_same_number_and_replaces_the_first(client, signed_in):
    client.post("/verify/phone", data={"phone": "0661234567"})
    first = db.session.scalar(select(SmsChallenge))
    again = client.post("/verify/phone", data={"resend": "1"})
    assert again.status_code == 303 and again.location.endswith("/verify/phone/code")
    assert _count(SmsMessage) == 2 and first.failed_reason == "replaced"
    assert db.session.scalars(select(SmsChallenge).order_by(SmsChallenge.id)).all()[-1] \
        .phone_hash == phone_hash(NUMBER)
    assert client.post("/verify/phone/code", data={"code": last_sms_code()}).status_code == 303


def test_bad_numbers_are_shown_again_with_the_reason_in_french(client, signed_in):
    for raw, words in (("+33612345678", "marocains"), ("0524431234", "mobile"),
                       ("06 12", "numéro")):
        answer = client.post("/verify/phone", data={"phone": raw})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and words in html and 'aria-invalid="true"' in html
    assert _count(SmsChallenge) == _count(SmsMessage) == 0


def test_a_wrong_code_is_counted_and_the_page_says_how_many_tries_are_left(client, signed_in):
    client.post("/verify/phone", data={"phone": NUMBER})
    code = last_sms_code()
    answer = client.post("/verify/phone/code", data={"code": "111111" if code != "111111"
                                                     else "222222"})
    assert answer.status_code == 422 and "4" in answer.get_data(as_text=True)
    assert db.session.scalar(select(SmsChallenge.attempts)) == 1
    assert _count(Verification) == 0 and signed_in.phone_hash is None


def test_the_pages_speak_arabic(client, factory):
    user = factory.user(preferred_language="ar")
    login(client, user)
    html = client.get("/verify/phone").get_data(as_text=True)
    assert 'dir="rtl"' in html and "رقم الهاتف المحمول" in html
    answer = client.post("/verify/phone", data={"phone": "+33612345678"})
    assert answer.status_code == 422 and "المغربية" in answer.get_data(as_text=True)


def test_the_code_page_without_a_code_sends_to_the_number_page(client, signed_in):
    answer = client.get("/verify/phone/code")
    assert answer.status_code == 302 and answer.location.endswith("/verify/phone")


def test_unconfirmed_accounts_are_sent_back_and_managed_ones_may(client, factory):
    login(client, factory.user(email_confirmed_at=None))
    answer = client.post("/verify/phone", data={"phone": NUMBER})
    assert answer.status_code == 302 and answer.location.endswith("/verify")
    assert _count(SmsChallenge) == 0
    official = factory.user("helpdesk")
    login(client, factory.user(email_confirmed_at=None, managed_by_id=official.id))
    assert client.post("/verify/phone", data={"phone": NUMBER}).status_code == 303


def test_the_pages_are_hidden_where_sms_is_off(app, client, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "ROADMAP_VERIFICATION_METHODS", "residents_list,code")
    assert client.get("/verify/phone").status_code == 404
    assert client.post("/verify/phone/code", data={"code": "123456"}).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    assert "/login" in client.get("/verify/phone").location


@pytest.mark.parametrize("url, setting", [("/verify/phone", "ROADMAP_RATELIMIT_SMS"),
                                          ("/verify/phone/code", "ROADMAP_RATELIMIT_VERIFY")])
def test_sending_and_trying_are_rate_limited(migrated_app, database_url, tmp_path, url,
                                             setting):
    from roadmap.extensions import limiter
    from tests.conftest import make_test_app

    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True,
                        **{setting: "2 per hour"})
    try:
        client = app.test_client()
        statuses = [client.post(url, data={"phone": "06 12"}).status_code for _ in range(3)]
    finally:
        limiter.enabled = False  # one limiter for every app of the run
        with app.app_context():
            db.engine.dispose()
    assert statuses == [302, 302, 429]
