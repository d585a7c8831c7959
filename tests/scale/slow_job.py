"""A job kind for the tests that run a real worker: ``test.slow`` sleeps in small steps and
reports its progress, so that a test can kill its worker in the middle. Registered only by the
test server app (``tests/scale/server_app.py``) and the tests that import this module."""
from __future__ import annotations

import os
import time

from roadmap.core.jobs import job_handler


@job_handler("test.slow")
def slow(job, progress) -> dict:
    """Sleep ``steps`` × ``step`` seconds, reporting progress after each step."""
    steps, step = int(job.payload.get("steps", 10)), float(job.payload.get("step", 0.1))
    for done in range(1, steps + 1):
        time.sleep(step)
        progress(done / steps)
    return {"pid": os.getpid(), "attempt": job.attempts}
