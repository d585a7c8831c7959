"""The WSGI entry (and worker app) of the multi-server tests: the real app, with a rate-limit
key prefix per run and the test-only job kind ``test.slow``.

Every run shares the machine's Redis, so each run counts its failed logins under its own
prefix (``SCALE_TEST_KEY_PREFIX``) and runs never see each other's counts; the task queue's
name (``ROADMAP_TASK_QUEUE_NAME``) is set per run by the tests for the same reason.
"""
import os

from roadmap import create_app
from tests.scale import slow_job  # noqa: F401 - registers the "test.slow" job kind

app = create_app({"RATELIMIT_KEY_PREFIX": os.environ.get("SCALE_TEST_KEY_PREFIX", "")})
