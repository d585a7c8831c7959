"""Figures of the public monitoring page (``/c/<slug>/monitoring``): who the consultation
reached and whom the roadmap serves, against the territory (issue 16). Pure queries.

Each section of the page is one function returning a dict, and :data:`SECTIONS` lists them in
the page's order: :func:`monitoring_figures` calls each one, and the template includes
``exports/_monitoring_<name>.html`` for each, inside ``<section id="<name>">``. To add a
section: write its function (same keyword arguments), add it to :data:`SECTIONS`, and write
its fragment.

Participation against population (:func:`participation_by_sex`)
----------------------------------------------------------------
For each commune of the prefecture and for the whole consultation, five measures, with the
definitions of :mod:`roadmap.exports.queries` (public proposals: published, not hidden):

- ``participants``: distinct people who made a public proposal online, supported or
  commented one (in each commune whose proposals they took part in);
- ``authors``: distinct authors of public proposals made online;
- ``supporters``: distinct people who supported a public proposal;
- ``commenters``: distinct authors of comments on public proposals;
- ``workshops``: attendance of the consultation's workshops as recorded by gender (a workshop
  of several communes counts in each of them, and once in the consultation's total).

Each measure counts women, men and "not declared" (a participant who chose "prefer not to
say" or gave no gender, or whose account was deleted; attendance not recorded by gender).
The **women's share** is among those who declared a gender (women / (women + men)), in
percent to one decimal; the **census share** is HCP's share of women in the commune's
population (the ``women_share`` indicator, the latest census that has it), and for the
consultation the communes' shares weighted by their 2024 population; the **gap** is the
women's share minus the census share, in points (negative: women are under-represented).

Small cells (public figures; organisers see exact ones): the women / men / not declared
counts of each measure in each place are one breakdown, suppressed with
:func:`roadmap.exports.queries.suppress`; a share and its gap are not shown when the women's
or the men's count is suppressed (they would give it away).

Flags (organisers only: computed with ``exact=True``, empty otherwise): a measure is flagged
when the women's share is under the consultation's ``women_share_threshold`` and at least
:data:`MIN_DECLARED` people of it declared a gender; below that, one person moves the share by
more than ten points and a flag would say more about chance than about the commune. A
commune is flagged when its participants or its workshop attendance is.
"""
from __future__ import annotations

from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from roadmap.accounts.models import User
from roadmap.consultations.models import Workshop
from roadmap.exports.queries import (Cell, participation_branches, participation_events,
                                     shown_total, suppress)
from roadmap.exports.markers import outcomes_section, roadmap_section
from roadmap.extensions import db
from roadmap.territory.indicators import WOMEN_SHARE
from roadmap.territory.models import Commune
from roadmap.territory.queries import census_figures, latest_indicators

#: The measures of participation by sex, in the page's order.
MEASURES = ("participants", "authors", "supporters", "commenters", "workshops")
MEASURE_LABELS = {"participants": _l("Participants"), "authors": _l("Authors of proposals"),
                  "supporters": _l("Supporters"), "commenters": _l("Commenters"),
                  "workshops": _l("Workshop attendance")}
SEX_LABELS = {"women": _l("Women"), "men": _l("Men"), "not_declared": _l("Not declared")}
#: The measures that flag a commune.
FLAGGING_MEASURES = ("participants", "workshops")
#: The fewest people who declared a gender for a women's share to be flagged.
MIN_DECLARED = 10
SEXES = tuple(SEX_LABELS)
# Accounts and attendance sheets say "woman" and "man"; anything else is not declared.
_SEX_OF = {"woman": "women", "man": "men"}


def women_share(women: int, men: int) -> float | None:
    """Women's share among those who declared a gender, in percent to one decimal (None when
    nobody did)."""
    declared = women + men
    return round(women * 100 / declared, 1) if declared else None


def share_gap(share: float | None, census_share: float | None) -> float | None:
    """The share minus the census share, in points to one decimal (None if either is)."""
    if share is None or census_share is None:
        return None
    return round(share - census_share, 1)


def is_flagged(women: int, men: int, threshold: int, minimum: int = MIN_DECLARED) -> bool:
    """True when at least ``minimum`` people declared a gender and the women's share among
    them is under ``threshold`` percent."""
    share = women_share(women, men)
    return share is not None and women + men >= minimum and share < threshold


@dataclass
class SexBreakdown:
    """One measure in one place: women, men, not declared, and the women's share against the
    census (``share``, ``gap`` None when not shown)."""

    cells: list[Cell]
    total: int
    total_shown: str
    share: float | None
    census_share: float | None
    gap: float | None
    flagged: bool = False

    def cell(self, sex: str) -> Cell:
        """The cell of ``sex`` (women, men or not_declared)."""
        return next(c for c in self.cells if c.key == sex)


