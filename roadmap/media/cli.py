"""``flask --app roadmap media purge-staged``: delete the uploads no form ever took;
``flask --app roadmap media adopt-progress-photos``: bring the progress photos of older
versions into the shared store.

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


@media_cli.command("adopt-progress-photos")
def adopt_progress_photos_command():
    """Re-encode the progress photos of older versions (ProgressUpdate.photo_path) as photo
    attachments of their update (no EXIF, no position), then delete the old files.

    Run it once after upgrading, on one app server; it is safe to run again (only photos still
    named by ``photo_path`` are taken). A missing or unreadable file is reported and left as it
    was (the old address keeps serving it)."""
    from roadmap.roadmaps.services import adopt_legacy_photos

    moved, files, problems = adopt_legacy_photos()
    db.session.commit()
    for path in files:
        path.unlink(missing_ok=True)
    for problem in problems:
        click.echo(f"Left as it was: {problem}", err=True)
    click.echo(f"Progress photos moved into the shared store: {len(moved)}")
