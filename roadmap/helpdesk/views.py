"""The help desk's pages (``/helpdesk``)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("helpdesk", __name__, url_prefix="/helpdesk")
