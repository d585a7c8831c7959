"""Who may configure a consultation and record its workshops: ``can_<verb>(user, subject)``.

Views and templates ask the same functions (:data:`TEMPLATE_POLICIES` exposes them to Jinja);
the services ask them again before changing anything.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


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


def can_view_drafts(user) -> bool:
    """Organisers and admins see (and preview) the consultations still in draft."""
    return _is_organiser(user)


def can_view_consultation(user, consultation) -> bool:
    """A published or archived consultation is public; a draft is seen by organisers and
    admins only (everyone else gets a 404 on each of its pages)."""
    return not consultation.is_draft or can_view_drafts(user)


def lifecycle_refusal(consultation):
    """Why nobody may contribute to ``consultation`` (propose, support, comment, report,
    edit) whatever its phase: archived (read-only) or still a draft; ``None`` otherwise.
    A lazy string, in the reader's language when it is shown."""
    if consultation.is_archived:
        return _l("This consultation is archived: it is read-only.")
    if consultation.is_draft:
        return _l("This consultation is not published yet: it takes no contributions.")
    return None


def can_create_consultation(user, subject=None) -> bool:
    """Organisers and admins create consultations (and open the consultations back office)."""
    return _is_organiser(user)


def can_manage_consultation(user, consultation=None) -> bool:
    """Organisers and admins edit a consultation's details and axes, publish and archive it."""
    return _is_organiser(user)


TEMPLATE_POLICIES = {
    "can_view_consultation": can_view_consultation,
    "can_view_drafts": can_view_drafts,
    "can_configure": can_configure,
    "can_manage_workshops": can_manage_workshops,
    "can_create_consultation": can_create_consultation,
    "can_manage_consultation": can_manage_consultation,
}
