"""Signals the territory domain sends, so that higher domains answer without being imported.

- ``prefecture_usage``: sent by the territories' back office with ``prefecture_ids`` (a list);
  each receiver returns ``{prefecture_id: [{"title": str, "url": str}, ...]}``, what uses each
  prefecture (the consultations domain answers with its consultations).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

prefecture_usage = _signals.signal("prefecture-usage")


def users_of_prefectures(prefecture_ids) -> dict[int, list[dict]]:
    """What each prefecture is used by, gathered from the receivers of ``prefecture_usage``."""
    used: dict[int, list[dict]] = {}
    ids = list(prefecture_ids)
    for _receiver, answer in prefecture_usage.send(None, prefecture_ids=ids):
        for prefecture_id, items in (answer or {}).items():
            used.setdefault(prefecture_id, []).extend(items)
    return used
