"""``flask --app roadmap consolidate SLUG``: run the consolidation from the command line.

With ``--dry-run --json`` nothing is stored and the canonical ranked result is printed: the
same inputs and parameters give the same bytes on every run.
"""
from __future__ import annotations

import sys

import click

from roadmap.consultations.queries import consultation_by_slug
from roadmap.extensions import db
from roadmap.ranking import scoring, services

PHASES = ("gather", "score", "store")


@click.command("consolidate")
@click.argument("slug")
@click.option("--support-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="w in priority = w * support + (1 - w) * official score.")
@click.option("--slots", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Priority slots per axis.")
@click.option("--budget", type=click.IntRange(0), default=None, help="Budget in MAD.")
@click.option("--workshop-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Weight of workshop show-of-hands counts.")
@click.option("--seed", default="roadmap", show_default=True, help="Published lottery seed.")
@click.option("--label", default=None, help="A label for the stored run.")
@click.option("--dry-run", is_flag=True, help="Store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the canonical result as JSON.")
def consolidate_command(slug, support_weight, slots, budget, workshop_weight, seed, label,
                        dry_run, as_json):
    """Consolidate the proposals of consultation SLUG into ranked priorities per axis."""
    consultation = consultation_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation with the slug {slug!r}.")
    params = services.parameters_for(
        consultation, support_weight=support_weight, slots_per_axis=slots, budget=budget,
        workshop_weight=workshop_weight, seed=seed)
    run, result = _run_with_progress(consultation, params, dry_run, label, quiet=as_json)
    if not dry_run:  # a dry run writes nothing, so there is nothing to undo
        db.session.commit()
    if as_json:
        click.echo(scoring.canonical_json(result))
    else:
        _summary(run, result)


def _run_with_progress(consultation, params, dry_run, label, quiet: bool):
    """Run the consolidation with a progress bar over its phases (on stderr; none if quiet)."""
    if quiet:
        return services.run_consolidation(consultation, None, params, dry_run=dry_run,
                                          label=label)
    with click.progressbar(length=len(PHASES), label="Consolidating", file=sys.stderr,
                           item_show_func=lambda phase: phase) as bar:
        return services.run_consolidation(consultation, None, params, dry_run=dry_run,
                                          label=label,
                                          progress=lambda phase: bar.update(1, phase))


def _summary(run, result) -> None:
    """Print the selected proposals per axis and the stored run's id."""
    for axis, data in sorted(result.get("axes", {}).items()):
        selected = ", ".join(f"#{pid}" for pid in data.get("selected", [])) or "-"
        click.echo(f"{axis}: {selected}")
    click.echo(f"inputs hash: {result.get('inputs_hash')}")
    click.echo(f"stored run: {run.id}" if run is not None else "dry run: nothing stored")
