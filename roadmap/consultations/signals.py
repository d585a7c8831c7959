"""Signals the consultations domain sends, so that higher domains react without being imported.

Sent with the application as sender (``None`` outside an application context), inside the
transaction of the action: receivers flush, never commit.

- ``consultation_created``: kwargs ``consultation`` (flushed, so it has an id),
  ``copied_from`` (the consultation it copies, or ``None``) and ``by`` (the acting user, ``None``
  on the command line). Ranking gives the new consultation its evaluation criteria: the default
  set, or a copy of those of ``copied_from``.
- ``axis_uses``: kwargs ``axis``; each receiver returns ``(what, count)``, e.g.
  ``("proposals", 3)`` from proposals and ``("roadmap_items", 1)`` from roadmaps, so that an
  axis in use is not removed.
"""
from __future__ import annotations

from blinker import Namespace
from flask import current_app, has_app_context

_signals = Namespace()

consultation_created = _signals.signal("consultation-created")
axis_uses = _signals.signal("axis-uses")


def sender():
    """The application sending a signal, or ``None`` outside an application context."""
    return current_app._get_current_object() if has_app_context() else None
