"""Territory pages: the communes of the prefecture and each commune's page."""
from flask import Blueprint, abort, render_template

from roadmap.territory import queries
from roadmap.territory.indicators import CENSUS_YEARS, KIND_LABELS

bp = Blueprint("territory", __name__)


@bp.get("/communes")
def communes():
    """List the communes and arrondissements with their population and area."""
    return render_template("territory/communes.html", communes=queries.all_communes(),
                           kinds=KIND_LABELS)


@bp.get("/communes/<code>")
def commune(code: str):
    """One commune: names, kind, population, area and its census indicators (404 if unknown)."""
    commune = queries.commune_by_code(code)
    if commune is None:
        abort(404)
    return render_template(
        "territory/commune.html", commune=commune, kinds=KIND_LABELS, years=CENSUS_YEARS,
        indicators=queries.indicator_rows(commune),
        missing=queries.missing_indicators(commune),
        sources=queries.indicator_sources(commune),
        parent=queries.commune_by_code(commune.parent_code) if commune.parent_code else None)
