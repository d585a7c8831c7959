"""``flask --app roadmap notifications send-digest``: email each follower their unread news."""
from __future__ import annotations

import click
from flask import current_app

from roadmap.accounts.models import User
from roadmap.core.mail import site_base_url
from roadmap.extensions import db
from roadmap.participation.queries import digest_recipient_ids
from roadmap.participation.services import send_digest_to

notifications_cli = click.Group("notifications", help="In-app notifications and email digests.")



@notifications_cli.command("send-digest")
def send_digest_command():
    """Send one plain-text email per user with unread notifications not yet emailed.

    Idempotent: a notification goes out once (``emailed_at``). Each user's digest is committed
    on its own, so a failure stops the run without losing what was already sent.
    """
    sent = 0
    with current_app.test_request_context("/", base_url=site_base_url()):
        for user_id in digest_recipient_ids():
            user = db.session.get(User, user_id)
            if user is not None and send_digest_to(user):
                sent += 1
            db.session.commit()
    click.echo(f"Digests sent: {sent}")
