"""Account policies answer for anonymous visitors, participants and admins alike."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from roadmap.accounts import policies
from roadmap.accounts.models import User
from roadmap.territory import models as _territory  # noqa: F401  (User.home_commune's target)

ANONYMOUS = AnonymousUserMixin()


def _user(user_id: int, role: str = "participant") -> User:
    return User(id=user_id, email=f"u{user_id}@example.org", display_name="U", role=role,
                active=True)


@pytest.mark.parametrize("role, allowed", [("participant", False), ("moderator", False),
                                           ("organiser", False), ("admin", True)])
def test_only_admins_view_the_outbox_and_manage_roles(role, allowed):
    user = _user(1, role)
    assert policies.can_view_outbox(user) is allowed
    assert policies.can_manage_roles(user, _user(2)) is allowed


def test_anonymous_visitors_may_only_register():
    assert not policies.can_view_outbox(ANONYMOUS)
    assert not policies.can_manage_roles(ANONYMOUS)
    assert not policies.can_edit_profile(ANONYMOUS)
    assert not policies.can_view_outbox(None)
    assert policies.can_register(ANONYMOUS)
    assert not policies.can_register(_user(1))


def test_admins_do_not_change_their_own_role():
    admin = _user(1, "admin")
    assert not policies.can_manage_roles(admin, admin)


def test_profiles_are_edited_by_their_owner_or_an_admin():
    owner, other, admin = _user(1), _user(2), _user(3, "admin")
    assert policies.can_edit_profile(owner, owner)
    assert not policies.can_edit_profile(other, owner)
    assert policies.can_edit_profile(admin, owner)


def test_templates_see_every_policy():
    public = {name for name in dir(policies) if name.startswith("can_")}
    # awaits_confirmation: the banner of accounts whose address is not confirmed yet.
    assert set(policies.TEMPLATE_POLICIES) == public | {"awaits_confirmation"}
