"""A small HTTP client for tests that talk to real servers: cookies, CSRF tokens, no redirects."""
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


class Browser:
    """One visitor: a cookie jar shared by every server it talks to, and its CSRF token."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())
        self.csrf_token = None

    def request(self, url: str, data: dict | None = None, timeout: float = 30) -> tuple[int, str]:
        """GET (or POST ``data`` with the CSRF token); returns (status, body)."""
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrf_token": self.csrf_token, **data}).encode()
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=timeout) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        found = CSRF.search(text)
        if found:
            self.csrf_token = found.group(1)
        return status, text

    def login(self, base: str, email: str, password: str) -> int:
        """Log in (login page for a token, then the credentials); returns the POST's status."""
        self.request(f"{base}/login")
        status = self.request(f"{base}/login", {"email": email, "password": password})[0]
        self.request(f"{base}/")  # logging in starts a new session: take its token
        return status
