"""Reads about prefectures, communes and their census indicators."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from roadmap.extensions import db
from roadmap.territory.indicators import BY_SEX, INDICATORS, WOMEN_SHARE, IndicatorSpec
from roadmap.territory.models import Commune, CommuneIndicator, Prefecture


def all_communes(by_name: bool = True) -> list[Commune]:
    """Every commune and arrondissement, by name in the reader's language (else by code).

    Sorting by name needs a request (the reader's language); the command line sorts by code.
    The boundaries are not loaded (they load on first access).
    """
    communes = list(db.session.scalars(
        select(Commune).options(selectinload(Commune.prefecture), defer(Commune.geometry))
        .order_by(Commune.code)))
    if by_name:
        communes.sort(key=lambda commune: (commune.name.casefold(), commune.code))
    return communes


def commune_by_code(code: str) -> Commune | None:
    """The commune with this code (e.g. ``marrakech-medina``), or ``None``."""
    return db.session.scalar(select(Commune).where(Commune.code == code))


def communes_by_code(codes) -> dict[str, Commune]:
    """The communes whose codes are in ``codes``, by code."""
    codes = list(codes)
    if not codes:
        return {}
    rows = db.session.scalars(select(Commune).where(Commune.code.in_(codes)))
    return {commune.code: commune for commune in rows}


def prefectures_by_code(codes) -> dict[str, Prefecture]:
    """The prefectures whose HCP codes are in ``codes``, by code."""
    rows = db.session.scalars(select(Prefecture).where(Prefecture.code.in_(list(codes))))
    return {prefecture.code: prefecture for prefecture in rows}


def commune_shapes() -> list[tuple[int, str]]:
    """``(id, GeoJSON text)`` of every commune, by id: what the point lookup indexes."""
    return list(db.session.execute(select(Commune.id, Commune.geometry).order_by(Commune.id)))


def communes_version() -> tuple:
    """A cheap fingerprint of the commune table: it changes when communes are imported."""
    row = db.session.execute(select(func.count(Commune.id), func.max(Commune.id),
                                    func.max(Commune.updated_at))).one()
    return tuple(row)


@dataclass
class IndicatorRow:
    """One indicator of a commune for display: its description and its value for each year."""

    spec: IndicatorSpec
    values: dict[int, CommuneIndicator] = field(default_factory=dict)


def indicator_rows(commune: Commune) -> list[IndicatorRow]:
    """The commune's stored indicators in the order of the indicator table, by year."""
    rows = {spec.key: IndicatorRow(spec) for spec in INDICATORS}
    for indicator in commune.indicators:
        if indicator.key in rows:
            rows[indicator.key].values[indicator.year] = indicator
    return [row for row in rows.values() if row.values]


def missing_indicators(commune: Commune) -> list[tuple[IndicatorSpec, list[int]]]:
    """``(indicator, years)`` of the table that HCP did not publish for the commune."""
    stored = {(indicator.key, indicator.year) for indicator in commune.indicators}
    missing = [(spec, [year for year in sorted(spec.columns, reverse=True)
                       if (spec.key, year) not in stored]) for spec in INDICATORS]
    return [(spec, years) for spec, years in missing if years]


def indicator_sources(commune: Commune) -> list[tuple[int, str]]:
    """The distinct ``(year, source)`` pairs of the commune's indicators, newest first."""
    return sorted({(indicator.year, indicator.source) for indicator in commune.indicators},
                  key=lambda pair: (-pair[0], pair[1]))


#: The keys :func:`census_by_sex` reads: women's share, then each rate of women and of men.
BY_SEX_KEYS = (WOMEN_SHARE, *(key for _label, *keys in BY_SEX for key in keys))


def census_figures(communes, keys=None) -> list:
    """``(commune code, key, year, value)`` of the census indicators of ``communes`` (every
    indicator, or those of ``keys``), by commune, key and year (one query)."""
    ids = [c.id for c in communes]
    if not ids:
        return []
    query = (select(Commune.code, CommuneIndicator.key, CommuneIndicator.year,
                    CommuneIndicator.value)
             .join(Commune, Commune.id == CommuneIndicator.commune_id)
             .where(CommuneIndicator.commune_id.in_(ids))
             .order_by(Commune.code, CommuneIndicator.key, CommuneIndicator.year))
    if keys is not None:
        query = query.where(CommuneIndicator.key.in_(list(keys)))
    return list(db.session.execute(query))


def latest_indicators(rows, keys=None) -> dict[str, dict[str, tuple[float, int]]]:
    """commune code -> key -> ``(value, census year)`` of the latest census that has a value,
    from :func:`census_figures` (only ``keys`` if given)."""
    found: dict[str, dict[str, tuple[float, int]]] = {}
    for code, key, year, value in rows:
        if value is not None and (keys is None or key in keys):
            found.setdefault(code, {})[key] = (value, year)  # ordered by year: the latest wins
    return found


def census_by_sex(communes, rows=None) -> dict[str, dict[str, tuple[float, int]]]:
    """commune code -> key -> ``(value, census year)`` of the census figures by sex
    (:data:`BY_SEX_KEYS`), from the latest census that has each one; ``rows``: the communes'
    :func:`census_figures` when the caller has them already."""
    if rows is None:
        rows = census_figures(communes, BY_SEX_KEYS)
    latest = latest_indicators(rows, BY_SEX_KEYS)
    return {c.code: latest.get(c.code, {}) for c in communes}


@dataclass
class PrefectureSummary:
    """A prefecture or province as the back office lists it."""

    prefecture: Prefecture
    communes: int
    population_2024: int | None
    with_census: int  # communes that have census indicators (their HCP code matched)


def prefecture_summaries() -> list[PrefectureSummary]:
    """Every imported prefecture or province with its communes count, population and census
    coverage, by HCP code."""
    with_census = (select(CommuneIndicator.commune_id).distinct().subquery())
    rows = db.session.execute(
        select(Prefecture, func.count(Commune.id), func.sum(Commune.population_2024),
               func.count(with_census.c.commune_id))
        .outerjoin(Commune, Commune.prefecture_id == Prefecture.id)
        .outerjoin(with_census, with_census.c.commune_id == Commune.id)
        .group_by(Prefecture.id).order_by(Prefecture.code))
    return [PrefectureSummary(prefecture, communes, population, census)
            for prefecture, communes, population, census in rows]
