"""Email confirmation: a single-use, expiring link mailed at registration, confirmed by a button
(not by opening the link), a resend page that reveals no account, and what an unconfirmed
account may and may not do (each refusal says why and links to the resend page)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadmap.accounts import services
from roadmap.accounts.models import EmailConfirmationToken, User
from roadmap.core.keys import keyed_hash
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.moderation.models import Report
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from tests.accounts.conftest import PASSWORD, log_in, outbox_to

HX = {"HX-Request": "true"}
RESEND = "/confirm/resend"
FACTORY_PASSWORD = "a long test passphrase"  # the test factory's users
REGISTRATION = {"display_name": "Amina", "stakeholder_type": "citizen",
                "preferred_language": "en", "password": PASSWORD, "confirm": PASSWORD}


def confirmation_path(message) -> str:
    """The path of the confirmation link in a confirmation mail."""
    match = re.search(r"https?://[^/\s]+(/confirm/[A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)


def _register(client, email: str):
    response = client.post("/register", data=dict(REGISTRATION, email=email))
    assert response.status_code == 302
    return services.user_by_email(email)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_register_mail_link_page_button_then_the_link_is_used_up(en_client):
    user = _register(en_client, "amina@example.org")
    assert user.email_confirmed_at is None
    assert user.signup_ip_hash == keyed_hash("ip", "127.0.0.1")
    [mail] = outbox_to("amina@example.org")
    assert mail.subject == "Confirm your address on the participatory roadmap"
    link = confirmation_path(mail)
    stored = db.session.scalar(select(EmailConfirmationToken.token_hash))
    assert link.rsplit("/", 1)[1] not in stored  # only its SHA-256 is kept

    page = en_client.get(link)  # what a mail scanner does: it confirms nothing
    assert page.status_code == 200 and "Confirm my address" in _text(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    db.session.refresh(user)
    assert user.email_confirmed_at is None

    confirmed = en_client.post(link)
    assert confirmed.status_code == 302 and confirmed.location == "/"
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    assert "your address is confirmed" in _text(en_client.get("/"))

    for again in (en_client.get(link), en_client.post(link)):
        assert again.status_code == 404
        assert "This link does not work" in _text(again) and RESEND in _text(again)
        assert again.headers["Referrer-Policy"] == "no-referrer"


def test_an_expired_or_unknown_link_confirms_nothing_and_offers_a_new_one(en_client):
    user = _register(en_client, "amina@example.org")
    link = confirmation_path(outbox_to(user.email)[0])
    record = db.session.scalar(select(EmailConfirmationToken))
    record.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    for path in (link, "/confirm/not-a-token"):
        response = en_client.post(path)
        assert response.status_code == 404 and RESEND in _text(response)
    db.session.refresh(user)
    assert user.email_confirmed_at is None


def test_the_link_expires_after_the_configured_hours(app, make_user):
    user = make_user(email_confirmed_at=None)
    with app.test_request_context():
        record = services.send_confirmation(user)
    hours = app.config["ROADMAP_CONFIRMATION_HOURS"]
    assert hours == 48
    assert abs((record.expires_at - record.created_at) - timedelta(hours=hours)) < timedelta(
        seconds=1)


def test_a_resent_link_kills_the_older_ones(en_client, make_user):
    user = make_user(email_confirmed_at=None)
    log_in(en_client, user.email)
    page = en_client.get(RESEND)
    assert page.status_code == 200 and "Send me a new link" in _text(page)
    assert 'name="email"' not in _text(page)  # a signed-in user just presses the button
    with en_client.application.test_request_context():
        services.send_confirmation(user)
    db.session.commit()
    assert en_client.post(RESEND).status_code == 302
    first, second = (confirmation_path(mail) for mail in outbox_to(user.email))
    assert en_client.post(first).status_code == 404
    db.session.refresh(user)
    assert user.email_confirmed_at is None
    assert en_client.post(second).status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    # Confirmed now: the resend page sends them home and mails nothing.
    assert en_client.get(RESEND).status_code == 302
    assert en_client.post(RESEND).status_code == 302
    assert len(outbox_to(user.email)) == 2


def test_visitors_resending_learn_nothing_about_accounts(app, make_user):
    make_user("waiting@example.org", email_confirmed_at=None)
    make_user("done@example.org")
    answers = []
    for email in ("waiting@example.org", "done@example.org", "nobody@example.org"):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        assert 'name="email"' in _text(client.get(RESEND))
        response = client.post(RESEND, data={"email": email})
        answers.append((response.status_code, response.location, _text(client.get("/login"))
                        .split('class="flashes"')[1].split("</div>")[0]))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 302 and "If an account at this address" in answers[0][2]
    assert len(outbox_to("waiting@example.org")) == 1
    assert outbox_to("done@example.org") == outbox_to("nobody@example.org") == []
    assert app.test_client().post(RESEND, data={"email": ""}).status_code == 422


# --- what an unconfirmed account may do --------------------------------------------------------

@pytest.fixture
def world(factory):
    """A consultation where proposing, supporting and commenting are all open, a proposal by
    someone else, and a signed-in unconfirmed account (through the login form)."""
    consultation = factory.consultation("proposals", voting_during_proposals=True)
    commune = factory.commune()
    proposal = factory.proposal(consultation, commune, factory.user())
    unconfirmed = factory.user(email_confirmed_at=None, home_commune=commune)
    db.session.commit()
    return consultation, commune, proposal, unconfirmed


def _counts(proposal) -> tuple:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Proposal.id))),
            db.session.scalar(select(func.count(Vote.id))),
            db.session.scalar(select(func.count(Comment.id))),
            db.session.scalar(select(func.count(Report.id))),
            db.session.get(Proposal, proposal.id).supports_count,
            db.session.get(Proposal, proposal.id).comments_count)


def _flashes(client) -> str:
    return _text(client.get("/profile")).split('class="flashes"')[1].split("</div>")[0]


def test_an_unconfirmed_account_reads_edits_its_profile_and_sees_the_banner(en_client, world):
    consultation, _, proposal, user = world
    log_in(en_client, user.email, FACTORY_PASSWORD)
    page = en_client.get(f"/c/{consultation.slug}/proposals/{proposal.id}")
    html = _text(page)
    assert page.status_code == 200 and "confirm-banner" in html
    assert "Your email address is not confirmed yet" in html and RESEND in html
    saved = en_client.post("/profile", data={"display_name": "Renamed", "stakeholder_type":
                                             "citizen", "preferred_language": "en"})
    assert saved.status_code == 302
    db.session.refresh(user)
    assert user.display_name == "Renamed"


def test_no_banner_for_confirmed_or_managed_accounts(en_client, factory):
    confirmed = factory.user()
    helper = factory.user("helpdesk")
    managed = factory.user(email_confirmed_at=None, managed_by_id=helper.id)
    db.session.commit()
    for user in (confirmed, managed):
        client = en_client.application.test_client()
        log_in(client, user.email, FACTORY_PASSWORD)
        assert "confirm-banner" not in _text(client.get("/profile"))


def test_an_unconfirmed_account_can_delete_itself(en_client, world):
    user = world[3]
    log_in(en_client, user.email, FACTORY_PASSWORD)
    response = en_client.post("/profile/delete", data={"password": FACTORY_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.deleted_at is not None


def test_an_unconfirmed_account_cannot_take_part_and_is_told_how(en_client, world):
    consultation, commune, proposal, user = world
    log_in(en_client, user.email, FACTORY_PASSWORD)
    before = _counts(proposal)
    base = f"/c/{consultation.slug}/proposals"
    page = _text(en_client.get(f"{base}/{proposal.id}"))
    for reason in ("Confirm your email address to support proposals",
                   "Confirm your email address to comment"):
        assert reason in page
    assert f'href="/report/proposal/{proposal.id}"' in page  # leads to the reason
    # The link leads back to the proposal once the address is confirmed.
    assert page.count(f'class="refusal-link" href="{RESEND}?next=') >= 2
    assert "Confirm your email address to make a proposal" in _text(en_client.get(
        f"/c/{consultation.slug}"))

    attempts = {
        "propose": (f"{base}/new", {"title": "Build a school in the douar", "body": "The "
                    "children walk six kilometres to school.", "commune_id": str(commune.id),
                    "axis_id": str(consultation.axes[0].id), "confirmed": "1"}),
        "support": (f"{base}/{proposal.id}/vote", {}),
        "comment": (f"{base}/{proposal.id}/comments", {"comment-body": "A comment that must "
                    "not be published.", "comment-stance": "for"}),
        "report": (f"/report/proposal/{proposal.id}", {"reason": "spam"}),
    }
    expected = {"propose": "to make a proposal", "support": "to support proposals",
                "comment": "to comment", "report": "to report content"}
    for action, (url, data) in attempts.items():
        # Without JavaScript: a flash after the redirect, or the page again (comment, report).
        response = en_client.post(url, data=data)
        shown = _flashes(en_client) if response.status_code in (302, 303) else _text(response)
        assert expected[action] in shown, action
        assert f'class="refusal-link" href="{RESEND}' in shown, action
        # With htmx: the fragment carries the reason and the link.
        fragment = en_client.post(url, data=data, headers=HX)
        assert fragment.status_code in (403, 409, 422), action
        assert expected[action] in _text(fragment) and RESEND in _text(fragment), action
    assert _counts(proposal) == before
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email_confirmed_at.is_not(None), User.id == user.id)) == 0
