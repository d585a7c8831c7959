"""``flask --app roadmap verification ...``: print in-person code batches.

``verification codes SLUG --count N [--commune CODE] [--expires YYYY-MM-DD] [--label TEXT]
-o codes.pdf`` generates a batch and writes its slips (the only copy of the plain codes) to
the file, in this process. Bad input stops with a message and exit code 1; nothing is written.
"""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import or_, select

from roadmap.consultations.queries import consultation_by_slug
from roadmap.extensions import db
from roadmap.territory.models import Commune
from roadmap.verification import codes
from roadmap.verification.services import VerificationError
from roadmap.verification.slips import slips_pdf

verification_cli = AppGroup("verification", help="Verification: in-person codes.")


def _fail(message: str):
    db.session.rollback()
    raise click.ClickException(message)


@verification_cli.command("codes")
@click.argument("slug")
@click.option("--count", "count", type=int, required=True, help="How many codes (1 to 2000).")
@click.option("--commune", "commune_code", help="Bind the codes to this commune (its code).")
@click.option("--expires", "expires", help="Last day the codes are valid (YYYY-MM-DD).")
@click.option("--label", default=None, help="A label for the batch (where it is handed out).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, writable=True),
              required=True, help="Where to write the PDF of the slips.")
def codes_command(slug, count, commune_code, expires, label, output):
    """Generate a batch of in-person codes for consultation SLUG and write its slips (PDF)."""
    with force_locale("en"):
        consultation = consultation_by_slug(slug)
        if consultation is None:
            _fail(f"No consultation has the slug {slug!r}.")
        if not 1 <= count <= codes.MAX_BATCH:
            _fail(f"--count must be from 1 to {codes.MAX_BATCH} (got {count}).")
        commune = None
        if commune_code:
            wanted = commune_code.strip().upper()
            commune = db.session.scalar(select(Commune).where(or_(
                Commune.code == commune_code.strip(), Commune.code == wanted,
                Commune.hcp_code == wanted)))
            if commune is None:
                _fail(f"No commune has the code {commune_code!r}.")
        expires_at = None
        if expires:
            try:
                expires_at = codes.end_of_day(date.fromisoformat(expires))
            except ValueError:
                _fail(f"--expires takes a date as YYYY-MM-DD (got {expires!r}).")
        try:
            batch, plain = codes.create_batch(consultation, count, commune=commune,
                                              expires_at=expires_at, label=label)
        except VerificationError as error:
            _fail(str(error))
    body = slips_pdf(batch, plain)
    with open(output, "wb") as handle:
        handle.write(body)
    db.session.commit()
    click.echo(f"Batch {batch.id}: {count} codes for {slug}"
               f"{f', commune {commune.code}' if commune else ''}"
               f"{f', valid until {expires}' if expires else ''}; slips written to {output} "
               f"({len(body)} bytes). The codes are nowhere else: keep the file safe.")
