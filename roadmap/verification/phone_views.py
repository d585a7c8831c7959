"""The SMS verification pages (``/verify/phone``), registered on the verification blueprint."""
from __future__ import annotations
