"""``flask --app roadmap media adopt-progress-photos``: the progress photos of older versions
into the shared store of attachments (a command of the ``media`` group, defined here because
it reads the roadmaps' models: media sits below them)."""
from __future__ import annotations

import click

from roadmap.extensions import db
from roadmap.media.cli import media_cli
from roadmap.roadmaps.services import adopt_legacy_photos


@media_cli.command("adopt-progress-photos")
def adopt_progress_photos_command():
    """Re-encode the progress photos of older versions (ProgressUpdate.photo_path) as photo
    attachments of their update (no EXIF, no position), then delete the old files.

    Run it once after upgrading, on one app server; it is safe to run again (only photos still
    named by ``photo_path`` are taken). A missing or unreadable file is reported and left as it
    was (the old address keeps serving it)."""
    moved, files, problems = adopt_legacy_photos()
    db.session.commit()
    for path in files:
        path.unlink(missing_ok=True)
    for problem in problems:
        click.echo(f"Left as it was: {problem}", err=True)
    click.echo(f"Progress photos moved into the shared store: {len(moved)}")
