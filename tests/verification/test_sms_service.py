"""SMS verification as a service (on SQLite and PostgreSQL): a code is sent, hashed, expires,
allows 5 tries; the sending limits per account and per number; one number verifies one account;
bad input refused with a clear message and nothing written."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.core.sms import SmsMessage
from roadmap.extensions import db
from roadmap.verification import phone
from roadmap.verification.identity import InvalidIdentity, phone_hash
from roadmap.verification.models import SmsChallenge, Verification
from roadmap.verification.services import VerificationError, active_verification
from tests.conftest import last_sms_code

NUMBER = "+212661234567"



def _counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (SmsChallenge, SmsMessage, Verification))


def _wrong(code: str) -> str:
    return "111111" if code != "111111" else "222222"


def test_a_code_verifies_the_account_with_the_number(factory, english_request):
    user = factory.user()
    challenge = phone.start_challenge(user, "٠٦ ٦١ ٢٣ ٤٥ ٦٧")  # Arabic-Indic digits
    assert challenge.number == NUMBER and challenge.phone_hash == phone_hash(NUMBER)
    code = last_sms_code()
    assert challenge.code_hash != code and code not in challenge.code_hash
    message = db.session.scalar(select(SmsMessage))
    assert message.recipient_masked == "+212 6•••••567" and "10 min" in message.body
    verification = phone.verify_with_sms(user, code)
    assert verification.method == "sms" and verification.identity_hash == phone_hash(NUMBER)
    assert user.phone_hash == phone_hash(NUMBER) and user.verification_method == "sms"
    assert challenge.used_at is not None
    with pytest.raises(VerificationError) as used:  # a code works once
        phone.verify_with_sms(user, code)
    assert used.value.code == "sms_no_code"


def test_the_sms_speaks_the_users_language(app, factory):
    arabic, french = factory.user(preferred_language="ar"), factory.user(preferred_language="fr")
    with app.test_request_context("/?lang=en"):
        phone.start_challenge(arabic, "0661234567")
        phone.start_challenge(french, "0700112233")
    arabic_text, french_text = [m.body for m in db.session.scalars(
        select(SmsMessage).order_by(SmsMessage.id))]
    assert "خريطة الطريق التشاركية" in arabic_text and "10" in arabic_text
    assert "Feuille de route participative" in french_text and "10 min" in french_text


@pytest.mark.parametrize("raw, code", [
    ("+33 6 12 34 56 78", "phone_not_moroccan"),
    ("06 12 34", "phone_malformed"),
    ("not a number", "phone_malformed"),
    ("05 24 43 12 34", "phone_not_mobile"),  # a Marrakech landline
    ("", "phone_missing"),
])
def test_bad_numbers_are_refused_and_nothing_is_written(factory, english_request, raw, code):
    user = factory.user()
    before = _counts()
    with pytest.raises(InvalidIdentity) as refused:
        phone.start_challenge(user, raw)
    assert refused.value.code == code and str(refused.value)
    assert _counts() == before


def test_messages_are_in_the_readers_language(app, factory):
    user = factory.user()
    with app.test_request_context("/?lang=fr"):
        with pytest.raises(InvalidIdentity) as french:
            phone.start_challenge(user, "+33 6 12 34 56 78")
        assert "marocains" in str(french.value)
    with app.test_request_context("/?lang=ar"):
        refresh()  # the test's app context outlives the first request: forget its locale
        with pytest.raises(InvalidIdentity) as arabic:
            phone.start_challenge(user, "05 24 43 12 34")
        assert "ليس رقم هاتف محمول" in str(arabic.value)


def test_wrong_codes_say_how_many_tries_are_left_then_end_the_challenge(factory,
                                                                        english_request):
    user = factory.user()
    phone.start_challenge(user, NUMBER)
    code = last_sms_code()
    for left in (4, 3, 2, 1):
        with pytest.raises(VerificationError) as wrong:
            phone.verify_with_sms(user, _wrong(code))
        assert wrong.value.code in phone.COUNTED_TRIES
        assert str(left) in str(wrong.value) and "Wrong code" in str(wrong.value)
    with pytest.raises(VerificationError) as last:
        phone.verify_with_sms(user, _wrong(code))
    assert last.value.code == "sms_code_exhausted" and "last try" in str(last.value)
    with pytest.raises(VerificationError) as after:  # even the right code: ask for a new one
        phone.verify_with_sms(user, code)
    assert "new code" in str(after.value)
    challenge = db.session.scalar(select(SmsChallenge))
    assert challenge.attempts == 5 and challenge.failed_reason == "attempts"
    assert active_verification(user) is None and user.phone_hash is None


def test_a_malformed_code_counts_no_try(factory, english_request):
    user = factory.user()
    phone.start_challenge(user, NUMBER)
    for raw in ("12 34", "abcdef", ""):
        with pytest.raises(InvalidIdentity):
            phone.verify_with_sms(user, raw)
    assert db.session.scalar(select(SmsChallenge.attempts)) == 0


def test_an_expired_code_is_refused(factory, english_request):
    user = factory.user()
    challenge = phone.start_challenge(user, NUMBER)
    challenge.expires_at = challenge.created_at - timedelta(seconds=1)
    db.session.flush()
    with pytest.raises(VerificationError) as expired:
        phone.verify_with_sms(user, last_sms_code())
    assert expired.value.code == "sms_expired" and "expired" in str(expired.value)
    assert challenge.attempts == 0 and active_verification(user) is None


def test_a_new_code_ends_the_previous_one(factory, english_request):
    user = factory.user()
    phone.start_challenge(user, NUMBER)
    first = last_sms_code()
    phone.start_challenge(user, NUMBER)
    second = last_sms_code()
    if first != second:
        with pytest.raises(VerificationError):
            phone.verify_with_sms(user, first)
    assert phone.verify_with_sms(user, second).method == "sms"


def test_the_sending_limits_per_account_and_per_number(app, factory, english_request,
                                                       monkeypatch):
    monkeypatch.setitem(app.config, "ROADMAP_SMS_LIMITS", "2 per hour;3 per day")
    user, other = factory.user(), factory.user()
    phone.start_challenge(user, NUMBER)
    phone.start_challenge(user, "0700112233")
    before = _counts()
    with pytest.raises(VerificationError) as hourly:  # the account's limit, any number
        phone.start_challenge(user, "0700445566")
    assert hourly.value.code == "sms_limit" and "minutes" in str(hourly.value)
    phone.start_challenge(other, NUMBER)  # the number's second code this hour
    with pytest.raises(VerificationError):  # the number's limit, another account
        phone.start_challenge(factory.user(), NUMBER)
    assert _counts()[0] == before[0] + 1
    # A day later the hourly window is over; the daily one counts what is within the day.
    for challenge in db.session.scalars(select(SmsChallenge).where(
            SmsChallenge.user_id == user.id)):
        challenge.created_at -= timedelta(hours=2)
    db.session.flush()
    phone.start_challenge(user, "0700445566")
    with pytest.raises(VerificationError) as daily:
        phone.start_challenge(user, "0700445566")
    assert "tomorrow" in str(daily.value)


def test_a_number_that_verified_another_account_is_refused_cleanly(factory, english_request):
    first, second = factory.user(), factory.user()
    phone.start_challenge(first, NUMBER)
    phone.verify_with_sms(first, last_sms_code())
    before = _counts()
    with pytest.raises(VerificationError) as taken:
        phone.start_challenge(second, "06 61 23 45 67")
    assert taken.value.code == "phone_used" and _counts() == before


def test_a_number_used_to_sign_in_by_another_account_is_refused_at_the_code(factory,
                                                                           english_request):
    first, second = factory.user(), factory.user()
    phone.start_challenge(second, NUMBER)
    code = last_sms_code()
    first.phone_hash = phone_hash(NUMBER)  # meanwhile (login by phone, a help-desk claim)
    db.session.flush()
    with pytest.raises(VerificationError) as taken:
        phone.verify_with_sms(second, code)
    assert taken.value.code == "phone_used"


def test_a_claim_challenge_is_separate_from_verification(factory, english_request):
    user = factory.user()
    challenge = phone.start_challenge(user, NUMBER, purpose="claim")
    checked = phone.check_challenge(user, last_sms_code(), purpose="claim")
    assert checked.id == challenge.id and checked.used_at is not None
    assert checked.phone_hash == phone_hash(NUMBER)
    assert active_verification(user) is None  # the help desk decides what a claim does
    with pytest.raises(VerificationError):
        phone.check_challenge(user, "123456", purpose="verify")


def test_deleting_the_account_frees_the_number(factory, english_request):
    from roadmap.accounts.personal_data import delete_account

    first = factory.user()
    phone.start_challenge(first, NUMBER)
    phone.verify_with_sms(first, last_sms_code())
    delete_account(first)
    second = factory.user()
    phone.start_challenge(second, NUMBER)
    phone.verify_with_sms(second, last_sms_code())
    assert db.session.scalar(select(User.id).where(User.phone_hash == phone_hash(NUMBER))) \
        == second.id
