"""Account pages through the real stack: status codes, sessions and what changed in the DB."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from roadmap.accounts import services
from roadmap.accounts.models import User
from roadmap.core.mail import send_mail
from roadmap.core.models import utcnow
from roadmap.extensions import db
from tests.accounts.conftest import PASSWORD, log_in, outbox_to, reset_link_path

REGISTRATION = {"email": "amina@example.org", "display_name": "Amina", "password": PASSWORD,
                "confirm": PASSWORD, "stakeholder_type": "citizen", "preferred_language": "fr",
                "home_commune_id": "", "gender": "", "age_band": ""}


def _page(response) -> str:
    """The page's HTML without its per-session CSRF tokens."""
    return re.sub(r'(X-CSRFToken": "|name="csrf_token" value=")[^"]+', r"\1", response.get_data(
        as_text=True))


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


# --- registration ----------------------------------------------------------------------------

def test_registration_page_has_the_labelled_fields(en_client):
    html = en_client.get("/register").get_data(as_text=True)
    assert 'class="stacked"' in html
    for name, autocomplete in [("email", "email"), ("display_name", "nickname"),
                               ("password", "new-password"), ("confirm", "new-password")]:
        assert f'<label for="{name}">' in html
        assert f'name="{name}"' in html and f'autocomplete="{autocomplete}"' in html
    assert 'value="prefer_not_to_say"' in html and "Prefer not to say" in html


def test_register_creates_the_account_and_goes_to_login(en_client):
    response = en_client.post("/register", data=dict(REGISTRATION, email=" Amina@Example.org "))
    assert response.status_code == 302 and response.location == "/login"
    user = services.user_by_email("amina@example.org")
    assert (user.display_name, user.role, user.preferred_language) == ("Amina", "participant", "fr")
    assert user.gender is None and user.home_commune_id is None
    assert "check your mailbox" in en_client.get("/login").get_data(as_text=True)


def test_registering_a_known_email_answers_the_same_and_mails_its_owner(app, make_user):
    make_user("known@example.org", display_name="Known")
    before = _users()
    answers = []
    for email in ("new@example.org", "known@example.org"):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = client.post("/register", data=dict(REGISTRATION, email=email),
                               follow_redirects=True)
        answers.append((response.status_code, response.request.path, _page(response)))
    assert answers[0] == answers[1]
    assert _users() == before + 1
    assert services.user_by_email("known@example.org").display_name == "Known"
    [notice] = outbox_to("known@example.org")
    assert "already has one" in notice.body


