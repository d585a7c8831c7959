"""The WSGI entry of the multi-server test: the real app, with a rate-limit key prefix per run.

Every run shares the machine's Redis, so each run counts its failed logins under its own
prefix (``SCALE_TEST_KEY_PREFIX``) and runs never see each other's counts.
"""
import os

from roadmap import create_app

app = create_app({"RATELIMIT_KEY_PREFIX": os.environ.get("SCALE_TEST_KEY_PREFIX", "")})
