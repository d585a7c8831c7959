"""Prefectures, communes, their boundaries and census indicators, point-in-commune lookup.

``territory.lookup(lat, lon)`` gives the commune containing a point; the index behind it lives
in the ``roadmap.territory.lookup`` module (shadowed here by the function of the same name).
"""
from roadmap.territory.lookup import invalidate_lookup, locate, lookup

__all__ = ["invalidate_lookup", "locate", "lookup"]
