"""``flask export FORMAT SLUG``: the same exports as the web pages, with a progress bar."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from roadmap.consultations.queries import consultation_by_slug
from roadmap.exports import geo, tables
from roadmap.exports.services import FORMATS, LANGUAGES, ExportError, build_export


@click.command("export")
@click.argument("fmt", metavar="xlsx|csv|geojson|gpkg|pdf", type=click.Choice(FORMATS))
@click.argument("slug")
@click.option("--public/--full", "public", default=True, show_default=True,
              help="Public content only, or everything (organisers; never e-mails).")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default="ar",
              show_default=True, help="Language of the PDF.")
@click.option("--part", default=None,
              help="csv: one table (default: every table in a ZIP); geojson: a layer "
                   f"({', '.join(geo.LAYERS)}; default proposals).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the file (default: its name in the current folder).")
def export_command(fmt, slug, public, language, part, output):
    """Export consultation SLUG as FORMAT: workbook, CSV, GeoJSON, GeoPackage or PDF."""
    consultation = consultation_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation with the slug {slug!r}.")
    variant = "public" if public else "full"
    if part and fmt == "csv" and part not in tables.table_names(variant):
        raise click.BadParameter(f"choose one of {', '.join(tables.table_names(variant))}",
                                 param_hint="--part")
    with click.progressbar(length=100, label=f"Exporting {fmt}", file=sys.stderr) as bar:
        def progress(fraction: float) -> None:
            bar.update(int(fraction * 100) - bar.pos)

        try:
            built = build_export(consultation, fmt, variant=variant, language=language,
                                 part=part, progress=progress)
        except ExportError as error:
            raise click.ClickException(str(error)) from error
        except KeyError as error:
            raise click.BadParameter(f"unknown part {error}", param_hint="--part") from error
        bar.update(100 - bar.pos)
    path = output or Path(built.filename)
    path.write_bytes(built.body)
    click.echo(f"Wrote {path} ({len(built.body):,} bytes).")
