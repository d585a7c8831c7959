"""A small HTTP client for the benchmark: log users in and keep their cookie and CSRF token."""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One visitor: cookies and the CSRF token of the last page seen."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())
        self.csrf_token = ""

    def request(self, url: str, data: dict | None = None, timeout: float = 60):
        """GET, or POST ``data`` with the CSRF token; returns (status, body bytes)."""
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrf_token": self.csrf_token, **data}).encode()
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=timeout) as r:
                status, content = r.status, r.read()
        except urllib.error.HTTPError as error:
            status, content = error.code, error.read()
        found = CSRF.search(content.decode("utf-8", "replace"))
        if found:
            self.csrf_token = found.group(1)
        return status, content

    def login(self, base: str, email: str, password: str) -> int:
        """Log in and take the new session's token; returns the POST's status."""
        self.request(f"{base}/login")
        status = self.request(f"{base}/login", {"email": email, "password": password})[0]
        self.request(f"{base}/")
        return status

    def cookie_header(self) -> str:
        """The ``Cookie`` header this visitor sends."""
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)
