"""Whole pages kept for a few seconds for visitors who are not signed in.

Most readers of a consultation are not signed in, and they all see the same list or proposal
page; when a consultation is in the news, thousands read the same few URLs at once. The
views marked ``@cached_for_visitors(seconds)`` answer a visitor who is not signed in from a
copy kept under the language, the full URL, htmx's headers and whatever else the view names
(``vary``: the visitor's seed of the random order, say), at most ``seconds`` old: counts shown
to visitors may lag that much behind; signed-in people always get a fresh page.

What differs from one visitor to the next is punched out: CSRF tokens are rendered as a
placeholder and each answer gets the visitor's own. The view's side effects on the session
happen before the cache is read (``before``), so that a visitor served from the cache gets
the same cookie as one served fresh. Pages with flashed messages are neither served from nor
kept in the cache. Entries live in the same bounded in-process store as template fragments
(:mod:`roadmap.core.fragments`); ``ROADMAP_PAGE_CACHE_SECONDS=0`` switches pages off.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable, Hashable

from flask import Response, current_app, make_response, request, session
from flask_login import current_user

from roadmap.core.fragments import fill_holes, fragment_cache, render_with_holes
from roadmap.core.i18n import current_language
from roadmap.extensions import htmx

# Response headers a kept page keeps (the others are set again on each answer).
KEPT_HEADERS = ("Content-Type", "Vary", "HX-Push-Url", "HX-Retarget", "HX-Reswap")


def _key(vary: Callable[[], Hashable] | None) -> tuple:
    return ("page", current_language(), request.full_path, bool(htmx),
            bool(htmx and htmx.boosted), bool(htmx and htmx.history_restore_request),
            request.headers.get("HX-Target"), vary() if vary else None)


def _cacheable() -> bool:
    return (request.method == "GET" and not current_user.is_authenticated
            and not session.get("_flashes") and fragment_cache() is not None
            and current_app.config.get("ROADMAP_PAGE_CACHE_SECONDS", 10) > 0)


def _answer(status: int, headers: list[tuple[str, str]], body: str) -> Response:
    response = Response(fill_holes(body), status)
    for name, value in headers:
        response.headers[name] = value
    return response


def cached_for_visitors(vary: Callable[[], Hashable] | None = None,
                        before: Callable[[], None] | None = None):
    """Serve this GET view from a copy at most ``ROADMAP_PAGE_CACHE_SECONDS`` old to visitors
    who are not signed in (see the module's documentation)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if before is not None:
                before()
            if not _cacheable():
                return view(*args, **kwargs)
            cache, key = fragment_cache(), _key(vary)
            found = cache.get(key)
            if found is not None:
                return _answer(*found)
            answer: list = []
            body, keep = render_with_holes(lambda: _rendered(view, args, kwargs, answer))
            response = answer[0]
            if response.is_streamed or response.direct_passthrough:
                return response
            response.set_data(fill_holes(body))
            if not keep or response.status_code != 200 or session.get("_flashes"):
                return response
            kept = [(name, response.headers[name]) for name in KEPT_HEADERS
                    if name in response.headers]
            cache.set(key, (200, kept, body), current_app.config.get(
                "ROADMAP_PAGE_CACHE_SECONDS", 10))
            return response

        return wrapper

    return decorate


def _rendered(view, args, kwargs, answer: list) -> str:
    """Call the view; keep its response in ``answer`` and return its text ("" if streamed)."""
    response = make_response(view(*args, **kwargs))
    answer.append(response)
    if response.direct_passthrough or response.is_streamed:
        return ""
    return response.get_data(as_text=True)
