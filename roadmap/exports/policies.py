"""Who may export what: ``can_<verb>(user, subject)``. Public exports are open to everyone."""
from __future__ import annotations


def can_export_full(user, consultation=None) -> bool:
    """True if ``user`` may download the full (organisers') exports: organisers and admins."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_role("organiser"))


def can_see_exact_figures(user, consultation=None) -> bool:
    """True if ``user`` sees the dashboard's figures without small-cell suppression."""
    return can_export_full(user, consultation)
