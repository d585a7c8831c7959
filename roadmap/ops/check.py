"""``flask --app roadmap check``: is this deployment configured and consistent?

Reports the configuration (database URL without its password, rate-limit storage, mail, tile
URL, where the verification key comes from, the uploads folder), then checks the database
connection, pending migrations (Alembic's current revision against the head), the participation
counters against their rows, the uploads folder (writable, every attachment's file there) and,
when the moderation domain provides it, the audit log's hash chain. Exits
non-zero when any check fails.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import make_url

from roadmap.extensions import db


@dataclass
class Finding:
    """The outcome of one check: ``ok`` or not, and what to tell the administrator."""

    name: str
    ok: bool
    detail: str


def safe_database_url(url: str) -> str:
    """The database URL with its password masked."""
    return make_url(url).render_as_string(hide_password=True)


def configuration() -> list[tuple[str, str]]:
    """The settings an administrator wants to see, none of them secret."""
    config = current_app.config
    mail = config.get("MAIL_SERVER")
    return [
        ("database", safe_database_url(config["SQLALCHEMY_DATABASE_URI"])),
        ("rate-limit storage", _safe_storage(config.get("RATELIMIT_STORAGE_URI") or "memory://")),
        ("rate limiting", "on" if config.get("RATELIMIT_ENABLED", True) else "OFF"),
        ("mail", f"{mail}:{config.get('MAIL_PORT')}" if mail else "not configured (outbox only)"),
        ("tile URL", config.get("ROADMAP_TILE_URL") or "none (maps without a base layer)"),
        ("verification key", verification_key_source()),
        ("uploads", str(Path(config.get("ROADMAP_UPLOAD_PATH")
                             or Path(current_app.instance_path) / "uploads"))),
    ]


def verification_key_source() -> str:
    """Where the verification key comes from, and what an administrator must do about it:
    every identity (residents' lists, codes, phone logins, supports' identities) is hashed
    under it, so a lost or changed key makes them all unusable."""
    config = current_app.config
    if config.get("ROADMAP_VERIFICATION_KEY") and not config.get("ROADMAP_VERIFICATION_KEY_FILE"):
        return "ROADMAP_VERIFICATION_KEY (configured); keep a copy apart from the backups"
    path = Path(current_app.instance_path) / "verification_key"
    where = f"{path} (back it up, apart from the database: without it no identity matches)"
    if not path.exists():
        return f"none yet: {where} is made at the first verification"
    if db.engine.dialect.name != "sqlite":
        return f"{where}; with several app servers set ROADMAP_VERIFICATION_KEY, the same on each"
    return where


def _safe_storage(uri: str) -> str:
    if "://" in uri and "@" in uri:
        scheme, rest = uri.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return uri


def check_database() -> Finding:
    """Can we open a connection and run a statement?"""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any driver error is the finding
        return Finding("database connection", False, f"{type(error).__name__}: {error}")
    return Finding("database connection", True, db.engine.dialect.name)


def migration_heads() -> tuple[set[str], set[str]]:
    """(current revisions of the database, head revisions of the migration scripts)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    directory = current_app.extensions["migrate"].directory
    config = Config(str(Path(directory) / "alembic.ini"))
    config.set_main_option("script_location", str(directory))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, heads


def check_migrations() -> Finding:
    """Is the database at the head revision?"""
    current, heads = migration_heads()
    if current == heads:
        return Finding("migrations", True, f"at head {', '.join(sorted(heads))}")
    shown = ", ".join(sorted(current)) or "none (empty database)"
    return Finding("migrations", False,
                   f"pending: database at {shown}, head is {', '.join(sorted(heads))}; "
                   "run `flask --app roadmap db upgrade`")


