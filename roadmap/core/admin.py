"""The back office's shared navigation: each domain's admin blueprint adds its own section.

``add_admin_section(bp, "consultations_admin.index", _l("Consultations"), allowed)`` makes the
section appear in ``templates/layouts/admin.html`` (and in the site menu) for the users whom
``allowed(user)`` lets in, once ``bp`` is registered. Core knows no domain: the domains tell it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, current_app


@dataclass(frozen=True)
class AdminSection:
    """One entry of the back office's navigation."""

    endpoint: str
    label: object  # a lazy string, translated when shown
    allowed: Callable[[object], bool]


def add_admin_section(bp: Blueprint, endpoint: str, label, allowed: Callable) -> None:
    """Add a section to the back office's navigation when ``bp`` is registered on an app."""
    section = AdminSection(endpoint, label, allowed)
    bp.record_once(lambda state: state.app.extensions.setdefault("admin_sections", [])
                   .append(section))


def admin_sections(user) -> list[AdminSection]:
    """The sections of the back office that ``user`` may open, in registration order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [s for s in current_app.extensions.get("admin_sections", ()) if s.allowed(user)]
