"""Account services, without HTTP: hashing, registration, login, reset tokens, profile, roles."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from roadmap.accounts import services
from roadmap.accounts.models import PasswordResetToken, User
from roadmap.core.models import utcnow
from roadmap.extensions import db
from tests.accounts.conftest import PASSWORD, outbox_to, reset_link_path


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_hash_is_argon2id_at_owasp_parameters():
    hashed = services.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert services.verify_password(hashed, PASSWORD)
    assert not services.verify_password(hashed, PASSWORD + "!")
    assert services.hash_password(PASSWORD) != hashed  # salted


def test_unusable_hashes_never_verify():
    assert not services.verify_password("!demo-account-without-login", PASSWORD)
    assert not services.verify_password("", "")


def test_register_normalises_email_and_keeps_the_profile(app, make_user):
    with app.test_request_context():
        user = services.register_user("  Amina@Example.ORG ", PASSWORD, " Amina ",
                                      stakeholder_type="association", organisation="",
                                      preferred_language="fr", gender="prefer_not_to_say",
                                      age_band="25_34")
    db.session.commit()
    assert (user.email, user.display_name, user.role) == ("amina@example.org", "Amina",
                                                          "participant")
    assert (user.stakeholder_type, user.organisation, user.preferred_language) == (
        "association", None, "fr")
    assert (user.gender, user.age_band) == ("prefer_not_to_say", "25_34")
    assert services.verify_password(user.password_hash, PASSWORD)
    [welcome] = outbox_to("amina@example.org")
    assert "Amina" in welcome.body


def test_register_with_a_known_email_mails_a_notice_and_creates_nothing(app, make_user):
    existing = make_user("amina@example.org", preferred_language="en")
    before = _users()
    with app.test_request_context():
        assert services.register_user("AMINA@example.org", "another long password",
                                      "Impostor") is None
    assert _users() == before
    assert services.verify_password(existing.password_hash, PASSWORD)
    [notice] = outbox_to("amina@example.org")
    assert "already has one" in notice.body


@pytest.mark.parametrize("password", ["", "short", "elevenchars"])
def test_passwords_need_twelve_characters(app, password):
    with app.test_request_context(), pytest.raises(services.PasswordTooShort):
        services.register_user("new@example.org", password, "New")
    assert services.user_by_email("new@example.org") is None


def test_authenticate_records_the_login(app, make_user):
    user = make_user("amina@example.org")
    assert user.last_login_at is None
    assert services.authenticate(" AMINA@example.org", PASSWORD) is user
    assert user.last_login_at is not None
    assert utcnow() - user.last_login_at < timedelta(minutes=1)


@pytest.mark.parametrize("email, password", [
    ("amina@example.org", "wrong password here"),
    ("nobody@example.org", PASSWORD),
    ("", ""),
])
def test_authenticate_refuses_wrong_credentials_alike(app, make_user, email, password):
    make_user("amina@example.org")
    with pytest.raises(services.InvalidCredentials) as error:
        services.authenticate(email, password)
    assert str(error.value) == "email or password incorrect"


def test_authenticate_refuses_disabled_accounts(app, make_user):
    make_user("amina@example.org", active=False)
    with pytest.raises(services.InvalidCredentials):
        services.authenticate("amina@example.org", PASSWORD)


def test_login_rehashes_a_password_hashed_with_old_parameters(app, make_user):
    user = make_user("amina@example.org")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.commit()
    services.authenticate("amina@example.org", PASSWORD)
    db.session.commit()
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert services.verify_password(user.password_hash, PASSWORD)


def test_reset_request_stores_only_the_tokens_digest(app, make_user):
    app.config["PASSWORD_RESET_HOURS"] = 2
    user = make_user("amina@example.org")
    with app.test_request_context():
        record = services.request_password_reset(" Amina@example.org")
    [mail] = outbox_to("amina@example.org")
    token = reset_link_path(mail).rsplit("/", 1)[1]
    assert record.user is user and record.used_at is None
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in record.token_hash
    assert timedelta(hours=1, minutes=59) < record.expires_at - utcnow() <= timedelta(hours=2)


def test_reset_request_for_an_unknown_email_does_nothing(app):
    with app.test_request_context():
        assert services.request_password_reset("nobody@example.org") is None
    assert outbox_to("nobody@example.org") == []
    assert db.session.scalar(select(func.count(PasswordResetToken.id))) == 0


def _token(app, email: str) -> str:
    with app.test_request_context():
        services.request_password_reset(email)
    return reset_link_path(outbox_to(email)[-1]).rsplit("/", 1)[1]


def test_reset_token_works_once_and_ends_the_other_tokens(app, make_user):
    user = make_user("amina@example.org")
    first, second = _token(app, user.email), _token(app, user.email)
    assert services.reset_password(second, "a brand new passphrase") is user
    assert services.verify_password(user.password_hash, "a brand new passphrase")
    for used in (second, first):
        with pytest.raises(services.InvalidResetToken):
            services.reset_password(used, "yet another passphrase")
    tokens = db.session.scalars(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    assert all(token.used_at is not None for token in tokens)


def test_expired_and_unknown_tokens_are_refused(app, make_user):
    user = make_user("amina@example.org")
    token = _token(app, user.email)
    record = services.valid_reset_token(token)
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for candidate in (token, "not-a-token", ""):
        assert services.valid_reset_token(candidate) is None
        with pytest.raises(services.InvalidResetToken):
            services.reset_password(candidate, "a brand new passphrase")
    assert services.verify_password(user.password_hash, PASSWORD)


def test_reset_refuses_a_short_password_and_keeps_the_token(app, make_user):
    user = make_user("amina@example.org")
    token = _token(app, user.email)
    with pytest.raises(services.PasswordTooShort):
        services.reset_password(token, "too short")
    assert services.valid_reset_token(token) is not None


def test_update_profile_checks_the_choices(app, make_user):
    user = make_user("amina@example.org")
    services.update_profile(user, display_name="Amina B.", gender="woman", age_band=None,
                            preferred_language="ar", organisation="  ")
    assert (user.display_name, user.gender, user.preferred_language) == ("Amina B.", "woman", "ar")
    assert user.organisation is None
    for bad in ({"gender": "other"}, {"preferred_language": "de"}, {"display_name": " "},
                {"stakeholder_type": "alien"}, {"email": "x@example.org"}):
        with pytest.raises(services.InvalidProfileValue):
            services.update_profile(user, **bad)


def test_set_role_and_the_last_admin(app, make_user):
    admin = make_user("admin@example.org", role="admin")
    user = make_user("amina@example.org")
    assert services.set_role(user, "moderator", by=admin).role == "moderator"
    with pytest.raises(services.UnknownRole):
        services.set_role(user, "king", by=admin)
    with pytest.raises(services.LastAdmin):
        services.set_role(admin, "participant", by=admin)
    services.set_role(user, "admin", by=admin)
    assert services.set_role(admin, "participant", by=user).role == "participant"


def test_create_admin(app, make_user):
    admin = services.create_admin(" Root@Example.org ", "Root", "a long admin password")
    assert (admin.email, admin.role, admin.active) == ("root@example.org", "admin", True)
    with pytest.raises(services.EmailAlreadyRegistered):
        services.create_admin("root@example.org", "Again", "a long admin password")
    with pytest.raises(services.PasswordTooShort):
        services.create_admin("other@example.org", "Other", "short")