def check_counters() -> Finding:
    """Do supports, comments and likes counters equal the rows they count?"""
    from roadmap.participation.queries import counter_mismatches

    mismatches = counter_mismatches()
    if not mismatches:
        return Finding("counters", True, "supports, comments and likes agree with their rows")
    shown = "; ".join(f"{m.table} {m.record_id} {m.column} = {m.stored}, rows say {m.actual}"
                      for m in mismatches[:10])
    more = f" (and {len(mismatches) - 10} more)" if len(mismatches) > 10 else ""
    return Finding("counters", False, f"{len(mismatches)} mismatch(es): {shown}{more}")


def check_rate_limit_storage() -> Finding:
    """Does the rate-limit storage answer (Redis shared by every app server, or memory)?"""
    from limits.storage import storage_from_string

    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    try:
        answers = storage_from_string(uri).check()
    except Exception as error:  # noqa: BLE001 - any storage error is the finding
        return Finding("rate-limit storage", False, f"{type(error).__name__}: {error}")
    if not answers:
        return Finding("rate-limit storage", False, f"{_safe_storage(uri)} does not answer")
    note = " (per process: use Redis with several app servers)" if uri.startswith("memory") else ""
    return Finding("rate-limit storage", True, f"{_safe_storage(uri)} answers{note}")


def check_uploads() -> Finding:
    """Is the uploads folder writable here, and does it hold every attachment's file? (An app
    server that does not mount the shared folder fails this.)"""
    import secrets

    from roadmap.media import storage
    from roadmap.media.models import Attachment

    folder = storage.media_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".check-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        return Finding("uploads", False, f"{folder} is not writable: {error}")
    rows = db.session.execute(db.select(Attachment.token, Attachment.kind, Attachment.extension)
                              .where(Attachment.state == "ready")).all()
    main = {"photo": ("screen", "webp"), "document": ("file", "pdf"), "voice": ("audio", None)}
    missing = [token for token, kind, extension in rows
               if not storage.path_for(token, main[kind][0],
                                       main[kind][1] or extension).is_file()]
    if missing:
        return Finding("uploads", False,
                       f"{len(missing)} of {len(rows)} attachments have no file in {folder} "
                       "(is the shared folder mounted on this server?)")
    return Finding("uploads", True, f"{folder} writable, the files of {len(rows)} attachments "
                                    "present")


def check_audit_chain() -> Finding | None:
    """Verify the audit log's hash chain, if the moderation domain provides a verifier."""
    try:
        from roadmap.audit.log import verify_chain
    except ImportError:
        return None
    try:
        outcome = verify_chain()
    except Exception as error:  # noqa: BLE001 - a broken chain may raise
        return Finding("audit chain", False, f"{type(error).__name__}: {error}")
    return _audit_finding(outcome)


def _audit_finding(outcome) -> Finding:
    """Read the verifier's ``(ok, first_bad_id)`` answer."""
    ok, first_bad = outcome if isinstance(outcome, tuple) else (bool(outcome), None)
    if ok:
        return Finding("audit chain", True, "every entry's hash and link verified")
    return Finding("audit chain", False, f"broken at audit entry {first_bad}")


def run_checks() -> list[Finding]:
    """Every check, in order; later checks are skipped when the database cannot answer them."""
    findings = [check_rate_limit_storage(), check_database()]
    if not findings[-1].ok:
        return findings
    findings.append(check_migrations())
    if not findings[-1].ok:
        findings.append(Finding("counters", False, "not checked: migrations are pending"))
        return findings
    findings.append(check_counters())
    findings.append(check_uploads())
    audit = check_audit_chain()
    if audit is not None:
        findings.append(audit)
    return findings


@click.command("check")
@with_appcontext
def check_command():
    """Report the configuration and check the database, migrations, counters and audit log."""
    click.echo("Configuration")
    for name, value in configuration():
        click.echo(f"  {name:<20} {value}")
    click.echo("Checks")
    findings = run_checks()
    for finding in findings:
        click.echo(f"  {'OK  ' if finding.ok else 'FAIL'} {finding.name:<20} {finding.detail}")
    failed = [finding for finding in findings if not finding.ok]
    click.echo(f"{len(failed)} problem(s)" if failed else "All checks passed")
    if failed:
        sys.exit(1)
