"""The help desk through HTTP on SQLite and PostgreSQL: who may open it, identifying a
resident, acting for them, the marks on the proposal page and in the dashboard, ending the
session, claiming by email or with a phone number, and logging in with a phone number."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.core.mail import OutboxMessage
from roadmap.core.phones import normalise_phone, phone_hash
from roadmap.extensions import db
from roadmap.participation.models import Vote
from roadmap.proposals.models import Proposal
from roadmap.verification import residents
from roadmap.verification.models import SmsChallenge
from tests.conftest import last_sms_code, login

CSV = "cnie;birth_date;commune\nAB123456;25/03/1990;{code}\n"


@pytest.fixture
def desk(factory):
    commune = factory.commune()
    consultation = factory.consultation("proposals", voting_during_proposals=True,
                                        support_requirement="verified")
    rows = residents.read_resident_rows("list.csv", CSV.format(code=commune.code).encode())
    residents.store_list(residents.check_rows(rows), label="Extract", filename="list.csv",
                         by=factory.user("organiser"))
    official = factory.user("helpdesk", display_name="Fatima at the desk")
    db.session.commit()  # a refused request rolls back: the scene stays
    return consultation, commune, official


@pytest.fixture
def en(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _identify(client, consultation, **fields):
    data = {"consultation_id": consultation.id, "method": "residents_list", "cnie": "AB123456",
            "birth_date": "25/03/1990", **fields}
    return client.post("/helpdesk", data=data)


def test_only_officials_open_the_help_desk(en, factory):
    assert en.get("/helpdesk").status_code == 302  # to the login page
    participant = factory.user()
    login(en, participant)
    assert en.get("/helpdesk").status_code == 403
    assert en.get("/helpdesk/resident").status_code == 403
    assert "/helpdesk" not in en.get("/").get_data(as_text=True)
    for role in ("helpdesk", "moderator", "organiser", "admin"):
        login(en, factory.user(role))
        page = en.get("/helpdesk")
        assert page.status_code == 200 and 'href="/helpdesk"' in page.get_data(as_text=True)


def test_an_official_identifies_a_resident_and_acts_for_them(en, desk, factory):
    consultation, commune, official = desk
    proposal = factory.proposal(consultation, commune, title="Lights along the main road")
    db.session.commit()
    login(en, official)
    missing_name = _identify(en, consultation)
    assert missing_name.status_code == 422
    assert "type their name" in missing_name.get_data(as_text=True)
    response = _identify(en, consultation, display_name="Aicha")
    assert response.status_code == 302 and response.location.endswith("/helpdesk/resident")
    resident = db.session.scalar(select(User).where(User.managed_by_id == official.id))
    page = en.get("/helpdesk/resident").get_data(as_text=True)
    assert "Aicha" in page and commune.name_fr in page and "managed.invalid" not in page
    assert "Lights along the main road" in page and "Support on their behalf" in page

    supported = en.post(f"/helpdesk/proposals/{proposal.id}/support",
                        data={"next": "/helpdesk/resident"})
    assert supported.status_code == 302
    vote = db.session.scalar(select(Vote).where(Vote.user_id == resident.id))
    assert vote.entered_by_id == official.id
    assert "Withdraw" in en.get("/helpdesk/resident").get_data(as_text=True)

    form = {"title": "A school bus for the douar", "axis_id": consultation.axes[0].id,
            "body": "Children walk an hour to school; a bus would keep them in class.",
            "commune_id": commune.id}
    assert en.get("/helpdesk/propose").status_code == 200
    assert en.post("/helpdesk/propose", data=dict(form, title="short")).status_code == 422
    assert en.post("/helpdesk/propose", data=form).status_code == 302
    made = db.session.scalar(select(Proposal).where(Proposal.author_id == resident.id))
    assert made.entered_by_id == official.id
    shown = en.get(f"/c/{consultation.slug}/proposals/{made.id}").get_data(as_text=True)
    assert "Entered at the help desk" in shown and "Aicha" in shown
    plain = en.get(f"/c/{consultation.slug}/proposals/{proposal.id}").get_data(as_text=True)
    assert "Entered at the help desk" not in plain

    login(en, factory.user("organiser"))
    board = en.get(f"/c/{consultation.slug}/dashboard").get_data(as_text=True)
    assert 'data-key="help-desk-supports"><span dir="ltr">1<' in board
    assert 'data-key="help-desk-proposals"><span dir="ltr">1<' in board
    assert "chart-help-desk-supports" in board


def test_an_existing_account_shows_its_name_and_never_its_email(en, desk, factory):
    consultation, commune, official = desk
    own = factory.user(display_name="Karim online", email="karim.private@example.org")
    residents.verify_with_resident_list(own, "AB123456", "25/03/1990")
    db.session.commit()
    login(en, official)
    assert _identify(en, consultation).status_code == 302
    page = en.get("/helpdesk/resident").get_data(as_text=True)
    assert "Karim online" in page and "karim.private" not in page
    assert "Claim the account" not in page  # it is already the resident's own
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.managed_by_id.is_not(None))) == 0


def test_refusals_are_shown_as_messages(en, desk, factory):
    consultation, commune, official = desk
    closed = factory.proposal(consultation, commune, status="withdrawn")
    other = factory.proposal(consultation, factory.commune())
    consultation.support_requirement = "resident"
    db.session.commit()
    login(en, official)
    _identify(en, consultation, display_name="Aicha")
    response = en.post(f"/helpdesk/proposals/{other.id}/support", follow_redirects=True)
    assert "Aicha is not verified as one." in response.get_data(as_text=True)
    assert en.post(f"/helpdesk/proposals/{closed.id}/support").status_code == 404
    withdraw = en.post(f"/helpdesk/proposals/{other.id}/withdraw", follow_redirects=True)
    assert "Aicha does not support this proposal." in withdraw.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_the_session_ends_with_the_button_or_when_idle(en, desk):
    consultation, commune, official = desk
    login(en, official)
    _identify(en, consultation, display_name="Aicha")
    assert en.get("/helpdesk/resident").status_code == 200
    assert en.post("/helpdesk/end").status_code == 302
    assert en.get("/helpdesk/resident").location.endswith("/helpdesk")
    _identify(en, consultation)  # the same resident: their account now exists
    with en.session_transaction() as session:
        session["helpdesk"] = {**session["helpdesk"], "seen": int(time.time()) - 31 * 60}
    expired = en.get("/helpdesk/resident", follow_redirects=True).get_data(as_text=True)
    assert "idle too long" in expired


def test_the_resident_claims_the_account_by_email(en, desk, app):
    consultation, commune, official = desk
    login(en, official)
    _identify(en, consultation, display_name="Aicha")
    assert en.post("/helpdesk/claim", data={"email": "nope"}).status_code == 422
    assert en.post("/helpdesk/claim", data={"email": "aicha@example.org"}).status_code == 302
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient == "aicha@example.org"))
    path = "/helpdesk/claim/" + mail.body.split("/helpdesk/claim/")[1].split()[0]
    resident = app.test_client()
    resident.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert resident.get("/helpdesk/claim/not-a-token").status_code == 404
    page = resident.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert resident.post(path, data={"display_name": "Aicha", "password": "short",
                                     "confirm": "short"}).status_code == 422
    done = resident.post(path, data={"display_name": "Aicha B.",
                                     "password": "my own long passphrase",
                                     "confirm": "my own long passphrase"})
    assert done.status_code == 302 and done.location.endswith("/login")
    user = db.session.scalar(select(User).where(User.email == "aicha@example.org"))
    assert user.claimed_at is not None and not user.is_managed and user.display_name == "Aicha B."
    assert resident.get(path).status_code == 404
    signed = resident.post("/login", data={"email": "aicha@example.org",
                                           "password": "my own long passphrase"})
    assert signed.status_code == 302


def test_login_by_phone_number(en, factory):
    user = factory.user(password="a long phone passphrase")
    user.phone_hash = phone_hash(normalise_phone("0612345678"))
    db.session.commit()
    page = en.get("/login").get_data(as_text=True)
    assert "Email or phone number" in page
    for typed in ("06 12 34 56 78", "+212612345678", "٠٦١٢٣٤٥٦٧٨"):
        client = en.application.test_client()
        assert client.post("/login", data={"email": typed,
                                           "password": "a long phone passphrase"}).status_code == 302
    wrong = en.post("/login", data={"email": "0612345678", "password": "not the passphrase"})
    unknown = en.post("/login", data={"email": "0698765432", "password": "a long phone passphrase"})
    junk = en.post("/login", data={"email": "not a number", "password": "whatever it is"})
    for response in (wrong, unknown, junk):
        assert response.status_code == 422
        assert "Email or password incorrect." in response.get_data(as_text=True)



def test_the_resident_claims_the_account_with_a_phone_number_at_the_desk(en, desk, app):
    consultation, commune, official = desk
    login(en, official)
    _identify(en, consultation, display_name="Aicha")
    resident_page = en.get("/helpdesk/resident").get_data(as_text=True)
    assert 'action="/helpdesk/claim/phone/send"' in resident_page
    assert en.get("/helpdesk/claim/phone").status_code == 302  # no code sent yet
    bad = en.post("/helpdesk/claim/phone/send", data={"phone": "+33 6 12 34 56 78"})
    assert bad.status_code == 422 and db.session.scalar(
        select(func.count()).select_from(SmsChallenge)) == 0
    sent = en.post("/helpdesk/claim/phone/send", data={"phone": "06 61 23 45 67"})
    assert sent.status_code == 303 and sent.location.endswith("/helpdesk/claim/phone")
    page = en.get("/helpdesk/claim/phone")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "+212 6•••••567" in text and "661234567" not in text
    assert page.headers["Cache-Control"] == "no-store"
    wrong = "000000" if last_sms_code() != "000000" else "111111"
    passwords = {"password": "my own long passphrase", "confirm": "my own long passphrase"}
    refused = en.post("/helpdesk/claim/phone", data={"code": wrong, "display_name": "Aicha",
                                                     **passwords})
    assert refused.status_code == 422 and "4 tries left" in refused.get_data(as_text=True)
    challenge = db.session.scalar(select(SmsChallenge))
    db.session.refresh(challenge)
    assert challenge.attempts == 1  # the wrong try stays counted
    resent = en.post("/helpdesk/claim/phone/send", data={"resend": "1"})
    assert resent.status_code == 303
    done = en.post("/helpdesk/claim/phone", data={"code": last_sms_code(), "display_name": "Aicha B.",
                                                  **passwords})
    assert done.status_code == 303 and done.location.endswith("/helpdesk/resident")
    flashed = en.get("/helpdesk/resident").get_data(as_text=True)
    assert "+212 6•••••567" in flashed and 'action="/helpdesk/claim/phone/send"' not in flashed
    resident = app.test_client()
    assert resident.post("/login", data={"email": "06 61 23 45 67",
                                         **{"password": passwords["password"]}}).status_code == 302


def test_claiming_by_phone_exists_only_where_sms_is_on(en, desk, app, monkeypatch):
    consultation, commune, official = desk
    login(en, official)
    _identify(en, consultation, display_name="Aicha")
    monkeypatch.setitem(app.config, "ROADMAP_VERIFICATION_METHODS", "residents_list,code")
    assert "/helpdesk/claim/phone" not in en.get("/helpdesk/resident").get_data(as_text=True)
    assert en.post("/helpdesk/claim/phone/send", data={"phone": "0661234567"}).status_code == 404


def test_the_desk_records_a_residents_proposal_by_voice_with_only_a_title(en, desk):
    import io

    from roadmap.media.models import Attachment
    from tests.media.sounds import tone

    consultation, commune, official = desk
    login(en, official)
    _identify(en, consultation, display_name="Mbarka")
    resident = db.session.scalar(select(User).where(User.managed_by_id == official.id))
    form = {"title": "Water for the douar school", "axis_id": consultation.axes[0].id,
            "body": "", "commune_id": commune.id}
    assert en.post("/helpdesk/propose", data=form).status_code == 422  # no text, no voice
    response = en.post("/helpdesk/propose", content_type="multipart/form-data", data={
        **form, "voice": (io.BytesIO(tone(1.5)), "mbarka.webm", "audio/webm")})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    made = db.session.scalar(select(Proposal).where(Proposal.author_id == resident.id))
    note = db.session.scalar(select(Attachment).where(Attachment.proposal_id == made.id))
    assert made.body == "" and made.entered_by_id == official.id
    assert note.kind == "voice" and note.uploaded_by_id == resident.id  # the resident's words
