"""Error pages in the user's language."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

TITLES = {
    400: _l("Bad request"),
    403: _l("You are not allowed to do this"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("The file is too large"),
    422: _l("Some fields need correcting"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}
EXPLANATIONS = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("Your account does not have the right to open this page or do this action."),
    404: _l("This address does not exist, or the page was moved."),
    405: _l("This address does not accept this kind of request."),
    413: _l("What you sent is larger than this site accepts. Nothing was kept: send a smaller "
            "file."),
    422: _l("Nothing was changed. Go back, correct the form and send it again."),
    429: _l("You sent too many requests in a short time. Wait a minute and try again."),
    500: _l("Nothing you sent was lost. Try again in a moment; if it goes on, tell the organisers."),
}


def render_error(error):
    """Render the error page for an HTTP exception, keeping its status code (a JSON error
    under ``/api/v1/``: :mod:`roadmap.core.api`)."""
    from roadmap.core.api import http_error_response, is_api_request

    code = getattr(error, "code", 500) or 500
    if code not in TITLES:
        code = 500
    if code == 500:
        # The failed request may have left an aborted transaction (PostgreSQL): the page's
        # own reads (the header's notifications) need a clean one.
        from roadmap.extensions import db

        db.session.rollback()
    if is_api_request():
        return http_error_response(error)
    return render_template("errors/error.html", code=code, title=TITLES[code],
                           explanation=EXPLANATIONS[code]), code


def register_error_handlers(app) -> None:
    """Attach :func:`render_error` to every status the platform answers with."""
    from werkzeug.exceptions import HTTPException

    from roadmap.core.api import init_api

    for code in TITLES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(HTTPException, _other_http_error)
    init_api(app)


def _other_http_error(error):
    """A status without a page of its own (411, 415...): JSON under ``/api/v1/``, otherwise
    Werkzeug's own answer."""
    from roadmap.core.api import http_error_response, is_api_request

    if is_api_request():
        return http_error_response(error)
    return error
