"""Fingerprinted static URLs: ``asset_url("css/app.css")`` -> ``/static/css/app.css?v=<hash>``.

The content hash of every static file is computed once, at startup. A request whose ``v``
matches the file's current hash is answered with ``Cache-Control: public, max-age=31536000,
immutable``: the browser never asks again, and a new deployment changes the URL. Requests
without it (or with a stale hash) keep Flask's default revalidation.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, request, url_for

ONE_YEAR = 31_536_000
EXTENSION = "roadmap.assets"


def fingerprints(folder: str | Path) -> dict[str, str]:
    """``{relative path: first 12 hex digits of its SHA-256}`` for every file under ``folder``."""
    root = Path(folder)
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(root.rglob("*")) if path.is_file()}


def asset_url(filename: str) -> str:
    """The URL of the static file ``filename`` with its content hash (folders: plain URL)."""
    version = current_app.extensions[EXTENSION].get(filename)
    if version is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def _long_cache_for_fingerprinted(response):
    """Mark a static response immutable for a year when its ``v`` is the file's hash."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename")
    version = request.args.get("v")
    if version and current_app.extensions[EXTENSION].get(filename) == version:
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def init_assets(app: Flask) -> None:
    """Hash the static files, expose ``asset_url`` to templates, add the cache header."""
    app.extensions[EXTENSION] = fingerprints(app.static_folder)
    app.add_template_global(asset_url, "asset_url")
    app.after_request(_long_cache_for_fingerprinted)
