"""Background jobs of the accounts domain: sending a batch of invitations."""
from __future__ import annotations

from roadmap.accounts import bulk
from roadmap.accounts.models import User
from roadmap.core.jobs import job_handler
from roadmap.extensions import db


@job_handler("invitations.send")
def send_invitations(job, progress) -> dict:
    """Invite the rows of ``job.payload["rows"]`` on behalf of ``payload["by"]`` (a user id).

    Returns ``{"sent": n, "skipped": [...]}`` (each skipped row with its line and reason).
    """
    by = db.session.get(User, job.payload.get("by")) if job.payload.get("by") else None
    rows = job.payload.get("rows") or []
    if not rows:
        return {"sent": 0, "skipped": []}
    return bulk.send_rows(rows, by, progress)
