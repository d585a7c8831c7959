"""Signals the media domain sends, so that the domains above it react without being imported.

- ``transcript_changed``: kwargs ``attachment`` (a voice note whose transcript was set or
  cleared, flushed). Proposals refresh the ``search_text`` of the proposal it belongs to.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

transcript_changed = _signals.signal("transcript-changed")
