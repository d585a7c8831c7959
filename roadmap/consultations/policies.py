"""Who may configure a consultation and record its workshops: ``can_<verb>(user, subject)``.

Views and templates ask the same functions (:data:`TEMPLATE_POLICIES` exposes them to Jinja);
the services ask them again before changing anything.
"""
from __future__ import annotations


def _is_organiser(user) -> bool:
    """A signed-in organiser or admin (admins hold every role)."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_role("organiser"))


def can_configure(user, consultation=None) -> bool:
    """Organisers and admins set a consultation's phases and participation rules."""
    return _is_organiser(user)


def can_manage_workshops(user, consultation=None) -> bool:
    """Organisers and admins record and edit the in-person workshops of a consultation."""
    return _is_organiser(user)


def can_create_consultation(user, subject=None) -> bool:
    """Organisers and admins create consultations (and open the consultations back office)."""
    return _is_organiser(user)


def can_manage_consultation(user, consultation=None) -> bool:
    """Organisers and admins edit a consultation's details and axes, publish and archive it."""
    return _is_organiser(user)


TEMPLATE_POLICIES = {
    "can_configure": can_configure,
    "can_manage_workshops": can_manage_workshops,
    "can_create_consultation": can_create_consultation,
    "can_manage_consultation": can_manage_consultation,
}
