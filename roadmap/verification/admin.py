"""The verification back office (``/admin/verification``): residents' lists and code batches."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("verification_admin", __name__, url_prefix="/admin/verification")
