"""``flask --app roadmap media purge-staged``: delete the uploads no form ever took
(``media adopt-progress-photos`` is added to this group by :mod:`roadmap.roadmaps.cli`).

A photo or a document sent with a form that was not accepted stays *staged* (attached to
nothing) for its uploader, so that they need not send it again; after
:data:`~roadmap.media.services.STAGED_HOURS` hours nobody will come back for it. Run the command
from cron (hourly, say) on one of the app servers: the files are in the shared folder.
"""
from __future__ import annotations

import click

from roadmap.extensions import db
from roadmap.media.services import STAGED_HOURS, purge_staged

media_cli = click.Group("media", help="Photos, documents and voice notes (the shared store).")


@media_cli.command("purge-staged")
@click.option("--hours", type=float, default=STAGED_HOURS, show_default=True,
              help="Delete the staged uploads older than this.")
def purge_staged_command(hours: float):
    """Delete the staged uploads (attached to nothing) older than ``--hours``, and their files."""
    count = purge_staged(hours)
    db.session.commit()  # the files go once the rows are gone (storage.delete_after_commit)
    click.echo(f"Staged uploads deleted: {count}")