def test_invalid_registration_is_shown_again_with_errors_by_the_fields(en_client):
    data = dict(REGISTRATION, password="too short", confirm="different", email="not-an-email")
    response = en_client.post("/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="password-error"' in html and 'aria-describedby="password-hint password-error"' in html
    assert 'aria-invalid="true"' in html and 'id="email-error"' in html
    assert "The two passwords differ." in html
    assert 'value="Amina"' in html  # what was typed is kept
    assert _users() == 0


# --- login and logout ------------------------------------------------------------------------

def test_login_then_logout(en_client, make_user):
    user = make_user("amina@example.org")
    response = log_in(en_client, " AMINA@example.org")
    assert response.status_code == 302 and response.location == "/"
    assert user.last_login_at is not None
    assert "Amina" in en_client.get("/").get_data(as_text=True)
    assert en_client.get("/profile").status_code == 200
    assert en_client.get("/logout").status_code == 405
    assert en_client.post("/logout").status_code == 302
    assert en_client.get("/profile").status_code == 302


def test_login_failure_never_says_which_part_was_wrong(en_client, make_user):
    make_user("amina@example.org")
    wrong_password = log_in(en_client, "amina@example.org", "not the password at all")
    unknown_email = log_in(en_client, "nobody@example.org")
    assert wrong_password.status_code == unknown_email.status_code == 422
    assert (_page(wrong_password).replace("amina@example.org", "EMAIL")
            == _page(unknown_email).replace("nobody@example.org", "EMAIL"))
    assert "Email or password incorrect." in wrong_password.get_data(as_text=True)
    assert en_client.get("/profile").status_code == 302


def test_disabled_accounts_cannot_log_in(en_client, make_user):
    make_user("amina@example.org", active=False)
    assert log_in(en_client, "amina@example.org").status_code == 422


def test_login_starts_a_fresh_session_keeping_the_language(en_client, make_user):
    make_user("amina@example.org")
    with en_client.session_transaction() as session:
        session["lang"] = "fr"
        session["planted"] = "by an attacker"
    before = en_client.get_cookie("session").value
    log_in(en_client, "amina@example.org")
    assert en_client.get_cookie("session").value != before
    with en_client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "fr" and session["_user_id"]


def test_login_follows_only_safe_next_paths(app, make_user):
    make_user("amina@example.org")
    for target, expected in [("/profile", "/profile"), ("https://evil.example/", "/"),
                             ("//evil.example/x", "/"), ("/\\evil.example", "/")]:
        client = app.test_client()
        response = log_in(client, "amina@example.org", next=target)
        assert response.location == expected, target


def test_anonymous_visitors_are_sent_to_login_and_back(en_client, make_user):
    make_user("amina@example.org")
    response = en_client.get("/profile")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    page = en_client.get(response.location).get_data(as_text=True)
    assert "Please log in to open this page." in page
    assert 'name="next" value="/profile"' in page
    assert log_in(en_client, "amina@example.org", next="/profile").location == "/profile"


def test_a_password_change_ends_other_sessions(app, make_user):
    user = make_user("amina@example.org")
    client = app.test_client()
    log_in(client, "amina@example.org")
    assert client.get("/profile").status_code == 200
    user.password_hash = services.hash_password("a changed passphrase")
    db.session.commit()
    assert client.get("/profile").status_code == 302


# --- password reset --------------------------------------------------------------------------

def _ask_reset(client, email):
    return client.post("/password/forgot", data={"email": email}, follow_redirects=True)


def test_password_reset_through_the_outbox(en_client, make_user):
    make_user("amina@example.org")
    answer = _ask_reset(en_client, "Amina@example.org")
    assert "If an account exists for this address" in answer.get_data(as_text=True)
    [mail] = outbox_to("amina@example.org")
    link = reset_link_path(mail)
    page = en_client.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    mismatch = en_client.post(link, data={"password": "a brand new passphrase", "confirm": "x"})
    assert mismatch.status_code == 422
    done = en_client.post(link, data={"password": "a brand new passphrase",
                                      "confirm": "a brand new passphrase"})
    assert done.status_code == 302 and done.location == "/login"
    assert en_client.get(link).status_code == 404  # single use
    assert log_in(en_client, "amina@example.org").status_code == 422
    assert log_in(en_client, "amina@example.org", "a brand new passphrase").status_code == 302


def test_reset_request_answers_the_same_for_unknown_addresses(app, make_user):
    make_user("amina@example.org")
    answers = []
    for email in ("amina@example.org", "nobody@example.org"):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = _ask_reset(client, email)
        answers.append((response.status_code, response.request.path, _page(response)))
    assert answers[0] == answers[1]
    assert outbox_to("nobody@example.org") == []


def test_expired_reset_links_are_refused(en_client, make_user):
    user = make_user("amina@example.org")
    _ask_reset(en_client, user.email)
    link = reset_link_path(outbox_to(user.email)[0])
    token = services.valid_reset_token(link.rsplit("/", 1)[1])
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert en_client.get(link).status_code == 404
    response = en_client.post(link, data={"password": "a brand new passphrase",
                                          "confirm": "a brand new passphrase"})
    assert response.status_code == 404
    assert services.verify_password(user.password_hash, PASSWORD)


def test_a_new_reset_link_ends_the_older_ones_once_used(en_client, make_user):
    user = make_user("amina@example.org")
    _ask_reset(en_client, user.email)
    _ask_reset(en_client, user.email)
    first, second = (reset_link_path(mail) for mail in outbox_to(user.email))
    new = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    assert en_client.post(second, data=new).status_code == 302
    assert en_client.get(first).status_code == 404


# --- profile ---------------------------------------------------------------------------------

def test_profile_shows_and_saves_the_fields(en_client, make_user):
    user = make_user("amina@example.org", display_name="Amina")
    log_in(en_client, user.email)
    html = en_client.get("/profile").get_data(as_text=True)
    assert 'name="display_name"' in html and 'value="Amina"' in html
    assert "amina@example.org" in html
    data = {"display_name": "Amina B.", "stakeholder_type": "association",
            "organisation": "Jeunes de la Médina", "home_commune_id": "",
            "preferred_language": "en", "gender": "woman", "age_band": "25_34"}
    response = en_client.post("/profile", data=data)
    assert response.status_code == 302 and response.location == "/profile"
    assert (user.display_name, user.stakeholder_type, user.organisation) == (
        "Amina B.", "association", "Jeunes de la Médina")
    assert (user.gender, user.age_band) == ("woman", "25_34")


def test_invalid_profile_changes_nothing(en_client, make_user):
    user = make_user("amina@example.org", display_name="Amina")
    log_in(en_client, user.email)
    response = en_client.post("/profile", data={"display_name": "", "stakeholder_type": "alien",
                                                "preferred_language": "en"})
    assert response.status_code == 422
    assert 'id="display_name-error"' in response.get_data(as_text=True)
    assert (user.display_name, user.stakeholder_type) == ("Amina", "citizen")


# --- roles and the outbox --------------------------------------------------------------------

def test_outbox_is_for_admins_only_newest_first(app, make_user):
    make_user("admin@example.org", role="admin")
    make_user("amina@example.org")
    send_mail("x@example.org", "Older message", "one")
    send_mail("x@example.org", "Newer message", "two")
    db.session.commit()
    anonymous = app.test_client().get("/admin/outbox")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login?next=")
    participant = app.test_client()
    log_in(participant, "amina@example.org")
    assert participant.get("/admin/outbox").status_code == 403
    admin = app.test_client()
    log_in(admin, "admin@example.org")
    response = admin.get("/admin/outbox")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index("Newer message") < html.index("Older message")


# --- language --------------------------------------------------------------------------------

def test_language_choice_is_kept_in_the_session_and_the_profile(en_client, make_user):
    response = en_client.post("/language", data={"language": "fr", "next": "/communes?lang=ar"})
    assert response.status_code == 302 and response.location == "/communes"
    with en_client.session_transaction() as session:
        assert session["lang"] == "fr"
    assert '<html lang="fr" dir="ltr">' in en_client.get("/").get_data(as_text=True)
    user = make_user("amina@example.org")
    log_in(en_client, user.email)
    en_client.post("/language", data={"language": "ar", "next": "/"})
    assert user.preferred_language == "ar"
    assert '<html lang="ar" dir="rtl">' in en_client.get("/").get_data(as_text=True)


def test_language_switch_redirects_only_to_safe_paths(client):
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example", "", None):
        data = {"language": "en"} if target is None else {"language": "en", "next": target}
        assert client.post("/language", data=data).location == "/", target


def test_unknown_languages_are_refused(client):
    assert client.post("/language", data={"language": "de", "next": "/"}).status_code == 400
    with client.session_transaction() as session:
        assert "lang" not in session
