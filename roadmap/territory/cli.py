"""``flask territory ...`` commands: import communes from a GIS file, list them."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from roadmap.extensions import db
from roadmap.territory.queries import all_communes
from roadmap.territory.services import (BUNDLED_COMMUNES, DEFAULT_FIELDS, TerritoryImportError,
                                        import_communes)

territory_cli = AppGroup("territory", help="Import and inspect communes.")


@territory_cli.command("import")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--code-field", default=DEFAULT_FIELDS["code"], show_default=True,
              help="Field holding each commune's unique code.")
@click.option("--name-ar-field", default=DEFAULT_FIELDS["name_ar"], show_default=True,
              help="Field holding the Arabic name.")
@click.option("--name-fr-field", default=DEFAULT_FIELDS["name_fr"], show_default=True,
              help="Field holding the French name.")
@click.option("--population-field", default=DEFAULT_FIELDS["population_2024"],
              show_default=True, help="Field holding the 2024 population.")
@click.option("--population-2014-field", default=DEFAULT_FIELDS["population_2014"],
              show_default=True, help="Field holding the 2014 population.")
@click.option("--hcp-code-field", default=DEFAULT_FIELDS["hcp_code"], show_default=True,
              help="Field holding the HCP code (07.351.01.03).")
@click.option("--prefecture-code", default=None,
              help="HCP code of the prefecture or province (07.351) when the source has no "
                   "HCP codes.")
@click.option("--layer", default=None, help="Layer to read in a multi-layer file (GeoPackage).")
def import_command(path, code_field, name_ar_field, name_fr_field, population_field,
                   population_2014_field, hcp_code_field, prefecture_code, layer):
    """Import communes from PATH (GeoJSON, GeoPackage, zipped Shapefile); default: Marrakech."""
    try:
        result = import_communes(
            path or BUNDLED_COMMUNES, code_field=code_field, name_ar_field=name_ar_field,
            name_fr_field=name_fr_field, population_field=population_field,
            population_2014_field=population_2014_field, hcp_code_field=hcp_code_field,
            prefecture_code=prefecture_code, layer=layer)
    except TerritoryImportError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Communes: {result.created} created, {result.updated} updated, "
               f"{result.unchanged} unchanged; {result.prefectures_created} prefectures "
               f"created; {result.indicators} census indicators stored.")


@territory_cli.command("list")
def list_command():
    """List the communes: code, HCP code, kind, population 2024, area, French name."""
    communes = all_communes(by_name=False)
    for commune in communes:
        population = "" if commune.population_2024 is None else f"{commune.population_2024:,}"
        click.echo(f"{commune.code:<32} {commune.hcp_code or '':<14} {commune.kind or '':<15}"
                   f"{population:>11} {commune.area_km2:>9.2f} km²  {commune.name_fr}")
    click.echo(f"{len(communes)} communes")
