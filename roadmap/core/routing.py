"""URL converters of the app: ``<int:...>`` refuses numbers the database cannot hold.

Ids are 32-bit INTEGER columns on PostgreSQL: a route variable beyond 2**31 - 1 can name no
row, so it does not match (404) instead of reaching the database (which would fail, a 500).
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """Werkzeug's ``int`` converter with ``max`` defaulting to :data:`INT_MAX`."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app: Flask) -> None:
    """Replace the ``int`` converter on ``app``'s URL map: call before any route is added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
