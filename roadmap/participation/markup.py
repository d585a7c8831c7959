"""Small pieces of HTML the participation templates repeat for every comment and button.

Python functions rather than Jinja macros: a ``{% from .. import %}`` in a template included
once per comment builds the macro module again at each inclusion, which cost more than the
rest of a like button.
"""
from __future__ import annotations

from flask import request
from markupsafe import Markup

from roadmap.core.fragments import csrf_token


def back_field(next_url: str | None = None) -> Markup:
    """The page to come back to after a form posted without JavaScript."""
    target = next_url or (request.full_path if request.query_string else request.path)
    return Markup('<input type="hidden" name="next" value="{}">').format(target)


def csrf_field() -> Markup:
    """The CSRF token of a form (a hole while a fragment or page is being kept)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token())


TEMPLATE_MARKUP = {"back_field": back_field, "csrf_field": csrf_field}