def breakdown(counts: Counter, census_share: float | None, *, exact: bool,
              threshold: int) -> SexBreakdown:
    """A :class:`SexBreakdown` of ``{"women": n, "men": n, "not_declared": n}`` (see the module
    docstring for suppression and flags)."""
    cells = suppress([Cell(sex, sex, int(counts.get(sex, 0))) for sex in SEXES], exact)
    women, men = counts.get("women", 0), counts.get("men", 0)
    hidden = any(c.suppressed for c in cells if c.key in ("women", "men"))
    share = None if hidden else women_share(women, men)
    total = women + men + counts.get("not_declared", 0)
    return SexBreakdown(cells=cells, total=total, total_shown=shown_total(total, exact),
                        share=share, census_share=census_share,
                        gap=share_gap(share, census_share),
                        flagged=exact and is_flagged(women, men, threshold))


@dataclass
class PlaceRow:
    """A commune (or the whole consultation, ``code`` None) with its measures."""

    code: str | None
    label: str
    census_share: float | None
    measures: dict[str, SexBreakdown] = field(default_factory=dict)

    @property
    def flags(self) -> list[str]:
        """The flagging measures under the threshold (organisers' figures only)."""
        return [m for m in FLAGGING_MEASURES if m in self.measures and self.measures[m].flagged]


#: One row of a percentage chart (``exports/_charts.html`` ``percent_chart``).
ChartRow = namedtuple("ChartRow", "key label values")


def share_chart_rows(rows: list[PlaceRow], measure: str) -> list[ChartRow]:
    """The women's share of ``measure`` and the census share of each place, for a chart."""
    return [ChartRow(row.code, row.label, (row.measures[measure].share, row.census_share))
            for row in rows]


# --- queries ---------------------------------------------------------------------------------

def _people_by_sex(rows) -> tuple[dict[int, Counter], Counter]:
    """Distinct people of a subquery of ``user_id`` and ``commune_id`` by sex: per commune,
    and for the whole consultation (each person once), in two GROUP BY queries."""
    sex = User.gender
    per_commune: dict[int, Counter] = defaultdict(Counter)
    for commune_id, gender, people in db.session.execute(
            select(rows.c.commune_id, sex, func.count(distinct(rows.c.user_id)))
            .select_from(rows).outerjoin(User, User.id == rows.c.user_id)
            .group_by(rows.c.commune_id, sex)):
        per_commune[commune_id][_SEX_OF.get(gender, "not_declared")] += people
    total: Counter = Counter()
    for gender, people in db.session.execute(
            select(sex, func.count(distinct(rows.c.user_id))).select_from(rows)
            .outerjoin(User, User.id == rows.c.user_id).group_by(sex)):
        total[_SEX_OF.get(gender, "not_declared")] += people
    return per_commune, total


def _attendance_by_sex(consultation) -> tuple[dict[int, Counter], Counter]:
    """Workshop attendance by sex, per commune of each workshop and in all (a consultation has
    a few dozen workshops, read with their communes in two queries)."""
    per_commune: dict[int, Counter] = defaultdict(Counter)
    total: Counter = Counter()
    for workshop in db.session.scalars(
            select(Workshop).options(selectinload(Workshop.communes))
            .where(Workshop.consultation_id == consultation.id)):
        counts = Counter()
        for gender, count in (workshop.attendance_by_gender or {}).items():
            counts[_SEX_OF.get(gender, "not_declared")] += int(count or 0)
        total.update(counts)
        for commune in workshop.communes:
            per_commune[commune.id].update(counts)
    return per_commune, total


def census_women_shares(communes) -> dict[str, float]:
    """commune code -> HCP's share of women in its population, from the latest census that has
    it (one query)."""
    latest = latest_indicators(census_figures(communes, (WOMEN_SHARE,)))
    return {code: figures[WOMEN_SHARE][0] for code, figures in latest.items()}


def weighted_share(communes, shares: dict[str, float]) -> float | None:
    """The communes' women's shares weighted by their 2024 population, to one decimal (the
    communes without a share or a population are left out)."""
    weighted = [(shares[c.code], c.population_2024) for c in communes
                if c.code in shares and c.population_2024]
    population = sum(p for _s, p in weighted)
    if not population:
        return None
    return round(sum(s * p for s, p in weighted) / population, 1)


