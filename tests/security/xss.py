"""What the XSS tests share: the payload corpus and the checks of an HTML or JSON answer."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

CORPUS = Path(__file__).with_name("xss_payloads.txt")
DANGEROUS_SCHEMES = re.compile(r"^(javascript|vbscript|data:text/html)", re.I)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "srcdoc", "poster"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "style", "xmp",
                  "plaintext", "applet", "keygen", "marquee"}


def payloads(keep_nul: bool = True) -> list[str]:
    r"""The corpus, one payload a line (``\x00`` and ``\x0b`` written escaped in the file)."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    decoded = [line.replace("\\x00", "\x00" if keep_nul else "").replace("\\x0b", "\x0b")
               for line in lines if line]
    return decoded


class _Scanner(HTMLParser):
    """Collects the elements and attributes a page would run or load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        """Check one start tag and its attributes."""
        self._check(tag, dict(attrs))

    handle_startendtag = handle_starttag

    def _check(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            self._in_script = True
            if not (attrs.get("src") or "").startswith("/static/"):
                self.problems.append(f"<script src={attrs.get('src')!r}>")
        for name, value in attrs.items():
            self._check_attribute(tag, name, value or "")

    def _check_attribute(self, tag, name, value):
        if name.startswith("on") or name.startswith("hx-on"):
            self.problems.append(f"<{tag} {name}=...> event handler")
        cleaned = re.sub(r"[\x00-\x20\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", "", value)
        if name in URL_ATTRIBUTES and DANGEROUS_SCHEMES.match(cleaned):
            self.problems.append(f"<{tag} {name}={value[:40]!r}>")
        if name == "style" and re.search(r"url\(|expression|javascript", value, re.I):
            self.problems.append(f"<{tag} style={value[:40]!r}>")

    def handle_endtag(self, tag):
        """Leave a script element."""
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        """Inline script content is a problem (the pages have none)."""
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:40]!r}")


def html_problems(html: str, planted: list[str]) -> list[str]:
    """What in ``html`` would run: elements and attributes of a payload, or a payload
    (holding markup) copied unescaped."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    problems = list(scanner.problems)
    for payload in planted:
        if "<" in payload and payload.replace("\x00", "") in html.replace("\x00", ""):
            problems.append(f"unescaped payload {payload[:50]!r}")
    return problems


def json_problems(body: str, planted: list[str]) -> list[str]:
    """A JSON answer must parse, and payloads may appear in it only JSON-escaped."""
    try:
        json.loads(body)
    except ValueError as error:
        return [f"invalid JSON: {error}"]
    problems = []
    for payload in planted:
        escaped = {json.dumps(payload)[1:-1], json.dumps(payload, ensure_ascii=False)[1:-1]}
        occurrences = body.count(payload)
        if occurrences and not any(body.count(form) >= occurrences for form in escaped):
            problems.append(f"payload not JSON-escaped: {payload[:50]!r}")
    return problems


def answer_problems(response, planted: list[str]) -> list[str]:
    """The problems of an HTML or JSON answer (other kinds are not rendered by a browser)."""
    mimetype = response.mimetype or ""
    if mimetype == "text/html":
        return html_problems(response.get_data(as_text=True), planted)
    if mimetype.endswith("json"):
        return json_problems(response.get_data(as_text=True), planted)
    return []
