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
    """Write a consistent backup of the database (default: instance/backups/)."""
    try:
        written = backups.backup(path)
    except backups.BackupError as error:
        click.echo(f"Backup failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backup written to {written}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path, yes):
    """Replace the database's content with a backup (stop the app servers first)."""
    if not yes:
        click.confirm("This replaces every row of the database. Continue?", abort=True)
    try:
        backups.restore(path)
    except backups.BackupError as error:
        click.echo(f"Restore failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Database restored from {path}")
