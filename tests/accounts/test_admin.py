"""The people back office (``/admin/users``): search, roles, deactivation, on both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadmap.accounts import services
from roadmap.accounts.models import User, UserSession
from roadmap.audit.models import AuditEntry
from roadmap.extensions import db
from tests.accounts.conftest import log_in
from tests.conftest import login


def _ids(response) -> set[int]:
    import re

    return {int(n) for n in re.findall(r'data-user-id="(\d+)"', response.get_data(as_text=True))}


def _actions(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_anonymous_go_to_login_and_non_admins_get_403(app, make_user):
    client = app.test_client()
    for path in ("/admin/users", "/admin/users/invitations", "/admin/users/invitations/new",
                 "/admin/users/invitations/import"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location
    for role in ("participant", "moderator", "organiser"):
        user = make_user(f"{role}@example.org", role=role)
        other = app.test_client()
        login(other, user)
        assert other.get("/admin/users").status_code == 403
        assert other.post(f"/admin/users/{user.id}/role", data={"role": "admin"}).status_code == 403
        assert db.session.get(User, user.id).role == role


def test_search_and_filters(app, make_user, factory):
    admin = make_user("root@example.org", role="admin", display_name="Root")
    commune = factory.commune(name_fr="Tassoultante")
    amina = make_user("amina@example.org", display_name="Amina Berrada",
                      stakeholder_type="association", home_commune_id=commune.id)
    karim = make_user("karim@example.org", display_name="Karim", role="moderator",
                      stakeholder_type="public_service")
    sleepy = make_user("sleepy@example.org", display_name="Sleepy", active=False)
    gone = make_user("gone@example.org", display_name="Gone")
    from roadmap.accounts.personal_data import delete_account
    delete_account(gone, by=gone)
    db.session.commit()
    client = app.test_client()
    login(client, admin)
    everyone = client.get("/admin/users")
    assert everyone.status_code == 200
    assert _ids(everyone) == {admin.id, amina.id, karim.id, sleepy.id}  # never the deleted one
    assert "deleted-" not in everyone.get_data(as_text=True)
    assert _ids(client.get("/admin/users?q=berra")) == {amina.id}
    assert _ids(client.get("/admin/users?q=KARIM@")) == {karim.id}
    assert _ids(client.get("/admin/users?role=moderator")) == {karim.id}
    assert _ids(client.get("/admin/users?stakeholder_type=association")) == {amina.id}
    assert _ids(client.get(f"/admin/users?commune={commune.id}")) == {amina.id}
    assert _ids(client.get("/admin/users?active=0")) == {sleepy.id}
    assert _ids(client.get("/admin/users?active=1&role=participant")) == {amina.id}
    # Nonsense filters are ignored, never an error.
    assert client.get("/admin/users?role=king&commune=abc&page=x").status_code == 200
    fragment = client.get("/admin/users?q=karim", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="people-results"')


def test_pagination(app, make_user, factory):
    admin = make_user("root@example.org", role="admin", display_name="AAA Root")
    for n in range(30):
        factory.user(display_name=f"Person {n:02d}")
    db.session.commit()
    client = app.test_client()
    login(client, admin)
    first, second = client.get("/admin/users"), client.get("/admin/users?page=2")
    assert len(_ids(first)) == 25 and len(_ids(second)) == 6
    assert not _ids(first) & _ids(second)
    assert 'rel="next"' in first.get_data(as_text=True)


def test_change_a_role(app, make_user):
    admin = make_user("root@example.org", role="admin", display_name="Root")
    amina = make_user("amina@example.org")
    client = app.test_client()
    login(client, admin)
    assert client.get(f"/admin/users/{amina.id}").status_code == 200
    response = client.post(f"/admin/users/{amina.id}/role", data={"role": "organiser"})
    assert response.status_code == 302
    assert db.session.get(User, amina.id).role == "organiser"
    assert _actions("user.set_role") == 1
    assert client.post(f"/admin/users/{amina.id}/role", data={"role": "king"}).status_code == 422
    assert db.session.get(User, amina.id).role == "organiser"
    assert client.get("/admin/users/999999").status_code == 404


def test_no_admin_changes_their_own_role_and_the_last_admin_stays(app, make_user):
    admin = make_user("root@example.org", role="admin", display_name="Root")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, admin)
    alone = client.post(f"/admin/users/{admin.id}/role", data={"role": "participant"},
                        follow_redirects=True)
    assert "last admin" in alone.get_data(as_text=True)
    assert db.session.get(User, admin.id).role == "admin"
    other = make_user("second@example.org", role="admin", display_name="Second")
    own = client.post(f"/admin/users/{admin.id}/role", data={"role": "participant"},
                      follow_redirects=True)
    assert "your own role" in own.get_data(as_text=True)
    assert db.session.get(User, admin.id).role == "admin"
    assert _actions("user.set_role") == 0
    # With a second admin, one may demote the other; then the last one stays admin.
    client.post(f"/admin/users/{other.id}/role", data={"role": "moderator"})
    assert db.session.get(User, other.id).role == "moderator"
    assert _actions("user.set_role") == 1
    with pytest.raises(services.LastAdmin):
        services.set_role(admin, "participant", by=None)


def test_deactivate_ends_sessions_and_refuses_login_then_reactivate(app, make_user):
    admin = make_user("root@example.org", role="admin", display_name="Root")
    make_user("amina@example.org")
    amina_browser = app.test_client()
    assert log_in(amina_browser, "amina@example.org").status_code == 302
    amina = services.user_by_email("amina@example.org")
    assert amina_browser.get("/profile").status_code == 200
    client = app.test_client()
    login(client, admin)
    assert client.post(f"/admin/users/{amina.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, amina.id).active is False
    open_sessions = db.session.scalar(select(func.count(UserSession.id)).where(
        UserSession.user_id == amina.id, UserSession.revoked_at.is_(None)))
    assert open_sessions == 0
    assert amina_browser.get("/profile").status_code == 302  # logged out
    assert log_in(app.test_client(), "amina@example.org").status_code == 422
    assert _actions("user.deactivate") == 1
    assert client.post(f"/admin/users/{amina.id}/reactivate").status_code == 302
    assert db.session.get(User, amina.id).active is True
    assert log_in(app.test_client(), "amina@example.org").status_code == 302
    assert _actions("user.reactivate") == 1


def test_no_admin_deactivates_themselves_nor_the_last_active_admin(app, make_user):
    admin = make_user("root@example.org", role="admin", display_name="Root")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "your own account" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).active is True
    with pytest.raises(services.LastAdmin):
        services.deactivate_user(admin, by=None)
    assert db.session.get(User, admin.id).active is True
    assert _actions("user.deactivate") == 0
