"""Who may do what with a roadmap: ``can_<verb>(user, subject)``.

Organisers (and admins, who hold every role) build the draft, publish versions and post
progress updates. Everyone may read the published roadmap.
"""
from __future__ import annotations


def _is_organiser(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_role("organiser"))


def can_edit_roadmap(user, roadmap_or_consultation=None) -> bool:
    """True if ``user`` may create and edit the draft roadmap (organisers, admins)."""
    return _is_organiser(user)


def can_publish(user, roadmap_or_consultation=None) -> bool:
    """True if ``user`` may publish a version of the roadmap (organisers, admins)."""
    return _is_organiser(user)


def can_post_progress(user, item=None) -> bool:
    """True if ``user`` may post a progress update on a roadmap item (organisers, admins)."""
    return _is_organiser(user)


TEMPLATE_POLICIES = {"can_edit_roadmap": can_edit_roadmap, "can_publish_roadmap": can_publish,
                     "can_post_progress": can_post_progress}
