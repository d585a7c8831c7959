"""Safe redirect targets: only relative paths on this site, never another host."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def is_safe_path(target: str | None) -> bool:
    """True if ``target`` is a path on this site (``/...``), not a URL to another host."""
    if not target or not isinstance(target, str) or not target.startswith("/"):
        return False
    if target.startswith("//") or "\\" in target:
        return False
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str = "/") -> str:
    """``target`` if it is a safe path on this site, else ``fallback``."""
    return target if is_safe_path(target) else fallback


def without_query_param(path: str, name: str) -> str:
    """``path`` without the query parameter ``name`` (``/?lang=ar&x=1`` -> ``/?x=1``)."""
    parts = urlsplit(path)
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key != name]
    return urlunsplit(("", "", parts.path, urlencode(kept), parts.fragment))
