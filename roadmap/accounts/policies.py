"""Who may do what with accounts: ``can_<verb>(user, subject=None)``, for views and templates.

A policy only answers True or False. Views call :func:`ensure` (403 when refused) or decorate
themselves with :func:`requires` (login first, then 403); templates call the same functions,
which :data:`TEMPLATE_POLICIES` exposes to Jinja.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from roadmap.extensions import login_manager


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_view_outbox(user, subject=None) -> bool:
    """Admins read the mail outbox."""
    return _signed_in(user) and user.has_role("admin")


def can_manage_roles(user, subject=None) -> bool:
    """Admins give roles; nobody changes their own role (another admin must)."""
    if not (_signed_in(user) and user.has_role("admin")):
        return False
    return subject is None or subject.id != user.id


def can_manage_people(user, subject=None) -> bool:
    """Admins open the back office's people pages: accounts, roles, invitations."""
    return _signed_in(user) and user.has_role("admin")


def can_edit_profile(user, subject=None) -> bool:
    """A signed-in user edits their own profile; admins edit anyone's."""
    if not _signed_in(user):
        return False
    return subject is None or subject.id == user.id or user.has_role("admin")


def can_register(user, subject=None) -> bool:
    """Only visitors who are not signed in create an account."""
    return not _signed_in(user)


def can_export_data(user, subject=None) -> bool:
    """A signed-in user downloads their own data (nobody else's, admins included)."""
    return _signed_in(user) and (subject is None or subject.id == user.id)


def can_delete_account(user, subject=None) -> bool:
    """A signed-in user deletes their own account, once."""
    if not _signed_in(user) or getattr(user, "deleted_at", None) is not None:
        return False
    return subject is None or subject.id == user.id


def awaits_confirmation(user, subject=None) -> bool:
    """True for a signed-in account whose address still waits for its confirmation link.

    A verified account counts as confirmed, and an account the help desk manages for a
    resident has no address to confirm.
    """
    return (_signed_in(user) and user.email_confirmed_at is None and user.verified_at is None
            and not user.is_managed and user.deleted_at is None)


TEMPLATE_POLICIES = {
    "awaits_confirmation": awaits_confirmation,
    "can_export_data": can_export_data,
    "can_delete_account": can_delete_account,
    "can_view_outbox": can_view_outbox,
    "can_manage_roles": can_manage_roles,
    "can_manage_people": can_manage_people,
    "can_edit_profile": can_edit_profile,
    "can_register": can_register,
}


def ensure(allowed: bool) -> None:
    """Abort with 403 unless ``allowed`` (the answer of a policy)."""
    if not allowed:
        abort(403)


def requires(policy):
    """Decorate a view: anonymous visitors go to the login page, others need ``policy``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not _signed_in(current_user):
                return login_manager.unauthorized()
            ensure(policy(current_user))
            return view(*args, **kwargs)

        return wrapped

    return decorator
