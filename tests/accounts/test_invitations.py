"""Invitations: invite, the link in the outbox, accept, single use, expiry, resend, revoke, CLI."""
from __future__ import annotations

import re
from datetime import timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from roadmap.accounts import invitations, services
from roadmap.accounts.models import Invitation, User, UserSession
from roadmap.audit.models import AuditEntry
from roadmap.core.mail import OutboxMessage
from roadmap.core.models import utcnow
from roadmap.extensions import db
from tests.accounts.conftest import PASSWORD, outbox_to
from tests.conftest import login

NEW_PASSWORD = "a brand new passphrase for the mayor"


def invitation_path(message: OutboxMessage) -> str:
    """The path of the accept link in an invitation mail."""
    match = re.search(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _actions(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def _admin_client(app, make_user):
    admin = make_user("root@example.org", role="admin", display_name="Root")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, admin)
    return admin, client


def _invite(client, **fields):
    data = {"email": "mayor@example.org", "role": "moderator",
            "stakeholder_type": "elected_official", "organisation": "Conseil communal",
            "commune_id": "", "display_name": "Madame la présidente", "language": "fr"}
    data.update(fields)
    return client.post("/admin/users/invitations/new", data=data)


def test_invite_then_accept_creates_the_account_and_signs_in(app, make_user, factory):
    commune = factory.commune(name_fr="Tamansourt")
    admin, client = _admin_client(app, make_user)
    form = client.get("/admin/users/invitations/new")
    assert form.status_code == 200 and 'name="email"' in form.get_data(as_text=True)
    response = _invite(client, email=" Mayor@Example.org ", commune_id=str(commune.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role, invitation.send_count) == (
        "mayor@example.org", "moderator", 1)
    assert invitation.invited_by_id == admin.id and invitation.commune_id == commune.id
    assert len(invitation.token_hash) == 64
    [mail] = outbox_to("mayor@example.org")
    with force_locale("fr_MA"):  # the invitee's language (French until the catalogue merge)
        assert mail.subject == gettext("You are invited to the participatory roadmap")
    assert "Madame la présidente" in mail.body and "Conseil communal" in mail.body
    path = invitation_path(mail)
    assert path.rsplit("/", 1)[1] not in invitation.token_hash  # only the hash is stored
    assert _actions("invitation.create") == 1

    invitee = app.test_client()
    invitee.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = invitee.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="Madame la présidente"' in html
    assert 'data-role="moderator"' in html and "mayor@example.org" not in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    weak = invitee.post(path, data={"display_name": "Mme", "password": "short",
                                    "confirm": "short"})
    assert weak.status_code == 422 and _count(User) == 1
    done = invitee.post(path, data={"display_name": "Mme la présidente",
                                    "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    user = services.user_by_email("mayor@example.org")
    assert (user.role, user.stakeholder_type, user.organisation, user.home_commune_id,
            user.display_name, user.preferred_language) == (
        "moderator", "elected_official", "Conseil communal", commune.id, "Mme la présidente",
        "fr")
    assert services.verify_password(user.password_hash, NEW_PASSWORD)
    # Signed in with a server-side session, as the login page does.
    assert db.session.scalar(select(func.count(UserSession.id)).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))) == 1
    assert invitee.get("/evaluations").status_code == 200  # a moderator's page
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).accepted_at is not None
    assert db.session.get(Invitation, invitation.id).user_id == user.id
    assert _actions("invitation.accept") == 1
    # Single use: the link now shows the clear page and changes nothing.
    again = app.test_client().post(path, data={"display_name": "Other", "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert again.status_code == 404 and 'data-invitation="invalid"' in again.get_data(as_text=True)
    assert _count(User) == 2


def test_accepting_with_an_existing_account_needs_its_password(app, make_user):
    _admin, client = _admin_client(app, make_user)
    existing = make_user("amina@example.org", display_name="Amina")
    assert _invite(client, email="amina@example.org", role="organiser",
                   stakeholder_type="association").status_code == 302
    path = invitation_path(outbox_to("amina@example.org")[-1])
    invitee = app.test_client()
    page = invitee.get(path)
    assert 'data-existing-account="1"' in page.get_data(as_text=True)
    wrong = invitee.post(path, data={"password": "not the right password at all"})
    assert wrong.status_code == 422
    assert db.session.get(User, existing.id).role == "participant"
    right = invitee.post(path, data={"password": PASSWORD})
    assert right.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, existing.id)
    assert (user.role, user.stakeholder_type, user.organisation) == (
        "organiser", "association", "Conseil communal")
    assert user.display_name == "Amina" and _count(User) == 2


def test_bad_invitations_are_refused_and_write_nothing(app, make_user):
    _admin, client = _admin_client(app, make_user)
    make_user("karim@example.org", role="moderator", display_name="Karim")
    for fields in ({"email": "not-an-email"}, {"role": "participant"}, {"role": "king"},
                   {"stakeholder_type": "alien"}, {"commune_id": "999999"},
                   {"email": "karim@example.org"}):
        response = _invite(client, **fields)
        assert response.status_code == 422, fields
    assert _count(Invitation) == 0 and _count(OutboxMessage) == 0
    assert _invite(client).status_code == 302
    twice = _invite(client)
    assert twice.status_code == 422 and "pending invitation" in twice.get_data(as_text=True)
    assert _count(Invitation) == 1


def test_expired_links_do_nothing_and_resend_replaces_the_link(app, make_user):
    admin, client = _admin_client(app, make_user)
    _invite(client)
    invitation = db.session.scalar(select(Invitation))
    old_path = invitation_path(outbox_to("mayor@example.org")[-1])
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert invitations.state_of(invitation) == "expired"
    listing = client.get("/admin/users/invitations")
    assert f'id="invitation-{invitation.id}" data-state="expired"' in listing.get_data(as_text=True)
    expired = app.test_client().post(old_path, data={"display_name": "Late", "password":
                                                     NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert expired.status_code == 404 and _count(User) == 1
    assert client.post(f"/admin/users/invitations/{invitation.id}/resend").status_code == 302
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.send_count == 2 and invitations.state_of(invitation) == "pending"
    assert invitation.expires_at > utcnow() + timedelta(days=6)
    new_path = invitation_path(outbox_to("mayor@example.org")[-1])
    assert new_path != old_path
    assert app.test_client().get(old_path).status_code == 404  # the old link stopped working
    assert app.test_client().get(new_path).status_code == 200
    assert _actions("invitation.resend") == 1


def test_revoke(app, make_user):
    _admin, client = _admin_client(app, make_user)
    _invite(client)
    invitation = db.session.scalar(select(Invitation))
    path = invitation_path(outbox_to("mayor@example.org")[-1])
    assert client.post(f"/admin/users/invitations/{invitation.id}/revoke").status_code == 302
    db.session.expire_all()
    assert invitations.state_of(db.session.get(Invitation, invitation.id)) == "revoked"
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().post(path, data={"display_name": "X Y", "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD}).status_code == 404
    assert _count(User) == 1 and _actions("invitation.revoke") == 1
    revoked = client.get("/admin/users/invitations?state=revoked").get_data(as_text=True)
    assert f'id="invitation-{invitation.id}" data-state="revoked"' in revoked
    pending = client.get("/admin/users/invitations?state=pending").get_data(as_text=True)
    assert f'id="invitation-{invitation.id}"' not in pending
    # A revoked invitation cannot be resent; an unknown one is 404.
    client.post(f"/admin/users/invitations/{invitation.id}/resend")
    assert db.session.get(Invitation, invitation.id).send_count == 1
    assert client.post("/admin/users/invitations/999999/revoke").status_code == 404


def test_unknown_tokens_show_the_clear_page(client):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 404
    assert 'data-invitation="invalid"' in response.get_data(as_text=True)


# --- command line -----------------------------------------------------------------------------

def test_cli_invite(runner, factory):
    commune = factory.commune(code="07.351.01.01")
    result = runner.invoke(args=["users", "invite", "Official@Example.org", "--role", "organiser",
                                 "--stakeholder-type", "public_service", "--organisation",
                                 "Division des affaires sociales", "--commune", commune.code,
                                 "--name", "Service social", "--language", "ar"])
    assert result.exit_code == 0, result.output
    assert "official@example.org" in result.output and "outbox" in result.output
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.role, invitation.commune_id, invitation.preferred_language) == (
        "organiser", commune.id, "ar")
    [mail] = outbox_to("official@example.org")
    assert "/invitations/" in mail.body


def test_cli_invite_refuses_bad_input_and_writes_nothing(runner, make_user):
    make_user("karim@example.org", role="moderator", display_name="Karim")
    for args, expected in (
            (["not-an-email", "--role", "moderator"], "not a valid email"),
            (["a@example.org", "--role", "king"], "Unknown role"),
            (["a@example.org", "--role", "participant"], "Participants register"),
            (["a@example.org", "--role", "moderator", "--commune", "nowhere"], "Unknown commune"),
            (["a@example.org", "--role", "moderator", "--stakeholder-type", "alien"],
             "Unknown stakeholder type"),
            (["karim@example.org", "--role", "moderator"], "already has this role")):
        result = runner.invoke(args=["users", "invite", *args])
        assert result.exit_code == 1, (args, result.output)
        assert expected in result.output and "Traceback" not in result.output
    assert _count(Invitation) == 0 and _count(OutboxMessage) == 0
