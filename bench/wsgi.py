"""The benchmark's WSGI entry: the real app plus ``/__ping``, the floor of the stack.

``/__ping`` returns a fixed string through gunicorn, Flask and every extension's request hooks
but touches no database or template: the fastest a request can be here. It exists only in this
entry (``gunicorn bench.wsgi:app``); the production app (``roadmap:create_app()``) has no such
route.
"""
from roadmap import create_app



def ping():
    """A fixed string: the floor of a request through the same stack."""
    return "pong"


app = create_app()
app.add_url_rule("/__ping", "ping", ping)
