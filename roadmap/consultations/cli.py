"""``flask consultations ...`` commands: create, publish, archive and list consultations.

They call the same services as the back office, as the command line (no acting user: the audit
log says "system"). Bad input stops the command with a message and exit code 1, and nothing is
written.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from roadmap.config import LANGUAGES
from roadmap.consultations import services
from roadmap.consultations.models import REQUIREMENT_ACTIONS, REQUIREMENTS
from roadmap.consultations.phases import current_phase
from roadmap.consultations.queries import every_consultation, consultation_by_slug
from roadmap.extensions import db
from roadmap.territory.models import Prefecture

consultations_cli = AppGroup("consultations", help="Create, publish, archive, list consultations.")


def _texts(values: tuple[str, ...], option: str) -> dict:
    """``("ar=...", "fr=...")`` as ``{"ar": ..., "fr": ...}``."""
    texts = {}
    for value in values:
        lang, sep, text = value.partition("=")
        if not sep or lang not in LANGUAGES:
            raise click.UsageError(f"{option} takes LANG=TEXT with LANG one of "
                                   f"{', '.join(LANGUAGES)} (got {value!r}).")
        texts[lang] = text
    return texts


def _requirements(values: tuple[str, ...]) -> dict:
    """``("support=resident", ...)`` as ``{"support_requirement": "resident", ...}``."""
    rules = {}
    for value in values:
        action, sep, level = value.partition("=")
        if not sep or action not in REQUIREMENT_ACTIONS or level not in REQUIREMENTS:
            raise click.UsageError(f"--require takes ACTION=LEVEL with ACTION one of "
                                   f"{', '.join(REQUIREMENT_ACTIONS)} and LEVEL one of "
                                   f"{', '.join(REQUIREMENTS)} (got {value!r}).")
        rules[f"{action}_requirement"] = level
    return rules


def _fail(error: services.ConsultationError) -> None:
    db.session.rollback()
    with force_locale("en"):
        reasons = [f"{name}: {message}" if name else str(message)
                   for name, message in error.errors.items()]
    raise click.ClickException("; ".join(reasons))


def _consultation(slug: str):
    consultation = consultation_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation has the slug {slug!r}.")
    return consultation


@consultations_cli.command("create")
@click.argument("slug")
@click.option("--territory", required=True, metavar="HCP_CODE",
              help="HCP code of the prefecture or province (e.g. 07.351), already imported.")
@click.option("--title", "titles", multiple=True, required=True, metavar="LANG=TEXT",
              help="Title in one language (ar, fr, en); repeat for each language.")
@click.option("--description", "descriptions", multiple=True, metavar="LANG=TEXT",
              help="Description in one language; repeat for each language.")
@click.option("--axes", default="national", show_default=True,
              metavar="national|none|copy:SLUG",
              help="The four national axes, none, or a copy of another consultation's axes, "
                   "criteria and rules.")
@click.option("--require", "requires", multiple=True, metavar="ACTION=LEVEL",
              help="What taking part requires: ACTION is propose, support or comment, LEVEL is "
                   "confirmed (a confirmed email, the default), verified (by any method) or "
                   "resident (verified resident of the commune concerned); repeat per action.")
def create_command(slug, territory, titles, descriptions, axes, requires):
    """Create the draft consultation SLUG of a prefecture or province."""
    title, description = _texts(titles, "--title"), _texts(descriptions, "--description")
    rules = _requirements(requires)
    prefecture = db.session.scalar(select(Prefecture).where(Prefecture.code == territory))
    if prefecture is None:
        raise click.ClickException(f"No prefecture or province has the HCP code {territory!r}: "
                                   "import it first (flask territory import).")
    mode, _sep, source_slug = axes.partition(":")
    if mode not in services.AXES_SOURCES or (mode == "copy") != bool(source_slug):
        raise click.UsageError("--axes takes national, none or copy:SLUG.")
    source = _consultation(source_slug) if mode == "copy" else None
    try:
        consultation = services.create_consultation(
            prefecture, None, slug=slug, title=title, description=description, axes=mode,
            copy_from=source, rules=rules)
    except services.ConsultationError as error:
        _fail(error)
    db.session.commit()
    required = ", ".join(f"{action}={consultation.requirement(action)}"
                         for action in REQUIREMENT_ACTIONS)
    click.echo(f"Draft consultation created: {consultation.slug} ({prefecture.code}), "
               f"{len(consultation.axes)} axes, requires {required}. Publish it with: "
               f"flask consultations publish {consultation.slug}")


@consultations_cli.command("publish")
@click.argument("slug")
def publish_command(slug):
    """Publish the draft consultation SLUG."""
    consultation = _consultation(slug)
    try:
        services.publish_consultation(consultation, None)
    except services.ConsultationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Published: {slug}")


@consultations_cli.command("archive")
@click.argument("slug")
def archive_command(slug):
    """Archive the published consultation SLUG (it stays public, read-only)."""
    consultation = _consultation(slug)
    try:
        services.archive_consultation(consultation, None)
    except services.ConsultationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Archived: {slug}")


@consultations_cli.command("list")
def list_command():
    """List every consultation: slug, status, territory, current phase, title."""
    with force_locale("fr"):
        for consultation in every_consultation():
            click.echo("\t".join([consultation.slug, consultation.status,
                                  consultation.prefecture.code,
                                  current_phase(consultation) or "-", consultation.title]))
