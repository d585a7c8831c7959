"""One URL serves either the full page or the fragment an htmx request asked for."""
from __future__ import annotations

from flask import make_response, render_template

from roadmap.extensions import htmx


def render_page_or_fragment(page: str, fragment: str, status: int = 200, **context):
    """Render ``fragment`` for htmx requests and ``page`` otherwise; set ``Vary: HX-Request``."""
    partial = htmx and not htmx.boosted and not htmx.history_restore_request
    template = fragment if partial else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def dom_id(record, suffix: str | None = None) -> str:
    """A stable element id for a record: ``dom_id(proposal, "votes")`` gives ``proposal-42-votes``."""
    name = getattr(record, "__tablename__", type(record).__name__.lower())
    parts = [name, str(record.id)] + ([suffix] if suffix else [])
    return "-".join(parts)
