"""Personal data: download one's data as JSON, delete one's account (contributions stay)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from roadmap.accounts import personal_data
from roadmap.accounts.models import PasswordResetToken, User
from roadmap.extensions import db
from roadmap.audit.log import verify_chain
from roadmap.audit.models import AuditEntry
from roadmap.moderation.models import Report
from roadmap.participation.models import Comment, Follow, Notification, Vote
from tests.accounts.conftest import PASSWORD, log_in
from tests.conftest import login


@pytest.fixture
def scene(factory, make_user):
    """Amina (with a profile) and Omar, each with a proposal, a support, a comment and more."""
    commune = factory.commune("amina-home")
    consultation = factory.consultation("voting")
    amina = make_user("amina@example.org", display_name="Amina Berrada", organisation="Assoc A",
                      gender="woman", age_band="25_34", home_commune_id=commune.id,
                      preferred_language="fr")
    omar = make_user("omar@example.org", display_name="Omar Secret", organisation="Omar SARL")
    mine = factory.proposal(consultation, commune, amina, title="Amina's own proposal")
    theirs = factory.proposal(consultation, commune, omar, title="Omar's proposal")
    db.session.add_all([
        Vote(proposal_id=theirs.id, user_id=amina.id), Vote(proposal_id=mine.id, user_id=omar.id),
        Comment(proposal_id=theirs.id, author_id=amina.id, body="Amina's comment"),
        Comment(proposal_id=mine.id, author_id=omar.id, body="Omar's comment"),
        Follow(proposal_id=theirs.id, user_id=amina.id),
        Notification(user_id=amina.id, kind="comment", proposal_id=mine.id,
                     payload={"author": "Omar Secret"}),
        Notification(user_id=omar.id, kind="comment", proposal_id=theirs.id, payload={}),
        Report(proposal_id=theirs.id, reporter_id=amina.id, reason="spam", note="dup"),
    ])
    db.session.commit()
    return amina, omar, mine, theirs


def test_export_holds_the_users_own_data(scene):
    amina, omar, mine, theirs = scene
    data = personal_data.export_personal_data(amina)
    assert data["account"]["email"] == "amina@example.org"
    assert data["account"]["organisation"] == "Assoc A"
    assert data["account"]["home_commune"]["code"] == "amina-home"
    assert "password_hash" not in data["account"]
    assert [p["title"] for p in data["proposals"]] == ["Amina's own proposal"]
    assert [v["proposal_id"] for v in data["supports"]] == [theirs.id]
    assert [c["body"] for c in data["comments"]] == ["Amina's comment"]
    assert [f["proposal_id"] for f in data["follows"]] == [theirs.id]
    assert len(data["notifications"]) == 1 and len(data["reports"]) == 1
    assert data["reports"][0]["note"] == "dup"


def test_export_leaves_out_other_peoples_personal_data(scene):
    amina, omar, *_ = scene
    text = json.dumps(personal_data.export_personal_data(amina), ensure_ascii=False)
    for secret in ("omar@example.org", "Omar Secret", "Omar SARL", "Omar's comment",
                   "Omar's proposal"):
        assert secret not in text


def test_export_download_is_a_json_attachment(scene, client):
    amina, *_ = scene
    login(client, amina)
    response = client.get("/profile/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.get_json()["account"]["email"] == "amina@example.org"


def test_export_needs_login(client):
    response = client.get("/profile/data.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_profile_links_to_export_and_deletion(scene, en_client):
    login(en_client, scene[0])
    page = en_client.get("/profile").get_data(as_text=True)
    assert "/profile/data.json" in page and "/profile/delete" in page


def test_deletion_asks_for_the_password(scene, en_client):
    amina, *_ = scene
    login(en_client, amina)
    assert en_client.get("/profile/delete").status_code == 200
    response = en_client.post("/profile/delete", data={"password": "not the password"})
    assert response.status_code == 422
    # Amina prefers French, which wins over the browser's English.
    assert "Ce mot de passe n&#39;est pas correct." in response.get_data(as_text=True)
    db.session.refresh(amina)
    assert amina.deleted_at is None and amina.email == "amina@example.org"


def test_deletion_erases_personal_fields_and_keeps_contributions(scene, en_client):
    amina, omar, mine, theirs = scene
    token = PasswordResetToken(user_id=amina.id, token_hash="x" * 64,
                               expires_at=personal_data.utcnow())
    db.session.add(token)
    db.session.commit()
    login(en_client, amina)
    response = en_client.post("/profile/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    user = db.session.get(User, amina.id)
    db.session.refresh(user)
    assert user.email == f"deleted-{amina.id}@deleted.invalid"
    assert user.display_name == "" and user.deleted_at is not None and not user.active
    assert (user.organisation, user.gender, user.age_band, user.home_commune_id,
            user.preferred_language) == (None, None, None, None, None)
    assert db.session.scalar(select(PasswordResetToken).where(
        PasswordResetToken.user_id == amina.id)) is None
    assert db.session.get(type(mine), mine.id).author_id == amina.id
    assert db.session.scalar(select(Vote).where(Vote.user_id == amina.id)) is not None
    comment = db.session.scalar(select(Comment).where(Comment.author_id == amina.id))
    assert comment.body == "Amina's comment"


def test_deletion_erases_the_name_from_other_peoples_notifications(scene):
    amina, omar, mine, theirs = scene
    comment = db.session.scalar(select(Comment).where(Comment.author_id == amina.id))
    db.session.add(Notification(user_id=omar.id, kind="comment", proposal_id=theirs.id,
                                comment_id=comment.id, payload={"author": "Amina Berrada"}))
    db.session.commit()
    personal_data.delete_account(amina, by=amina)
    db.session.commit()
    payloads = db.session.scalars(select(Notification.payload).where(
        Notification.comment_id == comment.id)).all()
    assert payloads and all(payload.get("author") is None for payload in payloads)


def test_deleted_author_is_shown_as_deleted_user(scene, en_client):
    amina, omar, mine, theirs = scene
    personal_data.delete_account(amina, by=amina)
    db.session.commit()
    with en_client.application.test_request_context("/?lang=en"):
        assert personal_data.author_name(amina) == "Deleted user"
        assert personal_data.author_name(omar) == "Omar Secret"
        template = en_client.application.jinja_env.from_string("{{ author_name(user) }}")
        en_client.application.update_template_context(context := {"user": amina})
        assert template.render(context) == "Deleted user"


def test_deleted_user_is_logged_out_and_cannot_log_in(scene, en_client):
    amina, *_ = scene
    login(en_client, amina)
    en_client.post("/profile/delete", data={"password": PASSWORD})
    assert en_client.get("/profile").status_code == 302  # the session ended
    response = log_in(en_client, "amina@example.org")
    assert response.status_code == 422
    response = log_in(en_client, f"deleted-{amina.id}@deleted.invalid")
    assert response.status_code == 422


def test_deletion_is_audited_without_personal_data(scene):
    amina, *_ = scene
    personal_data.delete_account(amina, by=amina)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert entry.subject_type == "user_account" and entry.subject_id == amina.id
    assert entry.actor_id == amina.id
    assert "Amina" not in json.dumps([entry.actor_label, entry.before, entry.after])
    assert verify_chain() == (True, None)


def test_an_account_is_deleted_once(scene):
    amina, *_ = scene
    personal_data.delete_account(amina, by=amina)
    with pytest.raises(personal_data.AccountAlreadyDeleted):
        personal_data.delete_account(amina, by=amina)
