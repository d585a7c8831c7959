"""Signals the proposals domain sends, so that higher domains react without being imported.

Participation connects receivers when its blueprint module is imported (e.g. the author
follows their proposal; followers are notified of a status change). Both signals are sent
with the application as sender (``None`` outside an application context), inside the
transaction of the action: receivers flush, never commit.

- ``proposal_submitted``: kwargs ``proposal`` (flushed, so it has an id).
- ``proposal_status_changed``: kwargs ``proposal``, ``old_status``, ``new_status``, ``by``
  (the user who changed it).
"""
from __future__ import annotations

from blinker import Namespace
from flask import current_app, has_app_context

_signals = Namespace()

proposal_submitted = _signals.signal("proposal-submitted")
proposal_status_changed = _signals.signal("proposal-status-changed")


def sender():
    """The application sending a signal, or ``None`` outside an application context."""
    return current_app._get_current_object() if has_app_context() else None
