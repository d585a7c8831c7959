"""Rendered template fragments kept in memory for a while: ``{% cache key, seconds %}``.

Lists render the same proposal cards again and again; rendering one costs more than the query
that finds it. A fragment is kept per app process, under a key the template gives (it names
every value the fragment shows that may change: counters, status, ``updated_at``) plus the
language, for ``seconds`` at most (what the key does not name, such as a renamed commune, is
stale for that long at worst)::

    {% cache ("card", proposal.id, proposal.updated_at, proposal.supports_count), 300 %}
      ... the card, without anything that depends on the reader ...
    {% endcache %}

What depends on the reader (a vote button) stays outside the block, but for CSRF tokens:
inside a block, ``csrf_token()`` gives a hole that each reader's answer fills with their own
token (a fragment showing a real token, from a form's own field, is not kept). Each process
keeps its own fragments (nothing to share between app servers: a key changes with the data it
shows). ``ROADMAP_FRAGMENT_CACHE_SIZE`` (default 5,000 fragments, 0 switches it off) bounds the
memory.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

from flask import Flask, current_app, g
from flask_wtf.csrf import generate_csrf
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from roadmap.core.i18n import current_language

DEFAULT_SIZE = 5_000
# Stands for the reader's CSRF token in a kept fragment or page.
TOKEN_HOLE = "\x00csrf-token\x00"
# Where Flask-WTF keeps the request's signed token once made (WTF_CSRF_FIELD_NAME).
TOKEN_IN_G = "csrf_token"


def csrf_token() -> str:
    """The ``csrf_token()`` of templates: the reader's token, or a hole while keeping."""
    if g.get("_keeping"):
        return TOKEN_HOLE
    return generate_csrf()


def render_with_holes(render: Callable[[], str]) -> tuple[str, bool]:
    """``render()`` with CSRF tokens as holes; and whether the result may be kept (no real
    token in it: a form's own CSRF field writes one)."""
    outer = g.get("_keeping", False)
    g._keeping = True
    try:
        text = render()
    finally:
        g._keeping = outer
    token = g.get(TOKEN_IN_G)
    return text, not (token and token in text)


def fill_holes(text: str) -> str:
    """Put the reader's token in the holes (unless an outer page is being kept)."""
    if TOKEN_HOLE not in text or g.get("_keeping"):
        return text
    return text.replace(TOKEN_HOLE, generate_csrf())


class FragmentCache:
    """A bounded, least-recently-used mapping whose entries expire after their own delay."""

    def __init__(self, size: int = DEFAULT_SIZE, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.clock = clock
        self.hits = self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The value kept under ``key``, or None when missing or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self.clock():
                self.misses += 1
                if entry is not None:
                    del self._entries[key]
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def set(self, key: Hashable, value: Any, seconds: float) -> None:
        """Keep ``value`` under ``key`` for ``seconds``, dropping the least recently used."""
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = (self.clock() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every fragment."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class FragmentCacheExtension(Extension):
    """The ``{% cache key[, seconds] %}...{% endcache %}`` tag (300 seconds by default)."""

    tags = {"cache"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        args = [parser.parse_expression()]
        args.append(parser.parse_expression() if parser.stream.skip_if("comma")
                    else nodes.Const(300))
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", args), [], [], body).set_lineno(lineno)

    def _cached(self, key: Hashable, seconds: float, caller) -> Markup:
        cache = fragment_cache()
        if cache is None:
            return caller()
        full_key = (current_language(), key)
        found = cache.get(full_key)
        if found is None:
            found, keep = render_with_holes(caller)
            found = Markup(found)
            if keep:
                cache.set(full_key, found, seconds)
        return Markup(fill_holes(found))


def fragment_cache() -> FragmentCache | None:
    """This app's fragment cache (None when switched off)."""
    return current_app.extensions.get("fragment_cache")


def init_fragment_cache(app: Flask) -> None:
    """Add the ``cache`` tag to Jinja and give the app its cache."""
    size = int(app.config.get("ROADMAP_FRAGMENT_CACHE_SIZE", DEFAULT_SIZE))
    app.extensions["fragment_cache"] = FragmentCache(size) if size > 0 else None
    app.jinja_env.add_extension(FragmentCacheExtension)
    # After Flask-WTF's, so that these win: templates ask for tokens here.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
