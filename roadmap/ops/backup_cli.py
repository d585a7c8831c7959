"""``flask --app roadmap backup [PATH]`` and ``flask --app roadmap restore PATH``."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from roadmap.ops import backup as backups


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Write a consistent backup of the database (default: instance/backups/) and of the
    uploaded files (ROADMAP_UPLOAD_PATH) beside it, as <backup>.files.tar."""
    try:
        written = backups.backup(path)
    except (backups.BackupError, OSError) as error:
        click.echo(f"Backup failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backup written to {written}")
    click.echo(f"Uploaded files written to {backups.files_archive_path(written)}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path, yes):
    """Replace the database's content with a backup (stop the app servers first), and the
    uploaded files with those of <backup>.files.tar if it is there: files not in the backup
    are deleted."""
    archive = backups.files_archive_path(path)
    if not yes:
        question = ("This replaces every row of the database and every uploaded file. Continue?"
                    if archive.is_file() else
                    "This replaces every row of the database. Continue?")
        click.confirm(question, abort=True)
    try:
        backups.restore(path)
        files = backups.restore_files(archive) if archive.is_file() else None
    except (backups.BackupError, OSError) as error:
        click.echo(f"Restore failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Database restored from {path}")
    if files is None:
        click.echo(f"No uploaded files restored: there is no {archive.name} beside the backup; "
                   "the files under ROADMAP_UPLOAD_PATH were left as they are.")
    else:
        click.echo(f"Uploaded files restored from {archive}: {files[0]} written, {files[1]} "
                   "not in the backup deleted.")
