"""Who may do what with territories: ``can_<verb>(user, subject=None)``, for views and templates."""
from __future__ import annotations


def can_manage_territories(user, subject=None) -> bool:
    """Admins import prefectures and provinces (boundaries and census figures) from the web."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_role("admin"))