def _measure_counts(consultation, measures) -> dict[str, tuple[dict[int, Counter], Counter]]:
    """The counts by sex of each of ``measures``: ``{measure: (per commune id, total)}``."""
    branches = participation_branches(consultation)
    count = {
        "participants": lambda: _people_by_sex(participation_events(consultation)),
        "authors": lambda: _people_by_sex(branches["proposal"].subquery("authors")),
        "supporters": lambda: _people_by_sex(branches["support"].subquery("supporters")),
        "commenters": lambda: _people_by_sex(branches["comment"].subquery("commenters")),
        "workshops": lambda: _attendance_by_sex(consultation),
    }
    return {measure: count[measure]() for measure in measures}


def participation_by_sex(consultation, *, exact: bool = False, language: str = "ar",
                         measures: tuple[str, ...] = MEASURES) -> dict:
    """Women's share of participants, authors, supporters, commenters and workshop attendance,
    per commune and for the consultation, beside the census (see the module docstring).

    Returns ``{"measures", "communes": [PlaceRow], "total": PlaceRow, "charts": {measure:
    [ChartRow]}, "flagged": [PlaceRow], "threshold", "chart_threshold", "min_declared",
    "exact"}``; ``flagged`` is empty and ``chart_threshold`` None unless ``exact`` (the
    threshold and the flags are the organisers'). ``measures``: only these (the dashboard
    asks for the flagging ones).
    """
    threshold = consultation.women_share_threshold
    communes = list(db.session.scalars(select(Commune).where(
        Commune.prefecture_id == consultation.prefecture_id).order_by(Commune.name_fr)))
    shares = census_women_shares(communes)
    counts = _measure_counts(consultation, measures)
    rows = []
    for commune in communes:
        row = PlaceRow(commune.code, commune.name_ar if language == "ar" else commune.name_fr,
                       shares.get(commune.code))
        for measure in measures:
            row.measures[measure] = breakdown(counts[measure][0].get(commune.id, Counter()),
                                              row.census_share, exact=exact,
                                              threshold=threshold)
        rows.append(row)
    total = PlaceRow(None, "", weighted_share(communes, shares))
    for measure in measures:
        total.measures[measure] = breakdown(counts[measure][1], total.census_share,
                                            exact=exact, threshold=threshold)
    return {"measures": measures, "communes": rows, "total": total,
            "charts": {measure: share_chart_rows(rows, measure) for measure in measures},
            "flagged": [row for row in rows if row.flags], "threshold": threshold,
            "chart_threshold": threshold if exact else None,
            "min_declared": MIN_DECLARED, "exact": exact}


#: The sections of the monitoring page, in order: (name, title, function). Each function
#: takes the consultation and ``exact`` and ``language`` keywords; its dict is
#: ``figures[name]`` and the fragment ``exports/_monitoring_<name>.html`` shows it inside
#: ``<section id="<name>">``.
SECTIONS = (
    ("participation", _l("Participation against population"), participation_by_sex),
    ("outcomes", _l("How women's proposals fared in the consolidation"), outcomes_section),
    ("roadmap", _l("The roadmap's budget, gender equality and the SDGs"), roadmap_section),
)


def monitoring_figures(consultation, *, exact: bool = False, language: str = "ar") -> dict:
    """Every section's figures, by section name (see :data:`SECTIONS`)."""
    return {name: section(consultation, exact=exact, language=language)
            for name, _title, section in SECTIONS}


# --- the workbook's monitoring sheets ------------------------------------------------------------

def participation_table(consultation, *, exact: bool, language: str):
    """The sheet ``monitoring_participation``: for the consultation (``commune_code`` empty)
    and each commune, each measure's women, men and not declared (as the page shows them:
    "<5" for small cells unless ``exact``), the women's share among those who declared, the
    census share and the gap in points."""
    from roadmap.exports.tables import Table

    figures = participation_by_sex(consultation, exact=exact, language=language)
    rows = []
    for place in [figures["total"], *figures["communes"]]:
        for measure in MEASURES:
            values = place.measures[measure]
            rows.append([place.code or "", place.label, measure,
                         *[_sheet_cell(values.cell(sex)) for sex in SEXES],
                         values.share, values.census_share, values.gap])
    return Table("monitoring_participation",
                 ["commune_code", "commune", "measure", "women", "men", "not_declared",
                  "women_share_declared", "census_women_share", "gap_points"], rows)


def _sheet_cell(cell: Cell):
    return cell.shown if cell.suppressed else cell.value


def monitoring_sheets(consultation, variant: str, language: str) -> list:
    """The monitoring's sheets of the workbook and the CSV archive, after the data tables:
    participation by sex (exact figures in the ``full`` variant only), then the roadmap's
    (:func:`roadmap.exports.markers.monitoring_tables`, none before publication)."""
    from roadmap.exports.markers import monitoring_tables

    return [participation_table(consultation, exact=variant == "full", language=language),
            *monitoring_tables(consultation)]
