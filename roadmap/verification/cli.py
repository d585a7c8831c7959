"""``flask --app roadmap verification ...``: print in-person code batches."""
from __future__ import annotations

from flask.cli import AppGroup

verification_cli = AppGroup("verification", help="Verification: in-person codes.")
