"""Why an action is refused: a code for programs, a message in the reader's language and,
where there is a way to get what is missing, a link to it."""
from __future__ import annotations

from markupsafe import Markup, escape


class Refusal:
    """Why an action is refused: a stable ``code``, a translated ``message`` and an optional
    ``link`` (``(endpoint, label)``: where to get what is missing, e.g. the verification page).

    The message is translated when it is read: a page asks for a dozen refusals per comment
    and shows almost none of their messages. In a template ``{{ refusal }}`` shows the message
    and the link (see :meth:`__html__`); a flashed refusal keeps its link too.
    """

    __slots__ = ("code", "_message", "link")

    def __init__(self, code: str, message, link: tuple[str, object] | None = None):
        self.code = code
        self._message = message
        self.link = link

    @property
    def message(self) -> str:
        """The reason, in the reader's language."""
        return str(self._message)

    @property
    def link_url(self) -> str | None:
        """The address of the way to get what is missing, or None."""
        if self.link is None:
            return None
        from flask import has_request_context, request, url_for
        from werkzeug.routing import BuildError

        # Back to the page that showed the refusal once it is done (not to a POST's address).
        here = request.full_path.rstrip("?") if has_request_context() and \
            request.method == "GET" and not request.headers.get("HX-Request") else None
        try:
            return url_for(self.link[0], next=here)
        except BuildError:  # the page is not part of this installation (yet)
            return None

    @property
    def link_label(self) -> str | None:
        """The label of that link, in the reader's language."""
        return None if self.link is None else str(self.link[1])

    def __html__(self) -> Markup:
        """The message, then the link to get what is missing (if any), as safe HTML: a plain
        link, so that it works without JavaScript."""
        html = escape(self.message)
        if self.link_url is not None:
            html += Markup(' <a class="refusal-link" href="{}">{}</a>').format(self.link_url,
                                                                             self.link_label)
        return html

    def __eq__(self, other) -> bool:
        return isinstance(other, Refusal) and (self.code, self.message) == (other.code,
                                                                            other.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.message!r})"
